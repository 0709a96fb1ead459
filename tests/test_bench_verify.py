"""bench/verify.py runs end to end on a small index (real renders, transforms, lookups) and
its report becomes the docs table; the full run's figures live in docs/performance.md."""

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from run_all import BENCHES, json_values, render_verify  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_a_small_run_finds_reposted_copies_and_nothing_unrelated():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "verify.py"), *BENCHES["verify"].quick],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json_values(done.stdout)[0]
    result = report["at"]["500"]

    assert len(result["recall"]) >= 30  # every family at several strengths
    assert result["recall_overall"] >= 0.9
    assert sum(result["false_matches"].values()) == 0 and result["unrelated"] == 40
    assert 0 < result["lookup_p50_ms"] <= result["lookup_p99_ms"]
    table = render_verify([report])
    assert "| mirror horizontal |" in table and "recall at 500" in table
    assert "false matches 0 of 40" in table
    json.dumps(report)
