"""Smoke run of bench/watchers.py: a real gunicorn + Redis, 20 watchers for 5 s (the full
run with its baseline pass is `python bench/run_all.py --only watchers`)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_watchers_see_every_change_without_errors(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "DJANGO_SECRET_KEY": "smoke"}
    run = subprocess.run(
        [sys.executable, "bench/watchers.py", "--quick", "--no-baseline"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout[: run.stdout.rindex("}") + 1])
    (result,) = report["results"]
    assert result["mode"] == "conditional" and result["watchers"] == 20
    assert result["errors"] == 0 and result["missed"] == 0
    assert result["changes_measured"] >= 10 and result["p99_s"] < 5
    # Progress reaches the tabs as patches from the cache (their full renders were in the
    # warm-up), and unchanged polls are 304s.
    assert result["responses"]["patch"] > 0 and result["responses"]["304"] > 0
