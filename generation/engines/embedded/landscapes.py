"""Landscape scenes (mountains, forest, ocean, desert) built as layered silhouettes.

Each scene is a generator that yields the canvas after each of its five stages (sky, far,
mid, near, detail) so the engine can report progress between them.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

from .context import Ctx
from .noise import fbm1d, fbm2d, lerp, smoothstep

SCENE_STAGES = 5


def screen(a: Tensor, b: Tensor) -> Tensor:
    return 1.0 - (1.0 - a) * (1.0 - b)


def sky(ctx: Ctx, horizon: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Gradient sky with sun/moon, glow, streaky clouds and night stars. Returns sun x, y."""
    rng, x, y = ctx.rng, ctx.x, ctx.y
    detail = 1.0 - ctx.flags["minimal"]
    t = (y / horizon).clamp(0.0, 1.0)
    canvas = lerp(ctx.pal["sky_top"], ctx.pal["horizon"], t.pow(1.7))
    sx = rng.uniform(0.18, 0.82)
    sy = horizon - rng.uniform(0.06, 0.3) * horizon
    radius = rng.uniform(0.035, 0.065) * (1.0 + 0.6 * ctx.flags["minimal"])
    dist = torch.sqrt(((x - sx) * ctx.aspect) ** 2 + (y - sy) ** 2)
    glow = torch.exp(-dist / (0.07 + 0.08 * ctx.s["amplitude"].clamp(0.5, 1.6)))
    glow_amt = 0.55 - 0.3 * ctx.flags["night"]
    canvas = screen(canvas, ctx.pal["sun"] * glow * glow_amt)
    wide = torch.exp(-dist / 0.45) * (0.25 * ctx.flags["sunset"])
    canvas = screen(canvas, ctx.pal["sun"] * wide)
    disc = smoothstep(radius, radius * 0.85, dist)
    canvas = lerp(canvas, ctx.pal["sun"], disc)
    clouds = fbm2d(rng, ctx.h, ctx.w, cells=(7, 2), octaves=4)
    cover = rng.uniform(0.45, 0.62) - 0.1 * ctx.s["haze"]
    cloud = smoothstep(cover, cover + 0.22, clouds) * (1.0 - t).sqrt() * detail
    cloud_col = lerp(
        lerp(ctx.pal["horizon"], torch.ones_like(ctx.pal["sun"]), 0.5),
        lerp(ctx.pal["horizon"], ctx.pal["sun"], 0.6),
        ctx.flags["sunset"],
    )
    cloud_col = lerp(cloud_col, ctx.pal["sky_top"] * 1.6 + 0.04, ctx.flags["night"])
    shade = 0.8 + 0.3 * smoothstep(0.3, 0.9, clouds)
    canvas = lerp(canvas, cloud_col * shade, cloud * 0.75)
    stars = ctx.rng.rand(1, ctx.h, ctx.w)
    star = smoothstep(0.9965, 1.0, stars) * (1.0 - t) * ctx.flags["night"] * (1 - cloud)
    canvas = canvas + star * 1.5
    return canvas.clamp(0, 1), sx, sy


def ridge_mask(ctx: Ctx, top: Tensor, skew: float = 0.9) -> tuple[Tensor, Tensor, Tensor]:
    """Mask below a 1-D ridge line `top` (B,1,1,w), depth below it, and face lighting.

    Lighting samples the ridge slope diagonally up-slope from each pixel, so shaded faces run
    down from the peaks instead of forming vertical stripes.
    """
    aa = 1.2 / ctx.h
    mask = smoothstep(top - aa, top + aa, ctx.y)
    depth = (ctx.y - top).clamp(min=0.0)
    smooth = F.avg_pool1d(top.view(-1, 1, ctx.w), 5, stride=1, padding=2, count_include_pad=False)
    diff = smooth[..., 1:] - smooth[..., :-1]
    slope = torch.cat((diff, diff[..., -1:]), -1) * ctx.w  # (B,1,w)
    b = top.shape[0]
    sx = (ctx.x - depth * skew / ctx.aspect) * 2.0 - 1.0
    grid = torch.stack(
        (sx.expand(b, 1, ctx.h, ctx.w)[:, 0], torch.zeros(b, ctx.h, ctx.w, device=top.device)), -1
    )
    face = F.grid_sample(
        slope.unsqueeze(2), grid, mode="bilinear", padding_mode="border", align_corners=False
    )
    light = (-face * 0.6).clamp(-1.0, 1.0)
    return mask, depth, light


