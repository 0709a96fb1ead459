"""Flowers, geometric and abstract fluid scenes (five stages each)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from .context import Ctx
from .landscapes import screen
from .noise import fbm2d, lerp, smoothstep, warp


def _pick(scheme: Tensor, idx: Tensor) -> Tensor:
    """scheme (B,4,3), idx (B,) -> colours (B,3,1,1)."""
    return scheme[torch.arange(scheme.shape[0], device=scheme.device), idx].view(-1, 3, 1, 1)


def flowers(ctx: Ctx) -> Iterator[Tensor]:
    rng, x, y = ctx.rng, ctx.x, ctx.y
    b = ctx.batch
    grad = lerp(ctx.pal["far"], ctx.pal["near"], smoothstep(0.0, 1.0, y))
    field = fbm2d(rng, ctx.h, ctx.w, cells=(3, 3), octaves=3)
    canvas = grad * (0.75 + 0.5 * field)
    yield canvas
    bokeh = torch.zeros_like(canvas[:, :1])
    for _ in range(10):
        bx, by, br = rng.uniform(0, 1), rng.uniform(0, 0.7), rng.uniform(0.02, 0.07)
        d = torch.sqrt(((x - bx) * ctx.aspect) ** 2 + (y - by) ** 2)
        bokeh = bokeh + smoothstep(br, br * 0.8, d) * rng.uniform(0.1, 0.35)
    canvas = screen(canvas, ctx.pal["accent"] * bokeh.clamp(0, 1) * (1 - ctx.flags["minimal"]))
    yield canvas
    count = 9
    ys = rng.rand(count).sort(dim=1).values * 0.75 + 0.18  # back to front
    xs = rng.rand(count)
    petals = (5 + rng.rand(count) * 4).floor()
    rot = rng.rand(count) * 6.283
    colour_idx = (rng.rand(count) * 4).long().clamp(max=3)
    stem_bend = rng.rand(count) - 0.5
    for i in range(count):
        cx, cy = xs[:, i].view(b, 1, 1, 1), ys[:, i].view(b, 1, 1, 1)
        radius = (0.05 + 0.11 * cy) * ctx.s["amplitude"].clamp(0.7, 1.3)
        colour = _pick(ctx.scheme, colour_idx[:, i])
        stem_x = cx + stem_bend[:, i].view(b, 1, 1, 1) * (y - cy).clamp(min=0) ** 2 * 0.6
        stem = smoothstep(0.006, 0.003, (x - stem_x).abs() * ctx.aspect) * (y > cy).float()
        canvas = lerp(canvas, ctx.pal["near"] * 1.6 + 0.05, stem * 0.9)
        dx, dy = (x - cx) * ctx.aspect, y - cy
        r = torch.sqrt(dx * dx + dy * dy)
        theta = torch.atan2(dy, dx) - rot[:, i].view(b, 1, 1, 1)
        k = petals[:, i].view(b, 1, 1, 1)
        wave = torch.cos(theta * k * 0.5).abs()
        edge = radius * (0.55 + 0.45 * wave.pow(0.6))
        inside = smoothstep(edge + 1.5 / ctx.h, edge - 1.5 / ctx.h, r)
        shadow = smoothstep(edge * 1.25, edge * 0.9, r) * 0.35
        canvas = canvas * (1.0 - shadow)
        shade = (0.6 + 0.45 * (r / edge).clamp(0, 1)) * (0.78 + 0.22 * smoothstep(0.0, 0.3, wave))
        canvas = lerp(canvas, colour * shade, inside)
        core = smoothstep(radius * 0.22, radius * 0.18, r)
        dots = 0.75 + 0.25 * torch.sin(dx * 900.0) * torch.sin(dy * 900.0)
        canvas = lerp(canvas, ctx.pal["accent"] * 0.55 * dots, core)
        if i == count // 2:
            yield canvas
    yield canvas
    canvas = canvas * (1.0 + 0.06 * (field - 0.5))
    yield canvas.clamp(0, 1)


def geometric(ctx: Ctx) -> Iterator[Tensor]:
    rng, x, y = ctx.rng, ctx.x, ctx.y
    b = ctx.batch
    dark = ((ctx.flags["night"] + ctx.flags["neon"]) > 0).float()
    bg = lerp(ctx.pal["far"], ctx.pal["near"] * 1.5 + 0.04, dark)
    canvas = bg.expand(b, 3, ctx.h, ctx.w).clone()
    yield canvas
    shapes = 8
    kinds = (rng.rand(shapes) * 6).long().clamp(max=5)
    for i in range(shapes):
        cx, cy = rng.uniform(0.12, 0.88), rng.uniform(0.12, 0.88)
        size = rng.uniform(0.12, 0.32) * (1.0 - 0.05 * i)
        ang = (rng.uniform(0, 4).floor()) * 1.5708
        colour = _pick(ctx.scheme, (rng.rand(1).view(-1) * 4).long().clamp(max=3))
        dx, dy = (x - cx) * ctx.aspect, y - cy
        d = torch.sqrt(dx * dx + dy * dy)
        aa = 1.2 / ctx.h
        circle = smoothstep(size + aa, size - aa, d)
        rect = ((dx.abs() < size * 0.8) & (dy.abs() < size * 0.55)).float()
        half = circle * (dx * torch.cos(ang) + dy * torch.sin(ang) > 0).float()
        tri = ((dy > -size) & (dy < size * 0.7) & (dx.abs() < (dy + size) * 0.62)).float()
        ring = smoothstep(size * 0.14 + aa, size * 0.14 - aa, (d - size * 0.8).abs())
        stripes = rect * ((torch.floor((dx + dy) / (size * 0.18)) % 2) == 0).float()
        masks = torch.stack((circle, rect, half, tri, ring, stripes), 1)[:, :, 0]
        mask = masks[torch.arange(b, device=canvas.device), kinds[:, i]].unsqueeze(1)
        alpha = 0.92 - 0.25 * (i % 3 == 2)
        canvas = lerp(canvas, colour, mask * alpha)
        if i in (1, 4, 6):
            yield canvas
    paper = fbm2d(rng, ctx.h, ctx.w, cells=(40, 40), octaves=2)
    canvas = canvas * (0.94 + 0.06 * paper)
    yield canvas.clamp(0, 1)


def abstract(ctx: Ctx) -> Iterator[Tensor]:
    rng, h, w = ctx.rng, ctx.h, ctx.w
    q = fbm2d(rng, h, w, cells=(2, 2), octaves=4, channels=2)
    yield ctx.pal["far"].expand(ctx.batch, 3, h, w)
    r = warp(fbm2d(rng, h, w, cells=(3, 3), octaves=4, channels=2), (q - 0.5) * 1.2)
    yield ctx.pal["far"].expand(ctx.batch, 3, h, w)
    n = warp(
        fbm2d(rng, h, w, cells=(3, 3), octaves=5),
        (r - 0.5) * 1.4 * ctx.s["amplitude"].clamp(0.6, 1.6),
    )
    m = (n - n.mean((2, 3), keepdim=True)) / (n.std((2, 3), keepdim=True) + 1e-4)
    t = torch.sigmoid(m * 1.3)
    c0, c1, c2, c3 = (ctx.scheme[:, i].view(-1, 3, 1, 1) for i in range(4))
    col = lerp(c0, c1, smoothstep(0.15, 0.4, t))
    col = lerp(col, c2, smoothstep(0.45, 0.65, t))
    col = lerp(col, c3, smoothstep(0.7, 0.9, t))
    yield col
    lines = smoothstep(0.06, 0.0, (torch.frac(t * 9.0) - 0.5).abs() - 0.42)
    col = lerp(col, ctx.pal["far"], lines * 0.45 * (1 - ctx.flags["minimal"]))
    yield col
    sheen = smoothstep(0.55, 0.95, r[:, 1:]) * 0.18
    col = screen(col, torch.ones_like(col) * sheen)
    yield col.clamp(0, 1)
