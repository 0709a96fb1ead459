"""Tensor helpers for the embedded engine: per-request randomness, noise, blends.

Every random draw goes through `Rng`, which keeps one `torch.Generator` per request, so a
request's pixels never depend on which other requests share its batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


class Rng:
    """Per-request CPU generators; draws are stacked into one batched tensor on `device`."""

    def __init__(self, generators: list[torch.Generator], device: torch.device) -> None:
        self.generators = generators
        self.device = device

    def __len__(self) -> int:
        return len(self.generators)

    def subset(self, index: list[int]) -> Rng:
        return Rng([self.generators[i] for i in index], self.device)

    def rand(self, *shape: int) -> Tensor:
        parts = [torch.rand(shape, generator=g) for g in self.generators]
        return torch.stack(parts).to(self.device)

    def uniform(self, lo: float, hi: float) -> Tensor:
        """One scalar per request, shaped (B, 1, 1, 1) for broadcasting over images."""
        return (lo + (hi - lo) * self.rand(1)).view(-1, 1, 1, 1)

    def choice(self, n: int) -> Tensor:
        return (self.rand(1).view(-1) * n).long().clamp(max=n - 1)


def lerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    return a + (b - a) * t


def smoothstep(e0: Tensor | float, e1: Tensor | float, x: Tensor) -> Tensor:
    t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def coords(h: int, w: int, device: torch.device) -> tuple[Tensor, Tensor]:
    """Pixel-centre coordinates in [0, 1]; x across, y downwards, shaped (1, 1, h, w)."""
    ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h
    xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w
    return xs.view(1, 1, 1, w).expand(1, 1, h, w), ys.view(1, 1, h, 1).expand(1, 1, h, w)


def fbm2d(
    rng: Rng,
    h: int,
    w: int,
    cells: tuple[int, int] = (3, 3),
    octaves: int = 4,
    channels: int = 1,
    gain: float = 0.5,
) -> Tensor:
    """Smooth fractal noise in roughly [0, 1]: random grids upsampled bicubically and summed."""
    total = None
    amp, norm = 1.0, 0.0
    ch, cw = cells
    for _ in range(octaves):
        grid = rng.rand(channels, ch + 1, cw + 1)
        layer = F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=True)
        total = layer * amp if total is None else total + layer * amp
        norm += amp
        amp *= gain
        ch, cw = min(ch * 2, h), min(cw * 2, w)
    return total / norm


def fbm1d(
    rng: Rng, w: int, cells: int = 4, octaves: int = 5, gain: float = 0.5, smooth: bool = False
) -> Tensor:
    """Fractal 1-D profile in [0, 1] shaped (B, 1, 1, w): ridge lines and skylines."""
    total = None
    amp, norm = 1.0, 0.0
    for _ in range(octaves):
        grid = rng.rand(1, cells + 1)
        if smooth:
            layer = F.interpolate(
                grid.unsqueeze(2), size=(1, w), mode="bicubic", align_corners=True
            ).squeeze(2)
        else:
            layer = F.interpolate(grid, size=w, mode="linear", align_corners=True)
        total = layer * amp if total is None else total + layer * amp
        norm += amp
        amp *= gain
        cells = min(cells * 2, w)
    return (total / norm).unsqueeze(2)


def blur(img: Tensor, radius: int) -> Tensor:
    """Box blur (two passes approximate a gaussian); deterministic per image."""
    if radius <= 0:
        return img
    k = 2 * radius + 1
    for _ in range(2):
        img = F.avg_pool2d(img, k, stride=1, padding=radius, count_include_pad=False)
    return img


def soft_blur(img: Tensor, factor: int) -> Tensor:
    """Wide cheap blur: downsample by `factor`, blur, upsample."""
    h, w = img.shape[-2:]
    small = F.interpolate(img, scale_factor=1.0 / factor, mode="area")
    small = blur(small, 1)
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)


def luma(img: Tensor) -> Tensor:
    return (img * img.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)


def hash2(a: Tensor, b: Tensor, salt: Tensor | float) -> Tensor:
    """Cheap deterministic pseudo-random value in [0, 1) from integer-valued cell coordinates."""
    v = torch.sin(a * 12.9898 + b * 78.233 + salt * 37.719) * 43758.5453
    return v - torch.floor(v)


def warp(img: Tensor, offsets: Tensor) -> Tensor:
    """Resample `img` at positions displaced by `offsets` (B, 2, h, w) in [-1, 1] units."""
    b, _, h, w = img.shape
    ys = torch.linspace(-1, 1, h, device=img.device)
    xs = torch.linspace(-1, 1, w, device=img.device)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    base = torch.stack((gx, gy), dim=-1).unsqueeze(0)
    grid = base + offsets.permute(0, 2, 3, 1)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="reflection", align_corners=True)
