"""The configured engines: which exist (settings), the loaded instance, and what the web
process needs to know about one without loading its weights.

Validating a commission must not load a diffusers checkpoint into a web worker, so forms and
services read the registry entry's facts (its options, else the class defaults: sizes, step
range) and reuse the engines' own validation.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from generation.engines import (
    Engine,
    GenerationRequest,
    PromptReading,
    parse_size,
    registry,
    validate_request,
)
from generation.engines.registry import import_class


def engine_config() -> dict[str, dict[str, Any]]:
    """`settings.GENERATION_ENGINES` (name -> {"class", "options"}), else the embedded one."""
    return dict(getattr(settings, "GENERATION_ENGINES", registry.DEFAULT_ENGINES))


def default_engine_name() -> str:
    return str(getattr(settings, "GENERATION_DEFAULT_ENGINE", "embedded"))


def available_engines() -> list[str]:
    return registry.available_engines(engine_config())


def configured_engine(name: str | None = None) -> Engine:
    """The process's cached instance of engine `name` (default: the configured default)."""
    return registry.get_engine(name or default_engine_name(), engine_config())


@dataclass(frozen=True)
class EngineSpec:
    name: str
    label: str
    supported_sizes: tuple[tuple[int, int], ...]
    min_steps: int
    max_steps: int
    default_steps: int
    default_guidance: float
    edit_kinds: tuple[str, ...] = ()
    max_output_side: int = 2048

    def resolve_steps(self, request: GenerationRequest) -> int:
        return self.default_steps if request.steps is None else request.steps

    def validate(self, request: GenerationRequest) -> None:
        """Raise ValueError with the engine's own user-facing message."""
        validate_request(self, request)


def engine_spec(name: str | None = None) -> EngineSpec:
    """The facts of engine `name` as its registry entry sets them: an option (sizes, steps,
    guidance) overrides the class default, as it does when a worker builds the engine."""
    name = name or default_engine_name()
    config = engine_config()
    if name not in config:
        available = ", ".join(sorted(config))
        raise ValueError(f"Unknown engine {name!r}; available engines: {available}.")
    entry = config[name]
    cls = import_class(entry["class"])
    options = entry.get("options", {})
    sizes = options.get("sizes")
    return EngineSpec(
        name=name,
        label=entry.get("label") or getattr(cls, "label", name.title()),
        supported_sizes=(
            tuple(parse_size(size) for size in sizes) if sizes else tuple(cls.supported_sizes)
        ),
        min_steps=int(options.get("min_steps", cls.min_steps)),
        max_steps=int(options.get("max_steps", cls.max_steps)),
        default_steps=int(options.get("default_steps", cls.default_steps)),
        default_guidance=float(options.get("default_guidance", cls.default_guidance)),
        edit_kinds=cls.edit_kinds_for(dict(options)),
        max_output_side=int(options.get("max_output_side", cls.max_output_side)),
    )


def engine_queue(name: str) -> str:
    """The Celery queue a job for engine `name` waits on; workers serving it consume it."""
    return f"gpu.{name}"


def engine_queues() -> list[str]:
    """Every engine's queue, and `gpu`, which drains wake-ups sent before per-engine routing."""
    return ["gpu", *(engine_queue(name) for name in engine_config())]


def engine_specs() -> list[EngineSpec]:
    return [engine_spec(name) for name in sorted(engine_config())]


def prompt_reading(*, engine: str, prompt: str) -> PromptReading | None:
    """What engine `engine` understands of `prompt` (None when it is no longer configured):
    the class reads it, so the web process loads no weights."""
    entry = engine_config().get(engine)
    if entry is None:
        return None
    return import_class(entry["class"]).read_prompt(prompt)
