"""Turn a prompt (and negative prompt) into a `SceneSpec`: subject, style, light, mood, palette.

Lexicon first; the optional MiniLM embedding fills in what the lexicon misses (unknown
subjects, style hints, continuous warmth/energy/brightness). Everything is a pure function of
(prompt, negative prompt, seed bits passed in), so the same request always gets the same spec.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..text import TextEmbedder
from .lexicon import (
    AXES,
    COLORS,
    HAZE_WORDS,
    MOOD_EFFECTS,
    MOODS,
    SEASONS,
    STYLE_ANCHORS,
    STYLES,
    SUBJECT_ANCHORS,
    SUBJECTS,
    TIMES,
)

RGB = tuple[float, float, float]
LANDSCAPES = ("mountains", "ocean", "forest", "desert")
SCHEME_SUBJECTS = ("space", "flowers", "geometric", "abstract")


@dataclass
class SceneSpec:
    """Everything the renderer needs to know about one request, as plain Python values."""

    subject: str
    style: str
    time: str
    mood: str
    palette: dict[str, RGB]
    scheme: list[RGB]
    avoid: list[RGB] = field(default_factory=list)
    contrast: float = 1.0
    saturation: float = 1.0
    brightness: float = 1.0
    warmth: float = 0.0
    haze: float = 0.0
    amplitude: float = 1.0
    vignette: float = 0.25
    season: str = ""
    reflection: bool = False
    source: dict[str, str] = field(default_factory=dict)


def words_of(text: str) -> tuple[list[str], str]:
    norm = " ".join(re.findall(r"[a-z0-9\-]+", text.lower()))
    return norm.split(), f" {norm} "


def _hits(norm: str, table: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Category -> position of its first matching word/phrase (lower = earlier)."""
    found: dict[str, int] = {}
    for key, terms in table.items():
        for term in terms:
            pos = norm.find(f" {term} ")
            if pos >= 0:
                found[key] = min(found.get(key, pos), pos)
    return found


def _first(found: dict[str, int], banned: set[str]) -> str | None:
    allowed = [(pos, key) for key, pos in found.items() if key not in banned]
    return min(allowed)[1] if allowed else None


