"""Style passes (watercolor, oil, pixel art, minimal, neon, low poly), colour grade, finish."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .context import Ctx
from .noise import Rng, blur, fbm2d, hash2, lerp, luma, smoothstep, soft_blur, warp


def painting(img: Tensor, rng: Rng) -> Tensor:
    n = fbm2d(rng, *img.shape[-2:], cells=(20, 20), octaves=2)
    return img * (0.96 + 0.08 * n)


def watercolor(img: Tensor, rng: Rng) -> Tensor:
    h, w = img.shape[-2:]
    flow = fbm2d(rng, h, w, cells=(6, 6), octaves=3, channels=2)
    bled = warp(blur(img, 2), (flow - 0.5) * 0.05)
    edges = (bled - blur(bled, 3)).abs().sum(1, keepdim=True)
    gran = fbm2d(rng, h, w, cells=(60, 60), octaves=2)
    wash = 1.0 - (1.0 - bled) * 0.85
    wash = lerp(luma(wash).expand_as(wash), wash, 1.25)
    out = wash * (1.0 - 0.06 * gran) * (1.0 - (edges * 1.5).clamp(0, 0.25))
    mottle = fbm2d(rng, h, w, cells=(4, 4), octaves=4)
    return out * (0.94 + 0.1 * mottle)


def oil(img: Tensor, rng: Rng) -> Tensor:
    h, w = img.shape[-2:]
    strokes = fbm2d(rng, h, w, cells=(max(h // 4, 2), max(w // 12, 2)), octaves=2)
    swirl = fbm2d(rng, h, w, cells=(4, 4), octaves=2, channels=2)
    strokes = warp(strokes, (swirl - 0.5) * 0.25)
    smear = warp(img, (swirl - 0.5) * 0.015)
    lit = strokes - torch.roll(strokes, shifts=(1, 1), dims=(2, 3))
    out = smear * (0.92 + 0.16 * strokes) + lit * 0.6
    grey = luma(out)
    return lerp(grey.expand_as(out), out, 1.15)


def pixel(img: Tensor, rng: Rng) -> Tensor:
    h, w = img.shape[-2:]
    cell = max(2, round(min(h, w) / 80))
    small = F.interpolate(img, size=(h // cell, w // cell), mode="area")
    levels = 7.0
    q = torch.floor(small * levels + 0.5) / levels
    return F.interpolate(q.clamp(0, 1), size=(h, w), mode="nearest")


def minimal(img: Tensor, rng: Rng) -> Tensor:
    smooth = blur(img, 1)
    return torch.round(smooth * 7.0) / 7.0 * 0.7 + smooth * 0.3


def neon(img: Tensor, rng: Rng) -> Tensor:
    edges = (img - blur(img, 1)).abs().sum(1, keepdim=True)
    glow_src = img * smoothstep(0.45, 0.8, luma(img)) + edges.clamp(0, 1) * img * 2.0
    return img * 0.8 + soft_blur(glow_src, 4) * 1.3 + blur(glow_src, 1) * 0.4


def lowpoly(img: Tensor, rng: Rng) -> Tensor:
    h, w = img.shape[-2:]
    cs = max(h, w) / 28.0
    ys = torch.arange(h, device=img.device, dtype=torch.float32).view(h, 1).expand(h, w) / cs
    xs = torch.arange(w, device=img.device, dtype=torch.float32).view(1, w).expand(h, w) / cs
    i, j = torch.floor(xs), torch.floor(ys)
    upper = ((xs - i) + (ys - j)) < 1.0
    cx = torch.where(upper, i + 1 / 3, i + 2 / 3) * cs
    cy = torch.where(upper, j + 1 / 3, j + 2 / 3) * cs
    grid = torch.stack((cx / (w - 1) * 2 - 1, cy / (h - 1) * 2 - 1), -1).unsqueeze(0)
    facets = F.grid_sample(
        blur(img, 1),
        grid.expand(img.shape[0], h, w, 2),
        mode="bilinear",
        padding_mode="border",
        align_corners=True,
    )
    shade = hash2(i, j + upper.float() * 0.5, 3.0) - 0.5
    return facets * (1.0 + 0.08 * shade)


STYLE_PASSES = {
    "painting": painting,
    "watercolor": watercolor,
    "oil": oil,
    "pixel": pixel,
    "minimal": minimal,
    "neon": neon,
    "lowpoly": lowpoly,
}


def grade(img: Tensor, ctx: Ctx, avoid: Tensor) -> Tensor:
    """Colour grade; `avoid` is (B, K, 2) unit IQ directions of negative-prompt colours."""
    s = ctx.s
    warm = s["warmth"] * 0.12
    img = img + torch.cat((warm, warm * 0.2, -warm), 1)
    if avoid.shape[1]:
        y = luma(img)
        i = 0.596 * img[:, :1] - 0.274 * img[:, 1:2] - 0.322 * img[:, 2:]
        q = 0.211 * img[:, :1] - 0.523 * img[:, 1:2] + 0.312 * img[:, 2:]
        for k in range(avoid.shape[1]):
            di, dq = avoid[:, k, 0].view(-1, 1, 1, 1), avoid[:, k, 1].view(-1, 1, 1, 1)
            p = (i * di + q * dq).clamp(min=0)
            i, q = i - 1.6 * p * di, q - 1.6 * p * dq
        steered = torch.cat(
            (y + 0.956 * i + 0.621 * q, y - 0.272 * i - 0.647 * q, y - 1.106 * i + 1.703 * q), 1
        )
        # Only touch requests that asked: the YIQ round trip is not bit-exact.
        has = (avoid.abs().sum((1, 2)) > 0).view(-1, 1, 1, 1)
        img = torch.where(has, steered, img)
    grey = luma(img)
    img = lerp(grey, img, s["saturation"])
    img = (img - 0.5) * s["contrast"] + 0.5
    img = img * s["brightness"]
    dx, dy = (ctx.x - 0.5) * 1.4, (ctx.y - 0.5) * 1.4
    vig = 1.0 - s["vignette"] * smoothstep(0.35, 1.0, torch.sqrt(dx * dx + dy * dy))
    return (img * vig).clamp(0.0, 1.0)


def finish(img: Tensor, rng: Rng, size: tuple[int, int], crisp: Tensor, grain: Tensor) -> Tensor:
    """Upscale to output size and add fine per-request grain; returns uint8 (B, h, w, 3)."""
    h, w = size
    smooth = F.interpolate(img, size=(h, w), mode="bilinear", align_corners=False)
    if bool(crisp.any()):
        sharp = F.interpolate(img, size=(h, w), mode="nearest")
        smooth = torch.where(crisp > 0, sharp, smooth)
    tile = rng.rand(1, 64, 64) - 0.5
    noise = tile.repeat(1, 1, h // 64 + 1, w // 64 + 1)[..., :h, :w]
    out = smooth + noise * grain
    return (out * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)
