"""Web latency under load: browse, search, detail and "more like this" over N listings.

Seeds N published listings (default 10 000) into DATABASE_URL (default: a throwaway SQLite
file), serves the app with gunicorn (3 workers, as the Docker image) on 127.0.0.1 and drives
each endpoint with an open-loop Python client (threads + http.client, keep-alive) at a fixed
request rate. Latency is measured from each request's *scheduled* start, so queueing when the
server falls behind counts (no coordinated omission). Two passes: "cached" (the production
settings: signed-out pages come from the page cache after their first render; every path is
fetched once before the clock starts, so it measures the steady state of a live site, and the
hit ratio is reported) and "uncached" (PAGE_CACHE_SECONDS=0: every request renders, the cost
of a cold URL). Use CACHE_URL=redis://… for the production shape (one cache shared by the
gunicorn workers). Prints JSON and a table.

    python bench/web.py --listings 10000 --rate 200 --duration 15
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/web.py
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="promptfolio-bench-web-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{os.environ['VAR_DIR']}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

_VOCABULARY = (
    "lighthouse harbour sunset dawn forest mountain river desert city neon fox owl whale "
    "garden meadow storm snow autumn spring ocean cliff castle village market train bridge "
    "portrait dancer violin cat dragon robot galaxy nebula moon comet orchid lotus maple "
    "watercolour gouache ink charcoal pastel oil mosaic pixel vapor minimal baroque gothic"
)
WORDS = _VOCABULARY.split()
CATEGORIES = ["illustration", "landscape", "portrait", "abstract", "concept_art", "pattern"]


def seed(n: int, rng: random.Random) -> dict:
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from generation.models import GenerationJob, Piece
    from marketplace.models import Listing, ListingPiece, Tag, User
    from marketplace.search import search_vectors_refresh

    call_command("migrate", verbosity=0)
    # Production static storage (hashed manifest), as the Docker image builds it.
    call_command("collectstatic", interactive=False, verbosity=0)
    if Listing.objects.count() >= n:
        return {"seeded": 0}
    started = time.perf_counter()
    now = timezone.now()
    creators = [
        User(
            email=f"creator{i}@bench.local",
            display_name=f"Creator {i}",
            is_creator=True,
            creator_since=now,
        )
        for i in range(max(n // 50, 1))
    ]
    vectors = np.random.default_rng(0).standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with transaction.atomic():
        User.objects.bulk_create(creators, batch_size=1000)
        creators = list(User.objects.filter(email__endswith="@bench.local"))
        tags = Tag.objects.bulk_create([Tag(name=w) for w in WORDS], ignore_conflicts=True)
        tags = {tag.name: tag for tag in Tag.objects.filter(name__in=WORDS)}
        jobs, pieces, listings, links, tag_links = [], [], [], [], []
        for i in range(n):
            owner = creators[i % len(creators)]
            words = rng.sample(WORDS, 6)
            prompt = f"{words[0]} and {words[1]} at {words[2]}, {words[3]}"
            width, height = rng.choice([(512, 512), (768, 512), (512, 768)])
            job = GenerationJob(
                owner=owner,
                engine="embedded",
                prompt=prompt,
                seed=i,
                width=width,
                height=height,
                steps=8,
                status="succeeded",
            )
            piece = Piece(
                job=job,
                index=0,
                owner=owner,
                seed=i,
                width=width,
                height=height,
                original=f"pieces/bench-{i}.png",
                preview=f"previews/bench-{i}.webp",
                sha256=f"{i:064x}",
            )
            title = f"{words[0].title()} {words[1]}"
            listing = Listing(
                creator=owner,
                title=title,
                description=f"A {words[4]} study of {words[5]}.",
                category=rng.choice(CATEGORIES),
                status="published",
                price_amount=rng.randrange(100, 20_000),
                cover=piece,
                orientation="square"
                if width == height
                else ("landscape" if width > height else "portrait"),
                engine="embedded",
                view_count=rng.randrange(0, 500),
                favourite_count=rng.randrange(0, 50),
                published_at=now - timezone.timedelta(minutes=i),
                search_document="\n".join(
                    [title, f"A {words[4]} study of {words[5]}.", " ".join(words[:3]), prompt]
                ),
                embedding=vectors[i].tobytes(),
            )
            jobs.append(job)
            pieces.append(piece)
            listings.append(listing)
            links.append(ListingPiece(listing=listing, piece=piece, position=0))
            tag_links += [(listing, tags[w]) for w in words[:3]]
        GenerationJob.objects.bulk_create(jobs, batch_size=1000)
        for piece in pieces:
            piece.job_id = piece.job.pk
        Piece.objects.bulk_create(pieces, batch_size=1000)
        for listing in listings:
            listing.cover_id = listing.cover.pk
        Listing.objects.bulk_create(listings, batch_size=1000)
        for link in links:
            link.listing_id, link.piece_id = link.listing.pk, link.piece.pk
        ListingPiece.objects.bulk_create(links, batch_size=1000)
        through = Listing.tags.through
        through.objects.bulk_create(
            [through(listing_id=listing.pk, tag_id=tag.pk) for listing, tag in tag_links],
            batch_size=2000,
        )
    search_vectors_refresh(Listing.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seeded": n, "seed_seconds": round(time.perf_counter() - started, 1)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, *, page_cache: bool) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING"}
    if not page_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/browse/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /browse/ within 60 s")


_local = threading.local()


def fetch(port: int, path: str) -> tuple[int, bool]:
    """(status, served from the page cache)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Page-Cache") == "hit"
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        return 599, False


