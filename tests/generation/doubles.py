"""A scripted engine for testing the worker's orchestration (claiming, progress, cancel,
retries). The real engines have their own tests; this one lets a test control timing and
failures. Its images are still real pixels derived from the request, so outputs differ; an
edit's pixels come from its source picture and mask, so a test can see the edit applied."""

import time

from PIL import Image

from generation.engines import EDIT_KINDS, Engine, GenerationCancelled, ModelCard

EDIT_COLOUR = (250, 10, 10)  # what variation, image-to-image and inpaint paint in


class ScriptedEngine(Engine):
    name = "scripted"
    label = "Scripted (tests)"
    version = "test-1"
    supported_sizes = ((256, 256), (512, 512))
    default_steps = 4
    max_steps = 50
    edit_kinds = EDIT_KINDS
    max_output_side = 1024

    # Shared across instances so a test can steer an engine the worker loaded itself.
    calls: list[list] = []
    fail_next: list[Exception] = []

    def __init__(
        self, max_batch: int = 8, step_delay: float = 0.0, edit_kinds: tuple | None = None
    ):
        self.max_batch = max_batch
        self.step_delay = step_delay
        if edit_kinds is not None:
            self.edit_kinds = tuple(edit_kinds)

    @classmethod
    def edit_kinds_for(cls, options):
        return tuple(options.get("edit_kinds", cls.edit_kinds))

    @property
    def model_card(self) -> ModelCard:
        return ModelCard(
            name=self.name,
            summary="Test double",
            weights_origin="none",
            training_data="none",
            limitations=(),
            intended_use=("tests",),
            out_of_scope_use=(),
        )

    def generate(self, requests, on_step=None, should_cancel=None):
        self.validate_batch(requests)
        type(self).calls.append(list(requests))
        if type(self).fail_next:
            raise type(self).fail_next.pop(0)
        steps = self.resolve_steps(requests[0])
        for step in range(steps):
            time.sleep(self.step_delay)
            if on_step:
                on_step(step, steps)
            if should_cancel and should_cancel():
                raise GenerationCancelled("cancelled")
        return [self._pixels(r) for r in requests]

    @staticmethod
    def _pixels(r) -> Image.Image:
        """Text: a flat colour from seed and prompt. Upscale: the source, enlarged. Inpaint:
        EDIT_COLOUR where the mask is set. Variation and image: the source blended towards
        EDIT_COLOUR by `strength`."""
        if not r.edit:
            return Image.new("RGB", r.size, (r.seed % 256, len(r.prompt) % 256, 99))
        if r.edit == "upscale":
            return r.init_image.resize(r.size, Image.Resampling.NEAREST)
        paint = Image.new("RGB", r.size, EDIT_COLOUR)
        if r.edit == "inpaint":
            return Image.composite(paint, r.init_image, r.mask)
        return Image.blend(r.init_image, paint, r.strength)

    @classmethod
    def reset(cls) -> None:
        cls.calls = []
        cls.fail_next = []


class AdapterScriptedEngine(ScriptedEngine):
    """The scripted engine standing in for diffusers: it takes LoRA adapters, which the web
    side checks against the denoiser header of `checkpoint` (the tiny pipeline's)."""

    name = "scripted-lora"
    supports_adapters = True

    def __init__(self, checkpoint: str = "", max_batch: int = 8, step_delay: float = 0.0):
        super().__init__(max_batch=max_batch, step_delay=step_delay)
        self.checkpoint = checkpoint
