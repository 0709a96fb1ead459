"""A scripted engine for testing the worker's orchestration (claiming, progress, cancel,
retries). The real engines have their own tests; this one lets a test control timing and
failures. Its images are still real pixels derived from the request, so outputs differ."""

import time

from PIL import Image

from generation.engines import Engine, GenerationCancelled, ModelCard


class ScriptedEngine(Engine):
    name = "scripted"
    label = "Scripted (tests)"
    version = "test-1"
    supported_sizes = ((256, 256), (512, 512))
    default_steps = 4
    max_steps = 50

    # Shared across instances so a test can steer an engine the worker loaded itself.
    calls: list[list] = []
    fail_next: list[Exception] = []

    def __init__(self, max_batch: int = 8, step_delay: float = 0.0):
        self.max_batch = max_batch
        self.step_delay = step_delay

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
        return [
            Image.new("RGB", (r.width, r.height), (r.seed % 256, len(r.prompt) % 256, 99))
            for r in requests
        ]

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
