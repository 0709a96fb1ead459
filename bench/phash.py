"""Near-duplicate lookup latency of the pHash index at 10k / 100k / 1M synthetic hashes.

Runs the real selector (`provenance.selectors.records.phash_near_duplicates`) against a
throwaway SQLite database, or DATABASE_URL (PostgreSQL) when set. Rows are bulk-inserted
straight into licensing_phashindex with synthetic piece ids (foreign-key checks off for
the load), so the table has the production shape and indexes. Prints JSON and a table.

    python bench/phash.py                       # 10k, 100k, 1M
    python bench/phash.py --sizes 10000,100000 --queries 100
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="promptfolio-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def load_rows(start: int, stop: int, owner_id: int, rng: random.Random) -> list[int]:
    """Insert rows [start, stop) and return their hashes."""
    from django.db import connection, transaction

    from provenance import phash

    values = [phash.to_signed(rng.getrandbits(64)) for _ in range(start, stop)]
    sql = (
        "INSERT INTO licensing_phashindex (piece_id, owner_id, phash, c0, c1, c2, c3) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    vendor = connection.vendor
    batch = 20_000
    # Synthetic piece ids have no Piece rows: load with foreign-key checks off.
    connection.disable_constraint_checking()  # SQLite: PRAGMA foreign_keys = OFF
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":  # needs a superuser, as in the README's local setup
            cursor.execute("SET LOCAL session_replication_role = replica")
        for i in range(0, len(values), batch):
            rows = []
            for value in values[i : i + batch]:
                piece = uuid.UUID(int=rng.getrandbits(128), version=4)
                piece_id = piece.hex if vendor == "sqlite" else str(piece)
                rows.append((piece_id, owner_id, value, *phash.chunks(value)))
            cursor.executemany(sql, rows)
    connection.enable_constraint_checking()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE licensing_phashindex")
    return values


def flip(value: int, bits: int, rng: random.Random) -> int:
    from provenance import phash

    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return phash.to_signed(value)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def measure(values: list[int], distance: int, queries: int, rng: random.Random) -> dict:
    from provenance.selectors.records import phash_near_duplicates

    timings, found, candidates = [], 0, 0
    for i in range(queries):
        if i % 2 == 0:  # a near copy of a stored hash: must be found
            target = rng.choice(values)
            query = flip(target, rng.randint(0, distance), rng)
        else:  # an unrelated image
            query, target = flip(rng.getrandbits(64), 0, rng), None
        started = time.perf_counter()
        result = phash_near_duplicates(phash=query, max_distance=distance, limit=50)
        timings.append((time.perf_counter() - started) * 1000)
        candidates += len(result)
        if target is not None and any(r.distance <= distance for r in result):
            found += 1
    return {
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "max_ms": round(max(timings), 3),
        "recall_near_copies": round(found / ((queries + 1) // 2), 4),
        "mean_results": round(candidates / queries, 2),
    }


def scan_baseline(values: list[int], queries: int, rng: random.Random) -> dict:
    """What a full table scan (load every hash, popcount in numpy) would cost."""
    import numpy as np

    from provenance import phash
    from provenance.models import PhashIndex

    timings = []
    for _ in range(min(queries, 5)):
        query = rng.choice(values)
        started = time.perf_counter()
        stored = np.fromiter(PhashIndex.objects.values_list("phash", flat=True), np.int64)
        phash.distances(query, stored)
        timings.append((time.perf_counter() - started) * 1000)
    return {"scan_p50_ms": round(statistics.median(timings), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--distances", default="3,6")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-scan", action="store_true", help="skip the table-scan baseline")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    distances = [int(d) for d in args.distances.split(",")]

    setup_django()
    from django.db import connection

    from marketplace.models import User

    owner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}@example.com", None)
    rng = random.Random(2026)
    values: list[int] = []
    results = []
    for size in sizes:
        started = time.perf_counter()
        values += load_rows(len(values), size, owner.pk, rng)
        load_s = time.perf_counter() - started
        row = {"rows": size, "vendor": connection.vendor, "load_s": round(load_s, 1)}
        for distance in distances:
            row[f"d{distance}"] = measure(values, distance, args.queries, rng)
        if not args.no_scan:
            row.update(scan_baseline(values, args.queries, rng))
        results.append(row)
        print(json.dumps(row), flush=True)

    print()
    header = f"{'rows':>9} {'db':>10} {'radius':>6} {'p50 ms':>8} {'p99 ms':>8} {'recall':>7}"
    print(header + f" {'scan p50 ms':>12}")
    for row in results:
        for distance in distances:
            m = row[f"d{distance}"]
            scan = row.get("scan_p50_ms", "")
            print(
                f"{row['rows']:>9} {row['vendor']:>10} {distance:>6} {m['p50_ms']:>8} "
                f"{m['p99_ms']:>8} {m['recall_near_copies']:>7} {scan:>12}"
            )


if __name__ == "__main__":
    main()
