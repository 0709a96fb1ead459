"""Rules built from protected names: the operator's list (ProtectedName rows) and the
`PROMPT_POLICY_PROTECTED_NAMES` defaults.

- a real person's name with sexual or defamatory terms → refused;
- any protected name next to "signature", "signed", "autograph" → refused (a forged
  signature);
- an artist's name → refused where it is blocked: everywhere, or in its one style.

Compiled rules are kept per (names version, scope), so a check costs no query.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.models import PromptCategory, ProtectedNameKind
from generation.selectors.protected_names import ActiveName, protected_names_active
from generation.services.prompt_policy import terms as t
from generation.services.prompt_policy.folding import term_words
from generation.services.prompt_policy.rules import Rule

NAME_RULE_IDS = ("names.real_person", "names.signature", "names.artist")
_lock = threading.Lock()
_compiled: dict = {"key": None, "rules": {}}


def protected_name_normalise(name: str) -> str:
    """How a name is stored and matched: folded words ("Zoë  O'Neil" → "zoe o neil")."""
    return term_words(name.replace("*", " "))


def _setting_name(raw) -> ActiveName:
    entry = {"name": raw} if isinstance(raw, str) else raw
    if not isinstance(entry, dict) or set(entry) - {"name", "kind"}:
        entry = {}
    kind = entry.get("kind", ProtectedNameKind.REAL_PERSON)
    normalised = protected_name_normalise(str(entry.get("name", "")))
    if kind not in ProtectedNameKind.values or not normalised:
        raise ImproperlyConfigured(
            "PROMPT_POLICY_PROTECTED_NAMES entries are names or "
            f'{{"name": ..., "kind": "real_person" | "artist"}}; got {raw!r}.'
        )
    return ActiveName(normalised=normalised, kind=kind, style_id=None)


@lru_cache(maxsize=8)
def _setting_names(config: str) -> tuple[ActiveName, ...]:
    return tuple(_setting_name(raw) for raw in json.loads(config))


def _spellings(names) -> tuple[str, ...]:
    """Each name as written and run together ("scarlettjohansson", a hashtag)."""
    found = {n.normalised for n in names} | {n.normalised.replace(" ", "") for n in names}
    return tuple(sorted(found))


def _build(names: list[ActiveName]) -> tuple[Rule, ...]:
    people = [n for n in names if n.kind == ProtectedNameKind.REAL_PERSON]
    artists = [n for n in names if n.kind == ProtectedNameKind.ARTIST]
    rules = []
    if people:
        rules.append(
            Rule(
                id="names.real_person",
                category=PromptCategory.REAL_PERSON,
                explanation="a named real person in sexual or defamatory imagery",
                terms=_spellings(people),
                with_terms=t.SEXUAL_TERMS + t.DEFAMATORY_TERMS,
            )
        )
    if names:
        rules.append(
            Rule(
                id="names.signature",
                category=PromptCategory.PROVENANCE,
                explanation="a named person's signature on work they did not make",
                terms=t.SIGNATURE_WORDS,
                with_terms=_spellings(names),
            )
        )
    if artists:
        rules.append(
            Rule(
                id="names.artist",
                category=PromptCategory.PROTECTED_ARTIST,
                explanation="the name of an artist who asked not to be imitated here",
                terms=_spellings(artists),
            )
        )
    return tuple(rules)


def name_rules(*, style_id: str | None) -> tuple[Rule, ...]:
    """The name rules for a prompt in `style_id` (None: no style)."""
    version, stored = protected_names_active()
    config = json.dumps(list(getattr(settings, "PROMPT_POLICY_PROTECTED_NAMES", ()) or ()))
    defaults = _setting_names(config)
    key = (version, config)
    scoped = {n.style_id for n in stored if n.style_id is not None}
    scope = style_id if style_id in scoped else None
    with _lock:
        if version is not None and _compiled["key"] == key and scope in _compiled["rules"]:
            return _compiled["rules"][scope]
    names = [*defaults, *(n for n in stored if n.style_id in (None, scope))]
    rules = _build(names)
    with _lock:
        if _compiled["key"] != key:
            _compiled.update(key=key, rules={})
        _compiled["rules"][scope] = rules
    return rules
