"""Engine lookup: settings name -> engine instance, loaded once per process.

`build_engine(name, config)` is pure (no Django) for tests and the benchmark; `get_engine(name)`
reads `settings.GENERATION_ENGINES` lazily and caches instances, so a worker pays checkpoint
loading (and torch.compile warm-up) once at start, never per job.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from .base import Engine, EngineUnavailable

EngineConfig = Mapping[str, Mapping[str, Any]]

DEFAULT_ENGINES: dict[str, dict[str, Any]] = {
    "embedded": {"class": "generation.engines.embedded.EmbeddedEngine", "options": {}},
}

_cache: dict[tuple[str, str], Engine] = {}
_lock = threading.Lock()


def import_class(dotted: str) -> type[Engine]:
    module_name, _, attr = dotted.rpartition(".")
    if not module_name:
        raise EngineUnavailable(f"Engine class path {dotted!r} is not a dotted path.")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise EngineUnavailable(f"Cannot import engine class {dotted!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Engine)):
        raise EngineUnavailable(f"{dotted!r} is not an Engine subclass.")
    return cls


def build_engine(name: str, config: EngineConfig) -> Engine:
    """Instantiate engine `name` from `config` (name -> {"class", "options"}); no caching."""
    if name not in config:
        available = ", ".join(sorted(config)) or "(none configured)"
        raise ValueError(f"Unknown engine {name!r}; available engines: {available}.")
    entry = config[name]
    cls = import_class(entry["class"])
    return cls(**dict(entry.get("options", {})))


def engine_config() -> dict[str, dict[str, Any]]:
    """Engines from Django settings, or the embedded default outside Django."""
    try:
        from django.conf import settings

        return dict(getattr(settings, "GENERATION_ENGINES", DEFAULT_ENGINES))
    except ImportError:
        return dict(DEFAULT_ENGINES)
    except Exception as exc:  # django.core.exceptions.ImproperlyConfigured, settings unset
        if type(exc).__name__ != "ImproperlyConfigured":
            raise
        return dict(DEFAULT_ENGINES)


def default_engine_name() -> str:
    try:
        from django.conf import settings

        return str(getattr(settings, "GENERATION_DEFAULT_ENGINE", "embedded"))
    except Exception as exc:
        if type(exc).__name__ not in ("ImproperlyConfigured", "ImportError"):
            raise
        return "embedded"


def available_engines(config: EngineConfig | None = None) -> list[str]:
    return sorted(engine_config() if config is None else config)


def get_engine(name: str | None = None, config: EngineConfig | None = None) -> Engine:
    """Cached engine instance for this process, keyed by name and its configuration."""
    name = name or default_engine_name()
    config = engine_config() if config is None else config
    key = (name, json.dumps(config.get(name), sort_keys=True, default=str))
    with _lock:
        engine = _cache.get(key)
        if engine is None:
            engine = build_engine(name, config)
            _cache[key] = engine
        return engine


def clear_cache() -> None:
    """Forget loaded engines (tests, or after an operator swaps checkpoints)."""
    with _lock:
        _cache.clear()