def layer_colour(ctx: Ctx, t: float) -> Tensor:
    """Atmospheric perspective: far layers fade into the horizon colour."""
    far = lerp(ctx.pal["far"], ctx.pal["horizon"], 0.35)
    return lerp(far, ctx.pal["near"], t**1.15)


def paint_ridge(
    ctx: Ctx, canvas: Tensor, top: Tensor, t: float, shade: float = 0.22, mist: float = 0.45
) -> Tensor:
    mask, depth, light = ridge_mask(ctx, top)
    col = layer_colour(ctx, t)
    col = col * (1.0 + shade * light * torch.exp(-depth * 3.0))
    fog = smoothstep(0.0, 0.3, depth) * (mist * (1.0 - t) + ctx.s["haze"] * 0.5)
    col = lerp(col, ctx.pal["horizon"], fog.clamp(0, 0.9))
    return lerp(canvas, col, mask)


def reflect(ctx: Ctx, canvas: Tensor, water: Tensor) -> Tensor:
    """Mirror everything above `water` (B,1,1,1) into a rippled lake below it."""
    b = canvas.shape[0]
    ys = (
        torch.linspace(-1, 1, ctx.h, device=canvas.device).view(1, ctx.h, 1).expand(b, ctx.h, ctx.w)
    )
    xs = (
        torch.linspace(-1, 1, ctx.w, device=canvas.device).view(1, 1, ctx.w).expand(b, ctx.h, ctx.w)
    )
    wl = water.view(b, 1, 1) * 2 - 1
    src_y = torch.where(ys > wl, 2 * wl - ys, ys)
    ripple = torch.sin(ys * 140.0 + xs * 6.0) * 0.006 * (ys > wl)
    grid = torch.stack((xs + ripple, src_y), dim=-1)
    mirrored = F.grid_sample(
        canvas, grid, mode="bilinear", padding_mode="border", align_corners=True
    )
    below = (ctx.y > water).float()
    tone = lerp(mirrored, ctx.pal["near"], 0.25) * 0.85
    return lerp(canvas, tone, below)


def mountains(ctx: Ctx) -> Iterator[Tensor]:
    rng, amp = ctx.rng, ctx.s["amplitude"]
    horizon = rng.uniform(0.55, 0.7)
    canvas, _, _ = sky(ctx, horizon)
    yield canvas
    snow = (ctx.flags["winter"] + (rng.uniform(0, 1) > 0.55).float()).clamp(0, 1)
    for i, t in enumerate((0.0, 0.18)):
        n = fbm1d(rng, ctx.w, cells=3 + i, octaves=6)
        peaks = 1.0 - (2.0 * n - 1.0).abs()
        top = horizon - 0.05 + 0.05 * i - amp * (0.28 - 0.06 * i) * peaks.pow(1.4)
        canvas = paint_ridge(ctx, canvas, top, t, shade=0.35)
        if i == 0:
            _, depth, _ = ridge_mask(ctx, top)
            cap = smoothstep(0.035, 0.02, depth) * (top < horizon - 0.14).float()
            canvas = lerp(canvas, ctx.pal["accent"] * 0.95, cap * snow * (ctx.y > top).float())
    yield canvas
    for i, t in enumerate((0.42, 0.62)):
        n = fbm1d(rng, ctx.w, cells=4, octaves=5)
        top = horizon + 0.06 + 0.07 * i - amp * 0.12 * n
        canvas = paint_ridge(ctx, canvas, top, t)
    yield canvas
    n = fbm1d(rng, ctx.w, cells=2, octaves=5)
    top = horizon + 0.22 - amp * 0.1 * n
    water = horizon + 0.16
    canvas = torch.where(ctx.flags["reflection"] > 0, reflect(ctx, canvas, water), canvas)
    canvas = paint_ridge(ctx, canvas, top + 0.12 * ctx.flags["reflection"], 0.95, mist=0.1)
    yield canvas
    tex = fbm2d(rng, ctx.h, ctx.w, cells=(24, 24), octaves=2)
    land = smoothstep(horizon - 0.3, horizon, ctx.y)
    canvas = canvas * (1.0 + 0.12 * (tex - 0.5) * land * (1.0 - ctx.flags["minimal"]))
    yield canvas.clamp(0, 1)


