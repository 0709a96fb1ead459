"""bench/prompt_policy.py's numbers become a table in docs/performance.md."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from run_all import BENCHES, render_prompt_policy  # noqa: E402


def test_the_prompt_policy_bench_renders_precision_recall_and_speed():
    values = [
        {
            "categories": {
                "benign": {"examples": 200, "false_refusals": 2, "false_refusal_rate": 0.01},
                "graphic_gore": {"examples": 40, "recall": 0.975, "precision": 1.0},
            },
            "recall_by_way_of_writing": {"leet": 0.9, "spaced": 1.0},
            "checks_per_s": 1234.5,
        }
    ]

    table = render_prompt_policy(values)

    assert "| graphic_gore | 40 | 1.0 | 0.975 |" in table
    assert "Benign prompts: 200, refused 2 (1.00%)" in table
    assert "leet 0.9, spaced 1.0" in table and "1234.5 checks/s" in table
    assert BENCHES["prompt_policy"].quick == ["--rounds", "1"]
