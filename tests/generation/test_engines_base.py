"""Request validation, model cards and the engine registry (no Django needed)."""

from __future__ import annotations

import pytest

from generation.engines import registry
from generation.engines.base import (
    MAX_SEED,
    Engine,
    GenerationRequest,
    ModelCard,
    parse_size,
    validate_request,
)
from generation.engines.embedded import EmbeddedEngine


class FakeEngine(Engine):
    name = "fake"
    supported_sizes = ((256, 256), (512, 768))
    max_batch = 2
    instances = 0

    def __init__(self, colour: str = "red") -> None:
        FakeEngine.instances += 1
        self.colour = colour

    @property
    def model_card(self) -> ModelCard:
        return ModelCard("fake", "s", "w", "t", ("l",), ("i",), ("o",))


CONFIG = {
    "fake": {"class": "tests.generation.test_engines_base.FakeEngine", "options": {}},
    "other": {
        "class": "tests.generation.test_engines_base.FakeEngine",
        "options": {"colour": "blue"},
    },
}


def ok(**overrides: object) -> GenerationRequest:
    fields = {"prompt": "calm ocean", "seed": 1, "width": 256, "height": 256, "steps": 4}
    fields.update(overrides)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


def test_valid_request_passes() -> None:
    validate_request(FakeEngine(), ok())
    validate_request(FakeEngine(), ok(seed=0, width=512, height=768, steps=None))
    validate_request(FakeEngine(), ok(seed=MAX_SEED, prompt="x" * 1000))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": ""}, "Prompt must not be empty"),
        ({"prompt": "   \n\t"}, "Prompt must not be empty"),
        ({"prompt": "a" * 5000}, "maximum is 1000"),
        ({"prompt": "a" * 1001}, "maximum is 1000"),
        ({"negative_prompt": "b" * 1001}, "Negative prompt is 1001 characters"),
        ({"width": 300, "height": 300}, "Size 300x300 is not supported"),
        ({"width": 768, "height": 512}, "choose one of: 256x256, 512x768"),
        ({"steps": 0}, "Steps must be between 1 and 50; got 0"),
        ({"steps": 51}, "Steps must be between 1 and 50; got 51"),
        ({"steps": 2.5}, "Steps must be an integer"),
        ({"seed": -1}, "Seed must be between 0 and 4294967295; got -1"),
        ({"seed": 2**32}, "Seed must be between 0 and 4294967295"),
        ({"seed": "7"}, "Seed must be an integer"),
        ({"guidance": 99.0}, "Guidance must be between 0 and 30"),
    ],
)
def test_invalid_requests_raise_clear_value_errors(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_request(FakeEngine(), ok(**overrides))


def test_batch_limits() -> None:
    engine = FakeEngine()
    with pytest.raises(ValueError, match="At least one request"):
        engine.validate_batch([])
    with pytest.raises(ValueError, match="exceeds fake max_batch 2"):
        engine.validate_batch([ok(), ok(), ok()])


def test_parse_size() -> None:
    assert parse_size("512x768") == (512, 768)
    assert parse_size("1024X1024") == (1024, 1024)
    for bad in ("512", "axb", "512x", "-1x5"):
        with pytest.raises(ValueError, match="Size must look like 512x512"):
            parse_size(bad)


def test_model_card_is_serialisable_data() -> None:
    card = EmbeddedEngine(use_embedding=False).model_card
    data = card.as_dict()
    assert data["name"].startswith("embedded ")
    assert isinstance(data["limitations"], list) and data["limitations"]
    assert {
        "summary",
        "weights_origin",
        "training_data",
        "intended_use",
        "out_of_scope_use",
    } <= set(data)
    assert data["extra"]["weights_hash"] == EmbeddedEngine(use_embedding=False).weights_hash


def test_registry_unknown_engine_names_available_ones() -> None:
    with pytest.raises(ValueError, match="Unknown engine 'nope'; available engines: fake, other"):
        registry.build_engine("nope", CONFIG)


def test_registry_bad_class_path_is_unavailable() -> None:
    from generation.engines.base import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="Cannot import engine class"):
        registry.build_engine("x", {"x": {"class": "generation.engines.nope.Engine"}})
    with pytest.raises(EngineUnavailable, match="not an Engine subclass"):
        registry.build_engine("x", {"x": {"class": "pathlib.Path"}})


def test_registry_builds_with_options_and_caches_per_process() -> None:
    registry.clear_cache()
    before = FakeEngine.instances
    first = registry.get_engine("fake", CONFIG)
    again = registry.get_engine("fake", CONFIG)
    other = registry.get_engine("other", CONFIG)
    assert first is again
    assert other is not first and other.colour == "blue"
    assert FakeEngine.instances == before + 2
    registry.clear_cache()
    assert registry.get_engine("fake", CONFIG) is not first


def test_registry_default_config_outside_django() -> None:
    assert "embedded" in registry.available_engines(registry.DEFAULT_ENGINES)
    engine = registry.build_engine("embedded", registry.DEFAULT_ENGINES)
    assert isinstance(engine, EmbeddedEngine)


class EditingEngine(FakeEngine):
    edit_kinds = ("variation", "image", "inpaint", "upscale")
    max_output_side = 1024


def edit(kind: str, **fields) -> GenerationRequest:
    from PIL import Image

    base = {"prompt": "a lake", "width": 256, "height": 256, "edit": kind, "strength": 0.5}
    base.setdefault("init_image", Image.new("RGB", (256, 256)))
    return GenerationRequest(**{**base, **fields})


def half_mask(size=(256, 256)):
    from PIL import Image

    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, size[0] // 2, size[1]))
    return mask


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (edit("variation", init_image=None), "needs a source picture"),
        (edit("image", strength=1.5), "Strength must be between 0 and 1"),
        (edit("image", strength=None), "Strength must be between 0 and 1"),
        (edit("image", width=512, height=768), "source picture is 256x256"),
        (edit("inpaint"), "needs a mask"),
        (edit("inpaint", mask=half_mask((128, 128))), "mask is 128x128"),
        (edit("inpaint", mask=half_mask().point(lambda _: 0)), "mask is empty"),
        (edit("inpaint", mask=half_mask().point(lambda _: 255)), "covers the whole picture"),
        (edit("upscale", upscale=3, width=768, height=768), "Upscale by 2 or 4"),
        (edit("upscale", upscale=8, width=2048, height=2048), "Upscale by 2 or 4"),
        (edit("upscale", upscale=4, width=1024, height=1024), None),
        (edit("upscale", upscale=2, width=256, height=256), "makes 512x512"),
        (edit("sketch"), "Unknown edit"),
    ],
)
def test_edit_requests_are_checked_before_any_work(request_, message):
    if message is None:
        validate_request(EditingEngine(), request_)
        return
    with pytest.raises(ValueError, match=message):
        validate_request(EditingEngine(), request_)


def test_an_upscale_beyond_the_engine_limit_is_refused():
    from PIL import Image

    big = edit("upscale", init_image=Image.new("RGB", (512, 768)), upscale=4, width=2048)
    with pytest.raises(ValueError, match="at most 1024 pixels"):
        validate_request(EditingEngine(), GenerationRequest(**{**big.__dict__, "height": 3072}))


def test_an_engine_refuses_edits_it_cannot_do():
    with pytest.raises(ValueError, match="fake cannot do variation edits"):
        validate_request(FakeEngine(), edit("variation"))