def warm(port: int, paths: list[str], threads: int) -> float:
    """Fetch every distinct path once (fills the page cache); returns the seconds it took."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(threads, 8)) as pool:
        list(pool.map(lambda path: fetch(port, path), sorted(set(paths))))
    return round(time.perf_counter() - started, 1)


def drive(port: int, paths: list[str], rate: float, duration: float, threads: int) -> dict:
    """Open loop: request i is due at t0 + i / rate; latency counts from that moment."""
    total = int(rate * duration)
    latencies: list[float] = []
    errors = hits = 0
    lock = threading.Lock()

    def one(due: float, path: str) -> None:
        nonlocal errors, hits
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, hit = fetch(port, path)
        elapsed = time.perf_counter() - due
        with lock:
            latencies.append(elapsed)
            errors += status != 200
            hits += hit

    for path in paths[:threads]:  # warm connections and caches
        fetch(port, path)
    client_cpu = time.process_time()
    started = time.perf_counter() + 0.05
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i in range(total):
            due = started + i / rate
            while due - time.perf_counter() > 0.02:
                time.sleep(0.005)
            pool.submit(one, due, paths[i % len(paths)])
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    latencies.sort()

    def pct(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {
        "requests": len(latencies),
        "errors": errors,
        "target_rps": rate,
        "achieved_rps": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * latencies[-1], 1),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1),
        "cache_hit_ratio": round(hits / len(latencies), 3),
        "client_cpu_share": round(client_cpu / wall, 2),  # cores the load client itself used
    }


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * factor, 1)
    return float(text)


def drive_wrk(port: int, paths: list[str], duration: float, connections: int) -> dict:
    """Closed loop (wrk): the server's capacity at `connections` concurrent keep-alive
    clients, with wrk's latency percentiles. wrk itself is C, so it steals little CPU."""
    folder = Path(tempfile.mkdtemp(prefix="wrk-"))
    (folder / "paths.txt").write_text("\n".join(paths) + "\n")
    (folder / "rotate.lua").write_text(WRK_SCRIPT)
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{int(duration)}s",
            "--latency",
            "-s",
            str(folder / "rotate.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "WRK_PATHS": str(folder / "paths.txt")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    row = {"connections": connections}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            row[f"p{parts[0][:-1]}_ms"] = _ms(parts[1])
        elif line.startswith("Requests/sec:"):
            row["achieved_rps"] = float(parts[1])
        elif "Non-2xx" in line:
            row["errors"] = int(parts[-1])
    row.setdefault("errors", 0)
    return row


def endpoints(rng: random.Random) -> dict[str, list[str]]:
    from marketplace.models import Listing

    ids = [str(pk) for pk in Listing.objects.values_list("pk", flat=True)[:2000]]
    rng.shuffle(ids)
    return {
        "browse": [f"/browse/?page={rng.randint(1, 20)}" for _ in range(200)],
        "browse_filtered": [
            f"/browse/?category={rng.choice(CATEGORIES)}&tag={rng.choice(WORDS)}"
            f"&min_price={rng.randint(1, 50)}&sort={rng.choice(['price_asc', 'popular'])}"
            for _ in range(200)
        ],
        "search": [f"/browse/?q={rng.choice(WORDS)}+{rng.choice(WORDS)}" for _ in range(200)]
        + [f"/browse/?q={rng.choice(WORDS)}" for _ in range(200)],
        "detail": [f"/listings/{pk}/" for pk in ids[:500]],
        "similar": [f"/listings/{pk}/similar/" for pk in ids[:500]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per endpoint")
    parser.add_argument("--threads", type=int, default=64, help="client threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--uncached-rate", type=float, default=100.0, help="rate of the uncached pass (0: skip)"
    )
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    parser.add_argument(
        "--wrk-connections", type=int, default=8, help="also measure capacity with wrk (0: no)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    rng = random.Random(42)
    seeded = seed(args.listings, rng)
    paths = endpoints(rng)
    connection.close()
    names = [n for n in args.only.split(",") if n] or list(paths)
    use_wrk = args.wrk_connections and shutil.which("wrk")
    passes = [("cached", True, args.rate)]
    if args.uncached_rate:
        passes.append(("uncached", False, args.uncached_rate))
    results, capacity = {}, {}
    for label, page_cache, rate in passes:
        port = free_port()
        server = start_server(port, args.workers, page_cache=page_cache)
        try:
            for name in names:
                key = f"{name} ({label})"
                warmed = warm(port, paths[name], args.threads) if page_cache else None
                results[key] = drive(port, paths[name], rate, args.duration, args.threads)
                if warmed is not None:
                    results[key]["warm_up_seconds"] = warmed
                if use_wrk:
                    capacity[key] = drive_wrk(
                        port, paths[name], args.duration, args.wrk_connections
                    )
        finally:
            server.terminate()
            server.wait(timeout=30)
    report = {
        "database": connection.vendor,
        "listings": args.listings,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        **seeded,
        "client": f"python open loop, {args.threads} threads; cached pass at {args.rate:g} rps, "
        f"uncached pass at {args.uncached_rate:g} rps",
        "endpoints": results,
        "capacity_wrk": capacity,
    }
    print(json.dumps(report, indent=2))
    print(f"\n{connection.vendor}, {args.listings} listings, {args.workers} gunicorn workers")
    print(
        f"{'endpoint':<28}{'rps':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}{'hits':>7}"
    )
    for label, rows in (("open loop", results), (f"wrk -c{args.wrk_connections}", capacity)):
        for name, row in rows.items():
            print(
                f"{name:<28}{row.get('achieved_rps', '-'):>8}{row.get('p50_ms', '-'):>9}"
                f"{row.get('p90_ms', '-'):>9}{row.get('p99_ms', '-'):>9}{row['errors']:>8}"
                f"{row.get('cache_hit_ratio', '-'):>7}  {label}"
            )


if __name__ == "__main__":
    main()
