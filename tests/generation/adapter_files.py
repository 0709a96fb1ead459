"""Tiny LoRA files for the adapter tests, written tensor by tensor with safetensors (no peft,
no downloads; shapes come from the tiny pipeline's UNet header), and styles that use them."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from django.core.files.base import ContentFile
from safetensors.torch import save_file

from generation.engines.adapters import denoiser_shapes
from generation.services.adapters import AdapterUpload
from generation.services.styles import StyleRecipe, style_create

TARGETS = ("attn1.to_q", "attn2.to_k", "attn2.to_v")


def _peft_backend() -> bool:
    try:
        from diffusers.utils import USE_PEFT_BACKEND
    except ImportError:
        return False
    return bool(USE_PEFT_BACKEND)


needs_peft = pytest.mark.skipif(
    not _peft_backend(), reason="loading LoRA in diffusers needs the peft package"
)


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


def upload(path: Path, name: str | None = None, scale: float = 1.0) -> AdapterUpload:
    file = ContentFile(path.read_bytes(), name=name or path.name)
    return AdapterUpload(name=name or path.name, file=file, scale=scale)


def styled(creator, *adapters, engine="lora", title="Ink"):
    recipe = StyleRecipe(
        prompt_template="{prompt}, ink",
        width=256,
        height=256,
        steps=2,
        engine=engine,
        adapters=tuple(adapters),
    )
    return style_create(
        creator=creator, title=title, price_amount=500, recipe=recipe, sample_prompts=["a cat"]
    )
