"""A policy rule: a category, a one-line reason, and the terms or patterns that trigger it.

Terms are matched as whole words of the folded text (`folding.normalise`), so "grapes",
"therapist" or "Scunthorpe" never match "rape", "the rapist" or the other. A term ending in
`*` matches as a prefix ("mutilat*"). A term in CJK script matches as a substring of a CJK
run (CJK has no spaces between words). A rule may also require:

- `with_terms`: a second word in the prompt (a child term *and* a sexual term),
- `negative_terms`: a word in the negative prompt (a child in the prompt, clothing negated),
- `allow`: phrases blanked out before matching ("Gore-Tex", "Al Gore"),
- `unless`: context that disarms the rule ("swastika" on a Hindu temple).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from generation.models import PromptCategory
from generation.services.prompt_policy.folding import has_cjk, term_words


def term_regex(term: str) -> str:
    prefix = term.endswith("*")
    words = term_words(term.rstrip("*"))
    if not words:
        raise ImproperlyConfigured(f"Prompt policy term {term!r} has no letters or digits.")
    if has_cjk(words):
        return re.escape(words)
    return r"(?<!\w)" + re.escape(words) + (r"\w*" if prefix else "") + r"(?!\w)"


def _compile(terms: tuple[str, ...], patterns: tuple[str, ...] = ()) -> re.Pattern | None:
    parts = [term_regex(t) for t in terms]
    parts += [rf"(?<!\w)(?:{p})(?!\w)" for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


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
        single = (term_words(t.rstrip("*")) for t in self.terms + self.with_terms)
        self.compiled["words"] = frozenset(
            w for w in single if len(w) >= 3 and " " not in w and not has_cjk(w)
        )

    @property
    def words(self) -> frozenset[str]:
        """Its one-word terms: where a spaced-out run of letters may be split ("sexy teen"),
        never at a mere "the" ("t h e r a p i s t" stays one word)."""
        return self.compiled["words"]

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
