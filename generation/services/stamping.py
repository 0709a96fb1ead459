"""The stamping stage of a GPU worker (docs/adr/005-stamping-stage.md).

The engine loop hands each rendered batch to this stage and goes straight back to the
device. Behind it, every image is stamped (watermark, hashes, XMP, signed C2PA, preview) in
a pool of processes sized from the host's cores, both files are uploaded, and the job is
completed. A fixed number of batch slots bounds the stage: when every slot is taken the
engine loop waits before claiming more work, so rendered pixels never pile up in memory.

The job rows stay the truth. Jobs in the stage keep their lease (a keeper thread renews it),
a cancel is honoured up to the moment the job completes, and a crash anywhere leaves the
rows running with a lease that lapses, so the sweeper re-queues them: nothing is lost, and
no piece row exists until `job_complete` commits them all at once.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from PIL import Image

from core.logcontext import log_context
from generation.engines import Engine
from generation.metrics import stage_step_observe, stamping_batch_observe
from generation.models import GenerationJob
from generation.services.edits import edit_facts
from generation.services.futures import completed_future
from generation.services.stampers import InlineStamper, ProcessStamper
from generation.services.styles import style_licence_summary
from generation.services.worker import (
    StoredImage,
    job_attempt_failed,
    job_complete,
    job_mark_cancelled,
    job_renew_leases,
)
from provenance.services.records import provenance_stamp_order
from provenance.stamp import StampedImage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOutcome:
    jobs: int
    images: int
    succeeded: int
    cancelled: int
    failed: int


EMPTY = BatchOutcome(jobs=0, images=0, succeeded=0, cancelled=0, failed=0)


@dataclass
class RenderedBatch:
    """What the engine made for one claimed batch, in render order."""

    jobs: list[GenerationJob]
    slots: list[tuple[GenerationJob, int]]  # (job, image index) per rendered image
    images: list[Image.Image]
    engine: Engine
    worker: str

    def outputs_of(self, job: GenerationJob) -> list[tuple[int, Image.Image]]:
        return [
            (index, image)
            for (owner, index), image in zip(self.slots, self.images, strict=True)
            if owner is job
        ]


@dataclass
class StageStats:
    """Milliseconds spent per stage, summed over the images (or batches) that passed; each
    lap is also observed in `promptfolio_stage_step_seconds`."""

    images: int = 0
    batches: int = 0
    ms: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, ms: float) -> None:
        with self._lock:
            self.ms[name] += ms
        stage_step_observe(name, ms)

    def count(self, *, images: int = 0, batches: int = 0) -> None:
        with self._lock:
            self.images += images
            self.batches += batches

    def reset(self) -> None:
        with self._lock:
            self.images = self.batches = 0
            self.ms.clear()

    def per_image(self) -> dict[str, float]:
        with self._lock:
            return {k: round(v / max(self.images, 1), 2) for k, v in sorted(self.ms.items())}


class StampingStage:
    """A bounded stage of `capacity` batches between the engine loop and storage."""

    def __init__(
        self, *, stamper, capacity: int, lease_interval: float, background: bool = True
    ) -> None:
        self.stamper = stamper
        self.capacity = capacity
        self.background = background
        self.stats = StageStats()
        self._slots = threading.BoundedSemaphore(capacity)
        self._finishers = (
            ThreadPoolExecutor(max_workers=capacity, thread_name_prefix="stage-finish")
            if background
            else None
        )
        self._in_flight: dict[object, str] = {}  # job id -> worker
        self._cancelled: set = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keeper = None
        if background:
            self._keeper = threading.Thread(
                target=self._keep_leases, args=(lease_interval,), name="stage-leases", daemon=True
            )
            self._keeper.start()

    @classmethod
    def inline(cls) -> StampingStage:
        """Everything in the calling thread: `batch_run` returns with the jobs finished."""
        return cls(stamper=InlineStamper(), capacity=1, lease_interval=0, background=False)

    @classmethod
    def for_worker(cls) -> StampingStage:
        processes = int(getattr(settings, "GENERATION_STAMP_PROCESSES", os.cpu_count() or 1))
        return cls(
            stamper=ProcessStamper(processes) if processes > 0 else InlineStamper(),
            capacity=int(getattr(settings, "GENERATION_STAGE_BATCHES", 2)),
            lease_interval=float(getattr(settings, "GENERATION_PROGRESS_INTERVAL", 0.25)) * 4,
        )

    def reserve(self) -> float:
        """Wait for a free batch slot (backpressure); returns the milliseconds waited."""
        started = time.perf_counter()
        self._slots.acquire()
        waited = (time.perf_counter() - started) * 1000
        self.stats.add("engine_waited_for_stage", waited)
        return waited

    def release(self) -> None:
        self._slots.release()

    def submit(self, batch: RenderedBatch) -> Future[BatchOutcome]:
        """Take over a rendered batch and the slot reserved for it."""
        with self._lock:
            self._in_flight.update({job.pk: batch.worker for job in batch.jobs})
        if self._finishers is None:
            return completed_future(self._finish, batch)
        # The finisher thread logs with the task's ids (core.logcontext).
        context = contextvars.copy_context()
        return self._finishers.submit(context.run, self._finish_in_thread, batch)

    def _finish_in_thread(self, batch: RenderedBatch) -> BatchOutcome:
        try:
            return self._finish(batch)
        except Exception:
            logger.exception("Finishing a batch of %d jobs failed", len(batch.jobs))
            raise
        finally:
            connection.close()  # each finisher thread has its own connection

    def _finish(self, batch: RenderedBatch) -> BatchOutcome:
        started = time.perf_counter()
        try:
            return finish_batch(batch, stage=self)
        finally:
            stamping_batch_observe(time.perf_counter() - started)
            with self._lock:
                for job in batch.jobs:
                    self._in_flight.pop(job.pk, None)
                    self._cancelled.discard(job.pk)
            self._slots.release()

    def cancel_requested(self, job: GenerationJob) -> bool:
        with self._lock:
            if job.pk in self._cancelled:
                return True
        return GenerationJob.objects.filter(pk=job.pk, cancel_requested=True).exists()

    def _keep_leases(self, interval: float) -> None:
        """Renew the lease of every job in the stage: no engine steps report for them."""
        try:
            while not self._stop.wait(interval):
                with self._lock:
                    by_worker: dict[str, list] = defaultdict(list)
                    for job_id, worker in self._in_flight.items():
                        by_worker[worker].append(job_id)
                for worker, job_ids in by_worker.items():
                    try:
                        cancelled = job_renew_leases(job_ids=job_ids, worker=worker)
                    except Exception:  # noqa: BLE001 - a DB blip must not stop the keeper
                        logger.exception("Renewing leases of %d staged jobs failed", len(job_ids))
                        continue
                    with self._lock:
                        self._cancelled |= cancelled
        finally:
            connection.close()

    def drain(self) -> None:
        """Wait until every batch in the stage is finished (warm shutdown)."""
        for _ in range(self.capacity):
            self._slots.acquire()
        for _ in range(self.capacity):
            self._slots.release()

    def close(self) -> None:
        self.drain()
        self._stop.set()
        if self._finishers is not None:
            self._finishers.shutdown(wait=True)
        if self._keeper is not None:
            self._keeper.join(timeout=5)
        self.stamper.close()


def finish_batch(batch: RenderedBatch, *, stage: StampingStage) -> BatchOutcome:
    """Stamp every image of the batch at once (the pool stays busy), then store and complete
    job by job. A job's failure costs that job one attempt, never its batch-mates."""
    succeeded = cancelled = failed = 0
    orders: dict[object, list] = {}
    for job in batch.jobs:
        if stage.cancel_requested(job):
            job_mark_cancelled(job_id=job.pk, worker=batch.worker)
            cancelled += 1
            continue
        with log_context(job_id=str(job.pk)):
            try:
                orders[job.pk] = _submit_stamps(batch, job, stage)
            except Exception as error:  # noqa: BLE001 - e.g. the database blinked
                logger.exception("Preparing stamps for job %s failed", job.pk)
                job_attempt_failed(
                    job_id=job.pk, worker=batch.worker, error=str(error), retryable=True
                )
                failed += 1
    for job in batch.jobs:
        if job.pk not in orders:
            continue
        with log_context(job_id=str(job.pk)):
            outcome = _store_and_complete(batch, job, orders[job.pk], stage)
        succeeded += outcome == "succeeded"
        cancelled += outcome == "cancelled"
        failed += outcome == "failed"
    stage.stats.count(batches=1)
    return BatchOutcome(len(batch.jobs), len(batch.slots), succeeded, cancelled, failed)