def forest(ctx: Ctx) -> Iterator[Tensor]:
    rng, amp = ctx.rng, ctx.s["amplitude"]
    horizon = rng.uniform(0.5, 0.62)
    canvas, _, _ = sky(ctx, horizon)
    yield canvas
    layers = (
        (0.0, 0.0, 70, 0.06),
        (0.3, 0.07, 50, 0.09),
        (0.6, 0.15, 34, 0.13),
        (0.92, 0.26, 22, 0.2),
    )
    for group in (layers[:2], layers[2:3], layers[3:]):
        for t, offset, count, height in group:
            base = horizon + offset - 0.05 * amp * fbm1d(rng, ctx.w, cells=2, octaves=3)
            xs = (
                torch.arange(count, device=canvas.device) + rng.rand(count).view(-1, count)
            ) / count
            hts = (
                height
                * (0.6 + 0.7 * rng.rand(count).view(-1, count))
                * amp.view(-1, 1).clamp(0.6, 1.5)
            )
            slope = 2.6 + 1.2 * rng.rand(count).view(-1, count)
            dx = (ctx.x[0, 0, 0].view(1, 1, -1) - xs.unsqueeze(-1)).abs() * ctx.aspect  # (B,N,w)
            drop = dx * slope.unsqueeze(-1)
            tiers = hts.unsqueeze(-1) * 0.16
            jag = (drop % tiers) * 0.9
            profile = (hts.unsqueeze(-1) - drop + jag).clamp(min=0).amax(1, keepdim=True)
            top = base - profile.unsqueeze(1)
            canvas = paint_ridge(ctx, canvas, top, t, shade=0.1, mist=0.55)
        yield canvas
    low = smoothstep(horizon + 0.1, 1.0, ctx.y) * ctx.s["haze"]
    canvas = lerp(canvas, ctx.pal["horizon"], low * 0.25)
    rays = fbm2d(rng, ctx.h, ctx.w, cells=(1, 12), octaves=2)
    canvas = screen(
        canvas, ctx.pal["sun"] * smoothstep(0.55, 0.9, rays) * 0.12 * (1 - ctx.flags["night"])
    )
    yield canvas.clamp(0, 1)


