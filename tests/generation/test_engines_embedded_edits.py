"""Embedded engine edits: variation, image-to-image, inpaint and upscale, exact and batch-proof."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from generation.engines.base import EDIT_KINDS, GenerationCancelled, GenerationRequest
from generation.engines.embedded import EmbeddedEngine

W, H = 256, 256
PROMPT = "misty mountains at sunrise"


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(use_embedding=False)


@pytest.fixture(scope="module")
def source(engine: EmbeddedEngine) -> Image.Image:
    return engine.generate([GenerationRequest(prompt=PROMPT, seed=1, width=W, height=H)])[0]


def box_mask(box: tuple[int, int, int, int] = (48, 32, 144, 96)) -> Image.Image:
    mask = Image.new("L", (W, H), 0)
    mask.paste(255, box)
    return mask


def edit(source: Image.Image, kind: str, **fields) -> GenerationRequest:
    base = {"prompt": PROMPT, "seed": 2, "width": W, "height": H, "steps": 4, "edit": kind}
    base |= {"init_image": source, "strength": 0.5, "upscale": None}
    if kind == "inpaint":
        base["mask"] = box_mask()
    if kind == "upscale":
        base |= {"upscale": 2, "width": 2 * W, "height": 2 * H, "strength": None}
    return GenerationRequest(**{**base, **fields})


def arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32)


def distance(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0-255."""
    return float(np.abs(arr(a) - arr(b)).mean())


def test_the_embedded_engine_does_every_edit(engine: EmbeddedEngine) -> None:
    assert engine.edit_kinds == EDIT_KINDS
    assert EmbeddedEngine.edit_kinds_for({}) == EDIT_KINDS
    assert engine.max_output_side == 2048


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_the_same_edit_twice_gives_identical_pixels_alone_or_in_a_batch(
    engine: EmbeddedEngine, source: Image.Image, kind: str
) -> None:
    target = edit(source, kind)
    once, twice = (arr(engine.generate([target])[0]) for _ in range(2))
    assert np.array_equal(once, twice)
    fresh_engine = arr(EmbeddedEngine(use_embedding=False).generate([target])[0])
    assert np.array_equal(once, fresh_engine)
    others = [edit(source, kind, seed=9, prompt="ocean waves"), target, edit(source, kind, seed=3)]
    assert np.array_equal(once, arr(engine.generate(others)[1]))


def test_a_variation_stays_close_at_low_strength_and_moves_at_half(
    engine: EmbeddedEngine, source: Image.Image
) -> None:
    fresh = engine.generate([GenerationRequest(prompt=PROMPT, seed=2, width=W, height=H)])[0]
    far = distance(fresh, source)  # a new seed of the same prompt
    zero, low, half, full = engine.generate(
        [edit(source, "variation", strength=s) for s in (0.0, 0.1, 0.5, 1.0)]
    )
    assert far > 5.0
    assert np.array_equal(arr(zero), arr(source))
    assert distance(low, source) < 0.3 * far
    assert distance(half, source) > 0.45 * far
    assert distance(half, source) > 2.5 * distance(low, source)
    assert np.array_equal(arr(full), arr(fresh))