def _submit_stamps(batch: RenderedBatch, job: GenerationJob, stage: StampingStage) -> list:
    engine_facts = batch.engine.describe()
    licence = {"licence_summary": style_licence_summary(job=job)} if job.style_version_id else {}
    edit = edit_facts(job)
    submitted = []
    for index, image in batch.outputs_of(job):
        started = time.perf_counter()
        order = provenance_stamp_order(
            piece_id=uuid.uuid4(),
            creator_name=job.owner.public_name,
            engine=engine_facts,
            edit=edit,
            **licence,
        )
        stage.stats.add("order", (time.perf_counter() - started) * 1000)
        submitted.append((index, image.size, stage.stamper.submit(order, image)))
    return submitted


def _store_and_complete(batch, job, submitted, stage: StampingStage) -> str:
    try:
        stored = []
        for index, size, future in submitted:
            stamped = future.result()
            if stage.cancel_requested(job):
                job_mark_cancelled(job_id=job.pk, worker=batch.worker)
                return "cancelled"
            for name, ms in stamped.timings_ms.items():
                stage.stats.add(f"stamp_{name}", ms)
            stored.append(_upload(job, index, size, stamped, stage))
        started = time.perf_counter()
        done = job_complete(
            job_id=job.pk, worker=batch.worker, engine_version=batch.engine.version, images=stored
        )
        stage.stats.add("complete", (time.perf_counter() - started) * 1000)
        stage.stats.count(images=len(stored))
    except Exception as error:  # noqa: BLE001 - storage outages, a dead stamping process and
        # watermark-id collisions (WatermarkCollision) are retried with a fresh stamp
        logger.exception("Stamping or storing outputs of job %s failed", job.pk)
        job_attempt_failed(job_id=job.pk, worker=batch.worker, error=str(error), retryable=True)
        return "failed"
    if done is None:
        return "lost"  # the lease went to another worker; its outputs were discarded
    return "succeeded" if done.status == "succeeded" else "cancelled"