def ocean(ctx: Ctx) -> Iterator[Tensor]:
    rng, x, y = ctx.rng, ctx.x, ctx.y
    horizon = rng.uniform(0.42, 0.58)
    canvas, sx, _ = sky(ctx, horizon)
    yield canvas
    n = fbm1d(rng, ctx.w, cells=3, octaves=5)
    island = (rng.uniform(0, 1) > 0.5).float()
    top = horizon - 0.06 * island * smoothstep(0.45, 0.75, n) * ctx.s["amplitude"]
    canvas = paint_ridge(ctx, canvas, top.clamp(max=horizon + 0.002), 0.35, mist=0.3)
    yield canvas
    v = ((y - horizon) / (1.0 - horizon)).clamp(0.0, 1.0)
    sea = lerp(lerp(ctx.pal["horizon"], ctx.pal["far"], 0.4), ctx.pal["near"], v.pow(0.5))
    z = 1.0 / (v + 0.06)
    noise = fbm2d(rng, ctx.h, ctx.w, cells=(8, 5), octaves=3)
    tex = fbm2d(rng, 128, 128, cells=(20, 6), octaves=4)
    gx = (x - 0.5) * ctx.aspect * z * 1.6 + (noise - 0.5) * 0.3
    gy = z * 0.3 - 1.0
    b = tex.shape[0]
    grid = torch.stack(
        (gx.expand(b, 1, ctx.h, ctx.w)[:, 0], gy.expand(b, 1, ctx.h, ctx.w)[:, 0]), -1
    )
    sampled = F.grid_sample(
        tex, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )
    wave = ((sampled - 0.5) * 4.0).clamp(-1.0, 1.0)
    fade = smoothstep(0.0, 0.25, v)
    sea = sea * (1.0 + 0.22 * wave * fade * ctx.s["amplitude"].clamp(0.5, 1.5))
    below = (y > horizon).float()
    canvas = lerp(canvas, sea, below)
    yield canvas
    crest = (
        smoothstep(0.45, 0.95, wave)
        * smoothstep(0.05, 0.9, v)
        * (0.35 + 0.5 * ctx.s["amplitude"] / 2)
    )
    canvas = lerp(canvas, ctx.pal["accent"], crest * below * 0.35)
    column = torch.exp(-((x - sx).abs() * ctx.aspect) / (0.02 + 0.12 * v))
    glints = smoothstep(-0.2, 0.8, wave) * column * below
    canvas = screen(canvas, ctx.pal["sun"] * glints * 0.9)
    beach = ctx.flags["beach"]
    shore = 0.86 + 0.05 * fbm1d(rng, ctx.w, cells=3, octaves=4)
    sand = lerp(
        torch.tensor([0.93, 0.82, 0.62], device=canvas.device).view(1, 3, 1, 1),
        ctx.pal["horizon"],
        0.25,
    )
    sand_mask = smoothstep(shore, shore + 0.008, y) * beach
    foam = smoothstep(0.012, 0.0, (y - shore).abs()) * beach
    canvas = lerp(canvas, sand * (0.9 + 0.1 * noise), sand_mask)
    canvas = lerp(canvas, ctx.pal["accent"], foam * 0.8)
    yield canvas
    haze_line = torch.exp(-(y - horizon).abs() * 60.0) * (0.25 + ctx.s["haze"])
    canvas = lerp(canvas, ctx.pal["horizon"], haze_line.clamp(0, 0.8))
    yield canvas.clamp(0, 1)


def desert(ctx: Ctx) -> Iterator[Tensor]:
    rng, amp = ctx.rng, ctx.s["amplitude"]
    horizon = rng.uniform(0.55, 0.68)
    canvas, _, _ = sky(ctx, horizon)
    yield canvas
    specs = ((0.1, 0.0, 2), (0.35, 0.07, 2), (0.6, 0.15, 3), (0.9, 0.26, 2))
    for stage in range(3):
        group = specs[:2] if stage == 0 else specs[1 + stage : 2 + stage]
        for t, offset, cells in group:
            n = fbm1d(rng, ctx.w, cells=cells, octaves=3, gain=0.35, smooth=True)
            top = horizon + offset - amp * (0.09 + 0.05 * t) * n
            mask, depth, light = ridge_mask(ctx, top, skew=0.4)
            col = layer_colour(ctx, t)
            lit = smoothstep(-0.1, 0.1, light)
            col = col * (0.72 + 0.45 * lit * torch.exp(-depth * 4.0) + 0.1)
            ripples = torch.sin(ctx.y * 300.0 * (1 + t) + ctx.x * 20.0 + n * 30) * 0.025 * t
            canvas = lerp(canvas, col * (1.0 + ripples), mask)
        yield canvas
    warm = smoothstep(0.0, 1.0, ctx.y) * 0.08
    canvas = canvas * (
        1.0 + warm * torch.tensor([1.0, 0.3, -0.6], device=canvas.device).view(1, 3, 1, 1)
    )
    yield canvas.clamp(0, 1)
