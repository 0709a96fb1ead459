"""The prompt policy: a small, explainable rule set that screens user text before generation.

- `folding`: how text is folded (spacing, look-alikes, leetspeak, other scripts kept);
- `rules`: what a rule is and how it matches;
- `terms` / `builtin`: the built-in word lists (seven languages) and rules;
- `names`: rules from protected names (real people, artists; per style);
- `check`: `prompt_policy_check`, the one entry point, and operator settings.

Pure reads only: recording a rejection is `generation.services.prompt_reviews`, protecting
a name is `generation.services.protected_names`.
"""

from generation.services.prompt_policy.builtin import BUILT_IN_RULES
from generation.services.prompt_policy.check import Verdict, policy_rules, prompt_policy_check
from generation.services.prompt_policy.folding import normalise
from generation.services.prompt_policy.names import protected_name_normalise
from generation.services.prompt_policy.rules import Rule

__all__ = [
    "BUILT_IN_RULES",
    "Rule",
    "Verdict",
    "normalise",
    "policy_rules",
    "prompt_policy_check",
    "protected_name_normalise",
]
