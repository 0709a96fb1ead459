"""Night city, deep space, flowers, geometric and abstract fluid scenes (five stages each)."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from .context import Ctx
from .noise import blur, fbm2d, hash2, lerp, smoothstep, soft_blur, warp
from .scenes_land import reflect, screen, sky


def _pick(scheme: Tensor, idx: Tensor) -> Tensor:
    """scheme (B,4,3), idx (B,) -> colours (B,3,1,1)."""
    return scheme[torch.arange(scheme.shape[0], device=scheme.device), idx].view(-1, 3, 1, 1)


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


SCENES = {
    "city": city,
    "space": space,
    "flowers": flowers,
    "geometric": geometric,
    "abstract": abstract,
}
