"""Edits for the diffusers backend: image-to-image, inpainting and an optional upscaler.

Variations and image edits run the standard image-to-image pipeline and inpaints the
inpainting one, both made with `from_pipe` from the loaded text-to-image pipeline, so they
share its components and cost no extra memory. Upscaling needs its own operator-supplied
checkpoint (a StableDiffusionUpscalePipeline directory such as the x4 upscaler).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image, ImageChops, ImageFilter

from .base import EngineUnavailable, GenerationRequest

MAX_SCHEDULED_STEPS = 1000  # the schedulers' training timesteps
MASK_FEATHER = 1.0  # gaussian radius of the pasted-back inpaint edge, inside the mask only


def scheduled_steps(steps: int, strength: float) -> int:
    """The `num_inference_steps` at which a pipeline runs `steps` denoising steps at `strength`.

    Image-to-image pipelines run only `int(n * strength)` of `n` scheduled steps, so a
    one-step turbo model at strength 0.5 must schedule two; 0 means no step runs at all.
    """
    if strength <= 0:
        return 0
    n = min(math.ceil(steps / strength), MAX_SCHEDULED_STEPS)
    while int(n * strength) < steps and n < MAX_SCHEDULED_STEPS:
        n += 1
    return n if int(n * strength) >= 1 else 0


def edit_pipeline(pipe: Any, kind: str) -> Any:
    """The image-to-image or inpainting pipeline sharing `pipe`'s components."""
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

    auto = AutoPipelineForInpainting if kind == "inpaint" else AutoPipelineForImage2Image
    edit = auto.from_pipe(pipe)
    edit.set_progress_bar_config(disable=True)
    return edit


def paste_outside_mask(result: Image.Image, source: Image.Image, mask: Image.Image) -> Image.Image:
    """The source's own pixels outside the mask (the VAE round trip would blur them).

    The edge is feathered over ~2 px inside the mask; outside it the bytes are the source's.
    """
    binary = mask.convert("L").point(lambda v: 255 if v >= 128 else 0)
    feather = ImageChops.multiply(binary, binary.filter(ImageFilter.GaussianBlur(MASK_FEATHER)))
    return Image.composite(result.convert("RGB"), source.convert("RGB"), feather)


def load_upscaler(path: str, dtype: torch.dtype, device: str) -> tuple[Any, float]:
    """Load an upscaler checkpoint once; anything wrong with it makes the engine unavailable."""
    directory = Path(path).expanduser()
    if not (directory / "model_index.json").is_file():
        raise EngineUnavailable(f"Upscaler checkpoint has no model_index.json: {directory}")
    started = time.perf_counter()
    try:
        from diffusers import StableDiffusionUpscalePipeline

        pipe = StableDiffusionUpscalePipeline.from_pretrained(
            str(directory), local_files_only=True, dtype=dtype
        ).to(device)
    # As for the main checkpoint: every load failure means "this engine cannot serve".
    except Exception as exc:  # noqa: BLE001
        raise EngineUnavailable(
            f"Could not load upscaler checkpoint {directory}: {type(exc).__name__}: {exc}"
        ) from exc
    pipe.set_progress_bar_config(disable=True)
    return pipe, time.perf_counter() - started


def upscaler_input(request: GenerationRequest, factor: int, max_side: int) -> Image.Image:
    """The source as the upscaler should get it.

    The upscaler works at its own factor (4 for the x4 upscaler) and a smaller request is
    resized down afterwards; where that detour would pass `max_side` (a x2 of 1024 px would
    decode 4096 px), the source is shrunk first so the upscaler lands on the requested size.
    """
    source = request.init_image.convert("RGB")
    if max(source.size) * factor <= max_side:
        return source
    size = (request.width // factor, request.height // factor)
    return source.resize(size, Image.Resampling.LANCZOS)


def upscale_kwargs(
    requests: list[GenerationRequest], steps: int, guidance: float, factor: int, max_side: int
) -> dict:
    """Arguments of one StableDiffusionUpscalePipeline call for the batch."""
    negatives = [r.negative_prompt for r in requests]
    return {
        "prompt": [r.prompt for r in requests],
        "negative_prompt": negatives if any(negatives) else None,
        "image": [upscaler_input(r, factor, max_side) for r in requests],
        "num_inference_steps": steps,
        "guidance_scale": guidance,
        "output_type": "pil",
    }


def to_requested_size(images: list[Image.Image], request: GenerationRequest) -> list[Image.Image]:
    """An x4 upscaler asked for x2 (or any other factor mismatch) ends with a Lanczos resize."""
    size = request.size
    return [im if im.size == size else im.resize(size, Image.Resampling.LANCZOS) for im in images]
