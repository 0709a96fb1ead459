"""Tiny LoRA files for the adapter tests, written tensor by tensor with safetensors (no peft,
no downloads): shapes come from the tiny pipeline's UNet header."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch
from safetensors.torch import save_file

from generation.engines.adapters import denoiser_shapes

TARGETS = ("attn1.to_q", "attn2.to_k", "attn2.to_v")


def lora_modules(checkpoint: Path) -> list[str]:
    """The attention projections a typical style LoRA adapts."""
    shapes = denoiser_shapes(checkpoint)
    return sorted(
        key[: -len(".weight")]
        for key in shapes
        if key.endswith(".weight") and any(f".{t}." in key + "." for t in TARGETS)
    )


def write_lora(
    path: Path,
    checkpoint: Path,
    *,
    rank: int = 4,
    seed: int = 1,
    kohya: bool = False,
    wrong_in: bool = False,
) -> Path:
    """A random LoRA for the tiny UNet in diffusers/peft or kohya naming; `wrong_in` makes
    every down matrix one feature too wide (does not fit)."""
    shapes = denoiser_shapes(checkpoint)
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    for module in lora_modules(checkpoint):
        out_features, in_features = shapes[f"{module}.weight"]
        down = torch.randn(rank, in_features + int(wrong_in), generator=generator)
        up = torch.randn(out_features, rank, generator=generator)
        if kohya:
            stem = "lora_unet_" + module.replace(".", "_")
            tensors[f"{stem}.lora_down.weight"] = down
            tensors[f"{stem}.lora_up.weight"] = up
            tensors[f"{stem}.alpha"] = torch.tensor(float(rank))
        else:
            tensors[f"unet.{module}.lora_A.weight"] = down
            tensors[f"unet.{module}.lora_B.weight"] = up
    save_file(tensors, str(path))
    return path


def write_pickle(path: Path) -> Path:
    """A real pickle checkpoint (what .ckpt/.pt/.bin files are)."""
    with path.open("wb") as stream:
        pickle.dump({"lora_A": [[0.0, 1.0]]}, stream, protocol=4)
    return path
