"""Fixtures for engine tests: a tiny random diffusers pipeline saved to a temp dir, built once,
and an adapter-taking engine whose base model it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation.engines import clear_cache
from tests.generation.doubles import ScriptedEngine
from tests.generation.tiny_pipeline import build_tiny_pipeline


@pytest.fixture(scope="session")
def tiny_pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("diffusers", reason="diffusers is not installed")
    return build_tiny_pipeline(tmp_path_factory.mktemp("diffusers") / "tiny-sd")


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
