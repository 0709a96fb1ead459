"""Worker throughput and job latency with dynamic batching on and off.

Runs the real worker path (claim → engine → store → complete) against a throwaway SQLite
database (or DATABASE_URL) with the embedded engine. Prints JSON and a table.

    python bench/jobs.py --jobs 64 --size 512x512 --batches 1,8,32
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="promptfolio-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def run(jobs: int, width: int, height: int, steps: int, max_batch: int) -> dict:
    from django.conf import settings

    from generation.engines import clear_cache
    from generation.models import GenerationJob, JobStatus
    from generation.services.batch import batch_run
    from generation.services.engines import configured_engine
    from marketplace.models import User

    settings.GENERATION_ENGINES = {
        "embedded": {
            "class": "generation.engines.embedded.EmbeddedEngine",
            "options": {"max_batch": max_batch},
        }
    }
    clear_cache()

    configured_engine("embedded")  # load outside the timed region, as a worker does at start
    owner, _ = User.objects.get_or_create(email="bench@example.com")
    rows = GenerationJob.objects.bulk_create(
        GenerationJob(
            owner=owner,
            engine="embedded",
            prompt=f"bench prompt {i}: mountains at sunset, oil painting",
            seed=i,
            width=width,
            height=height,
            steps=steps,
            progress_total=steps,
        )
        for i in range(jobs)
    )
    started = time.perf_counter()
    for job in rows:
        batch_run(job_id=job.pk, worker="bench")
    wall = time.perf_counter() - started
    done = GenerationJob.objects.filter(pk__in=[r.pk for r in rows])
    assert all(job.status == JobStatus.SUCCEEDED for job in done)
    latencies = sorted((job.finished_at - job.created_at).total_seconds() for job in done)
    return {
        "max_batch": max_batch,
        "jobs": jobs,
        "size": f"{width}x{height}",
        "steps": steps,
        "wall_s": round(wall, 3),
        "images_per_s": round(jobs / wall, 2),
        "latency_p50_s": round(statistics.median(latencies), 3),
        "latency_p99_s": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=64)
    parser.add_argument("--size", default="512x512")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batches", default="1,8,32")
    args = parser.parse_args()

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    width, height = (int(v) for v in args.size.split("x"))
    results = [run(args.jobs, width, height, args.steps, int(b)) for b in args.batches.split(",")]
    print(json.dumps({"bench": "jobs", "results": results}, indent=2))
    print(f"\n{'max_batch':>9} {'img/s':>8} {'wall s':>8} {'p50 s':>8} {'p99 s':>8}")
    for r in results:
        print(
            f"{r['max_batch']:>9} {r['images_per_s']:>8} {r['wall_s']:>8} "
            f"{r['latency_p50_s']:>8} {r['latency_p99_s']:>8}"
        )


if __name__ == "__main__":
    main()
