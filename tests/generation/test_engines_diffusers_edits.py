"""Diffusers edits on tiny random pipelines (no downloads): img2img, inpaint, the upscaler."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generation.engines.base import EngineUnavailable, GenerationCancelled, GenerationRequest

pytest.importorskip("diffusers", reason="diffusers is not installed")

from generation.engines.diffusers_edits import scheduled_steps, upscaler_input  # noqa: E402
from generation.engines.diffusers_engine import DiffusersEngine  # noqa: E402

EDITS = ("variation", "image", "inpaint")


@pytest.fixture(scope="module")
def engine(tiny_pipeline_dir: Path, tiny_upscaler_dir: Path) -> DiffusersEngine:
    return DiffusersEngine(
        str(tiny_pipeline_dir), sizes=["64x64"], max_batch=4, upscaler=str(tiny_upscaler_dir)
    )


@pytest.fixture(scope="module")
def source(engine: DiffusersEngine) -> Image.Image:
    request = GenerationRequest(prompt="the sea", seed=1, width=64, height=64, steps=2)
    return engine.generate([request])[0]


def mask() -> Image.Image:
    picture = Image.new("L", (64, 64), 0)
    picture.paste(255, (16, 16, 48, 48))
    return picture


def edit(source: Image.Image, kind: str, **fields) -> GenerationRequest:
    base = {"prompt": "a forest", "seed": 5, "width": 64, "height": 64, "steps": 2, "edit": kind}
    base |= {"init_image": source, "strength": 0.5}
    if kind == "inpaint":
        base["mask"] = mask()
    if kind == "upscale":
        base |= {"upscale": 2, "width": 128, "height": 128, "strength": None}
    return GenerationRequest(**{**base, **fields})


def arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_edit_kinds_follow_the_upscaler_option(engine: DiffusersEngine, tiny_pipeline_dir) -> None:
    assert DiffusersEngine.edit_kinds_for({"checkpoint": "x"}) == EDITS
    assert DiffusersEngine.edit_kinds_for({"upscaler": "/models/x4"}) == (*EDITS, "upscale")
    assert engine.edit_kinds == (*EDITS, "upscale")
    assert engine.model_card.extra["upscaler_hash"]
    plain = DiffusersEngine(str(tiny_pipeline_dir), sizes=["64x64"])
    assert plain.edit_kinds == EDITS
    assert "upscaler_hash" not in plain.model_card.extra
    with pytest.raises(ValueError, match="diffusers cannot do upscale edits"):
        plain.generate([edit(Image.new("RGB", (64, 64)), "upscale")])


def test_the_largest_output_is_an_option(tiny_pipeline_dir, tiny_upscaler_dir) -> None:
    capped = DiffusersEngine(
        str(tiny_pipeline_dir), upscaler=str(tiny_upscaler_dir), max_output_side=128
    )
    big = edit(Image.new("RGB", (64, 64)), "upscale", upscale=4, width=256, height=256)
    with pytest.raises(ValueError, match="at most 128 pixels"):
        capped.generate([big])


@pytest.mark.parametrize("kind", (*EDITS, "upscale"))
def test_the_same_edit_twice_gives_identical_pixels(
    engine: DiffusersEngine, source: Image.Image, kind: str
) -> None:
    request = edit(source, kind)
    first, second = (arr(engine.generate([request])[0]) for _ in range(2))
    assert first.shape == (request.height, request.width, 3)
    assert np.array_equal(first, second)
    # Per-request CPU generators: a batch changes at most rounding in batched matmuls.
    other_seed, in_batch = (arr(im) for im in engine.generate([replace(request, seed=6), request]))
    assert np.abs(first - in_batch).max() <= 1
    assert np.abs(first - other_seed).mean() > 0.5


@pytest.mark.parametrize("kind", ["variation", "image"])
def test_strength_moves_an_image_edit_and_zero_is_the_source(
    engine: DiffusersEngine, source: Image.Image, kind: str
) -> None:
    zero, low, full = (engine.generate([edit(source, kind, strength=s)])[0] for s in (0, 0.2, 1))
    assert np.array_equal(arr(zero), arr(source))
    assert np.abs(arr(low) - arr(full)).mean() > 0.1


def test_an_inpaint_keeps_the_source_outside_the_mask(
    engine: DiffusersEngine, source: Image.Image
) -> None:
    out, src = arr(engine.generate([edit(source, "inpaint", strength=1.0)])[0]), arr(source)
    inside = np.asarray(mask()) >= 128
    assert np.array_equal(out[~inside], src[~inside])
    assert np.abs(out[inside] - src[inside]).mean() > 5.0


def test_the_upscaler_makes_the_requested_size(
    engine: DiffusersEngine, source: Image.Image
) -> None:
    """x4 is the upscaler's own factor; x2 (the default in `edit`) is x4 then Lanczos."""
    request = edit(source, "upscale", upscale=4, width=256, height=256)
    calls: list[tuple[int, int]] = []
    out = engine.generate([request], on_step=lambda i, n: calls.append((i, n)))[0]
    assert out.size == (256, 256)
    assert calls == [(0, 2), (1, 2)]


def test_the_upscaler_never_decodes_past_the_largest_output() -> None:
    small = edit(Image.new("RGB", (256, 256)), "upscale", width=512, height=512)
    assert upscaler_input(small, 4, 2048).size == (256, 256)  # x4 to 1024, Lanczos to 512
    big = edit(Image.new("RGB", (1024, 1024)), "upscale", width=2048, height=2048)
    assert upscaler_input(big, 4, 2048).size == (512, 512)  # x4 lands on 2048 directly


@pytest.mark.parametrize(
    ("strength", "steps", "scheduled"),
    [(1.0, 1, 1), (0.5, 1, 2), (0.3, 2, 7), (0.75, 4, 6), (0.1, 3, 30), (0.0, 1, 0), (1e-4, 1, 0)],
)
def test_scheduled_steps_run_the_jobs_steps_at_its_strength(strength, steps, scheduled) -> None:
    assert scheduled_steps(steps, strength) == scheduled
    if scheduled:
        assert int(scheduled * strength) == steps


@pytest.mark.parametrize("kind", (*EDITS, "upscale"))
def test_edits_report_steps_and_cancel_between_them(
    engine: DiffusersEngine, source: Image.Image, kind: str
) -> None:
    calls: list[int] = []
    request = edit(source, kind, steps=3, strength=1.0 if kind != "upscale" else None)
    with pytest.raises(GenerationCancelled):
        engine.generate(
            [request], on_step=lambda i, n: calls.append(i), should_cancel=lambda: len(calls) >= 2
        )
    assert calls == [0, 1]


def test_a_batch_shares_edit_kind_and_strength(
    engine: DiffusersEngine, source: Image.Image
) -> None:
    for other in (edit(source, "variation"), edit(source, "image", strength=0.7)):
        with pytest.raises(ValueError, match="edit kind, strength and upscale factor"):
            engine.generate([edit(source, "image"), other])


def test_a_missing_or_corrupt_upscaler_makes_the_engine_unavailable(
    tiny_pipeline_dir: Path, tiny_upscaler_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(EngineUnavailable, match="Upscaler checkpoint has no model_index.json"):
        DiffusersEngine(str(tiny_pipeline_dir), upscaler=str(tmp_path / "nope"))
    broken = tmp_path / "broken"
    shutil.copytree(tiny_upscaler_dir, broken)
    weights = next((broken / "unet").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(EngineUnavailable, match="Could not load upscaler checkpoint"):
        DiffusersEngine(str(tiny_pipeline_dir), upscaler=str(broken))
