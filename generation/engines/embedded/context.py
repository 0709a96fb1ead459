"""Per-group render context: coordinates, palette tensors and per-request scalars."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .noise import Rng, coords
from .prompt import SceneSpec

ROLES = ("sky_top", "horizon", "sun", "far", "near", "accent")
SCALARS = (
    "contrast",
    "saturation",
    "brightness",
    "warmth",
    "haze",
    "amplitude",
    "vignette",
)


@dataclass
class Ctx:
    """What a scene renderer sees for its sub-batch (all tensors broadcast as (B, C, h, w))."""

    rng: Rng
    h: int
    w: int
    x: Tensor
    y: Tensor
    aspect: float
    pal: dict[str, Tensor]
    scheme: Tensor
    s: dict[str, Tensor]
    flags: dict[str, Tensor]

    @property
    def batch(self) -> int:
        return len(self.rng)


def _flag(specs: list[SceneSpec], pred, device: torch.device) -> Tensor:  # noqa: ANN001
    return torch.tensor([1.0 if pred(s) else 0.0 for s in specs], device=device).view(-1, 1, 1, 1)


def make_ctx(specs: list[SceneSpec], rng: Rng, h: int, w: int, words: list[str]) -> Ctx:
    """Turn plain-Python specs into batched tensors on the render device."""
    device = rng.device
    x, y = coords(h, w, device)
    pal = {
        role: torch.tensor([s.palette[role] for s in specs], device=device).view(-1, 3, 1, 1)
        for role in ROLES
    }
    scheme = torch.tensor([s.scheme for s in specs], device=device)  # (B, 4, 3)
    scalars = {
        name: torch.tensor([float(getattr(s, name)) for s in specs], device=device).view(
            -1, 1, 1, 1
        )
        for name in SCALARS
    }
    flags = {
        "night": _flag(specs, lambda s: s.time == "night", device),
        "sunset": _flag(specs, lambda s: s.time == "sunset", device),
        "minimal": _flag(specs, lambda s: s.style in ("minimal", "pixel"), device),
        "neon": _flag(specs, lambda s: s.style == "neon", device),
        "reflection": _flag(specs, lambda s: s.reflection, device),
        "winter": _flag(specs, lambda s: s.season == "winter", device),
    }
    keywords = {
        "galaxy": ("galaxy", "spiral", "milky"),
        "planet": ("planet", "planets", "moon"),
        "beach": ("beach", "shore", "sand", "coast", "tropical", "island"),
    }
    for key, terms in keywords.items():
        flags[key] = torch.tensor(
            [1.0 if any(f" {t} " in text for t in terms) else 0.0 for text in words],
            device=device,
        ).view(-1, 1, 1, 1)
    return Ctx(rng, h, w, x, y, w / h, pal, scheme, scalars, flags)
