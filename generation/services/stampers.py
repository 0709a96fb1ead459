"""Where the stamping stage's images are stamped: in the calling thread, or in a pool of
child processes (generation.services.stamping decides which from the host's cores)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from PIL import Image

from generation.services.futures import completed_future
from provenance import identity, signing
from provenance.stamp import StampedImage, StampOrder, stamp_image

logger = logging.getLogger(__name__)


class InlineStamper:
    """Stamps in the calling thread (synchronous runs, tests, hosts without spare cores)."""

    processes = 0

    def submit(self, order: StampOrder, image: Image.Image) -> Future[StampedImage]:
        return completed_future(stamp_image, order, image)

    def process_ids(self) -> list[int]:
        return []

    def close(self) -> None:
        pass


# Stamping yields the CPU to the engine loop: on a CPU engine the render wants every core
# and the stage fills the gaps (when the stage is full the engine waits and stamping runs).
STAMPER_NICENESS = 10


def _start_child(niceness: int, tsa_url: str) -> None:
    """A stamping child's start: yield the CPU, and sign with the configured timestamp
    authority (the child has no settings; `stamp_image` loads the identity by directory)."""
    os.nice(niceness)
    identity.use_timestamp_authority(tsa_url)


class ProcessStamper:
    """Stamps in child processes: CPU-bound work leaves the engine loop's process (and its
    GIL) alone. Children are spawned, not forked, so they inherit no CUDA context, torch
    threads or database connections; `provenance.stamp` needs no Django."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=context,
            initializer=_start_child,
            initargs=(STAMPER_NICENESS, signing.timestamp_authority()),
        )

    def submit(self, order: StampOrder, image: Image.Image) -> Future[StampedImage]:
        with self._lock:
            try:
                return self._pool.submit(stamp_image, order, image)
            except BrokenProcessPool:
                # A child died (OOM killer, segfault): its jobs fail this attempt and are
                # retried; later batches get a fresh pool.
                logger.error("A stamping process died; starting a new pool")
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                return self._pool.submit(stamp_image, order, image)

    def process_ids(self) -> list[int]:
        return list(getattr(self._pool, "_processes", None) or {})

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
