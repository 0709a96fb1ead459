"""The built-in rules, most severe first (the first rule a text breaks is the one reported)."""

from generation.models import PromptCategory
from generation.services.prompt_policy import terms as t
from generation.services.prompt_policy.rules import Rule

BUILT_IN_RULES: tuple[Rule, ...] = (
    Rule(
        id="minors.terms",
        category=PromptCategory.MINORS,
        explanation="terms used for sexualised depictions of children",
        terms=t.MINOR_ONLY_TERMS,
    ),
    Rule(
        id="minors.sexual",
        category=PromptCategory.MINORS,
        explanation="a child or teenager together with sexual or nude content",
        terms=t.MINOR_TERMS,
        patterns=(t.AGES_UNDER_18,),
        with_terms=t.SEXUAL_TERMS,
    ),
    Rule(
        id="minors.clothing_negated",
        category=PromptCategory.MINORS,
        explanation="a child or teenager with clothing listed in the negative prompt",
        terms=t.MINOR_TERMS,
        patterns=(t.AGES_UNDER_18,),
        negative_terms=t.CLOTHING_TERMS,
    ),
    Rule(
        id="sexual_violence.terms",
        category=PromptCategory.SEXUAL_VIOLENCE,
        explanation="rape, sexual assault or other non-consensual sexual acts",
        terms=t.SEXUAL_VIOLENCE_TERMS,
        allow=("rape of the sabine women", "rape of the sabines", "rape of europa")
        + ("rape of proserpina", "rape of persephone", "rape of the lock"),
    ),
    Rule(
        id="gore.graphic",
        category=PromptCategory.GORE,
        explanation="graphic gore: mutilation, dismemberment, exposed organs",
        terms=t.GORE_TERMS,
        allow=t.GORE_ALLOW,
    ),
    Rule(
        id="hate.swastika",
        category=PromptCategory.HATE,
        explanation="the swastika outside a religious (Hindu, Buddhist, Jain) context",
        terms=t.SWASTIKA_TERMS,
        unless=t.RELIGIOUS_CONTEXT,
    ),
    Rule(
        id="hate.symbols",
        category=PromptCategory.HATE,
        explanation="hate or extremist symbols, salutes and propaganda",
        terms=t.HATE_TERMS,
    ),
    Rule(
        id="likeness.deepfake",
        category=PromptCategory.PRIVATE_LIKENESS,
        explanation="deepfakes, face swaps and 'undressing' a real person",
        terms=t.DEEPFAKE_TERMS,
    ),
    Rule(
        id="likeness.private_person",
        category=PromptCategory.PRIVATE_LIKENESS,
        explanation="sexual imagery of a real, identified private person (no consent shown)",
        terms=t.PRIVATE_PERSON_TERMS,
        with_terms=t.SEXUAL_TERMS,
    ),
    Rule(
        id="likeness.public_figure",
        category=PromptCategory.REAL_PERSON,
        explanation="a real public figure (celebrity, politician) in sexual or defamatory imagery",
        terms=t.REAL_PERSON_TERMS,
        patterns=t.REAL_PERSON_PATTERNS,
        with_terms=t.SEXUAL_TERMS + t.DEFAMATORY_TERMS,
    ),
    Rule(
        id="provenance.remove_marks",
        category=PromptCategory.PROVENANCE,
        explanation="removing or faking watermarks, content credentials or signatures",
        terms=t.REMOVE_MARK_TERMS,
        patterns=(
            rf"{t.REMOVE_VERBS} (?:the |any |all |a |its |their |this )?"
            rf"(?:invisible |hidden |digital |ai )?{t.MARKS}",
            *t.REMOVE_MARK_PATTERNS,
        ),
    ),
    Rule(
        id="provenance.signature",
        category=PromptCategory.PROVENANCE,
        explanation="an artist's signature on work they did not make",
        terms=t.SIGNATURE_TERMS,
        patterns=t.SIGNATURE_PATTERNS,
    ),
)
