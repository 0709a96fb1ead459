"""engine_spec: the web side's facts about an engine come from its registry entry."""

import pytest

from generation.services.engines import engine_queue, engine_spec

DIFFUSERS = "generation.engines.diffusers_engine.DiffusersEngine"


def test_a_diffusers_entry_without_options_has_the_engines_own_defaults(settings):
    settings.GENERATION_ENGINES = {"turbo": {"class": DIFFUSERS, "options": {"checkpoint": "/x"}}}

    spec = engine_spec("turbo")

    assert (1024, 1024) in spec.supported_sizes and (768, 512) in spec.supported_sizes
    assert (spec.min_steps, spec.default_steps, spec.max_steps) == (1, 1, 50)
    assert spec.default_guidance == 0.0
    assert spec.label == "Turbo"


def test_entry_options_and_label_override_the_class_facts(settings):
    settings.GENERATION_ENGINES = {
        "sdxl": {
            "class": DIFFUSERS,
            "label": "SDXL 1.0",
            "options": {
                "checkpoint": "/x",
                "sizes": ["1024x1024", "832x1216"],
                "default_steps": 30,
                "min_steps": 10,
                "max_steps": 60,
                "default_guidance": 7.5,
            },
        }
    }

    spec = engine_spec("sdxl")

    assert spec.label == "SDXL 1.0"
    assert spec.supported_sizes == ((1024, 1024), (832, 1216))
    assert (spec.min_steps, spec.default_steps, spec.max_steps) == (10, 30, 60)
    assert spec.default_guidance == 7.5


def test_the_spec_validates_against_the_entry_not_the_class(settings):
    from generation.engines import GenerationRequest

    settings.GENERATION_ENGINES = {
        "sdxl": {
            "class": DIFFUSERS,
            "options": {"checkpoint": "/x", "sizes": ["1024x1024"], "min_steps": 10},
        }
    }
    spec = engine_spec("sdxl")

    spec.validate(GenerationRequest(prompt="a fox", width=1024, height=1024, steps=12))
    with pytest.raises(ValueError, match="Steps must be between 10 and 50; got 4"):
        spec.validate(GenerationRequest(prompt="a fox", width=1024, height=1024, steps=4))
    with pytest.raises(ValueError, match="Size 512x512 is not supported"):
        spec.validate(GenerationRequest(prompt="a fox", width=512, height=512, steps=12))


def test_the_embedded_engine_keeps_its_class_facts():
    spec = engine_spec("embedded")

    assert spec.name == "embedded" and spec.label == "Embedded"
    assert spec.default_steps == 8


def test_each_engine_has_its_own_queue():
    assert engine_queue("sdxl") == "gpu.sdxl"
