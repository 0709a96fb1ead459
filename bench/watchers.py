"""Watchers of running jobs: conditional polling (ETag/304 + backoff) against the old 1 s poll.

Starts Redis (the shared cache the watch versions live in) and gunicorn on 127.0.0.1 against
a throwaway SQLite database of signed-in owners with running jobs. N watchers
(bench/watch_client.py: asyncio, raw HTTP/1.1 keep-alive, one session each, made directly
with the session engine) poll their job's status fragment the way static/js/watch.js does:
If-None-Match, 1 s first, x1.5 per unchanged answer up to the fragment's data-watch-max
(1.5 s for a running job), back to 1 s on a change. A driver process writes progress through
`job_report_progress` (so the bump runs), a batch of jobs at a time as a worker does, each
job every --change-every seconds, staggered, and records when. (A worker reports 4x a
second and every report is a new version; a tab still asks at most every 1.5 s, so with
--change-every 1 nearly every poll answers a patch, the busiest case; the default 3 s is
a job whose visible state changes every 3 s.) A late write is measured from when it was
made, so a driver that falls behind cannot flatter or spoil the figures. After a warm-up
in which every tab opens and settles, it reports server CPU (gunicorn master + workers,
psutil), seconds from a change to each of its watchers seeing it (p50/p99/max; a change
still unseen at the end counts as missed), requests by status and errors. The baseline
pass is the old behaviour on the same server with fresh jobs: every watcher asks every
second without an ETag. Prints JSON and a table.

    python bench/watchers.py                 # 1000 watchers, 30 s per pass (~100 s)
    python bench/watchers.py --quick         # 20 watchers, 5 s per pass: a smoke run
"""

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.watch_client import LONGEST, watch_all  # noqa: E402

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="promptfolio-bench-watchers-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{os.environ['VAR_DIR']}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

TOTAL_STEPS = 30_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {seconds:g} s")


def start_redis(port: int) -> subprocess.Popen:
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )

    def ping() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    wait_for(ping, "redis-server")
    return redis


