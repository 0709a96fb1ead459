"""The prompt policy: a small, explainable rule set that screens user text before generation.

Each rule names a category, says in one line why it exists, and lists the words or phrases
that trigger it. Matching is on whole words of a normalised text (case, accents, leetspeak
such as "r4p3", spaced or dotted letters such as "r a p e" / "r.a.p.e" and stretched letters
such as "raaape" are folded away), so "grapes", "therapist", "Scunthorpe" or "a minor chord"
never match. A rule may also require:

- `with_terms`: a second word in the prompt (a child term *and* a sexual term),
- `negative_terms`: a word in the negative prompt (a child in the prompt, clothing negated),
- `allow`: phrases blanked out before matching ("Gore-Tex", "Al Gore"),
- `unless`: context that disarms the rule ("swastika" on a Hindu temple).

Operators extend it with `PROMPT_POLICY_EXTRA_RULES` (a list of dicts with the same keys:
id, category, explanation, terms, patterns, with_terms, negative_terms, allow, unless) and
switch built-in rules off by id with `PROMPT_POLICY_DISABLED_RULES`.

Pure functions only: recording a rejection is `generation.services.prompt_reviews`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.models import PromptCategory

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"}
    | {"!": "i", "|": "i", "+": "t"}
)
_LEET_CHARS = frozenset("0134578@$!|+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_NON_WORD = re.compile(r"[^a-z0-9]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")


# --- normalisation --------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_ZERO_WIDTH))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[str]:
    """Lower-case ASCII words; a run of 3+ single letters ("r a p e") becomes one word."""
    words: list[str] = []
    run: list[str] = []
    for word in _NON_WORD.sub(" ", text).split():
        if len(word) == 1:
            run.append(word)
            continue
        words.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        words.append(word)
    words.extend(["".join(run)] if len(run) >= 3 else run)
    return words


def _deleet(token: str) -> str:
    """Leetspeak only inside words that mix letters with digits/symbols ("s3x", "r@pe"), so
    numbers such as "1488" or "35mm" keep their meaning."""
    if any(c.isalpha() for c in token) and any(c in _LEET_CHARS for c in token):
        return token.translate(_LEET)
    return token


def normalise(text: str) -> tuple[str, ...]:
    """The spellings a rule is matched against: plain words, de-leeted words, and de-leeted
    words with stretched letters shrunk ("raaape" → "rape"; "kkk" stays in the plain one)."""
    folded = _fold(text or "")
    plain = " ".join(_words(folded))
    leet = " ".join(_words(" ".join(_deleet(t) for t in folded.split())))
    shrunk = " ".join(_STRETCHED.sub(r"\1", word) for word in leet.split())
    return tuple(dict.fromkeys((plain, leet, shrunk)))


def _term_regex(term: str) -> str:
    prefix = term.endswith("*")
    words = " ".join(_words(_fold(term.rstrip("*"))))
    if not words:
        raise ImproperlyConfigured(f"Prompt policy term {term!r} has no letters or digits.")
    return r"(?<![a-z0-9])" + re.escape(words) + (r"[a-z0-9]*" if prefix else "") + r"(?![a-z0-9])"


def _compile(terms: tuple[str, ...], patterns: tuple[str, ...] = ()) -> re.Pattern | None:
    parts = [_term_regex(t) for t in terms]
    parts += [rf"(?<![a-z0-9])(?:{p})(?![a-z0-9])" for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


# --- rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    explanation: str
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    with_terms: tuple[str, ...] = ()
    negative_terms: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    compiled: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.category not in PromptCategory.values:
            raise ImproperlyConfigured(f"Prompt policy rule {self.id!r}: unknown category.")
        if not (self.terms or self.patterns):
            raise ImproperlyConfigured(f"Prompt policy rule {self.id!r} has no terms.")
        try:
            self.compiled.update(
                main=_compile(self.terms, self.patterns),
                with_terms=_compile(self.with_terms),
                negative=_compile(self.negative_terms),
                allow=_compile(self.allow),
                unless=_compile(self.unless),
            )
        except re.error as error:
            raise ImproperlyConfigured(f"Prompt policy rule {self.id!r}: {error}") from None

    def match(self, prompt: tuple[str, ...], negative: tuple[str, ...]) -> str | None:
        """The matched text, or None. `prompt`/`negative` are `normalise()`d spellings."""
        c = self.compiled
        if c["unless"] is not None and any(c["unless"].search(s) for s in prompt):
            return None
        if c["allow"] is not None:
            prompt = tuple(c["allow"].sub(" ", s) for s in prompt)
        found = _first(c["main"], prompt)
        if found is None:
            return None
        for extra, texts in ((c["with_terms"], prompt), (c["negative"], negative)):
            if extra is not None:
                also = _first(extra, texts)
                if also is None:
                    return None
                found = f"{found} + {also}"
        return found


def _first(regex: re.Pattern, texts: tuple[str, ...]) -> str | None:
    for text in texts:
        hit = regex.search(text)
        if hit:
            return hit.group(0)
    return None


AGES_UNDER_18 = r"(?:[1-9]|1[0-7]) ?(?:yo|y o|yr old|yrs old|year old|years old)"
MINOR_TERMS = (
    "child", "children", "kid", "kids", "underage", "under age", "preteen", "pre teen",
    "preteens", "tween", "tweens", "toddler", "toddlers", "infant", "minors",
    "little girl", "little girls", "little boy", "little boys", "young girl", "young girls",
    "young boy", "young boys", "schoolgirl", "schoolgirls", "schoolboy", "schoolboys",
    "school girl", "school boy", "teen", "teens", "teenage", "teenager", "teenagers",
)  # fmt: skip
SEXUAL_TERMS = (
    "nude", "nudes", "nudity", "naked", "nsfw", "sex", "sexual", "sexualised", "sexualized",
    "sexy", "porn", "porno", "pornographic", "pornography", "erotic", "erotica", "hentai",
    "lewd", "topless", "bottomless", "lingerie", "genitals", "genitalia", "orgasm", "fetish",
    "seductive", "spread legs", "undressed", "undressing", "striptease",
)  # fmt: skip
CLOTHING_TERMS = ("clothes", "clothing", "clothed", "underwear", "panties", "swimsuit", "bikini")
PRIVATE_PERSON_TERMS = (
    "my ex", "my ex girlfriend", "my ex boyfriend", "my ex wife", "my ex husband",
    "my girlfriend", "my boyfriend", "my wife", "my husband", "my crush", "my coworker",
    "my co worker", "my colleague", "my classmate", "my neighbour", "my neighbor", "my boss",
    "my teacher", "my student", "my roommate", "my flatmate", "my friend", "my friends",
    "my sister", "my brother", "my stepsister", "my stepbrother", "my cousin", "my mom",
    "my mum", "my mother", "my stepmom", "my daughter", "my son",
)  # fmt: skip
REMOVE_VERBS = (
    r"(?:remove|removing|erase|erasing|strip|stripping|delete|deleting|crop out|cropping out"
    r"|get rid of|clean off|hide|hiding|bypass|bypassing|defeat|defeating|forge|forging|fake|"
    r"faking)"
)
MARKS = (
    r"(?:watermark|watermarks|c2pa|content credentials|provenance|ai label|ai labels"
    r"|ai marking|signature|signatures)"
)

BUILT_IN_RULES: tuple[Rule, ...] = (
    Rule(
        id="minors.terms",
        category=PromptCategory.MINORS,
        explanation="terms used for sexualised depictions of children",
        terms=("loli", "lolis", "lolicon", "shota", "shotas", "shotacon", "jailbait")
        + ("pedo", "pedophile", "paedophile", "pedophilia", "paedophilia"),
    ),
    Rule(
        id="minors.sexual",
        category=PromptCategory.MINORS,
        explanation="a child or teenager together with sexual or nude content",
        terms=MINOR_TERMS,
        patterns=(AGES_UNDER_18,),
        with_terms=SEXUAL_TERMS,
    ),
    Rule(
        id="minors.clothing_negated",
        category=PromptCategory.MINORS,
        explanation="a child or teenager with clothing listed in the negative prompt",
        terms=MINOR_TERMS,
        patterns=(AGES_UNDER_18,),
        negative_terms=CLOTHING_TERMS,
    ),
    Rule(
        id="sexual_violence.terms",
        category=PromptCategory.SEXUAL_VIOLENCE,
        explanation="rape, sexual assault or other non-consensual sexual acts",
        terms=("rape", "raped", "rapes", "raping", "rapist", "rapists", "sexual assault")
        + ("sexually assaulted", "sexually assaulting", "non consensual", "nonconsensual")
        + ("noncon", "molest*", "forced sex", "sex slave", "sex slaves"),
        allow=("rape of the sabine women", "rape of the sabines", "rape of europa")
        + ("rape of proserpina", "rape of persephone", "rape of the lock"),
    ),
    Rule(
        id="gore.graphic",
        category=PromptCategory.GORE,
        explanation="graphic gore: mutilation, dismemberment, exposed organs",
        terms=("gore", "gory", "disembowel*", "dismember*", "decapitat*", "eviscerat*")
        + ("mutilat*", "flayed", "flaying", "entrails", "severed head", "severed heads")
        + ("severed limb", "severed limbs", "spilled guts", "spilling guts", "guts spilling")
        + ("exposed organs", "exposed intestines", "snuff film", "snuff films", "torture porn"),
        allow=("gore tex", "goretex", "al gore", "gore vidal", "lesley gore", "gore skirt"),
    ),
    Rule(
        id="hate.swastika",
        category=PromptCategory.HATE,
        explanation="the swastika outside a religious (Hindu, Buddhist, Jain) context",
        terms=("swastika", "swastikas"),
        unless=("hindu", "hinduism", "buddhist", "buddhism", "jain", "jainism", "manji")
        + ("diwali", "sanskrit", "temple", "mandala"),
    ),
    Rule(
        id="hate.symbols",
        category=PromptCategory.HATE,
        explanation="hate or extremist symbols, salutes and propaganda",
        terms=("hakenkreuz", "sieg heil", "heil hitler", "nazi flag", "nazi flags")
        + ("nazi salute", "nazi propaganda", "nazi rally", "neo nazi", "neo nazis", "neonazi")
        + ("ku klux klan", "kkk", "white power", "white supremacy", "white supremacist")
        + ("1488", "sonnenrad", "ss runes", "ss bolts", "isis flag", "isis propaganda")
        + ("jihadist propaganda",),
    ),
    Rule(
        id="likeness.deepfake",
        category=PromptCategory.PRIVATE_LIKENESS,
        explanation="deepfakes, face swaps and 'undressing' a real person",
        terms=("deepfake", "deepfakes", "deep fake", "deep fakes", "faceswap", "face swap")
        + ("face swapped", "nudify", "nudified", "undress her", "undress him", "undress them")
        + ("remove her clothes", "remove his clothes", "take off her clothes"),
    ),
    Rule(
        id="likeness.private_person",
        category=PromptCategory.PRIVATE_LIKENESS,
        explanation="sexual imagery of a real, identified private person (no consent shown)",
        terms=PRIVATE_PERSON_TERMS,
        with_terms=SEXUAL_TERMS,
    ),
    Rule(
        id="provenance.remove_marks",
        category=PromptCategory.PROVENANCE,
        explanation="removing or faking watermarks, content credentials or signatures",
        terms=("watermark remover", "watermark removal", "unwatermarked", "dewatermark"),
        patterns=(
            rf"{REMOVE_VERBS} (?:the |any |all |a |its |their |this )?"
            rf"(?:invisible |hidden |digital |ai )?{MARKS}",
        ),
    ),  # fmt: skip
    Rule(
        id="provenance.signature",
        category=PromptCategory.PROVENANCE,
        explanation="an artist's signature on work they did not make",
        terms=("forged signature", "fake signature", "faked signature", "signed by")
        + ("copy the signature", "copy his signature", "copy her signature")
        + ("signature of", "with the signature", "artist s signature", "artists signature"),
    ),
)

RULE_KEYS = {"id", "category", "explanation", "terms", "patterns", "with_terms"} | {
    "negative_terms",
    "allow",
    "unless",
}


def _rule_from_setting(raw) -> Rule:
    if not isinstance(raw, dict) or not raw.get("id") or set(raw) - RULE_KEYS:
        raise ImproperlyConfigured(
            f"PROMPT_POLICY_EXTRA_RULES entries are dicts with an id and only {sorted(RULE_KEYS)}."
        )
    lists = {}
    for key in sorted(RULE_KEYS - {"id", "category", "explanation"}):
        value = raw.get(key, ())
        lists[key] = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
    return Rule(
        id=str(raw["id"]),
        category=raw.get("category", PromptCategory.OTHER),
        explanation=str(raw.get("explanation") or "a rule set by the operator"),
        **lists,
    )


@lru_cache(maxsize=8)
def _rules(config: str) -> tuple[Rule, ...]:
    extra, disabled = json.loads(config)
    rules = [r for r in BUILT_IN_RULES if r.id not in disabled]
    rules += [_rule_from_setting(raw) for raw in extra]
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ImproperlyConfigured("Prompt policy rule ids must be unique.")
    return tuple(rules)


def policy_rules() -> tuple[Rule, ...]:
    extra = list(getattr(settings, "PROMPT_POLICY_EXTRA_RULES", ()) or ())
    disabled = sorted(getattr(settings, "PROMPT_POLICY_DISABLED_RULES", ()) or ())
    return _rules(json.dumps([extra, disabled], sort_keys=True))


# --- the check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Why a text was refused: the rule, its category and what it matched."""

    rule_id: str
    category: str
    explanation: str
    matched: str

    @property
    def category_label(self) -> str:
        return PromptCategory(self.category).label


def prompt_policy_check(*, prompt: str, negative_prompt: str = "") -> Verdict | None:
    """The first rule the text breaks, or None when it may run."""
    text, negative = normalise(prompt), normalise(negative_prompt)
    for rule in policy_rules():
        matched = rule.match(text, negative)
        if matched is not None:
            return Verdict(
                rule_id=rule.id,
                category=rule.category,
                explanation=rule.explanation,
                matched=matched[:200],
            )
    return None
