"""Engine throughput benchmark: img/s and latency by batch size, per engine and device.

    python bench/engines.py                         # embedded on CPU, batches 1,4,16,32
    python bench/engines.py --engines embedded,diffusers --batch-sizes 1,4
    python bench/engines.py --device cuda --engines diffusers --compile --peak-tflops 989

Diffusers runs on an untrained pipeline built from config: "tiny" (the test fixture's
architecture) by default on CPU, "sd-turbo" (SD 2.1 UNet, OpenCLIP-H-sized text encoder, SD VAE;
1 step, guidance 0) by default on CUDA, or a real checkpoint via --checkpoint. The FLOP share
uses torch.utils.flop_counter on one batch against --peak-tflops. Needs no Django settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from generation.engines.base import Engine, GenerationRequest  # noqa: E402
from tests.generation.tiny_pipeline import (  # noqa: E402
    assemble_pipeline,
    tiny_pipeline,
    tiny_tokenizer,
)

PROMPTS = (
    "misty mountains at sunrise",
    "calm ocean at sunset",
    "pine forest",
    "city at night",
    "spiral galaxy",
    "flowers in a garden",
    "geometric bauhaus poster",
    "abstract fluid marble",
    "desert dunes",
    "watercolor lake",
    "pixel art forest",
    "oil painting of the sea",
    "minimal sunset",
    "neon city",
    "low poly mountains",
    "red nebula with a planet",
)


def sd_turbo_pipeline(tokenizer_dir: Path) -> Any:
    """SD 2.1-turbo architecture (OpenCLIP-H-sized text encoder, SD VAE), random weights."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = tiny_tokenizer(tokenizer_dir)
    text = CLIPTextConfig(
        vocab_size=49408,
        hidden_size=1024,
        intermediate_size=4096,
        num_attention_heads=16,
        num_hidden_layers=23,
        projection_dim=512,
        hidden_act="gelu",
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    unet = UNet2DConditionModel(
        sample_size=64,
        block_out_channels=(320, 640, 1280, 1280),
        layers_per_block=2,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(5, 10, 20, 20),
        cross_attention_dim=1024,
        use_linear_projection=True,
    )
    vae = AutoencoderKL(
        block_out_channels=(128, 256, 512, 512),
        latent_channels=4,
        layers_per_block=2,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
    )
    return assemble_pipeline(
        tokenizer=tokenizer, text_encoder=CLIPTextModel(text), unet=unet, vae=vae
    )


def random_pipeline(arch: str, device: str, dtype: torch.dtype) -> Any:
    """Untrained StableDiffusionPipeline of a known architecture (weights don't change speed).
    "tiny" is the engine tests' own fixture pipeline (tests/generation/tiny_pipeline.py)."""
    tok_dir = Path(tempfile.mkdtemp(prefix="bench-tok-"))
    if arch == "tiny":
        pipe = tiny_pipeline(tok_dir)
    elif arch == "sd-turbo":
        pipe = sd_turbo_pipeline(tok_dir)
    else:
        raise SystemExit(f"unknown --diffusers-arch {arch!r}")
    return pipe.to(device=device, dtype=dtype)


UNIQUE = {"on": False}


def requests_for(batch: int, size: int, steps: int | None, round_: int) -> list[GenerationRequest]:
    """Cycle the prompt list; with --unique-prompts every prompt text is new (no text cache)."""
    out = []
    for i in range(batch):
        prompt = PROMPTS[(round_ * batch + i) % len(PROMPTS)]
        if UNIQUE["on"]:
            prompt = f"{prompt}, study {round_}-{i}-{time.perf_counter_ns()}"
        out.append(
            GenerationRequest(
                prompt=prompt, seed=round_ * 1000 + i, width=size, height=size, steps=steps
            )
        )
    return out


def measure(
    engine: Engine,
    batch: int,
    size: int,
    steps: int | None,
    min_seconds: float,
    peak_tflops: float | None,
) -> dict[str, Any]:
    engine.generate(requests_for(batch, size, steps, 0))  # warm-up (allocations, caches)
    rounds, started = 0, time.perf_counter()
    latencies = []
    while rounds < 2 or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        engine.generate(requests_for(batch, size, steps, rounds + 1))
        latencies.append(time.perf_counter() - t0)
        rounds += 1
    elapsed = sum(latencies)
    row: dict[str, Any] = {
        "engine": engine.name,
        "device": engine.device,
        "dtype": str(getattr(engine, "dtype", "")),
        "batch": batch,
        "size": f"{size}x{size}",
        "steps": steps or engine.default_steps,
        "img_per_s": round(batch * rounds / elapsed, 2),
        "latency_ms": round(1000 * elapsed / rounds, 1),
        "latency_p50_ms": round(1000 * sorted(latencies)[len(latencies) // 2], 1),
    }
    if engine.name == "diffusers":
        from torch.utils.flop_counter import FlopCounterMode

        counter = FlopCounterMode(display=False)
        with counter:
            engine.generate(requests_for(batch, size, steps, 0))
        per_image = counter.get_total_flops() / batch
        row["gflop_per_image"] = round(per_image / 1e9, 1)
        if peak_tflops:
            achieved = per_image * row["img_per_s"]
            row["flop_share"] = round(achieved / (peak_tflops * 1e12), 4)
            row["flop_floor_img_per_s"] = round(peak_tflops * 1e12 / per_image, 1)
    return row


def build(name: str, args: argparse.Namespace, device: str) -> Engine:
    if name == "embedded":
        from generation.engines.embedded import EmbeddedEngine

        return EmbeddedEngine(
            device=device, use_embedding=not args.no_embedding, max_batch=max(args.batch_sizes)
        )
    from generation.engines.diffusers_engine import DiffusersEngine, resolve_dtype

    dtype = resolve_dtype(args.dtype, device)
    sizes = [f"{args.size}x{args.size}"]
    started = time.perf_counter()
    if args.checkpoint:
        engine = DiffusersEngine(
            args.checkpoint,
            dtype=args.dtype,
            device=device,
            compile=args.compile,
            max_batch=max(args.batch_sizes),
            sizes=sizes,
        )
    else:
        arch = args.diffusers_arch or ("sd-turbo" if device.startswith("cuda") else "tiny")
        engine = DiffusersEngine.from_pipeline(
            random_pipeline(arch, device, dtype),
            label=arch,
            compile=args.compile,
            max_batch=max(args.batch_sizes),
            sizes=sizes,
        )
    print(
        f"# {name}: loaded in {time.perf_counter() - started:.1f}s"
        f" (compile warm-up {engine.compile_seconds or 0:.1f}s)",
        file=sys.stderr,
    )
    return engine


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engines",
        default="embedded",
        help="comma list: embedded,diffusers (diffusers on CPU uses 'tiny')",
    )
    parser.add_argument(
        "--batch-sizes", default="1,4,16,32", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--min-seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--no-embedding", action="store_true", help="embedded: skip MiniLM")
    parser.add_argument(
        "--unique-prompts",
        action="store_true",
        help="embedded: new prompt text every request (pays MiniLM each time)",
    )
    parser.add_argument("--checkpoint", default=None, help="diffusers: real local checkpoint")
    parser.add_argument("--diffusers-arch", choices=("tiny", "sd-turbo"), default=None)
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--compile", action="store_true", help="diffusers: torch.compile unet")
    parser.add_argument(
        "--peak-tflops",
        type=float,
        default=None,
        help="device peak for the FLOP share, e.g. 989 for H100 SXM fp16 dense",
    )
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args(argv)
    UNIQUE["on"] = args.unique_prompts
    if args.threads:
        torch.set_num_threads(args.threads)
    device = (
        ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    )
    rows = []
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        engine = build(name, args, device)
        steps = args.steps if args.steps is not None else engine.default_steps
        for batch in args.batch_sizes:
            row = measure(engine, batch, args.size, steps, args.min_seconds, args.peak_tflops)
            row["threads"] = torch.get_num_threads()
            if getattr(engine, "compile_seconds", None):
                row["compile_warmup_s"] = round(engine.compile_seconds, 1)
            rows.append(row)
            print(f"# {name} batch {batch}: {row['img_per_s']} img/s", file=sys.stderr)
    print(json.dumps(rows, indent=2))
    header = (
        "engine",
        "device",
        "dtype",
        "batch",
        "steps",
        "img_per_s",
        "latency_ms",
        "gflop_per_image",
        "flop_share",
        "flop_floor_img_per_s",
        "compile_warmup_s",
    )
    print("\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row.get(k, "")) for k in header) + " |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
