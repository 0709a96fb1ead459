"""Engine contract shared by every image backend.

Kept free of Django so engines can run in a bare worker, a benchmark or a notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from PIL import Image

MAX_PROMPT_CHARS = 1000
MAX_NEGATIVE_PROMPT_CHARS = 1000
MAX_SEED = 2**32 - 1

StepCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


class EngineError(Exception):
    """Base class for engine failures that are not caused by bad user input."""


class EngineUnavailable(EngineError):
    """The engine cannot be loaded (missing or corrupt checkpoint, missing package)."""


class GenerationCancelled(EngineError):
    """Raised when `should_cancel()` returned True between two steps."""


class EngineOutOfMemory(EngineError):
    """The device ran out of memory for this batch; a smaller batch may still fit."""


@dataclass(frozen=True)
class AdapterRef:
    """A LoRA adapter a style version attaches: a validated safetensors file on the worker."""

    name: str
    path: str
    sha256: str
    scale: float = 1.0


EDIT_KINDS = ("variation", "image", "inpaint", "upscale")
UPSCALE_FACTORS = (2, 4)


@dataclass(frozen=True)
class GenerationRequest:
    """One image to make. Everything that determines the pixels lives here.

    An edit (`edit` in EDIT_KINDS) starts from `init_image`, an RGB picture of the request's
    size, except for "upscale", whose width and height are the output size (`init_image`'s
    size × `upscale`). "variation" and "image" move `strength` (0–1) away from it; "inpaint"
    repaints where `mask` ("L", same size, 255 = repaint) is set, with `strength` as for
    "image".
    """

    prompt: str
    seed: int = 0
    negative_prompt: str = ""
    width: int = 512
    height: int = 512
    steps: int | None = None
    guidance: float | None = None
    edit: str = ""
    init_image: Image.Image | None = field(default=None, compare=False, repr=False)
    mask: Image.Image | None = field(default=None, compare=False, repr=False)
    strength: float | None = None
    upscale: int | None = None
    adapters: tuple[AdapterRef, ...] = ()  # one batch shares one adapter set

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)


@dataclass(frozen=True)
class PromptReading:
    """How an engine reads a prompt, so a person sees what it will and will not draw.

    `subjects`, `moods` and `styles` are the engine's own names for what it recognised;
    `palette` the colour, light, season and haze words as written; `unknown` the content
    words or phrases it cannot draw. `open_vocabulary` engines read any text and list nothing.
    """

    subjects: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    palette: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    note: str = ""
    open_vocabulary: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("subjects", "moods", "styles", "palette", "unknown"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class ModelCard:
    """What buyers and moderators need to know about an engine; each piece's signed manifest
    carries it, and the verify page shows it from there."""

    name: str
    summary: str
    weights_origin: str
    training_data: str
    limitations: tuple[str, ...]
    intended_use: tuple[str, ...]
    out_of_scope_use: tuple[str, ...]
    licence: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("limitations", "intended_use", "out_of_scope_use"):
            data[key] = list(data[key])
        return data


class Engine:
    """Interface every backend implements; also holds the shared request validation."""

    name: ClassVar[str] = "base"
    version: str = "0"
    weights_hash: str = ""
    supported_sizes: tuple[tuple[int, int], ...] = ((512, 512),)
    max_batch: int = 1
    default_steps: int = 8
    min_steps: int = 1
    max_steps: int = 50
    default_guidance: float = 0.0
    device: str = "cpu"
    edit_kinds: tuple[str, ...] = ()  # which of EDIT_KINDS this engine can do
    max_output_side: int = 2048  # the largest upscale output, in pixels on a side
    supports_adapters: ClassVar[bool] = False  # LoRA adapters (GenerationRequest.adapters)

    @classmethod
    def edit_kinds_for(cls, options: dict[str, Any]) -> tuple[str, ...]:
        """The edits an engine built with `options` can do (an upscaler may need a checkpoint)."""
        return tuple(cls.edit_kinds)

    @classmethod
    def read_prompt(cls, prompt: str) -> PromptReading:
        """How this engine reads `prompt`; a pure classmethod, so the web needs no weights.

        The default suits engines with a text encoder: any words are understood.
        """
        return PromptReading(open_vocabulary=True)

    @property
    def model_card(self) -> ModelCard:  # pragma: no cover - overridden
        raise NotImplementedError

    def generate(
        self,
        requests: Sequence[GenerationRequest],
        on_step: StepCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> list[Image.Image]:  # pragma: no cover - overridden
        """Render `requests` as one batch, calling `on_step(i, total)` after each step."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Static facts for UI/DB (provenance records store these next to each piece)."""
        return {
            "name": self.name,
            "version": self.version,
            "weights_hash": self.weights_hash,
            "supported_sizes": [f"{w}x{h}" for w, h in self.supported_sizes],
            "max_batch": self.max_batch,
            "default_steps": self.default_steps,
            "min_steps": self.min_steps,
            "max_steps": self.max_steps,
            "model_card": self.model_card.as_dict(),
        }

    def resolve_steps(self, request: GenerationRequest) -> int:
        return self.default_steps if request.steps is None else request.steps

    def resolve_guidance(self, request: GenerationRequest) -> float:
        return self.default_guidance if request.guidance is None else request.guidance

    def validate_request(self, request: GenerationRequest) -> None:
        validate_request(self, request)

    def validate_batch(self, requests: Sequence[GenerationRequest]) -> None:
        """Reject the whole batch up front: a bad request must not cost a half-done batch."""
        if not requests:
            raise ValueError("At least one request is required.")
        if len(requests) > self.max_batch:
            raise ValueError(
                f"Batch of {len(requests)} exceeds {self.name} max_batch {self.max_batch}."
            )
        for request in requests:
            validate_request(self, request)


