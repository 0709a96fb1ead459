"""SimulatedGpuEngine: stands in for an accelerator in benchmarks and pipeline tests.

It sleeps a fixed time per batch, as a UNet on a GPU keeps the host CPU idle while it runs,
and returns real rendered pictures (made once by the embedded engine and recoloured per
seed), so stamping and storage downstream cost what they cost for real art.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from PIL import Image, ImageOps

from .base import (
    CancelCheck,
    Engine,
    EngineOutOfMemory,
    GenerationCancelled,
    GenerationRequest,
    ModelCard,
    StepCallback,
)

FRAME_PROMPTS = (
    "misty mountains at sunrise, watercolor",
    "calm ocean at sunset, oil painting",
    "city at night, neon",
    "flowers in a garden",
)


class SimulatedGpuEngine(Engine):
    name = "simulated-gpu"
    label = "Simulated GPU (benchmarks)"
    version = "sim-1"
    supported_sizes = ((512, 512), (768, 768), (1024, 1024))
    default_steps = 1
    max_steps = 50

    def __init__(
        self, ms_per_batch: float = 146.0, max_batch: int = 16, max_fit: int | None = None
    ) -> None:
        self.seconds_per_batch = ms_per_batch / 1000.0
        self.max_batch = max_batch
        self.max_fit = max_fit  # larger batches raise EngineOutOfMemory, like a full device
        self.weights_hash = f"simulated:{ms_per_batch}ms/{max_batch}"
        self._frames: dict[tuple[int, int], list[Image.Image]] = {}
        self._lock = threading.Lock()

    @property
    def model_card(self) -> ModelCard:
        return ModelCard(
            name=self.name,
            summary="Sleeps per batch to simulate an accelerator; for benchmarks only.",
            weights_origin="None.",
            training_data="None.",
            limitations=("Returns recoloured stock pictures, not the prompt.",),
            intended_use=("Benchmarks and tests of the worker pipeline.",),
            out_of_scope_use=("Anything shown to buyers.",),
        )

    def _stock(self, size: tuple[int, int]) -> list[Image.Image]:
        with self._lock:
            if size not in self._frames:
                from .embedded import EmbeddedEngine

                renderer = EmbeddedEngine(use_embedding=False, max_batch=len(FRAME_PROMPTS))
                requests = [
                    GenerationRequest(prompt=p, seed=i, width=size[0], height=size[1], steps=4)
                    for i, p in enumerate(FRAME_PROMPTS)
                ]
                self._frames[size] = renderer.generate(requests)
            return self._frames[size]

    def generate(
        self,
        requests: Sequence[GenerationRequest],
        on_step: StepCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> list[Image.Image]:
        self.validate_batch(requests)
        if self.max_fit is not None and len(requests) > self.max_fit:
            raise EngineOutOfMemory(f"simulated device fits {self.max_fit} images")
        stock = self._stock(requests[0].size)
        steps = self.resolve_steps(requests[0])
        for step in range(steps):
            if should_cancel is not None and should_cancel():
                raise GenerationCancelled("Cancelled between steps.")
            time.sleep(self.seconds_per_batch / steps)
            if on_step is not None:
                on_step(step, steps)
        return [self._variant(stock[r.seed % len(stock)], r.seed) for r in requests]

    @staticmethod
    def _variant(frame: Image.Image, seed: int) -> Image.Image:
        """A distinct picture per seed (so hashes and watermarks differ), cheaply."""
        image = frame.rotate(90 * (seed // 4 % 4))
        return ImageOps.mirror(image) if seed // 16 % 2 else image
