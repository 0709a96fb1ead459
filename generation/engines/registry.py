"""Engine lookup: name + configuration -> engine instance, loaded once per process.

Pure (no Django): the configuration comes from the caller (generation.services.engines reads
it from settings). `get_engine` caches instances, so a worker pays checkpoint loading (and
torch.compile warm-up) once at start, never per job.
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


def available_engines(config: EngineConfig) -> list[str]:
    return sorted(config)


def get_engine(name: str, config: EngineConfig) -> Engine:
    """Cached engine instance for this process, keyed by name and its configuration."""
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
