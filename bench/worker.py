"""Does the worker keep the engine busy? Engine-only img/s against the whole worker path.

For each engine it measures, in one run: the engine alone rendering batches back to back,
then the real worker path (fair claim → render → stamping stage → storage → completion, on a
throwaway SQLite database and local storage) over the same number of images; their ratio,
peak RSS (the worker process and its stamping processes) and milliseconds per stage. Also
stamping img/s at 1 and 2 processes (bench/stamp.py), to project a many-core GPU host.

    python bench/worker.py                                   # embedded + simulated GPU
    python bench/worker.py --simulate-gpu-ms-per-batch 146 --batch 16
    python bench/worker.py --device cuda --engines diffusers   # a real GPU

`simulated` sleeps `--simulate-gpu-ms-per-batch` per batch and uses no CPU, as a UNet on an
accelerator leaves the host idle. Each engine runs in its own process (clean peak RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROMPTS = (
    "misty mountains at sunrise, watercolor",
    "calm ocean at sunset, oil painting",
    "neon city at night",
    "spiral galaxy, deep space",
    "flowers in a garden",
    "geometric bauhaus poster",
    "desert dunes at noon",
    "pine forest in fog",
)


def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak resident set (VmHWM) of a live process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def engine_config(name: str, args: argparse.Namespace) -> dict[str, Any]:
    if name == "embedded":
        options = {"max_batch": args.batch, "device": args.device}
        return {"class": "generation.engines.embedded.EmbeddedEngine", "options": options}
    if name == "simulated":
        options = {"ms_per_batch": args.simulate_gpu_ms_per_batch, "max_batch": args.batch}
        return {"class": "generation.engines.simulated.SimulatedGpuEngine", "options": options}
    raise SystemExit(f"unknown engine {name!r}")


def load_engine(name: str, args: argparse.Namespace):
    """The engine the worker will find in its registry (diffusers: a random SD-Turbo-sized
    pipeline on the device, put in the registry's cache; nothing is downloaded)."""
    from django.conf import settings

    from generation.engines import registry
    from generation.services.engines import configured_engine

    if name != "diffusers":
        settings.GENERATION_ENGINES = {name: engine_config(name, args)}
        return configured_engine(name)
    import torch

    from bench.engines import random_pipeline
    from generation.engines.diffusers_engine import DiffusersEngine

    dtype = torch.float16 if args.device.startswith("cuda") else torch.float32
    arch = "sd-turbo" if args.device.startswith("cuda") else "tiny"
    pipe = random_pipeline(arch, args.device, dtype)
    engine = DiffusersEngine.from_pipeline(pipe, label=arch, max_batch=args.batch)
    settings.GENERATION_ENGINES = {name: {"class": f"{DiffusersEngine.__module__}.DiffusersEngine"}}
    key = (name, json.dumps(settings.GENERATION_ENGINES[name], sort_keys=True, default=str))
    registry._cache[key] = engine
    return engine


def requests(engine, args, round_: int) -> list:
    from generation.engines import GenerationRequest

    return [
        GenerationRequest(
            prompt=PROMPTS[(round_ + i) % len(PROMPTS)],
            seed=round_ * 100 + i,
            width=args.size,
            height=args.size,
            steps=args.steps,
        )
        for i in range(args.batch)
    ]


def engine_only(engine, args) -> float:
    engine.generate(requests(engine, args, 0))  # warm-up
    rounds = max(args.images // args.batch, 1)
    started = time.perf_counter()
    for round_ in range(rounds):
        engine.generate(requests(engine, args, round_ + 1))
    return rounds * args.batch / (time.perf_counter() - started)


def queue_jobs(name: str, engine, args, count: int, tag: str) -> list:
    from generation.models import GenerationJob
    from marketplace.models import User

    owner, _ = User.objects.get_or_create(email=f"bench-{tag}@example.com")
    per_job = min(8, args.batch)
    return GenerationJob.objects.bulk_create(
        GenerationJob(
            owner=owner,
            engine=name,
            prompt=PROMPTS[i % len(PROMPTS)],
            seed=i * 10,
            width=args.size,
            height=args.size,
            steps=args.steps or engine.default_steps,
            count=per_job,
            progress_total=args.steps or engine.default_steps,
        )
        for i in range(max(count // per_job, 1))
    )


def worker_path(name: str, engine, args) -> dict[str, Any]:
    """Drive the worker as Celery would: one `batch_render` per wake-up message."""
    from generation.models import GenerationJob, JobStatus
    from generation.services.batch import batch_render
    from generation.services.stamping import StampingStage

    stage = StampingStage.for_worker()
    try:
        warm = queue_jobs(name, engine, args, args.batch, "warm-up")  # spawns the pool
        for job in warm:
            batch_render(job_id=job.pk, worker="bench", stage=stage)
        stage.drain()
        stage.stats.reset()
        jobs = queue_jobs(name, engine, args, args.images, "timed")
        started = time.perf_counter()
        for job in jobs:
            batch_render(job_id=job.pk, worker="bench", stage=stage)
        stage.drain()
        wall = time.perf_counter() - started
        children = [vm_hwm_mb(pid) for pid in stage.stamper.process_ids()]
        per_stage = stage.stats.per_image()
        batches = stage.stats.batches
    finally:
        stage.close()
    rows = GenerationJob.objects.filter(pk__in=[job.pk for job in jobs])
    statuses = set(rows.values_list("status", flat=True))
    assert statuses == {JobStatus.SUCCEEDED}, statuses
    images = sum(job.count for job in jobs)
    return {
        "worker_img_per_s": round(images / wall, 2),
        "images": images,
        "batches": batches,
        "stamp_processes": stage.stamper.processes,
        "stage_batches": stage.capacity,
        "peak_rss_worker_mb": vm_hwm_mb(),
        "peak_rss_stampers_mb": round(sum(children), 1),
        "ms_per_image": per_stage,
    }


def run_mode(engine_name: str, args) -> dict[str, Any]:
    """One engine, in this process: engine-only then worker path, back to back."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    engine = load_engine(engine_name, args)
    alone = engine_only(engine, args)
    path = worker_path(engine_name, engine, args)
    return {
        "engine": engine_name,
        "device": getattr(engine, "device", "cpu"),
        "batch": args.batch,
        "size": f"{args.size}x{args.size}",
        "engine_img_per_s": round(alone, 2),
        **path,
        "ratio": round(path["worker_img_per_s"] / alone, 3),
    }


def in_subprocess(flags: list[str]) -> dict[str, Any]:
    env = {
        **os.environ,
        "VAR_DIR": tempfile.mkdtemp(prefix="promptfolio-bench-worker-"),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": "memory://",
        "GENERATION_STAMP_PROCESSES": os.environ.get(
            "GENERATION_STAMP_PROCESSES", str(os.cpu_count() or 1)
        ),
    }
    for name in ("CI", "DATABASE_URL", "S3_ENDPOINT_URL"):  # SQLite and local files
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, __file__, *flags], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/worker.py {' '.join(flags)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", default="embedded,simulated,diffusers")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--images", type=int, default=128, help="images per measurement")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--simulate-gpu-ms-per-batch", type=float, default=146.0)
    parser.add_argument("--stamp-images", type=int, default=32)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def flags_for(args: argparse.Namespace, mode: str) -> list[str]:
    flags = ["--mode", mode, "--device", args.device, "--batch", str(args.batch)]
    flags += ["--images", str(args.images), "--size", str(args.size)]
    flags += ["--simulate-gpu-ms-per-batch", str(args.simulate_gpu_ms_per_batch)]
    flags += ["--stamp-images", str(args.stamp_images)]
    return flags + (["--steps", str(args.steps)] if args.steps else [])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    if args.mode == "stamp":
        from bench.stamp import measure_stamp

        print(json.dumps(measure_stamp(images=args.stamp_images, processes=(1, 2))))
        return {}
    if args.mode:
        if args.device == "auto":
            args.device = "cuda" if cuda_available() else "cpu"
        print(json.dumps(run_mode(args.mode, args)))
        return {}
    modes, skipped = [], []
    for name in args.engines.split(","):
        if name == "diffusers" and args.device != "cpu" and not cuda_available():
            skipped.append({"engine": name, "reason": "no CUDA device on this host"})
            continue
        modes.append(in_subprocess(flags_for(args, name)))
    stamp = in_subprocess(flags_for(args, "stamp"))
    result = summarise(modes, skipped, stamp)
    print(json.dumps(result, indent=2))
    print_table(result)
    return result


def summarise(modes: list, skipped: list, stamp: dict) -> dict[str, Any]:
    ratio = {mode["engine"]: mode["ratio"] for mode in modes}
    return {
        "bench": "worker",
        "cores": os.cpu_count(),
        "ratio_simulated_gpu": ratio.get("simulated"),
        "ratio_embedded": ratio.get("embedded"),
        "ratio_diffusers": ratio.get("diffusers"),
        "stamp_ms_per_image": stamp.get("stamp_ms_per_image"),
        "stamp_img_per_s": {
            row["processes"]: row["img_per_s"] for row in stamp.get("throughput", [])
        },
        "modes": modes,
        "skipped": skipped,
        "stamp": stamp,
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n{'engine':<10} {'device':<6} {'engine img/s':>12} {'worker img/s':>12} "
        f"{'ratio':>6} {'RSS MiB':>8} {'stampers MiB':>12}"
    )
    for m in result["modes"]:
        print(
            f"{m['engine']:<10} {m['device']:<6} {m['engine_img_per_s']:>12} "
            f"{m['worker_img_per_s']:>12} {m['ratio']:>6} {m['peak_rss_worker_mb']:>8} "
            f"{m['peak_rss_stampers_mb']:>12}"
        )
        stages = ", ".join(f"{k} {v}" for k, v in m["ms_per_image"].items())
        print(f"{'':<10} ms per image: {stages}")
    for s in result["skipped"]:
        print(f"{s['engine']:<10} skipped: {s['reason']}")
    print(f"\nstamp: {result['stamp_ms_per_image']} ms per image on one core; ", end="")
    print(f"img/s by processes: {result['stamp_img_per_s']}")


if __name__ == "__main__":
    main()