def seed(*, jobs: int, watchers: int) -> list[dict]:
    """`jobs` owners, each with a running job, and `watchers` sessions spread over the jobs
    (watcher i watches job i % jobs as its owner). Returns one dict per watcher."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.urls import reverse
    from django.utils import timezone

    from generation.models import GenerationJob, JobStatus
    from marketplace.models import User

    tag = secrets.token_hex(3)
    owners = User.objects.bulk_create(
        [User(email=f"w{tag}-{i}@bench.local", display_name=f"Watcher {i}") for i in range(jobs)]
    )
    owners = list(User.objects.filter(email__startswith=f"w{tag}-").order_by("pk"))
    lease = timezone.now() + timezone.timedelta(hours=2)
    rows = GenerationJob.objects.bulk_create(
        [
            GenerationJob(
                owner=owner,
                engine="embedded",
                prompt=f"a lighthouse number {i} at dusk",
                seed=i,
                width=512,
                height=512,
                steps=TOTAL_STEPS,
                progress_total=TOTAL_STEPS,
                status=JobStatus.RUNNING,
                worker="bench",
                lease_expires_at=lease,
                started_at=timezone.now(),
            )
            for i, owner in enumerate(owners)
        ]
    )
    store, backend = SessionStore(), settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + timezone.timedelta(days=1)
    sessions, out = [], []
    for i in range(watchers):
        job, owner = rows[i % jobs], owners[i % jobs]
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(owner.pk),
            "_auth_user_backend": backend,
            "_auth_user_hash": owner.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        out.append({"job": i % jobs, "job_id": str(job.pk), "session": key})
        out[-1]["path"] = reverse("job_status", kwargs={"job_id": job.pk})
    Session.objects.bulk_create(sessions, batch_size=500)
    return out


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-k", "gthread"]
        + ["-w", str(workers), "--threads", str(threads), "--worker-connections", "4000"]
        + ["--keep-alive", "75", "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
        + ["--error-logfile", "-", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )

    def answers() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/")

    try:
        wait_for(answers, "gunicorn")
    except RuntimeError:
        server.terminate()
        raise
    return server


def cpu_seconds(server: subprocess.Popen) -> dict[int, float]:
    """CPU seconds used so far by the gunicorn master and each worker, by pid."""
    import psutil

    root = psutil.Process(server.pid)
    used = {}
    for process in [root, *root.children(recursive=True)]:
        times = process.cpu_times()
        used[process.pid] = times.user + times.system
    return used


def drive(plan_file: str) -> None:
    """The driver process: progress writes through the service at the planned times. It
    says "ready" once Django is up and then reads the window (start, until) on stdin, so a
    slow start cannot push its first writes past the measured window."""
    import django

    django.setup()
    from generation.services.worker import job_report_progress

    print("ready", flush=True)
    plan = {**json.loads(Path(plan_file).read_text()), **json.loads(sys.stdin.readline())}
    jobs, period, batch = plan["job_ids"], plan["change_every"], plan["batch"]
    batches = [jobs[i : i + batch] for i in range(0, len(jobs), batch)]
    changes = []
    step, start = 0, plan["start"]
    while True:
        step += 1
        for index, ids in enumerate(batches):
            due = start + (step - 1) * period + period * index / len(batches)
            if due > plan["until"]:
                Path(plan["out"]).write_text(json.dumps(changes))
                return
            time.sleep(max(0.0, due - time.time()))
            at = time.time()
            job_report_progress(job_ids=ids, worker="bench", step=step, total=TOTAL_STEPS)
            changes += [[job_id, step, at] for job_id in ids]


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))], 3)


def latencies(specs: list[dict], changes: list, until: float, grace: float) -> dict:
    """For each change and each watcher of that job: when it first saw that step or a later
    one. Changes in the last `grace` seconds are left out (a watcher may not have asked yet);
    an earlier one never seen counts as missed."""
    by_job: dict[str, list[dict]] = {}
    for spec in specs:
        by_job.setdefault(spec["job_id"], []).append(spec)
    delays, missed = [], 0
    for job_id, step, at in changes:
        if at > until - grace:
            continue
        for spec in by_job.get(job_id, []):
            first = next((t for s, t in spec["seen"] if s >= step and t >= at), None)
            if first is None:
                missed += 1
            else:
                delays.append(first - at)
    return {
        "changes_measured": len(delays) + missed,
        "missed": missed,
        "p50_s": percentile(delays, 0.50),
        "p99_s": percentile(delays, 0.99),
        "max_s": round(max(delays), 3) if delays else None,
    }


def run_pass(label: str, args, port: int, server, conditional: bool) -> dict:
    """Fresh jobs and sessions, `args.warm_up` s for every tab to open and settle, then
    `args.duration` s measured while the driver writes progress."""
    from django.db import connection

    specs = seed(jobs=args.jobs, watchers=args.watchers)
    connection.close()
    for spec in specs:
        spec["seen"] = []
    folder = Path(os.environ["VAR_DIR"])
    plan = {
        "job_ids": sorted({spec["job_id"] for spec in specs}),
        "change_every": args.change_every,
        "batch": args.batch,
        "out": str(folder / f"changes-{label}.json"),
    }
    (folder / f"plan-{label}.json").write_text(json.dumps(plan))
    driver = subprocess.Popen(
        [sys.executable, __file__, "--drive", str(folder / f"plan-{label}.json")],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if driver.stdout.readline().strip() != "ready":
        raise RuntimeError("the driver did not start")
    begin = time.time() + args.warm_up
    window = (begin, begin + args.duration)
    driver.stdin.write(json.dumps({"start": begin, "until": window[1]}) + "\n")
    driver.stdin.close()
    stats = asyncio.run(watch_all(port, specs, window, conditional, lambda: cpu_seconds(server)))
    if driver.wait(timeout=60) != 0:
        raise RuntimeError("the driver failed")
    changes = json.loads(Path(plan["out"]).read_text())
    grace = min(LONGEST, max(3.0, args.duration / 3))  # a running job's tab asks every 1.5 s
    return {
        "mode": label,
        "watchers": args.watchers,
        "jobs": args.jobs,
        **usage(server, stats),
        "progress_writes": len(changes),
        **latencies(specs, changes, window[1], grace),
    }


def usage(server, stats: dict) -> dict:
    """CPU, requests and response times over the measured window."""
    import psutil

    (cpu_before, client_before, wall_before) = stats.pop("before")
    wall = time.time() - wall_before
    after = cpu_seconds(server)
    by_process = sorted(after[pid] - cpu_before.get(pid, 0.0) for pid in after)
    machine = psutil.cpu_percent() / 100 * os.cpu_count()
    answered = stats.pop("response_s")
    errors = stats.pop("errors")
    requests = sum(stats.values())
    return {
        "seconds": round(wall, 1),
        "server_cpu_cores": round(sum(by_process) / wall, 2),
        "server_cpu_cores_by_process": [round(seconds / wall, 2) for seconds in by_process],
        "server_cpu_ms_per_request": round(1000 * sum(by_process) / max(requests, 1), 2),
        "client_cpu_cores": round((time.process_time() - client_before) / wall, 2),
        "machine_cpu_cores": round(machine, 2),
        "response_p50_s": percentile(answered, 0.5),
        "response_p99_s": percentile(answered, 0.99),
        "requests_per_s": round(requests / wall, 1),
        "responses": dict(sorted(stats.items())),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=0, help="running jobs (default: watchers)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured s per pass")
    parser.add_argument("--warm-up", type=float, default=4.0, help="s before measuring")
    parser.add_argument("--change-every", type=float, default=3.0, help="s between progress")
    parser.add_argument("--batch", type=int, default=8, help="jobs per progress write")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old 1 s poll")
    parser.add_argument("--quick", action="store_true", help="20 watchers, 5 s: a smoke run")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(args.drive)
    if args.quick:
        args.watchers, args.duration, args.change_every, args.warm_up = 20, 5.0, 2.5, 1.5
    args.jobs = args.jobs or args.watchers
    report = measure(args)
    print(json.dumps(report, indent=2))
    print_table(report)


def measure(args) -> dict:
    """Redis, a fresh database and gunicorn; then each pass; everything stopped after."""
    redis_port, port = free_port(), free_port()
    redis = start_redis(redis_port)
    os.environ["CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    server = None
    try:
        import django

        django.setup()
        from django.apps import apps
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        # Tables straight from the models (seconds instead of replaying every migration):
        # the watched pages need no rows that data migrations write.
        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        call_command("migrate", run_syncdb=True, verbosity=0)
        connection.close()
        server = start_server(port, args.workers, args.threads)
        modes = [("conditional", True)] + ([] if args.no_baseline else [("baseline", False)])
        results = [run_pass(label, args, port, server, cond) for label, cond in modes]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        redis.terminate()
    return {
        "bench": "watchers",
        "cpus": os.cpu_count(),
        "server": f"gunicorn gthread -w {args.workers} --threads {args.threads}",
        "change_every_s": args.change_every,
        "results": results,
    }


def print_table(report: dict) -> None:
    print(
        f"\n{report['server']}, {report['cpus']} CPUs, "
        f"a change per job every {report['change_every_s']:g} s"
    )
    print(
        f"{'mode':<12}{'watchers':>9}{'req/s':>8}{'200':>7}{'patch':>7}{'304':>7}{'errors':>7}"
        f"{'cpu cores':>10}{'p50 s':>7}{'p99 s':>7}{'missed':>7}"
    )
    for r in report["results"]:
        print(
            f"{r['mode']:<12}{r['watchers']:>9}{r['requests_per_s']:>8}"
            f"{r['responses'].get('200', 0):>7}{r['responses'].get('patch', 0):>7}"
            f"{r['responses'].get('304', 0):>7}{r['errors']:>7}"
            f"{r['server_cpu_cores']:>10}{r['p50_s']!s:>7}{r['p99_s']!s:>7}{r['missed']:>7}"
        )


if __name__ == "__main__":
    main()
