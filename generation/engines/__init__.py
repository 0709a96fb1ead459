"""Image-generation engines: a small contract (base), the embedded default, a diffusers backend.

Nothing here imports Django or any app (an import-linter contract checks it); the settings
that choose an engine are read by generation.services.engines.
"""

from .base import (
    EDIT_KINDS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    UPSCALE_FACTORS,
    AdapterRef,
    Engine,
    EngineError,
    EngineOutOfMemory,
    EngineUnavailable,
    GenerationCancelled,
    GenerationRequest,
    ModelCard,
    PromptReading,
    parse_size,
    validate_mask,
    validate_request,
)
from .registry import available_engines, build_engine, clear_cache, get_engine

__all__ = [
    "AdapterRef",
    "EDIT_KINDS",
    "UPSCALE_FACTORS",
    "MAX_PROMPT_CHARS",
    "MAX_SEED",
    "Engine",
    "EngineError",
    "EngineOutOfMemory",
    "EngineUnavailable",
    "GenerationCancelled",
    "GenerationRequest",
    "ModelCard",
    "PromptReading",
    "available_engines",
    "build_engine",
    "clear_cache",
    "get_engine",
    "parse_size",
    "validate_mask",
    "validate_request",
]
