"""Edits for the embedded engine: the procedural equivalents of img2img, inpainting and upscaling.

A variation, an image edit and an inpaint all start from a fresh render of the request's prompt
and seed (the engine does that part) and mix it with the source picture here; an upscale needs
no render. Each request draws its randomness from its own generator, keyed by the request, so
an edit's pixels never depend on what else shares its batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import torch
from PIL import Image
from torch import Tensor

from ..base import CancelCheck, GenerationCancelled, GenerationRequest, StepCallback
from .noise import Rng, blur, fbm2d, lerp, soft_blur, warp

LOW_PASS = 8  # downsampling factor that separates composition (low) from detail (high)
WARP = 0.08  # how far a strength-1 variation moves the source, in [-1, 1] image units
MASK_FEATHER = 1  # box-blur radius of the inpaint edge (two passes: about 2 px, inside only)


def edit_generator(version: str, request: GenerationRequest) -> torch.Generator:
    """The request's own generator for the edit's noise (distinct from its render's)."""
    fields = [request.edit, request.seed, request.prompt, request.negative_prompt]
    text = json.dumps([version, "edit", *fields, request.strength, request.upscale])
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") & (2**63 - 1)
    return torch.Generator().manual_seed(seed)


def to_tensor(images: Sequence[Image.Image], device: torch.device) -> Tensor:
    """RGB pictures -> float (B, 3, H, W) in [0, 1]."""
    arrays = [_pixels(im.convert("RGB")) for im in images]
    return torch.stack(arrays).permute(0, 3, 1, 2).to(device, torch.float32) / 255.0


def _pixels(image: Image.Image) -> Tensor:
    """uint8 (H, W, C) view of a PIL picture's bytes."""
    data = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
    return data.view(image.height, image.width, -1)


def to_uint8(batch: Tensor) -> Tensor:
    """float (B, 3, H, W) in [0, 1] -> uint8 (B, H, W, 3), the engine's output layout."""
    return (batch * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)


def _strengths(requests: Sequence[GenerationRequest], device: torch.device) -> Tensor:
    return torch.tensor([float(r.strength) for r in requests], device=device).view(-1, 1, 1, 1)


def variation(source: Tensor, fresh: Tensor, strength: Tensor, rng: Rng) -> Tensor:
    """Nudge the source along a smooth noise field and fade towards the fresh render.

    Strength 0 is the source, 1 the fresh render of the same prompt with the new seed.
    """
    h, w = source.shape[-2:]
    flow = fbm2d(rng, h, w, cells=(4, 4), octaves=3, channels=2) - 0.5
    moved = warp(source, flow * (2 * WARP) * strength)
    return lerp(moved, fresh, strength)


def image_to_image(source: Tensor, fresh: Tensor, strength: Tensor) -> Tensor:
    """Keep the source's composition and colour (low frequencies) longer than its detail.

    The prompt's render brings its texture in quickly (sqrt of strength) and its layout
    only in proportion to strength, so a low strength restyles the source's surface.
    """
    low_src, low_new = soft_blur(source, LOW_PASS), soft_blur(fresh, LOW_PASS)
    low = lerp(low_src, low_new, strength)
    detail = lerp(source - low_src, fresh - low_new, strength.sqrt())
    return (low + detail).clamp(0.0, 1.0)


def feathered_mask(masks: Sequence[Image.Image], device: torch.device) -> Tensor:
    """1 where a mask repaints, softened over ~2 px inside its edge and exactly 0 outside."""
    grey = torch.stack([_pixels(m.convert("L")) for m in masks]).permute(0, 3, 1, 2)
    binary = (grey.to(device) >= 128).float()
    return binary * blur(binary, MASK_FEATHER)


def inpaint(
    source: Tensor, fresh: Tensor, strength: Tensor, alpha: Tensor, source_u8: Tensor
) -> Tensor:
    """Repaint inside the mask as an image edit would; outside it, the source's own bytes."""
    content = image_to_image(source, fresh, strength)
    mixed = to_uint8(lerp(source, content, alpha))
    keep = (alpha == 0).permute(0, 2, 3, 1)
    return torch.where(keep, source_u8, mixed)


def apply_edit(
    version: str, requests: Sequence[GenerationRequest], rendered: Tensor, device: torch.device
) -> Tensor:
    """Mix each request's fresh render (uint8 (B, H, W, 3)) with its source picture."""
    kind = requests[0].edit
    source = to_tensor([r.init_image for r in requests], device)
    fresh = rendered.permute(0, 3, 1, 2).to(torch.float32) / 255.0
    strength = _strengths(requests, device)
    if kind == "variation":
        rng = Rng([edit_generator(version, r) for r in requests], device)
        return to_uint8(variation(source, fresh, strength, rng))
    if kind == "image":
        return to_uint8(image_to_image(source, fresh, strength))
    alpha = feathered_mask([r.mask for r in requests], device)
    return inpaint(source, fresh, strength, alpha, to_uint8(source))


def upscale_one(version: str, request: GenerationRequest, device: torch.device) -> Tensor:
    """Lanczos to the output size, then seeded fine detail where the picture has edges."""
    resized = request.init_image.convert("RGB").resize(request.size, Image.Resampling.LANCZOS)
    img = to_tensor([resized], device)
    h, w = img.shape[-2:]
    rng = Rng([edit_generator(version, request)], device)
    edges = (img - blur(img, 1)).abs().mean(1, keepdim=True)
    sharp = img + 0.35 * (img - blur(img, 1))
    grain = fbm2d(rng, h, w, cells=(max(h // 3, 2), max(w // 3, 2)), octaves=2) - 0.5
    return to_uint8((sharp + grain * (0.012 + 0.6 * edges.clamp(0, 0.05))).clamp(0, 1))[0]


def upscale(
    version: str,
    requests: Sequence[GenerationRequest],
    steps: int,
    device: torch.device,
    on_step: StepCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> list[Tensor]:
    """Upscale one picture at a time (outputs are large); progress is counted in pictures."""
    out: list[Tensor] = []
    done = 0
    for k, request in enumerate(requests):
        if should_cancel is not None and should_cancel():
            raise GenerationCancelled(f"Cancelled before picture {k + 1}/{len(requests)}.")
        out.append(upscale_one(version, request, device))
        while done < (k + 1) * steps // len(requests):
            if on_step is not None:
                on_step(done, steps)
            done += 1
    return out