class InvalidRequest(ValueError):
    """A request the engine cannot run; `field` names the setting at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def validate_request(engine: Engine, request: GenerationRequest) -> None:
    """Raise InvalidRequest (a ValueError) with a user-facing message when `request` cannot
    run on `engine`."""
    if not isinstance(request.prompt, str) or not request.prompt.strip():
        raise InvalidRequest("Prompt must not be empty.", field="prompt")
    if len(request.prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(
            f"Prompt is {len(request.prompt)} characters; the maximum is {MAX_PROMPT_CHARS}.",
            field="prompt",
        )
    if not isinstance(request.negative_prompt, str):
        raise InvalidRequest("Negative prompt must be text.", field="negative_prompt")
    if len(request.negative_prompt) > MAX_NEGATIVE_PROMPT_CHARS:
        raise InvalidRequest(
            f"Negative prompt is {len(request.negative_prompt)} characters; "
            f"the maximum is {MAX_NEGATIVE_PROMPT_CHARS}.",
            field="negative_prompt",
        )
    if request.edit:
        validate_edit(engine, request)
    elif (request.width, request.height) not in engine.supported_sizes:
        sizes = ", ".join(f"{w}x{h}" for w, h in engine.supported_sizes)
        raise InvalidRequest(
            f"Size {request.width}x{request.height} is not supported by {engine.name}; "
            f"choose one of: {sizes}.",
            field="size",
        )
    steps = engine.resolve_steps(request)
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise InvalidRequest("Steps must be an integer.", field="steps")
    if not engine.min_steps <= steps <= engine.max_steps:
        raise InvalidRequest(
            f"Steps must be between {engine.min_steps} and {engine.max_steps}; got {steps}.",
            field="steps",
        )
    if isinstance(request.seed, bool) or not isinstance(request.seed, int):
        raise InvalidRequest("Seed must be an integer.", field="seed")
    if not 0 <= request.seed <= MAX_SEED:
        raise InvalidRequest(
            f"Seed must be between 0 and {MAX_SEED}; got {request.seed}.", field="seed"
        )
    if request.guidance is not None and not 0.0 <= float(request.guidance) <= 30.0:
        raise InvalidRequest(
            f"Guidance must be between 0 and 30; got {request.guidance}.", field="guidance"
        )


def validate_edit(engine: Engine, request: GenerationRequest) -> None:
    """The edit half of `validate_request`: kind, source picture, mask, strength, factor."""
    if request.edit not in EDIT_KINDS:
        raise ValueError(f"Unknown edit {request.edit!r}; choose one of: {', '.join(EDIT_KINDS)}.")
    if request.edit not in engine.edit_kinds:
        raise ValueError(f"{engine.name} cannot do {request.edit} edits.")
    source = request.init_image
    if source is None:
        raise ValueError("An edit needs a source picture.")
    if request.edit == "upscale":
        _validate_upscale(engine, request, source.size)
        return
    if source.size != request.size:
        raise ValueError(
            f"The source picture is {source.width}x{source.height}; this edit makes "
            f"{request.width}x{request.height}."
        )
    if request.strength is None or not 0.0 <= float(request.strength) <= 1.0:
        raise ValueError(f"Strength must be between 0 and 1; got {request.strength}.")
    if request.edit == "inpaint":
        validate_mask(request.mask, source.size)


def _validate_upscale(engine: Engine, request: GenerationRequest, source: tuple[int, int]) -> None:
    if request.upscale not in UPSCALE_FACTORS:
        raise ValueError(f"Upscale by 2 or 4; got {request.upscale}.")
    out = (source[0] * request.upscale, source[1] * request.upscale)
    if max(out) > engine.max_output_side:
        raise ValueError(
            f"Upscaling {source[0]}x{source[1]} by {request.upscale} makes {out[0]}x{out[1]}; "
            f"{engine.name} makes at most {engine.max_output_side} pixels on a side."
        )
    if request.size != out:
        raise ValueError(f"An upscale by {request.upscale} makes {out[0]}x{out[1]}.")


def validate_mask(mask: Image.Image | None, size: tuple[int, int]) -> None:
    """A mask must match the picture and mark some, but not all, of it for repainting."""
    if mask is None:
        raise ValueError("Inpainting needs a mask.")
    if mask.size != size:
        raise ValueError(
            f"The mask is {mask.width}x{mask.height}; the picture is {size[0]}x{size[1]}."
        )
    low, high = mask.convert("L").getextrema()
    if high < 128:
        raise ValueError("The mask is empty: paint the area to repaint.")
    if low >= 128:
        raise ValueError("The mask covers the whole picture: use image-to-image instead.")


def parse_size(text: str) -> tuple[int, int]:
    """Parse '512x768' (width x height); raise ValueError on anything else."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"Size must look like 512x512; got {text!r}.")
    return int(parts[0]), int(parts[1])
