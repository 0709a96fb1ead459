"""What the web process needs to know about an engine, without loading its weights.

Validating a commission must not load a diffusers checkpoint into a web worker, so forms and
services read the class-level facts (sizes, step range) and reuse the engines' own validation.
"""

from dataclasses import dataclass

from generation.engines import GenerationRequest, validate_request
from generation.engines.registry import default_engine_name, engine_config, import_class


@dataclass(frozen=True)
class EngineSpec:
    name: str
    label: str
    supported_sizes: tuple[tuple[int, int], ...]
    min_steps: int
    max_steps: int
    default_steps: int
    default_guidance: float

    def resolve_steps(self, request: GenerationRequest) -> int:
        return self.default_steps if request.steps is None else request.steps

    def validate(self, request: GenerationRequest) -> None:
        """Raise ValueError with the engine's own user-facing message."""
        validate_request(self, request)


def engine_spec(name: str | None = None) -> EngineSpec:
    name = name or default_engine_name()
    config = engine_config()
    if name not in config:
        available = ", ".join(sorted(config))
        raise ValueError(f"Unknown engine {name!r}; available engines: {available}.")
    cls = import_class(config[name]["class"])
    return EngineSpec(
        name=name,
        label=getattr(cls, "label", name.title()),
        supported_sizes=tuple(cls.supported_sizes),
        min_steps=cls.min_steps,
        max_steps=cls.max_steps,
        default_steps=cls.default_steps,
        default_guidance=cls.default_guidance,
    )


def engine_specs() -> list[EngineSpec]:
    return [engine_spec(name) for name in sorted(engine_config())]
