"""Night city and deep space scenes (five stages each)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from .context import Ctx
from .landscapes import reflect, screen, sky
from .noise import blur, fbm2d, hash2, lerp, smoothstep, soft_blur, warp


def city(ctx: Ctx) -> Iterator[Tensor]:
    rng, x, y = ctx.rng, ctx.x, ctx.y
    horizon = rng.uniform(0.68, 0.78)
    canvas, _, _ = sky(ctx, horizon)
    glow = smoothstep(horizon - 0.45, horizon, y) * (0.35 * ctx.flags["night"])
    canvas = screen(canvas, ctx.pal["accent"] * glow * 0.5)
    yield canvas
    water = (ctx.flags["reflection"] + (rng.uniform(0, 1) > 0.6).float()).clamp(0, 1)
    salt = rng.uniform(0.0, 100.0)
    count = 48
    layers = ((0.0, 0.36, 0.03, 0.25), (0.45, 0.3, 0.045, 0.45), (0.92, 0.22, 0.06, 0.62))
    xs_row = x[0, 0, 0].view(1, -1)
    for stage, (t, max_h, mean_w, lit_frac) in enumerate(layers):
        widths = mean_w * (0.5 + rng.rand(count))  # (B,N)
        edges = torch.cumsum(widths, dim=1) - rng.rand(1) * mean_w
        idx = torch.searchsorted(edges.contiguous(), xs_row.expand(edges.shape[0], -1).contiguous())
        idx = idx.clamp(max=count - 1)
        left = torch.gather(torch.cat([edges[:, :1] - widths[:, :1], edges[:, :-1]], 1), 1, idx)
        hts = (
            max_h
            * (0.25 + 0.75 * rng.rand(count).pow(1.5))
            * ctx.s["amplitude"].view(-1, 1).clamp(0.7, 1.4)
        )
        top = horizon + 0.02 * stage - torch.gather(hts, 1, idx).view(-1, 1, 1, ctx.w)
        mask = (y > top).float()
        bidx = idx.view(-1, 1, 1, ctx.w).float()
        tone = 0.85 + 0.3 * hash2(bidx, bidx * 0.37, salt + stage)
        base = lerp(lerp(ctx.pal["far"], ctx.pal["horizon"], 0.3), ctx.pal["near"], t) * tone
        rim = torch.exp(-(y - top).clamp(min=0) * 40.0) * 0.15
        col = base + ctx.pal["horizon"] * rim
        win_w, win_h = 0.011 + 0.004 * t, 0.016 + 0.006 * t
        lx = (x - left.view(-1, 1, 1, ctx.w)) * ctx.aspect
        ly = y - top
        cx, cy = torch.floor(lx / win_w), torch.floor(ly / win_h)
        fx, fy = lx / win_w - cx, ly / win_h - cy
        window = (fx > 0.3) & (fx < 0.75) & (fy > 0.35) & (fy < 0.8) & (cy >= 1) & (cx >= 1)
        r = hash2(cx + bidx * 13.0, cy, salt + stage * 7.0)
        lit = (r < lit_frac).float() * window.float()
        warm = lerp(
            ctx.pal["accent"], torch.ones_like(ctx.pal["accent"]) * 0.95, hash2(cx, cy + bidx, salt)
        )
        win_col = lerp(
            warm,
            ctx.scheme[:, 1].view(-1, 3, 1, 1),
            ctx.flags["neon"] * (r < lit_frac * 0.5).float(),
        )
        day = 1.0 - ctx.flags["night"]
        col = lerp(col, win_col * (0.6 + 0.4 * t), lit * (1.0 - 0.7 * day))
        canvas = lerp(canvas, col, mask)
        if stage < 2:
            fog = (
                smoothstep(horizon - 0.2, horizon + 0.05, y)
                * (0.15 + ctx.s["haze"] * 0.5)
                * (1 - t)
            )
            canvas = lerp(canvas, ctx.pal["horizon"], fog * mask)
        yield canvas
    canvas = torch.where(water > 0, reflect(ctx, canvas, horizon + 0.06), canvas)
    bloom = soft_blur((canvas - 0.6).clamp(min=0), 4)
    canvas = canvas + bloom * (0.8 + 1.5 * ctx.flags["neon"])
    yield canvas.clamp(0, 1)


def space(ctx: Ctx) -> Iterator[Tensor]:
    rng, x, y = ctx.rng, ctx.x, ctx.y
    h, w = ctx.h, ctx.w
    base = lerp(ctx.pal["sky_top"] * 0.4, ctx.scheme[:, 0].view(-1, 3, 1, 1) * 0.12, y)
    stars = rng.rand(1, h, w)
    canvas = base + smoothstep(0.993, 1.0, stars) * 0.9
    yield canvas
    q = fbm2d(rng, h, w, cells=(3, 3), octaves=4, channels=2)
    n = fbm2d(rng, h, w, cells=(3, 3), octaves=5, channels=2)
    n = warp(n, (q - 0.5) * 0.9)
    density = smoothstep(0.32, 0.82, n[:, :1])
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.35, 0.65)
    dx, dy = (x - cx) * ctx.aspect, y - cy
    r = torch.sqrt(dx * dx + dy * dy) + 1e-4
    theta = torch.atan2(dy, dx)
    arms = 0.5 + 0.5 * torch.cos(2.0 * (theta - torch.log(r) * 2.6) + n[:, 1:] * 3.0)
    spiral = arms.pow(3) * torch.exp(-r / 0.2) * 1.6 + torch.exp(-r / 0.05)
    density = lerp(density, spiral.clamp(0, 1.5), ctx.flags["galaxy"])
    yield canvas
    hue = n[:, 1:]
    c0, c1, c2, c3 = (ctx.scheme[:, i].view(-1, 3, 1, 1) for i in range(4))
    col = lerp(lerp(c0, c1, smoothstep(0.3, 0.55, hue)), c2, smoothstep(0.55, 0.75, hue))
    col = lerp(col, c3, smoothstep(0.7, 0.9, density))
    neb = col * density.pow(1.3) * 1.25 + density.pow(4) * 0.35
    dust = smoothstep(0.45, 0.6, q[:, :1]) * 0.5
    canvas = canvas + neb * (1.0 - dust)
    yield canvas
    big = smoothstep(0.9992, 1.0, stars)
    halo = blur(big, 2) * 6.0
    canvas = canvas + (halo + big) * lerp(torch.ones_like(c3), c3, 0.3)
    pr = rng.uniform(0.12, 0.26)
    px, py = rng.uniform(0.15, 0.85), rng.uniform(0.6, 0.9)
    pdx, pdy = (x - px) * ctx.aspect / pr, (y - py) / pr
    d2 = pdx * pdx + pdy * pdy
    disc = smoothstep(1.0, 0.98, d2)
    nz = torch.sqrt((1.0 - d2).clamp(min=0))
    light = (-0.6 * pdx - 0.5 * pdy + 0.6 * nz).clamp(0, 1)
    bands = 0.75 + 0.25 * torch.sin(pdy * 9.0 + q[:, 1:] * 6.0)
    planet = lerp(c2 * 0.5, c3, bands * 0.6) * (0.08 + light) * bands
    rim = torch.exp(-(d2 - 1.0).abs() * 12.0) * 0.45 * (light > 0.05).float()
    pmask = disc * ctx.flags["planet"]
    canvas = lerp(canvas, planet, pmask) + c3 * rim * ctx.flags["planet"]
    yield canvas
    canvas = canvas + soft_blur((canvas - 0.7).clamp(min=0), 4) * 0.8
    yield canvas.clamp(0, 1)
