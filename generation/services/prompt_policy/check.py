"""The check: the first rule a text breaks, with what it matched.

Operators extend the built-in rules with `PROMPT_POLICY_EXTRA_RULES` (a list of dicts with
the keys id, category, explanation, terms, patterns, with_terms, negative_terms, allow,
unless) and switch built-in rules off by id with `PROMPT_POLICY_DISABLED_RULES`. Protected
names (`names.py`) come after the built-in rules and before the operator's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.models import PromptCategory, Style
from generation.services.prompt_policy.builtin import BUILT_IN_RULES
from generation.services.prompt_policy.folding import normalise
from generation.services.prompt_policy.names import NAME_RULE_IDS, name_rules
from generation.services.prompt_policy.rules import Rule

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


@dataclass(frozen=True)
class RuleSet:
    builtin: tuple[Rule, ...]  # the built-in rules still switched on
    operator: tuple[Rule, ...]  # PROMPT_POLICY_EXTRA_RULES
    vocabulary: frozenset[str]  # their words, where spaced-out letters may be split


@lru_cache(maxsize=8)
def _rules(config: str) -> RuleSet:
    extra, disabled = json.loads(config)
    builtin = tuple(r for r in BUILT_IN_RULES if r.id not in disabled)
    operator = tuple(_rule_from_setting(raw) for raw in extra)
    ids = [r.id for r in builtin + operator] + list(NAME_RULE_IDS)
    if len(ids) != len(set(ids)):
        raise ImproperlyConfigured("Prompt policy rule ids must be unique.")
    vocabulary = frozenset().union(*(r.words for r in builtin + operator))
    return RuleSet(builtin=builtin, operator=operator, vocabulary=vocabulary)


def policy_rules() -> RuleSet:
    extra = list(getattr(settings, "PROMPT_POLICY_EXTRA_RULES", ()) or ())
    disabled = sorted(getattr(settings, "PROMPT_POLICY_DISABLED_RULES", ()) or ())
    return _rules(json.dumps([extra, disabled], sort_keys=True))


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


def prompt_policy_check(
    *, prompt: str, negative_prompt: str = "", style: Style | None = None
) -> Verdict | None:
    """The first rule the text breaks, or None when it may run. `style` (a Style, or None)
    brings in the names protected only in that style."""
    rules = policy_rules()
    text = normalise(prompt, vocabulary=rules.vocabulary)
    negative = normalise(negative_prompt, vocabulary=rules.vocabulary)
    names = name_rules(style_id=None if style is None else str(style.pk))
    for rule in (*rules.builtin, *names, *rules.operator):
        matched = rule.match(text, negative)
        if matched is not None:
            return Verdict(
                rule_id=rule.id,
                category=rule.category,
                explanation=rule.explanation,
                matched=matched[:200],
            )
    return None
