"""Fixtures for engine tests: tiny random diffusers pipelines saved to temp dirs, built once,
and an adapter-taking engine whose base model is the tiny pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation.engines import clear_cache
from tests.generation.doubles import ScriptedEngine
from tests.generation.tiny_pipeline import build_tiny_pipeline, build_tiny_upscaler


@pytest.fixture(scope="session")
def tiny_pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("diffusers", reason="diffusers is not installed")
    return build_tiny_pipeline(tmp_path_factory.mktemp("diffusers") / "tiny-sd")


@pytest.fixture(scope="session")
def tiny_upscaler_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("diffusers", reason="diffusers is not installed")
    return build_tiny_upscaler(tmp_path_factory.mktemp("diffusers") / "tiny-upscaler")


@pytest.fixture
def lora_engine(settings, tiny_pipeline_dir, tmp_path):
    """A `lora` engine (the scripted double) whose base model is the tiny pipeline."""
    ScriptedEngine.reset()
    settings.GENERATION_ENGINES = {
        **settings.GENERATION_ENGINES,
        "lora": {
            "class": "tests.generation.doubles.AdapterScriptedEngine",
            "options": {"checkpoint": str(tiny_pipeline_dir)},
        },
    }
    settings.STYLE_ADAPTER_MAX_BYTES = 64 * 1024
    settings.STYLE_ADAPTER_CACHE_DIR = tmp_path / "adapter-cache"
    clear_cache()
    yield tiny_pipeline_dir
    clear_cache()