def _stable_int(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _rgb(name: str) -> RGB:
    r, g, b = COLORS[name]
    return (r / 255.0, g / 255.0, b / 255.0)


def colour_words(norm: str) -> list[RGB]:
    found = sorted((pos, name) for name, pos in _hits(norm, {k: (k,) for k in COLORS}).items())
    return [_rgb(name) for _, name in found][:4]


# ---- colour maths (YIQ keeps luminance separate from hue) -------------------------------


def to_yiq(c: RGB) -> RGB:
    r, g, b = c
    return (
        0.299 * r + 0.587 * g + 0.114 * b,
        0.596 * r - 0.274 * g - 0.322 * b,
        0.211 * r - 0.523 * g + 0.312 * b,
    )


def from_yiq(c: RGB) -> RGB:
    y, i, q = c
    rgb = (y + 0.956 * i + 0.621 * q, y - 0.272 * i - 0.647 * q, y - 1.106 * i + 1.703 * q)
    return tuple(min(1.0, max(0.0, v)) for v in rgb)  # type: ignore[return-value]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def scale(a: RGB, k: float) -> RGB:
    return tuple(min(1.0, v * k) for v in a)  # type: ignore[return-value]


def tint(base: RGB, colour: RGB, t: float) -> RGB:
    """Move `base` towards the hue of `colour` but keep the luminance of `base`."""
    yb, _, _ = to_yiq(base)
    _, ic, qc = to_yiq(colour)
    yc = to_yiq(colour)[0]
    boost = 1.0 if yc < 0.05 else min(2.0, max(0.6, yb / max(yc, 1e-3)))
    target = from_yiq((yb, ic * boost, qc * boost))
    return mix(base, target, t)


def steer_away(c: RGB, avoid: RGB) -> RGB:
    """Rotate the hue of `c` away from `avoid` when they point the same way."""
    y, i, q = to_yiq(c)
    _, ai, aq = to_yiq(avoid)
    na = (ai * ai + aq * aq) ** 0.5
    nc = (i * i + q * q) ** 0.5
    if na < 0.03 or nc < 0.03:
        if na < 0.03 and abs(y - to_yiq(avoid)[0]) < 0.2:  # avoiding white/black/grey
            return from_yiq((0.5 * y + 0.25, i, q))
        return c
    sim = (i * ai + q * aq) / (na * nc)
    if sim < 0.35:
        return c
    # Reflect the chroma vector across the axis perpendicular to the avoided hue.
    di, dq = ai / na, aq / na
    p = i * di + q * dq
    return from_yiq((y, i - 2.0 * p * di, q - 2.0 * p * dq))


# ---- palettes ---------------------------------------------------------------------------

SKY: dict[str, dict[str, RGB]] = {
    "day": {"sky_top": (0.26, 0.5, 0.8), "horizon": (0.8, 0.87, 0.93), "sun": (1.0, 0.97, 0.88)},
    "sunset": {
        "sky_top": (0.2, 0.15, 0.4),
        "horizon": (0.99, 0.56, 0.3),
        "sun": (1.0, 0.85, 0.58),
    },
    "night": {
        "sky_top": (0.02, 0.03, 0.1),
        "horizon": (0.1, 0.11, 0.27),
        "sun": (0.93, 0.93, 0.86),
    },
}
LAND: dict[str, dict[str, RGB]] = {
    "mountains": {
        "far": (0.52, 0.58, 0.72),
        "near": (0.1, 0.14, 0.22),
        "accent": (0.96, 0.97, 1.0),
    },
    "forest": {"far": (0.45, 0.62, 0.56), "near": (0.04, 0.16, 0.1), "accent": (0.8, 0.9, 0.7)},
    "ocean": {"far": (0.18, 0.45, 0.6), "near": (0.02, 0.14, 0.3), "accent": (0.93, 0.97, 1.0)},
    "desert": {"far": (0.93, 0.7, 0.47), "near": (0.62, 0.3, 0.15), "accent": (1.0, 0.9, 0.7)},
    "city": {"far": (0.22, 0.22, 0.36), "near": (0.04, 0.04, 0.08), "accent": (1.0, 0.78, 0.42)},
    "space": {"far": (0.03, 0.02, 0.08), "near": (0.0, 0.0, 0.02), "accent": (1.0, 1.0, 1.0)},
    "flowers": {"far": (0.5, 0.66, 0.38), "near": (0.08, 0.2, 0.08), "accent": (1.0, 0.85, 0.3)},
    "geometric": {"far": (0.9, 0.86, 0.78), "near": (0.1, 0.1, 0.12), "accent": (0.85, 0.3, 0.2)},
    "abstract": {"far": (0.95, 0.92, 0.85), "near": (0.05, 0.1, 0.2), "accent": (0.9, 0.7, 0.3)},
}
SCHEMES: dict[str, list[RGB]] = {
    "space": [(0.45, 0.15, 0.6), (0.9, 0.3, 0.6), (0.15, 0.35, 0.85), (0.2, 0.8, 0.85)],
    "flowers": [(0.95, 0.45, 0.6), (0.98, 0.95, 0.92), (0.98, 0.8, 0.25), (0.85, 0.2, 0.25)],
    "geometric": [(0.86, 0.3, 0.2), (0.96, 0.76, 0.25), (0.16, 0.32, 0.6), (0.12, 0.12, 0.14)],
    "abstract": [(0.05, 0.3, 0.42), (0.1, 0.62, 0.62), (0.95, 0.74, 0.36), (0.95, 0.42, 0.35)],
}
SEASON_TINT: dict[str, RGB] = {
    "autumn": (0.9, 0.45, 0.15),
    "winter": (0.85, 0.9, 0.97),
    "spring": (0.96, 0.6, 0.75),
}
NEON_SCHEME: list[RGB] = [(1.0, 0.15, 0.7), (0.1, 0.9, 1.0), (0.55, 0.2, 1.0), (1.0, 0.5, 0.1)]


def build_palette(
    subject: str, time: str, style: str, colours: list[RGB], season: str, variant: int
) -> tuple[dict[str, RGB], list[RGB]]:
    """Role colours for landscapes plus a 4-colour scheme for schematic subjects."""
    palette = dict(SKY[time])
    palette.update(LAND[subject])
    scheme = list(SCHEMES.get(subject, SCHEMES["abstract"]))
    if subject == "city" and time != "night":
        palette["far"], palette["near"] = (0.55, 0.58, 0.66), (0.2, 0.22, 0.28)
    if season in SEASON_TINT and subject in ("mountains", "forest"):
        k = 0.75 if season != "winter" else 0.6
        palette["far"] = tint(palette["far"], SEASON_TINT[season], k)
        palette["near"] = tint(palette["near"], SEASON_TINT[season], k)
        if season == "winter":
            palette["far"] = mix(palette["far"], (0.9, 0.93, 0.97), 0.45)
    if time == "sunset" and subject in LANDSCAPES:
        palette["far"] = mix(palette["far"], (0.72, 0.45, 0.55), 0.45)
        palette["near"] = mix(palette["near"], (0.16, 0.06, 0.16), 0.5)
    if time == "night" and subject in LANDSCAPES + ("flowers",):
        palette["far"] = mix(scale(palette["far"], 0.35), (0.08, 0.1, 0.22), 0.4)
        palette["near"] = scale(palette["near"], 0.4)
    if style == "neon":
        scheme = list(NEON_SCHEME)
        palette["sky_top"], palette["horizon"] = (0.03, 0.0, 0.1), (0.45, 0.05, 0.4)
        palette["accent"] = NEON_SCHEME[1]
    # Seed-level variation: rotate the scheme so different seeds lead with different colours.
    scheme = scheme[variant % len(scheme) :] + scheme[: variant % len(scheme)]
    if colours:
        if subject in SCHEME_SUBJECTS:
            extra = [scale(colours[0], 0.55), mix(colours[-1], (1.0, 1.0, 1.0), 0.45)]
            scheme = (list(colours) + extra + scheme)[:4]
        first, last = colours[0], colours[-1]
        palette["far"] = tint(palette["far"], first, 0.65)
        palette["near"] = tint(palette["near"], first, 0.55)
        palette["horizon"] = tint(palette["horizon"], last, 0.55 if len(colours) > 1 else 0.4)
        palette["sky_top"] = tint(palette["sky_top"], last, 0.45 if len(colours) > 1 else 0.25)
        if subject in ("city", "geometric", "abstract"):
            palette["accent"] = tint(palette["accent"], last, 0.6)
    return palette, scheme


# ---- parsing ----------------------------------------------------------------------------


def _embed_pick(embedder: TextEmbedder, prompt: str, anchors: dict[str, str]) -> tuple[str, float]:
    vec = embedder.embed(prompt)
    scores = {key: float(vec @ embedder.embed(text)) for key, text in anchors.items()}
    best = max(scores, key=lambda k: scores[k])
    return best, scores[best]


def _axis(embedder: TextEmbedder, prompt: str, pos: str, neg: str) -> float:
    vec = embedder.embed(prompt)
    value = float(vec @ embedder.embed(pos)) - float(vec @ embedder.embed(neg))
    return round(max(-0.5, min(0.5, 2.5 * value)), 2)


def parse_prompt(
    prompt: str, negative: str, variant: int, embedder: TextEmbedder | None = None
) -> SceneSpec:
    """Build the scene spec. `variant` is a seed-derived integer for per-seed variety."""
    _, norm = words_of(prompt)
    _, neg_norm = words_of(negative)
    source: dict[str, str] = {}
    banned_subjects = set(_hits(neg_norm, SUBJECTS))
    banned_styles = set(_hits(neg_norm, STYLES))
    subject_hits = _hits(norm, SUBJECTS)
    style_hits = _hits(norm, STYLES)

    style = _first(style_hits, banned_styles)
    if "geometric" in subject_hits and len(subject_hits) > 1:
        subject_hits.pop("geometric")
        style = style or ("lowpoly" if "lowpoly" not in banned_styles else None)
    if "abstract" in subject_hits and len(subject_hits) > 1:
        subject_hits.pop("abstract")
    subject = _first(subject_hits, banned_subjects)
    source["subject"] = "lexicon" if subject else ""
    if subject is None and _hits(norm, TIMES) and "mountains" not in banned_subjects:
        subject, source["subject"] = "mountains", "time-of-day"
    if subject is None and embedder is not None:
        anchors = {k: v for k, v in SUBJECT_ANCHORS.items() if k not in banned_subjects}
        best, score = _embed_pick(embedder, prompt, anchors)
        # Weak matches read as noise; marbled abstract art suits any unknown prompt.
        subject = best if score >= 0.25 or "abstract" in banned_subjects else "abstract"
        source["subject"] = f"embedding:{best}:{score:.2f}"
    if subject is None:
        options = [s for s in SUBJECTS if s not in banned_subjects] or ["abstract"]
        subject = options[_stable_int(norm) % len(options)]
        source["subject"] = "hash"
    if style is None and embedder is not None:
        anchors = {k: v for k, v in STYLE_ANCHORS.items() if k not in banned_styles}
        best, score = _embed_pick(embedder, prompt, anchors)
        if score >= 0.5:
            style, source["style"] = best, f"embedding:{score:.2f}"
    style = style or "painting"

    times = {k: v for k, v in _hits(norm, TIMES).items() if k not in _hits(neg_norm, TIMES)}
    time = _first(times, set())
    if time is None:
        if subject in ("city", "space"):
            time = "night"
        elif subject in LANDSCAPES and variant % 10 >= 7:
            time = "sunset"
        else:
            time = "day"
    if time == "night" and "night" in _hits(neg_norm, TIMES):
        time = "day"

    moods = [m for m in MOODS if m in _hits(norm, MOODS)]
    mood = moods[0] if moods else "neutral"
    contrast, saturation, brightness, haze, amplitude, vignette = MOOD_EFFECTS["neutral"]
    for m in moods:
        c, s, b, h, a, v = MOOD_EFFECTS[m]
        contrast, saturation, brightness = contrast * c, saturation * s, brightness * b
        haze, amplitude, vignette = haze + h, amplitude * a, max(vignette, v)
    if any(f" {w} " in norm for w in HAZE_WORDS):
        haze += 0.35
    warmth = 0.0
    if embedder is not None:
        energy = _axis(embedder, prompt, *AXES["energy"])
        warmth = _axis(embedder, prompt, *AXES["warmth"]) * 0.4
        light = _axis(embedder, prompt, *AXES["light"])
        if not moods:
            contrast *= 1.0 + 0.3 * energy
            amplitude *= 1.0 + 0.6 * energy
        brightness *= 1.0 + 0.15 * light
    neg_moods = _hits(neg_norm, MOODS)
    if "moody" in neg_moods:
        brightness *= 1.12
    if "vibrant" in neg_moods:
        saturation *= 0.8

    seasons = _hits(norm, SEASONS)
    season = _first(seasons, set()) or ""
    colours = colour_words(norm)
    avoid = colour_words(neg_norm)
    palette, scheme = build_palette(subject, time, style, colours, season, variant)
    if avoid:
        for bad in avoid:
            palette = {k: steer_away(v, bad) for k, v in palette.items()}
            scheme = [steer_away(c, bad) for c in scheme]
    reflection = any(f" {w} " in norm for w in ("lake", "reflection", "river", "mirror"))
    return SceneSpec(
        subject=subject,
        style=style,
        time=time,
        mood=mood,
        palette=palette,
        scheme=scheme,
        avoid=avoid,
        contrast=round(contrast, 3),
        saturation=round(saturation, 3),
        brightness=round(brightness, 3),
        warmth=round(warmth, 3),
        haze=round(min(haze, 0.8), 3),
        amplitude=round(amplitude, 3),
        vignette=vignette,
        season=season,
        reflection=reflection,
        source=source,
    )