def test_an_image_edit_keeps_the_sources_composition_at_low_strength(
    engine: EmbeddedEngine, source: Image.Image
) -> None:
    red = Image.new("RGB", (W, H), (220, 30, 30))
    red.paste((30, 30, 220), (0, 0, W // 2, H))  # blue left half, red right half
    low, high = engine.generate([edit(red, "image", strength=s) for s in (0.2, 1.0)])
    fresh = engine.generate([GenerationRequest(prompt=PROMPT, seed=2, width=W, height=H)])[0]
    left, right = arr(low)[:, : W // 4].mean((0, 1)), arr(low)[:, -W // 4 :].mean((0, 1))
    assert left[2] > left[0] + 60 and right[0] > right[2] + 60  # the layout survived
    assert distance(low, fresh) < distance(red, fresh)  # but the prompt's render came in
    assert distance(high, fresh) <= 1.0


def test_an_inpaint_keeps_every_pixel_outside_the_mask_and_repaints_inside(
    engine: EmbeddedEngine, source: Image.Image
) -> None:
    new = edit(source, "inpaint", prompt="city at night", strength=1.0)
    out, src = arr(engine.generate([new])[0]), arr(source)
    fresh = engine.generate([GenerationRequest(prompt="city at night", seed=2, width=W, height=H)])
    inside = np.asarray(box_mask()) >= 128
    core = np.asarray(box_mask((51, 35, 141, 93))) >= 128  # 3 px in from the mask's edge
    assert np.array_equal(out[~inside], src[~inside])
    assert np.abs(out[core] - arr(fresh[0])[core]).max() <= 1.0
    assert np.abs(out[inside] - src[inside]).mean() > 20.0
    edge = inside & ~core  # the feather: between the source and the new content
    assert np.abs(out[edge] - src[edge]).mean() < np.abs(out[core] - src[core]).mean()


@pytest.mark.parametrize("factor", [2, 4])
def test_an_upscale_is_lanczos_plus_seeded_detail(
    engine: EmbeddedEngine, source: Image.Image, factor: int
) -> None:
    size = (W * factor, H * factor)
    request = edit(source, "upscale", upscale=factor, width=size[0], height=size[1])
    out = engine.generate([request])[0]
    lanczos = source.resize(size, Image.Resampling.LANCZOS)
    other_seed = engine.generate([replace(request, seed=7)])[0]
    assert out.size == size
    assert 0.2 < distance(out, lanczos) < 4.0
    assert distance(out.resize(source.size, Image.Resampling.LANCZOS), source) < 2.0
    assert not np.array_equal(arr(out), arr(other_seed))


def test_an_upscale_reaches_the_largest_output_and_no_further(engine: EmbeddedEngine) -> None:
    square = Image.new("RGB", (1024, 1024), (90, 120, 160))
    ok = edit(square, "upscale", width=2048, height=2048)
    assert engine.generate([ok])[0].size == (2048, 2048)
    with pytest.raises(ValueError, match="at most 2048 pixels"):
        engine.generate([edit(square, "upscale", upscale=4, width=4096, height=4096)])


def test_an_edit_takes_the_size_of_its_source(engine: EmbeddedEngine, source: Image.Image) -> None:
    odd = source.crop((0, 0, 200, 136))  # not a text-to-image size
    out = engine.generate([edit(odd, "image", width=200, height=136)])[0]
    assert out.size == (200, 136)
    assert 1.0 < distance(out, odd) < 40.0


def test_the_largest_output_is_an_option(source: Image.Image) -> None:
    small = EmbeddedEngine(use_embedding=False, max_output_side=512)
    with pytest.raises(ValueError, match="at most 512 pixels"):
        small.generate([edit(source, "upscale", upscale=4, width=4 * W, height=4 * H)])


def test_a_batch_shares_one_edit_kind(engine: EmbeddedEngine, source: Image.Image) -> None:
    plain = GenerationRequest(prompt=PROMPT, seed=2, width=W, height=H, steps=4)
    with pytest.raises(ValueError, match="share size, steps and edit kind"):
        engine.generate([edit(source, "image"), edit(source, "variation")])
    with pytest.raises(ValueError, match="share size, steps and edit kind"):
        engine.generate([edit(source, "image"), plain])


@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_edits_report_every_step_and_can_be_cancelled(
    engine: EmbeddedEngine, source: Image.Image, kind: str
) -> None:
    calls: list[tuple[int, int]] = []
    engine.generate([edit(source, kind)], on_step=lambda i, n: calls.append((i, n)))
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4)]
    with pytest.raises(GenerationCancelled):
        engine.generate([edit(source, kind)], should_cancel=lambda: True)
