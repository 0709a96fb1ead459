"""Diffusers backend against a tiny random pipeline built in conftest (no downloads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from generation.engines.base import EngineUnavailable, GenerationCancelled, GenerationRequest

pytest.importorskip("diffusers", reason="diffusers is not installed")

from generation.engines.diffusers_engine import DiffusersEngine, checkpoint_hash  # noqa: E402


@pytest.fixture(scope="module")
def engine(tiny_pipeline_dir: Path) -> DiffusersEngine:
    return DiffusersEngine(str(tiny_pipeline_dir), sizes=["64x64", "32x64"], max_batch=4)


def req(prompt: str, seed: int, steps: int = 2, negative: str = "") -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt, seed=seed, width=64, height=64, steps=steps, negative_prompt=negative
    )


def arrays(images: list) -> list[np.ndarray]:
    return [np.asarray(im, dtype=np.int16) for im in images]


def test_loads_with_metadata(engine: DiffusersEngine, tiny_pipeline_dir: Path) -> None:
    assert engine.device == "cpu"
    assert str(engine.dtype) == "torch.float32"
    assert engine.weights_hash == checkpoint_hash(tiny_pipeline_dir)
    assert len(engine.weights_hash) == 64
    card = engine.model_card.as_dict()
    assert "StableDiffusionPipeline" in card["summary"]
    assert card["extra"]["weights_hash"] == engine.weights_hash


def test_same_seed_same_pixels_and_seed_matters(engine: DiffusersEngine) -> None:
    a, b, c = arrays(engine.generate([req("the sea", 1), req("the sea", 1), req("the sea", 2)]))
    assert a.shape == (64, 64, 3)
    assert np.array_equal(a, b)
    assert np.abs(a - c).mean() > 1.0
    again = arrays(engine.generate([req("the sea", 1)]))[0]
    assert np.array_equal(a, again)


def test_per_request_generators_make_batches_independent(engine: DiffusersEngine) -> None:
    target = req("a forest", 7)
    alone = arrays(engine.generate([target]))[0]
    batch = arrays(engine.generate([req("the sea", 3), target, req("red sun", 9)]))
    # Batched matmuls may round differently from batch-1 ones; allow 1/255 at most.
    assert np.abs(alone - batch[1]).max() <= 1


def test_step_callback_called_per_step(engine: DiffusersEngine) -> None:
    calls: list[tuple[int, int]] = []
    engine.generate([req("the sea", 1, steps=3)], on_step=lambda i, n: calls.append((i, n)))
    assert calls == [(0, 3), (1, 3), (2, 3)]


def test_cancel_stops_between_steps(engine: DiffusersEngine) -> None:
    calls: list[int] = []
    with pytest.raises(GenerationCancelled):
        engine.generate(
            [req("the sea", 1, steps=4)],
            on_step=lambda i, n: calls.append(i),
            should_cancel=lambda: len(calls) >= 2,
        )
    assert calls == [0, 1]
    with pytest.raises(GenerationCancelled):
        engine.generate([req("the sea", 1)], should_cancel=lambda: True)


def test_guidance_and_negative_prompt_are_used(engine: DiffusersEngine) -> None:
    plain = GenerationRequest(prompt="the sea", seed=1, width=64, height=64, steps=2)
    guided = GenerationRequest(
        prompt="the sea", seed=1, width=64, height=64, steps=2, guidance=5.0, negative_prompt="red"
    )
    a, b = arrays(engine.generate([plain])) + arrays(engine.generate([guided]))
    assert np.abs(a - b).mean() > 0.5


def test_validation_applies(engine: DiffusersEngine) -> None:
    with pytest.raises(ValueError, match="Size 512x512 is not supported"):
        engine.generate([GenerationRequest(prompt="x", width=512, height=512)])
    with pytest.raises(ValueError, match="share size, steps, guidance, edit kind"):
        engine.generate([req("a", 1), req("b", 2, steps=3)])


def test_missing_checkpoint_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="checkpoint directory not found"):
        DiffusersEngine(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineUnavailable, match="model_index.json"):
        DiffusersEngine(str(tmp_path / "empty"))


def test_corrupt_checkpoint_is_unavailable(tiny_pipeline_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_pipeline_dir, broken)
    weights = next((broken / "unet").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(EngineUnavailable, match="Could not load diffusers checkpoint"):
        DiffusersEngine(str(broken))
    bad_index = tmp_path / "bad-index"
    shutil.copytree(tiny_pipeline_dir, bad_index)
    (bad_index / "model_index.json").write_text("{not json")
    with pytest.raises(EngineUnavailable, match="model_index.json"):
        DiffusersEngine(str(bad_index))


def test_hash_changes_when_weights_change(tiny_pipeline_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_pipeline_dir, copy)
    assert checkpoint_hash(copy) == checkpoint_hash(tiny_pipeline_dir)
    assert checkpoint_hash(copy, full=True) != checkpoint_hash(copy)
    weights = next((copy / "vae").glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes() + b"\0")
    assert checkpoint_hash(copy) != checkpoint_hash(tiny_pipeline_dir)


def test_registry_loads_diffusers_from_config(tiny_pipeline_dir: Path) -> None:
    from generation.engines import registry

    config = {
        "diffusers": {
            "class": "generation.engines.diffusers_engine.DiffusersEngine",
            "options": {
                "checkpoint": str(tiny_pipeline_dir),
                "dtype": "auto",
                "compile": False,
                "sizes": ["64x64"],
            },
        }
    }
    engine = registry.get_engine("diffusers", config)
    assert engine is registry.get_engine("diffusers", config)
    assert engine.generate([req("the sea", 1)])[0].size == (64, 64)
    registry.clear_cache()


def test_step_range_options_bound_requests(tiny_pipeline_dir: Path) -> None:
    ranged = DiffusersEngine(
        str(tiny_pipeline_dir), sizes=["64x64"], min_steps=2, default_steps=3, max_steps=4
    )

    assert (ranged.min_steps, ranged.default_steps, ranged.max_steps) == (2, 3, 4)
    with pytest.raises(ValueError, match="Steps must be between 2 and 4; got 5"):
        ranged.validate_request(req("the sea", 1, steps=5))
    with pytest.raises(EngineUnavailable, match="min_steps <= default_steps <= max_steps"):
        DiffusersEngine(str(tiny_pipeline_dir), min_steps=4, default_steps=1)
