"""The prompt policy: what it refuses, what it must never refuse, and operator settings."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.models import PromptCategory
from generation.services.prompt_policy import normalise, prompt_policy_check

pytestmark = pytest.mark.django_db  # protected names are read from the database


def verdict_of(prompt, negative_prompt=""):
    verdict = prompt_policy_check(prompt=prompt, negative_prompt=negative_prompt)
    return None if verdict is None else (verdict.category, verdict.rule_id, verdict.matched)


@pytest.mark.parametrize(
    ("prompt", "negative", "expected"),
    [
        ("a loli in a bikini", "", (PromptCategory.MINORS, "minors.terms", "loli")),
        ("nude teen on a beach", "", (PromptCategory.MINORS, "minors.sexual", "teen + nude")),
        ("sexy 12 year old", "", (PromptCategory.MINORS, "minors.sexual", "12 year old + sexy")),
        ("a child at the beach", "clothes", (PromptCategory.MINORS, "minors.clothing_negated",
                                             "child + clothes")),
        ("the rapist in the alley", "", (PromptCategory.SEXUAL_VIOLENCE,
                                         "sexual_violence.terms", "rapist")),
        ("a non-consensual scene", "", (PromptCategory.SEXUAL_VIOLENCE,
                                        "sexual_violence.terms", "non consensual")),
        ("zombie, disembowelled, gore", "", (PromptCategory.GORE, "gore.graphic",
                                             "disembowelled")),
        ("a severed head on a plate", "", (PromptCategory.GORE, "gore.graphic", "severed head")),
        ("a swastika banner", "", (PromptCategory.HATE, "hate.swastika", "swastika")),
        ("crowd doing a Sieg Heil", "", (PromptCategory.HATE, "hate.symbols", "sieg heil")),
        ("KKK rally at night", "", (PromptCategory.HATE, "hate.symbols", "kkk")),
        ("tattoo of 1488", "", (PromptCategory.HATE, "hate.symbols", "1488")),
        ("deepfake of a news anchor", "", (PromptCategory.PRIVATE_LIKENESS,
                                           "likeness.deepfake", "deepfake")),
        ("my neighbour naked in the garden", "", (PromptCategory.PRIVATE_LIKENESS,
                                                  "likeness.private_person",
                                                  "my neighbour + naked")),
        ("remove the watermark from this photo", "", (PromptCategory.PROVENANCE,
                                                      "provenance.remove_marks",
                                                      "remove the watermark")),
        ("get rid of the content credentials", "", (PromptCategory.PROVENANCE,
                                                    "provenance.remove_marks",
                                                    "get rid of the content credentials")),
        ("landscape signed by Greg Rutkowski", "", (PromptCategory.PROVENANCE,
                                                    "provenance.signature", "signed by")),
    ],
)  # fmt: skip
def test_each_category_refuses_what_it_names(prompt, negative, expected):
    assert verdict_of(prompt, negative) == expected


@pytest.mark.parametrize(
    "prompt",
    [
        "r4p3",  # leetspeak
        "R A P E",  # spaced letters
        "r.a.p.e",  # dotted letters
        "r-a-p-e",
        "raaaape",  # stretched letters
        "RaPe",  # case
        "ｒａｐｅ",  # full-width characters
        "ra\u200bpe",  # a zero-width space inside the word
        "rápé",  # accents
        "r@pe",  # symbol for a letter
    ],
)
def test_obfuscated_spellings_are_normalised(prompt):
    assert verdict_of(prompt) == (PromptCategory.SEXUAL_VIOLENCE, "sexual_violence.terms", "rape")


@pytest.mark.parametrize(
    ("prompt", "negative"),
    [
        ("a minor chord played on a grand piano", ""),
        ("sexy jazz bar at night, melody in a minor key", ""),
        ("Scunthorpe United fans in the stands", ""),
        ("a therapist's office with a leather couch", ""),
        ("grapes and drapes, a rapeseed field in May", ""),
        ("hikers in Gore-Tex jackets; Al Gore giving a speech", ""),
        ("a gothic scene in the style of Edward Gorey", ""),
        ("lolita fashion dress with lace", ""),
        ("a Hindu swastika painted on a temple door for Diwali", ""),
        ("kids playing football in the park", "blurry, low quality"),
        ("a clean product photo", "watermark, text, signature, logo"),
        ("no watermark, sharp focus", ""),
        ("The Rape of the Sabine Women, baroque painting", ""),
        ("35mm photo, 4k, 8k, f1.8", ""),
        ("chicken breast dinner for the kids", ""),
        ("the Isis goddess with wings, Egyptian mural", ""),
        ("a shotgun on a table", ""),
        ("a candle snuffer and a snuff box, still life", ""),
        ("my neighbour's garden in spring", ""),
        ("a mind flayer from a fantasy game", ""),
    ],
)
def test_ordinary_prompts_are_not_refused(prompt, negative):
    assert verdict_of(prompt, negative) is None


def test_normalise_keeps_numbers_and_folds_mixed_words():
    assert normalise("R@pe 1488 4k") == ("r pe 1488 4k", "rape 1488 ak")
    assert normalise("kkk raaape") == ("kkk raaape", "k rape")


def test_operators_add_rules_and_switch_built_ins_off(settings):
    settings.PROMPT_POLICY_EXTRA_RULES = [
        {
            "id": "artist.living",
            "category": "provenance_tampering",
            "explanation": "a living artist's manner",
            "terms": ["in the style of", "in the manner of"],
            "with_terms": ["jane painter"],
        },
        {"id": "local.brand", "terms": "acme*"},
    ]
    settings.PROMPT_POLICY_DISABLED_RULES = ["gore.graphic"]

    assert verdict_of("a landscape in the manner of Jane Painter") == (
        PromptCategory.PROVENANCE,
        "artist.living",
        "in the manner of + jane painter",
    )
    assert verdict_of("Acmeco logo on a mug") == (PromptCategory.OTHER, "local.brand", "acmeco")
    assert verdict_of("a signature cocktail") is None
    assert verdict_of("zombie gore") is None


@pytest.mark.parametrize(
    "rules",
    [
        [{"id": "x", "category": "nope", "terms": ["a"]}],
        [{"id": "x"}],
        [{"terms": ["a"]}],
        [{"id": "x", "terms": ["a"], "colour": "red"}],
        [{"id": "x", "patterns": ["("]}],
        [{"id": "gore.graphic", "terms": ["a"]}],
        [{"id": "x", "terms": ["!!"]}],
    ],
)
def test_bad_operator_rules_fail_loudly(settings, rules):
    settings.PROMPT_POLICY_EXTRA_RULES = rules

    with pytest.raises(ImproperlyConfigured):
        prompt_policy_check(prompt="anything")
