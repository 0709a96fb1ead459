"""Provenance stamp cost per 512×512 image, by stage, and stamping throughput per process.

Stamps N varied pictures from the embedded engine with `provenance.stamp.stamp_image` (the
whole stamp: watermark, hashes, PNG with XMP, C2PA sign, signed JPEG preview) under a
throwaway signing identity, with no Django and no database. Reports the median per image in
this process, the median of each stage (`StampedImage.timings_ms`), and images per second
through a spawned ProcessPoolExecutor with 1, 2, … processes (pickling the images in and
the files out included), so a bigger host can be projected. Prints JSON and a table.

    python bench/stamp.py                          # 64 images, 1 and 2 processes
    python bench/stamp.py --images 16 --processes 1,2,4

`measure_stamp(images=..., processes=...)` is the same measurement for other benches.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROJECT_CORES = 16
SUBJECTS = [
    "misty mountains at dawn",
    "neon city street at night",
    "ocean waves at sunset",
    "desert dunes under a red sky",
    "autumn forest with a river",
    "field of flowers, watercolor",
    "geometric abstract shapes",
    "deep space nebula with stars",
]


def build_images(count: int) -> list:
    """`count` varied 512×512 RGB pictures from the embedded engine (no text model)."""
    from generation.engines.base import GenerationRequest
    from generation.engines.embedded import EmbeddedEngine

    # one torch thread: idle OpenMP workers spinning after generate() would count as stamp CPU
    engine = EmbeddedEngine(use_embedding=False, max_batch=8, threads=1)
    requests = [
        GenerationRequest(prompt=SUBJECTS[i % len(SUBJECTS)], seed=1000 + i) for i in range(count)
    ]
    images = []
    for start in range(0, count, 8):
        images += engine.generate(requests[start : start + 8])
    return images


def stamp_orders(count: int, signing_dir: Path) -> list:
    """One order per image, as `provenance_stamp_order` would make them (ids, anchor, URL)."""
    from provenance.ledger import GENESIS
    from provenance.stamp import StampOrder

    orders = []
    for i in range(count):
        piece_id = uuid.uuid4()
        orders.append(
            StampOrder(
                piece_id=piece_id,
                watermark_id=(2654435761 * (i + 1)) % 2**32,
                ledger_anchor=GENESIS,
                piece_url=f"https://promptfolio.test/verify/{piece_id}/",
                creator_name=f"Bench Creator {i % 7}",
                engine={"name": "embedded", "version": "1.0.0", "weights_hash": "b" * 16},
                licence_summary="All rights reserved by the creator.",
                claim_generator="Promptfolio",
                claim_generator_version="bench",
                signing_dir=str(signing_dir),
            )
        )
    return orders


def measure_inline(orders: list, images: list) -> dict:
    """Median whole-stamp (wall and CPU) and per-stage milliseconds in this process."""
    from provenance.stamp import stamp_image

    stamp_image(orders[0], images[0])  # loads the identity and the c2pa signer
    totals, cpu, stages, originals, previews = [], [], {}, [], []
    for order, image in zip(orders, images, strict=True):
        started, cpu_started = time.perf_counter(), time.process_time()
        stamped = stamp_image(order, image)
        totals.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        for name, value in stamped.timings_ms.items():
            stages.setdefault(name, []).append(value)
        originals.append(len(stamped.original_png))
        previews.append(len(stamped.preview_bytes))
    return {
        "stamp_ms_per_image": round(statistics.median(totals), 2),
        "stamp_ms_p90": round(statistics.quantiles(totals, n=10)[-1], 2),
        "stamp_cpu_ms_per_image": round(statistics.median(cpu), 2),  # robust on a busy host
        "stages_ms": {name: round(statistics.median(v), 2) for name, v in stages.items()},
        "original_kb": round(statistics.mean(originals) / 1000, 1),
        "preview_kb": round(statistics.mean(previews) / 1000, 1),
    }


def _warm(order, image, barrier) -> None:
    """Pool initializer: stamp once (imports, identity, signer), then wait for every worker,
    so the timed run starts with all of them ready."""
    from provenance.stamp import stamp_image

    stamp_image(order, image)
    barrier.wait(timeout=300)


def measure_pool(orders: list, images: list, processes: int) -> dict:
    """Images per second through `processes` spawned workers, started and warmed first."""
    from provenance.stamp import stamp_image

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_warm,
        initargs=(orders[0], images[0], barrier),
    ) as pool:
        # one task per worker: each submit starts a worker; none runs before all are warm
        for future in [pool.submit(os.getpid) for _ in range(processes)]:
            future.result()
        started = time.perf_counter()
        results = list(pool.map(stamp_image, orders, images))
        seconds = time.perf_counter() - started
    rate = len(results) / seconds
    return {
        "processes": processes,
        "img_per_s": round(rate, 1),
        "per_process_img_per_s": round(rate / processes, 1),
        "wall_s": round(seconds, 3),
    }


def measure_stamp(*, images: int, processes: tuple[int, ...]) -> dict:
    """The stamp cost of `images` engine pictures inline, then through each pool size."""
    from provenance import identity

    if images < 2 or not processes:
        raise ValueError("measure_stamp needs at least 2 images and one pool size.")

    pictures = build_images(images)
    with tempfile.TemporaryDirectory(prefix="promptfolio-stamp-") as tmp:
        signing_dir, _ = identity.init_signing_identity(Path(tmp) / "signing")
        orders = stamp_orders(images, signing_dir)
        report = {"bench": "stamp", "images": images, "size": "512x512", "cpus": os.cpu_count()}
        report.update(measure_inline(orders, pictures))
        report["throughput"] = [measure_pool(orders, pictures, p) for p in processes]
    largest = max(report["throughput"], key=lambda row: row["processes"])
    report["projected_cores"] = PROJECT_CORES
    report["projected_img_per_s"] = round(largest["per_process_img_per_s"] * PROJECT_CORES)
    return report


def print_table(report: dict) -> None:
    print(f"{'stage':>12} {'median ms':>10}")
    for name, value in report["stages_ms"].items():
        print(f"{name:>12} {value:>10}")
    print(f"{'whole stamp':>12} {report['stamp_ms_per_image']:>10}")
    print(f"{'(CPU time)':>12} {report['stamp_cpu_ms_per_image']:>10}")
    print()
    print(f"{'processes':>9} {'img/s':>8} {'img/s per process':>18}")
    for row in report["throughput"]:
        print(f"{row['processes']:>9} {row['img_per_s']:>8} {row['per_process_img_per_s']:>18}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--processes", default="1,2", help="comma list of pool sizes")
    args = parser.parse_args()
    processes = tuple(int(p) for p in args.processes.split(",") if p)
    report = measure_stamp(images=args.images, processes=processes)
    print(json.dumps(report), flush=True)
    print()
    print_table(report)


if __name__ == "__main__":
    main()
