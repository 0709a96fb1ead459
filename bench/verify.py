"""Finding a piece from a re-posted copy: recall per transform, false matches, lookup time.

N pieces are rendered by the embedded engine (distinct prompts and seeds, 512 px) and
indexed with their keypoints (provenance.keypoints), among synthetic distractor pieces up
to each index size: each distractor's descriptors are drawn from the pool of real ones
(other rendered pictures, a few bits flipped), so the index fills with near neighbours of
real descriptors as a catalogue of real pieces would fill it. Every piece is then re-posted
through each transform family at several strengths (mirror, rotation, crop, aspect,
border, letterbox, greyscale, colour, brightness, contrast, JPEG, WebP, downscale) and
looked up the way the lookup worker does: keypoints of the copy and its mirror image,
candidates by vote, then agreeing matches against each candidate's stored keypoints. The
index is built before the clock starts, as the worker builds it once at start. M unrelated
pictures (other engine outputs, drawn shapes, photo-like 1/f noise, white noise, flat
colours) must match nothing. Prints JSON and a table.

    python bench/verify.py                    # 100 pieces, 10k and 100k indexed
    python bench/verify.py --quick            # 20 pieces, 2k indexed: a smoke run
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from provenance import keypoints as kp  # noqa: E402

PROMPTS = (
    "a lighthouse at dusk", "a red fox in snow", "city skyline at night", "fruit still life",
    "mountain lake reflection", "portrait of an old sailor", "abstract geometric shapes",
    "a cat on a windowsill", "desert dunes at noon", "a koi pond from above",
)  # fmt: skip


def render(count: int, offset: int) -> list[Image.Image]:
    from generation.engines.base import GenerationRequest
    from generation.engines.embedded.engine import EmbeddedEngine

    engine = EmbeddedEngine(use_embedding=False)
    requests = [
        GenerationRequest(
            prompt=f"{PROMPTS[i % len(PROMPTS)]}, study {i}", seed=i, steps=engine.default_steps
        )
        for i in range(offset, offset + count)
    ]
    return [im for i in range(0, count, 8) for im in engine.generate(requests[i : i + 8])]


def _encoded(image: Image.Image, fmt: str, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, fmt, quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _crop(image: Image.Image, keep: float, anchor: str) -> Image.Image:
    width, height = image.size
    w, h = int(width * keep**0.5), int(height * keep**0.5)
    x = {"tl": 0, "c": (width - w) // 2, "br": width - w}[anchor]
    y = {"tl": 0, "c": (height - h) // 2, "br": height - h}[anchor]
    return image.crop((x, y, x + w, y + h))


def _letterbox(image: Image.Image) -> Image.Image:
    width, height = image.size
    canvas = Image.new("RGB", (int(width * 16 / 9), height), (0, 0, 0))
    canvas.paste(image, ((canvas.width - width) // 2, 0))
    return canvas


def transforms() -> dict[str, dict[str, object]]:
    """family -> strength -> function of an image."""
    return {
        "mirror": {"horizontal": ImageOps.mirror},
        "rotate": {
            f"{d:+d}°": (lambda im, d=d: im.rotate(d, expand=True, fillcolor=(0, 0, 0)))
            for d in (3, -6, 10, -10)
        },
        "crop": {
            f"{int(k * 100)}% {a}": (lambda im, k=k, a=a: _crop(im, k, a))
            for k in (0.9, 0.75, 0.6)
            for a in ("tl", "c", "br")
        },
        "aspect": {
            "16:9": lambda im: im.crop((0, int(im.height * 0.22), im.width, int(im.height * 0.78))),
            "4:5": lambda im: im.crop((int(im.width * 0.1), 0, int(im.width * 0.9), im.height)),
            "squash": lambda im: im.resize((im.width, int(im.height * 0.7))),
        },
        "border": {
            f"{int(f * 100)}%": (lambda im, f=f: ImageOps.expand(im, int(im.width * f), "white"))
            for f in (0.05, 0.15)
        },
        "letterbox": {"16:9": _letterbox},
        "greyscale": {"L": lambda im: ImageOps.grayscale(im).convert("RGB")},
        "colour": {
            f"x{f}": (lambda im, f=f: ImageEnhance.Color(im).enhance(f)) for f in (0.3, 1.8)
        },
        "brightness": {
            f"x{f}": (lambda im, f=f: ImageEnhance.Brightness(im).enhance(f)) for f in (0.6, 1.4)
        },
        "contrast": {
            f"x{f}": (lambda im, f=f: ImageEnhance.Contrast(im).enhance(f)) for f in (0.6, 1.5)
        },
        "jpeg": {f"q{q}": (lambda im, q=q: _encoded(im, "JPEG", q)) for q in (80, 60, 40)},
        "webp": {f"q{q}": (lambda im, q=q: _encoded(im, "WEBP", q)) for q in (80, 50)},
        "downscale": {
            f"{s} px": (lambda im, s=s: im.resize((s, s), Image.LANCZOS)) for s in (384, 256)
        },
    }


def unrelated(count: int, rng: np.random.Generator) -> list[tuple[str, Image.Image]]:
    """Pictures that are none of the pieces: other engine outputs, drawn shapes, 1/f noise
    (photo-like spectra), white noise and flat colours."""
    shares = {"engine": 0.5, "shapes": 0.2, "photo-like": 0.15, "noise": 0.1, "flat": 0.05}
    out: list[tuple[str, Image.Image]] = []
    engine_count = int(count * shares["engine"])
    out += [("engine", im) for im in render(engine_count, offset=100_000)]
    for _ in range(int(count * shares["shapes"])):
        image = Image.new("RGB", (512, 512), tuple(int(c) for c in rng.integers(0, 256, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(8):
            x, y, r = (int(v) for v in rng.integers(0, 512, 3))
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            draw.ellipse((x - r // 4, y - r // 4, x + r // 4, y + r // 4), fill=colour)
        out.append(("shapes", image))
    frequencies = np.hypot(*np.meshgrid(np.fft.fftfreq(512), np.fft.fftfreq(512))) + 1e-3
    for _ in range(int(count * shares["photo-like"])):
        channels = [
            np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(512, 512))) / frequencies))
            for _ in range(3)
        ]
        pixels = np.stack([(c - c.min()) / (np.ptp(c) + 1e-9) * 255 for c in channels], -1)
        out.append(("photo-like", Image.fromarray(pixels.astype(np.uint8))))
    for _ in range(int(count * shares["noise"])):
        out.append(("noise", Image.fromarray(rng.integers(0, 256, (512, 512, 3), np.uint8))))
    while len(out) < count:
        out.append(
            ("flat", Image.new("RGB", (512, 512), tuple(int(c) for c in rng.integers(0, 256, 3))))
        )
    return out


def distractors(pool: np.ndarray, count: int, rng: np.random.Generator) -> list[kp.Keypoints]:
    """Synthetic pieces whose descriptors are real ones (from `pool`) with 8 bits flipped."""
    out = []
    for _ in range(count):
        chosen = pool[rng.integers(0, len(pool), kp.FEATURES)].copy()
        bits = np.unpackbits(chosen, axis=1)
        flips = rng.integers(0, 256, (kp.FEATURES, 8))
        np.put_along_axis(bits, flips, 1 - np.take_along_axis(bits, flips, 1), 1)
        points = rng.uniform(0, kp.SIDE, (kp.FEATURES, 2)).astype(np.float32)
        out.append(kp.Keypoints(points, np.packbits(bits, axis=1)))
    return out


def lookup(index: kp.KeypointIndex, stored: dict, image: Image.Image) -> tuple[object, int, float]:
    """(best label or None, its agreeing matches, seconds) the way the verify page looks up."""
    started = time.perf_counter()
    query = kp.extract_both(image)
    matches = kp.verified(query, {label: stored[label] for label in index.candidates(query)})
    seconds = time.perf_counter() - started
    return (*(matches[0] if matches else (None, 0)), seconds)


def build_index(pieces: list, fillers: list) -> tuple[kp.KeypointIndex, dict]:
    index, stored = kp.KeypointIndex(), {}
    for number, keypoints in enumerate(pieces):
        stored[("piece", number)] = keypoints
        index.add(("piece", number), keypoints)
    for number, keypoints in enumerate(fillers):
        stored[("filler", number)] = keypoints
        index.add(("filler", number), keypoints)
    index.flush()
    return index, stored


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


def measure(args) -> dict:
    rng = np.random.default_rng(7)
    images = render(args.pieces, offset=0)
    pieces = [kp.extract(image) for image in images]
    pool_images = render(args.pool, offset=50_000)
    pool = np.concatenate([kp.extract(image).descriptors for image in pool_images])
    sizes = sorted(args.sizes)
    fillers = distractors(pool, max(sizes) - args.pieces, rng)
    report: dict = {"bench": "verify", "pieces": args.pieces, "sizes": sizes, "at": {}}
    for size in sizes:
        started = time.perf_counter()
        index, stored = build_index(pieces, fillers[: size - args.pieces])
        build_seconds = time.perf_counter() - started
        recall, timings = defaultdict(lambda: [0, 0]), []
        for family, strengths in transforms().items():
            for strength, change in strengths.items():
                for number, image in enumerate(images):
                    found, _, seconds = lookup(index, stored, change(image))
                    cell = recall[(family, strength)]
                    cell[0] += found == ("piece", number)
                    cell[1] += 1
                    timings.append(seconds)
        false_matches = defaultdict(int)
        for kind, image in unrelated(args.unrelated, rng):
            found, _, seconds = lookup(index, stored, image)
            false_matches[kind] += found is not None
            timings.append(seconds)
        report["at"][size] = {
            "recall": {
                f"{f} {s}": round(hit / total, 3) for (f, s), (hit, total) in recall.items()
            },
            "recall_min": round(min(hit / total for hit, total in recall.values()), 3),
            "recall_overall": round(
                sum(h for h, _ in recall.values()) / sum(t for _, t in recall.values()), 4
            ),
            "unrelated": args.unrelated,
            "false_matches": dict(false_matches),
            "lookup_p50_ms": percentile(timings, 0.5),
            "lookup_p99_ms": percentile(timings, 0.99),
            "lookup_mean_ms": round(statistics.fmean(timings) * 1000, 1),
            "index_build_s": round(build_seconds, 1),
            "index_descriptors": index.postings,
        }
    return report


def print_table(report: dict) -> None:
    for size, result in report["at"].items():
        print(f"\n{size} pieces indexed, {report['pieces']} re-posted per transform")
        print(f"{'transform':<24}{'recall':>8}")
        for name, value in result["recall"].items():
            print(f"{name:<24}{value:>8}")
        false = sum(result["false_matches"].values())
        print(
            f"overall recall {result['recall_overall']}, lowest {result['recall_min']}; "
            f"false matches {false} of {result['unrelated']}; lookup p50 "
            f"{result['lookup_p50_ms']} ms, p99 {result['lookup_p99_ms']} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--pool", type=int, default=400, help="pictures for distractor descriptors")
    parser.add_argument("--unrelated", type=int, default=1000)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.quick:
        args.pieces, args.pool, args.unrelated, args.sizes = 20, 40, 100, [2000]
    report = measure(args)
    print(json.dumps(report, indent=2, default=str))
    print_table(report)


if __name__ == "__main__":
    main()
