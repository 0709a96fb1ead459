"""The prompt policy on its labelled corpus (tests/generation/prompt_corpus.jsonl): precision
and recall per category, the false refusal rate on benign prompts, recall by way of writing
(spaced, look-alikes, leet, full-width…), and checks per second.

Runs the real `prompt_policy_check` against a throwaway database holding the corpus's
protected names. Prints JSON and a table.

    python bench/prompt_policy.py
    python bench/prompt_policy.py --rounds 1
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="promptfolio-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def recall_by_way_of_writing(examples, found) -> dict:
    caught, total = defaultdict(int), defaultdict(int)
    for example, category in zip(examples, found, strict=True):
        if example.expected != "benign":
            total[example.how] += 1
            caught[example.how] += category == example.expected
    return {how: round(caught[how] / total[how], 4) for how in sorted(total)}


def checks_per_second(examples, style, rounds: int) -> float:
    from tests.generation.policy_corpus import verdicts

    started = time.perf_counter()
    for _ in range(rounds):
        verdicts(examples, style=style)
    return round(rounds * len(examples) / (time.perf_counter() - started), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the corpus timed")
    args = parser.parse_args()

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from generation.models import Style
    from tests.factories import UserFactory
    from tests.generation.policy_corpus import load_corpus, protect_corpus_names, scores, verdicts

    style = Style.objects.create(
        creator=UserFactory(creator=True), title="Harbours", price_amount=700
    )
    protect_corpus_names(style=style)
    examples = load_corpus()
    found = verdicts(examples, style=style)  # also warms the caches
    report = scores(examples, found)
    result = {
        "bench": "prompt_policy",
        "examples": len(examples),
        "categories": report,
        "recall_by_way_of_writing": recall_by_way_of_writing(examples, found),
        "checks_per_s": checks_per_second(examples, style, args.rounds),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\n{'category':<22} {'examples':>8} {'precision':>9} {'recall':>7}")
    for category, row in report.items():
        if category != "benign":
            print(f"{category:<22} {row['examples']:>8} {row['precision']:>9} {row['recall']:>7}")
    benign = report["benign"]
    print(
        f"\nbenign: {benign['examples']} prompts, {benign['false_refusals']} refused "
        f"({benign['false_refusal_rate']:.2%}); {result['checks_per_s']} checks/s"
    )


if __name__ == "__main__":
    main()
