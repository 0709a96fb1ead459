"""Image-generation engines: a small contract (base), the embedded default, a diffusers backend.

Nothing here imports Django or any app (an import-linter contract checks it); the settings
that choose an engine are read by generation.services.engines.
"""

from .base import (
    MAX_PROMPT_CHARS,
    MAX_SEED,
    Engine,
    EngineError,
    EngineOutOfMemory,
    EngineUnavailable,
    GenerationCancelled,
    GenerationRequest,
    ModelCard,
    parse_size,
    validate_request,
)
from .registry import available_engines, build_engine, clear_cache, get_engine

__all__ = [
    "MAX_PROMPT_CHARS",
    "MAX_SEED",
    "Engine",
    "EngineError",
    "EngineOutOfMemory",
    "EngineUnavailable",
    "GenerationCancelled",
    "GenerationRequest",
    "ModelCard",
    "available_engines",
    "build_engine",
    "clear_cache",
    "get_engine",
    "parse_size",
    "validate_request",
]
