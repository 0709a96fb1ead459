"""The labelled prompt corpus (prompt_corpus.jsonl) and how the policy scores on it; shared
by the corpus test and bench/prompt_policy.py.

Each line: text, negative, expected (a PromptCategory value or "benign"), how (the way it
is written: plain, spaced, cyrillic, leet, fullwidth…) and, for prompts that only break
the rules in the protected artist's own style, "style": true. The corpus protects one
fictional artist everywhere and one in a single style (`CORPUS_NAMES`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("prompt_corpus.jsonl")
BENIGN = "benign"
CORPUS_NAMES = (
    {"name": "Mira Kowalczyk", "kind": "artist", "in_style": False},
    {"name": "Tomasz Wren", "kind": "artist", "in_style": True},
)


@dataclass(frozen=True)
class Example:
    text: str
    negative: str
    expected: str
    how: str
    in_style: bool


def load_corpus() -> list[Example]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [
        Example(
            text=row["text"],
            negative=row.get("negative", ""),
            expected=row["expected"],
            how=row.get("how", "plain"),
            in_style=bool(row.get("style")),
        )
        for row in map(json.loads, filter(None, lines))
    ]


def protect_corpus_names(*, style, actor=None) -> None:
    from generation.services.protected_names import protected_name_add

    for entry in CORPUS_NAMES:
        protected_name_add(
            name=entry["name"],
            kind=entry["kind"],
            style=style if entry["in_style"] else None,
            note="prompt corpus",
            actor=actor,
        )


def verdicts(examples: list[Example], *, style) -> list[str]:
    """The category each example was refused under, or "benign"."""
    from generation.services.prompt_policy import prompt_policy_check

    found = []
    for example in examples:
        verdict = prompt_policy_check(
            prompt=example.text,
            negative_prompt=example.negative,
            style=style if example.in_style else None,
        )
        found.append(BENIGN if verdict is None else verdict.category)
    return found


def scores(examples: list[Example], found: list[str]) -> dict[str, dict]:
    """Per category: examples, recall (refused under that category), precision (of the
    refusals under it, the share labelled so); for benign, the false refusal rate."""
    labelled, predicted, hits = defaultdict(int), defaultdict(int), defaultdict(int)
    for example, category in zip(examples, found, strict=True):
        labelled[example.expected] += 1
        predicted[category] += 1
        hits[category] += example.expected == category
    report = {}
    for category in sorted(labelled):
        if category == BENIGN:
            refused = labelled[BENIGN] - hits[BENIGN]
            report[BENIGN] = {
                "examples": labelled[BENIGN],
                "false_refusals": refused,
                "false_refusal_rate": round(refused / labelled[BENIGN], 4),
            }
            continue
        report[category] = {
            "examples": labelled[category],
            "recall": round(hits[category] / labelled[category], 4),
            "precision": round(hits[category] / predicted[category], 4)
            if predicted[category]
            else 0.0,
        }
    return report
