"""Turn a device's out-of-memory error into the engine contract's EngineOutOfMemory, so the
worker can split the batch and retry smaller without knowing about torch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from .base import EngineOutOfMemory


@contextmanager
def out_of_memory_as_engine_error(device: str) -> Iterator[None]:
    try:
        yield
    except torch.OutOfMemoryError as exc:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()  # give the smaller retry the memory this batch held
        raise EngineOutOfMemory(f"{device} ran out of memory: {exc}") from exc
