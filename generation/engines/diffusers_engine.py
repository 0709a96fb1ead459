"""Diffusers backend for operator-supplied local checkpoints (SD-Turbo / SDXL-Turbo style).

Loads once at construction (worker start) with `local_files_only=True`; a missing or corrupt
checkpoint raises `EngineUnavailable` there, not on every job. Per-request CPU generators make
each image depend only on its own seed, whatever else shares the batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from .adapters import LoraSlots
from .base import (
    CancelCheck,
    Engine,
    EngineUnavailable,
    GenerationCancelled,
    GenerationRequest,
    ModelCard,
    StepCallback,
    parse_size,
)
from .diffusers_edits import (
    edit_pipeline,
    load_upscaler,
    paste_outside_mask,
    scheduled_steps,
    to_requested_size,
    upscale_kwargs,
)
from .memory import out_of_memory_as_engine_error

logger = logging.getLogger(__name__)

DTYPES = {
    "fp16": torch.float16,
    "float16": torch.float16,
    "bf16": torch.bfloat16,
    "bfloat16": torch.bfloat16,
    "fp32": torch.float32,
    "float32": torch.float32,
}
DEFAULT_SIZES = ("512x512", "768x768", "512x768", "768x512", "1024x1024", "256x256")
HASHED_SUFFIXES = (".json", ".txt", ".model")


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    """'auto' means fp16 on CUDA (tensor cores) and fp32 on CPU (fp16 CPU kernels are slow)."""
    if dtype == "auto":
        return torch.float16 if device.startswith("cuda") else torch.float32
    if dtype not in DTYPES:
        raise EngineUnavailable(f"Unknown dtype {dtype!r}; use auto, fp16, bf16 or fp32.")
    return DTYPES[dtype]


def checkpoint_hash(path: Path, full: bool = False) -> str:
    """Identify a checkpoint directory.

    Default: sha256 over every file's relative path and size plus the full bytes of small
    config/tokenizer files (.json/.txt/.model). That changes whenever weights are swapped or
    re-saved at a different size and costs milliseconds; `full=True` also hashes every weight
    byte (exact, but tens of seconds for multi-GB checkpoints).
    """
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file() and ".cache" not in p.parts)
    for file in files:
        rel = file.relative_to(path).as_posix()
        digest.update(f"{rel}\0{file.stat().st_size}\0".encode())
        if full or file.suffix in HASHED_SUFFIXES:
            with file.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


class DiffusersEngine(Engine):
    """Text-to-image, image-to-image and inpainting with a local diffusers pipeline directory;
    upscaling too when the operator adds an upscaler checkpoint (option `upscaler`)."""

    name = "diffusers"
    # The defaults of __init__, as class facts: the web process reads them without loading.
    supported_sizes = tuple(parse_size(s) for s in DEFAULT_SIZES)
    max_batch = 16
    default_steps = 1
    min_steps = 1
    max_steps = 50
    default_guidance = 0.0
    edit_kinds = ("variation", "image", "inpaint")

    @classmethod
    def edit_kinds_for(cls, options: dict[str, Any]) -> tuple[str, ...]:
        """Upscaling needs an upscaler checkpoint; the rest share the main pipeline."""
        return cls.edit_kinds + (("upscale",) if options.get("upscaler") else ())

    supports_adapters = True
    max_adapters = 8  # LoRA adapters kept loaded (least recently used evicted)

    def __init__(
        self,
        checkpoint: str,
        dtype: str = "auto",
        device: str = "auto",
        compile: bool = False,
        max_batch: int = 16,
        default_steps: int = 1,
        min_steps: int = 1,
        max_steps: int = 50,
        default_guidance: float = 0.0,
        sizes: Sequence[str] = DEFAULT_SIZES,
        full_hash: bool = False,
        card: dict[str, Any] | None = None,
        upscaler: str = "",
        max_output_side: int = Engine.max_output_side,
        max_adapters: int = 8,
    ) -> None:
        if not min_steps <= default_steps <= max_steps:
            raise EngineUnavailable(
                f"Steps options need min_steps <= default_steps <= max_steps; got "
                f"{min_steps}, {default_steps}, {max_steps}."
            )
        self.checkpoint = Path(checkpoint).expanduser()
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.max_batch = max_batch
        self.default_steps = default_steps
        self.min_steps = min_steps
        self.max_steps = max_steps
        self.default_guidance = default_guidance
        self.max_output_side = max_output_side  # the web reads the same option
        self.supported_sizes = tuple(parse_size(s) for s in sizes)
        self._card = dict(card or {})
        self.max_adapters = max_adapters
        self.compile_seconds: float | None = None
        if not self.checkpoint.is_dir():
            raise EngineUnavailable(f"Diffusers checkpoint directory not found: {self.checkpoint}")
        index = self.checkpoint / "model_index.json"
        try:
            self.model_index = json.loads(index.read_text())
        except (OSError, ValueError) as exc:
            raise EngineUnavailable(
                f"Checkpoint {self.checkpoint} has no readable model_index.json: {exc}"
            ) from exc
        self.weights_hash = checkpoint_hash(self.checkpoint, full=full_hash)
        self.version = str(self.model_index.get("_diffusers_version", "unknown"))
        self.pipe = self._load()
        self._edit_pipes: dict[str, Any] = {}
        self.edit_kinds = self.edit_kinds_for({"upscaler": upscaler})
        self.upscaler, self.upscaler_hash = None, ""
        if upscaler:
            self.upscaler, seconds = load_upscaler(upscaler, self.dtype, self.device)
            self.upscaler_hash = checkpoint_hash(Path(upscaler).expanduser(), full=full_hash)
            logger.info("Loaded upscaler %s in %.2fs", upscaler, seconds)
        if compile:
            self._compile()

    @classmethod
    def from_pipeline(
        cls,
        pipe: Any,
        label: str,
        compile: bool = False,
        max_batch: int = 32,
        default_steps: int = 1,
        sizes: Sequence[str] = DEFAULT_SIZES,
    ) -> DiffusersEngine:
        """Wrap an in-memory pipeline (benchmarks with random weights); no checkpoint on disk."""
        engine = cls.__new__(cls)
        engine.checkpoint = Path(label)
        engine.device = str(pipe.device)
        engine.dtype = pipe.dtype
        engine.max_batch = max_batch
        engine.default_steps = default_steps
        engine.default_guidance = 0.0
        engine.supported_sizes = tuple(parse_size(s) for s in sizes)
        engine._card = {}
        engine.compile_seconds = None
        engine.model_index = {"_class_name": type(pipe).__name__}
        engine.weights_hash = f"in-memory:{label}"
        engine.version = "in-memory"
        pipe.set_progress_bar_config(disable=True)
        engine.pipe = pipe
        engine._edit_pipes = {}
        engine.edit_kinds = cls.edit_kinds
        engine.upscaler, engine.upscaler_hash = None, ""
        if compile:
            engine._compile()
        return engine

    def _load(self) -> Any:
        try:
            from diffusers import AutoPipelineForText2Image
        except ImportError as exc:
            raise EngineUnavailable("The diffusers package is not installed.") from exc
        started = time.perf_counter()
        try:
            pipe = AutoPipelineForText2Image.from_pretrained(
                str(self.checkpoint), local_files_only=True, dtype=self.dtype
            )
            pipe = pipe.to(self.device)
        # diffusers/transformers/safetensors raise many unrelated types for a damaged checkpoint;
        # all of them mean the same thing to the worker: this engine cannot serve jobs.
        except Exception as exc:  # noqa: BLE001
            raise EngineUnavailable(
                f"Could not load diffusers checkpoint {self.checkpoint}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        pipe.set_progress_bar_config(disable=True)
        logger.info("Loaded %s in %.2fs", self.checkpoint, time.perf_counter() - started)
        return pipe

    def _compile(self) -> None:
        """torch.compile the denoiser once and warm it up, so no job pays the compile cost."""
        denoiser_name = "unet" if hasattr(self.pipe, "unet") else "transformer"
        denoiser = getattr(self.pipe, denoiser_name)
        denoiser.to(memory_format=torch.channels_last)
        setattr(self.pipe, denoiser_name, torch.compile(denoiser, fullgraph=True))
        started = time.perf_counter()
        width, height = self.supported_sizes[0]
        self.generate([GenerationRequest(prompt="warm-up", width=width, height=height)])
        self.compile_seconds = time.perf_counter() - started

    def _lora_slots(self) -> LoraSlots:
        """Made on first use: a worker whose styles attach no adapters never builds it."""
        if getattr(self, "_loras", None) is None:
            self._loras = LoraSlots(
                self.pipe, model=self.checkpoint.name, max_loaded=self.max_adapters
            )
        return self._loras

    @property
    def model_card(self) -> ModelCard:
        cls = self.model_index.get("_class_name", "diffusers pipeline")
        card = {
            "name": f"{self.name}: {self.checkpoint.name}",
            "summary": f"{cls} loaded from an operator-supplied local checkpoint.",
            "weights_origin": f"Local directory {self.checkpoint.name}; supplied by the operator.",
            "training_data": "As documented by the checkpoint's publisher (operator to record).",
            "limitations": (
                "Quality and biases are those of the checkpoint's training data.",
                "Turbo-distilled checkpoints are tuned for 1-4 steps and guidance 0.",
                "Check the checkpoint licence before selling outputs (some, e.g. SD-Turbo, "
                "restrict commercial use).",
            ),
            "intended_use": ("Marketplace artwork generated from user prompts.",),
            "out_of_scope_use": (
                "Images of real people without consent, deceptive or harmful content.",
            ),
            "licence": "See the checkpoint's own licence.",
            "extra": {"weights_hash": self.weights_hash, "dtype": str(self.dtype)},
        }
        if self.upscaler_hash:  # upscaled pieces also depend on the upscaler's weights
            card["extra"]["upscaler_hash"] = self.upscaler_hash
        card.update(self._card)
        for key in ("limitations", "intended_use", "out_of_scope_use"):
            card[key] = tuple(card[key])
        return ModelCard(**card)

    def generate(
        self,
        requests: Sequence[GenerationRequest],
        on_step: StepCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> list[Image.Image]:
        """One pipeline call for the batch; on_step(i, total) with the 0-based step index.

        One call takes one strength and one edit kind, so a batch shares them (the worker
        batches alike jobs); prompts, seeds, source pictures and masks are per request.
        """
        self.validate_batch(requests)
        first = requests[0]
        steps, guidance = self.resolve_steps(first), self.resolve_guidance(first)
        if any(self._batch_key(r) != self._batch_key(first) for r in requests):
            raise ValueError(
                "All requests in one batch must share size, steps, guidance, edit kind, "
                "strength and upscale factor."
            )
        self._lora_slots().apply_batch(requests)
        if should_cancel is not None and should_cancel():
            raise GenerationCancelled("Cancelled before step 1.")
        generators = [torch.Generator("cpu").manual_seed(r.seed) for r in requests]
        with out_of_memory_as_engine_error(self.device), torch.inference_mode():
            run = self._upscale if first.edit == "upscale" else self._diffuse
            return run(list(requests), steps, guidance, generators, on_step, should_cancel)

    def _batch_key(self, r: GenerationRequest) -> tuple:
        steps, guidance = self.resolve_steps(r), self.resolve_guidance(r)
        return (r.width, r.height, steps, guidance, r.edit, r.strength, r.upscale)

    def _pipe_for(self, kind: str) -> Any:
        """The text-to-image pipeline, or an edit pipeline sharing its components (cached)."""
        if not kind:
            return self.pipe
        key = "inpaint" if kind == "inpaint" else "image"
        if key not in self._edit_pipes:
            self._edit_pipes[key] = edit_pipeline(self.pipe, key)
        return self._edit_pipes[key]

    def _diffuse(
        self,
        requests: list[GenerationRequest],
        steps: int,
        guidance: float,
        generators: list[torch.Generator],
        on_step: StepCallback | None,
        should_cancel: CancelCheck | None,
    ) -> list[Image.Image]:
        """Text-to-image, image-to-image (variation, image) or inpainting, in one call."""
        first = requests[0]
        negatives = [r.negative_prompt for r in requests]
        kwargs: dict[str, Any] = {
            "prompt": [r.prompt for r in requests],
            "negative_prompt": negatives if any(negatives) else None,
            "num_inference_steps": steps,
            "guidance_scale": guidance,
            "width": first.width,
            "height": first.height,
            "generator": generators,
            "output_type": "pil",
        }
        if first.edit:
            kwargs["num_inference_steps"] = scheduled_steps(steps, float(first.strength))
            if not kwargs["num_inference_steps"]:  # strength ~0: the source is the answer
                _report_all(on_step, steps)
                return [r.init_image.convert("RGB") for r in requests]
            kwargs.update(image=[r.init_image.convert("RGB") for r in requests])
            kwargs.update(strength=float(first.strength))
            if first.edit == "inpaint":
                kwargs["mask_image"] = [r.mask.convert("L") for r in requests]
            else:  # image-to-image takes its size from the source picture
                del kwargs["width"], kwargs["height"]
        progress = _Progress(on_step, should_cancel, steps)
        result = self._pipe_for(first.edit)(callback_on_step_end=progress.on_step_end, **kwargs)
        if progress.cancelled:
            raise GenerationCancelled("Cancelled between steps.")
        images = list(result.images)
        if first.edit == "inpaint":
            pairs = zip(images, requests, strict=True)
            images = [paste_outside_mask(im, r.init_image, r.mask) for im, r in pairs]
        return images

    def _upscale(
        self,
        requests: list[GenerationRequest],
        steps: int,
        guidance: float,
        generators: list[torch.Generator],
        on_step: StepCallback | None,
        should_cancel: CancelCheck | None,
    ) -> list[Image.Image]:
        """The operator's upscaler at its own factor, then Lanczos to the requested size."""
        progress = _Progress(on_step, should_cancel, steps)
        factor = self.upscaler.vae_scale_factor
        kwargs = upscale_kwargs(requests, steps, guidance, factor, self.max_output_side)
        result = self.upscaler(generator=generators, callback=progress.on_legacy_step, **kwargs)
        return to_requested_size(list(result.images), requests[0])


class _Progress:
    """Step reporting and cancelling for both diffusers callback styles."""

    def __init__(self, on_step: StepCallback | None, should_cancel: CancelCheck | None, steps: int):
        self.report, self.should_cancel, self.steps = on_step, should_cancel, steps
        self.cancelled = False

    def _step(self, step: int) -> bool:
        if self.report is not None:
            self.report(step, self.steps)
        return self.should_cancel is not None and step + 1 < self.steps and self.should_cancel()

    def on_step_end(self, pipe: Any, step: int, timestep: Any, kwargs: dict) -> dict:
        if self._step(step):
            self.cancelled = True
            pipe._interrupt = True
        return kwargs

    def on_legacy_step(self, step: int, timestep: Any, latents: Any) -> None:
        """The upscaler's old-style callback cannot interrupt, so cancelling raises."""
        if self._step(step):
            raise GenerationCancelled("Cancelled between steps.")


def _report_all(on_step: StepCallback | None, steps: int) -> None:
    for step in range(steps if on_step is not None else 0):
        on_step(step, steps)
