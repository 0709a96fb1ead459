"""Fault injection at length: the long versions of tests/faults.

- `kills`: kill -9 a real Celery worker mid-batch N times; every job must end succeeded
  exactly once (no lost jobs, no duplicate pieces).
- `redis`: SHUTDOWN NOSAVE a private redis-server mid-run R times and start it again on the
  same port; all jobs finish, /healthz says 503 while it is down and 200 after.
- `webhooks`: bench/webhooks.py's replayed/forged/stale/tampered deliveries (0 wrong grants).

Runs against a throwaway SQLite database and VAR_DIR (never the environment's DATABASE_URL
or broker); workers are real `celery -A config worker` processes. Prints JSON and a table.

    python bench/faults.py --kills 10 --restarts 10 --webhooks 1000
    python bench/faults.py --quick        # one of each, small: a smoke run
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="promptfolio-bench-faults-")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
for name in ("DATABASE_URL", "CELERY_BROKER_URL", "S3_ENDPOINT_URL"):
    os.environ.pop(name, None)  # embedded defaults only: a bench must not touch real services

LEASE_SECONDS = 4


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_jobs(count: int, *, images: int, steps_from: int) -> list:
    from django.conf import settings

    from generation.services.jobs import JobSpec, job_create
    from tests.factories import UserFactory

    per_owner = settings.GENERATION_MAX_ACTIVE_JOBS
    owners = [UserFactory() for _ in range(0, count, per_owner)]
    # Distinct step counts: one batch per job, so some jobs always wait in the queue.
    return [
        job_create(
            owner=owners[i // per_owner],
            spec=JobSpec(
                prompt=f"storm over the sea number {i}, oil painting",
                width=512,
                height=512,
                steps=min(50, steps_from + i % 30),
                count=images,
                seed=i,
            ),
        )
        for i in range(count)
    ]


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def all_finished(jobs: list) -> bool:
    from generation.models import GenerationJob

    return all(j.is_finished for j in GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]))


def outcome(jobs: list, images: int) -> dict:
    from generation.models import GenerationJob, JobEvent, JobStatus, Piece

    done = list(GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]))
    pieces = Piece.objects.filter(job__in=done)
    wrong = [
        job.pk
        for job in done
        if sorted(job.pieces.values_list("index", flat=True)) != list(range(images))
    ]
    return {
        "jobs": len(done),
        "succeeded": sum(job.status == JobStatus.SUCCEEDED for job in done),
        "failed": sum(job.status == JobStatus.FAILED for job in done),
        "unfinished": sum(not job.is_finished for job in done),
        "pieces": pieces.count(),
        "expected_pieces": len(done) * images,
        "jobs_with_wrong_pieces": len(wrong),
        "succeeded_events": JobEvent.objects.filter(
            job__in=done, to_status=JobStatus.SUCCEEDED
        ).count(),
        "requeued_by_sweeper": JobEvent.objects.filter(
            job__in=done, from_status="running", to_status="queued"
        ).count(),
    }


def scenario_kills(kills: int, jobs_count: int, images: int, deadline_s: float) -> dict:
    from generation.models import GenerationJob, JobStatus
    from generation.services.worker import jobs_sweep
    from tests.faults.workers import kill, start_worker

    # Long batches (40+ steps, 2+ images) so a kill lands inside one, even on a busy machine.
    jobs = make_jobs(jobs_count, images=max(images, 2), steps_from=40)
    images = max(images, 2)
    GenerationJob.objects.update(max_attempts=kills + 2)
    log = Path(os.environ["VAR_DIR"]) / "kills-worker.log"
    started = time.monotonic()
    deadline = started + deadline_s
    done_kills, recoveries = 0, []
    worker = start_worker(log, lease_seconds=LEASE_SECONDS)

    def running() -> bool:
        return GenerationJob.objects.filter(status=JobStatus.RUNNING).exists()

    try:
        while done_kills < kills and time.monotonic() < deadline and not all_finished(jobs):
            if not wait_for(running, min(60, deadline - time.monotonic())):
                continue
            time.sleep(0.3)
            if not running():
                continue
            kill(worker)
            killed_at = time.monotonic()
            done_kills += 1
            while running() and time.monotonic() < deadline:
                time.sleep(0.5)
                jobs_sweep(stale_queue_seconds=1)
            worker = start_worker(log, lease_seconds=LEASE_SECONDS)
            if wait_for(running, 60):
                recoveries.append(time.monotonic() - killed_at)

        def finished() -> bool:
            jobs_sweep(stale_queue_seconds=5)
            return all(
                j.is_finished for j in GenerationJob.objects.filter(pk__in=[j.pk for j in jobs])
            )

        wait_for(finished, max(0.0, deadline - time.monotonic()), interval=0.5)
    finally:
        kill(worker)
    return {
        "scenario": "kills",
        "kills": done_kills,
        "lease_s": LEASE_SECONDS,
        "recovery_s_max": round(max(recoveries), 1) if recoveries else None,
        "recovery_s_mean": round(sum(recoveries) / len(recoveries), 1) if recoveries else None,
        "wall_s": round(time.monotonic() - started, 1),
        **outcome(jobs, images),
    }


def scenario_redis(restarts: int, jobs_count: int, images: int, deadline_s: float) -> dict:
    from django.conf import settings
    from django.test import Client

    from generation.models import GenerationJob, JobStatus
    from generation.services.worker import jobs_sweep
    from tests.faults.workers import PrivateRedis, celery_broker, kill, start_worker

    var_dir = Path(os.environ["VAR_DIR"])
    redis = PrivateRedis(var_dir / "redis")
    redis.start()
    settings.CELERY_BROKER_URL = redis.url
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    started = time.monotonic()
    deadline = started + deadline_s
    health_down, health_up, recoveries, done, lost_messages = [], [], [], 0, 0
    jobs: list = []
    with celery_broker(redis.url):
        worker = start_worker(var_dir / "redis-worker.log", broker_url=redis.url)
        try:
            for round_number in range(restarts):
                jobs += make_jobs(jobs_count, images=images, steps_from=10 + round_number % 20)
                if not wait_for(
                    lambda: GenerationJob.objects.filter(status=JobStatus.RUNNING).exists(),
                    max(0.0, deadline - time.monotonic()),
                ):
                    break
                lost_messages += GenerationJob.objects.filter(status=JobStatus.QUEUED).count()
                redis.shutdown_nosave()
                down_at = time.monotonic()
                health_down.append(client.get("/healthz").status_code)
                redis.start()
                health_up.append(client.get("/healthz").status_code)
                done += 1

                def drained(jobs=jobs) -> bool:
                    jobs_sweep(stale_queue_seconds=3)
                    return all_finished(jobs)

                if wait_for(drained, max(0.0, deadline - time.monotonic()), interval=0.5):
                    recoveries.append(time.monotonic() - down_at)
        finally:
            kill(worker)
            redis.stop()
    return {
        "scenario": "redis",
        "restarts": done,
        "messages_lost_with_redis": lost_messages,
        "healthz_while_down": sorted(set(health_down)),
        "healthz_after_restart": sorted(set(health_up)),
        "drain_after_restart_s_max": round(max(recoveries), 1) if recoveries else None,
        "wall_s": round(time.monotonic() - started, 1),
        **outcome(jobs, images),
    }


def scenario_webhooks(deliveries: int) -> dict:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "webhooks.py"), "--deliveries", str(deliveries)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "VAR_DIR"},  # its own database
    )
    report = json.JSONDecoder().raw_decode(result.stdout)[0]
    return {"scenario": "webhooks", **report}


def table(results: list[dict]) -> str:
    lines = [
        f"{'scenario':<9} {'faults':>6} {'jobs':>5} {'ok':>4} {'failed':>6} {'lost':>4} "
        f"{'dup pieces':>10} {'recovery s':>10}  notes"
    ]
    for r in results:
        if r["scenario"] == "webhooks":
            lines.append(
                f"{'webhooks':<9} {r['deliveries']:>6} {'':>5} {'':>4} {'':>6} {'':>4} "
                f"{r['double_grants']:>10} {'':>10}  forged grants {r['forged_grants']}, "
                f"genuine grants {r['grants_for_genuine_order']}"
            )
            continue
        faults = r.get("kills", r.get("restarts"))
        recovery = r.get("recovery_s_max", r.get("drain_after_restart_s_max"))
        lost = r["unfinished"] + r["failed"]
        duplicates = r["pieces"] - r["expected_pieces"]
        notes = (
            f"re-queued {r['requeued_by_sweeper']}"
            if r["scenario"] == "kills"
            else f"lost msgs {r['messages_lost_with_redis']}, healthz down "
            f"{r['healthz_while_down']} up {r['healthz_after_restart']}"
        )
        lines.append(
            f"{r['scenario']:<9} {faults:>6} {r['jobs']:>5} {r['succeeded']:>4} "
            f"{r['failed']:>6} {lost:>4} {duplicates:>10} {str(recovery):>10}  {notes}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", default="kills,redis,webhooks")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=8, help="jobs per scenario (per restart)")
    parser.add_argument("--images", type=int, default=2, help="images per job")
    parser.add_argument("--deadline", type=float, default=1800, help="seconds per scenario")
    parser.add_argument("--quick", action="store_true", help="1 kill, 1 restart, 40 webhooks")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.kills, args.restarts, args.webhooks, args.jobs, args.images = 1, 1, 40, 3, 1
        args.deadline = min(args.deadline, 300)
    setup_django()
    results = []
    for scenario in args.scenarios.split(","):
        if scenario == "kills":
            results.append(scenario_kills(args.kills, args.jobs, args.images, args.deadline))
        elif scenario == "redis":
            results.append(scenario_redis(args.restarts, args.jobs, args.images, args.deadline))
        elif scenario == "webhooks":
            results.append(scenario_webhooks(args.webhooks))
        else:
            parser.error(f"unknown scenario {scenario!r}")
    print(json.dumps({"bench": "faults", "results": results}, indent=2))
    print()
    print(table(results))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
