"""Fixtures for engine tests: a tiny random diffusers pipeline saved to a temp dir, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generation.tiny_pipeline import build_tiny_pipeline


@pytest.fixture(scope="session")
def tiny_pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("diffusers", reason="diffusers is not installed")
    return build_tiny_pipeline(tmp_path_factory.mktemp("diffusers") / "tiny-sd")