def _upload(job, index: int, size, stamped: StampedImage, stage: StampingStage) -> StoredImage:
    """Only stamped bytes are ever written: unmarked pixels never leave the worker's memory."""
    started = time.perf_counter()
    original_name = storages["default"].save(
        f"pieces/{stamped.original_name}", ContentFile(stamped.original_png)
    )
    preview_name = storages["previews"].save(
        f"previews/{stamped.preview_name}", ContentFile(stamped.preview_bytes)
    )
    stage.stats.add("upload", (time.perf_counter() - started) * 1000)
    return StoredImage(
        piece_id=stamped.piece_id,
        index=index,
        seed=job.image_seed(index),
        width=size[0],
        height=size[1],
        original_name=original_name,
        preview_name=preview_name,
        sha256=stamped.sha256,
        stamped=stamped,
    )


_worker_stage: StampingStage | None = None
_worker_stage_lock = threading.Lock()


def worker_stage_drain() -> None:
    """Wait for what this process's stage holds, if it has one (tests, between cases)."""
    with _worker_stage_lock:
        stage = _worker_stage
    if stage is not None:
        stage.drain()


def worker_stage() -> StampingStage:
    """This worker process's stage, built on first use from settings."""
    global _worker_stage
    with _worker_stage_lock:
        if _worker_stage is None:
            _worker_stage = StampingStage.for_worker()
        return _worker_stage


def worker_stage_close() -> None:
    """Finish what the stage holds and stop it (worker shutdown)."""
    global _worker_stage
    with _worker_stage_lock:
        stage, _worker_stage = _worker_stage, None
    if stage is not None:
        stage.close()
