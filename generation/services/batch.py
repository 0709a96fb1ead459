"""One worker turn: claim a batch of compatible jobs, render it, store outputs, finish jobs.

This runs outside a transaction on purpose: rendering takes seconds to minutes, so each
state change (claim, progress, completion) is its own short transaction in worker.py.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from generation.engines import Engine, EngineUnavailable, GenerationCancelled, GenerationRequest
from generation.models import GenerationJob
from generation.services.engines import configured_engine
from generation.services.styles import style_licence_summary
from generation.services.worker import (
    StoredImage,
    job_attempt_failed,
    job_claim_batch,
    job_complete,
    job_mark_cancelled,
    job_report_progress,
)
from provenance.services.records import provenance_stamp_image

logger = logging.getLogger(__name__)


@dataclass
class ProgressReporter:
    """Writes progress at most every `interval` seconds and answers the engine's cancel check."""

    job_ids: list
    worker: str
    interval: float
    cancelled: set = field(default_factory=set)
    total: int = 0
    _last_write: float = 0.0

    def on_step(self, step_index: int, total: int) -> None:
        """Engines report the 0-based index of the step just finished."""
        done = step_index + 1
        self.total = total
        now = time.monotonic()
        if done >= total or now - self._last_write >= self.interval:
            self._last_write = now
            self.cancelled = job_report_progress(
                job_ids=self.job_ids, worker=self.worker, step=done, total=total
            )

    def heartbeat(self) -> None:
        """Renew the lease while outputs are stamped and stored: that takes a while for a
        large batch and no engine steps report then."""
        if time.monotonic() - self._last_write >= self.interval:
            self._last_write = time.monotonic()
            self.cancelled = job_report_progress(
                job_ids=self.job_ids, worker=self.worker, step=self.total, total=self.total
            )

    def should_cancel(self) -> bool:
        """Stop the batch only when every job in it was cancelled."""
        return bool(self.job_ids) and self.cancelled >= set(self.job_ids)


@dataclass(frozen=True)
class BatchOutcome:
    jobs: int
    images: int
    succeeded: int
    cancelled: int
    failed: int


EMPTY = BatchOutcome(jobs=0, images=0, succeeded=0, cancelled=0, failed=0)


def batch_run(*, job_id: str, worker: str) -> BatchOutcome:
    engine_name = GenerationJob.objects.filter(pk=job_id).values_list("engine", flat=True).first()
    if engine_name is None:
        return EMPTY
    try:
        engine = configured_engine(engine_name)
    except (EngineUnavailable, ValueError) as error:
        return _fail_unrunnable(job_id, worker, f"Engine {engine_name!r} is unavailable: {error}")
    batch = job_claim_batch(job_id=job_id, worker=worker, max_images=engine.max_batch)
    if not batch:
        return EMPTY
    slots = [(job, index) for job in batch for index in range(job.count)]
    texts = {job.pk: engine_prompts(job) for job in batch}
    requests = [
        GenerationRequest(
            prompt=texts[job.pk][0],
            negative_prompt=texts[job.pk][1],
            seed=job.image_seed(index),
            width=job.width,
            height=job.height,
            steps=job.steps,
            guidance=job.guidance,
        )
        for job, index in slots
    ]
    reporter = ProgressReporter(
        job_ids=[job.pk for job in batch],
        worker=worker,
        interval=getattr(settings, "GENERATION_PROGRESS_INTERVAL", 0.25),
    )
    started = time.monotonic()
    try:
        images = engine.generate(
            requests, on_step=reporter.on_step, should_cancel=reporter.should_cancel
        )
    except GenerationCancelled:
        for job in batch:
            job_mark_cancelled(job_id=job.pk, worker=worker)
        return BatchOutcome(len(batch), len(slots), 0, len(batch), 0)
    except ValueError as error:
        return _fail_batch(batch, worker, f"The engine rejected the request: {error}", False)
    except Exception as error:  # noqa: BLE001 - any engine failure (CUDA OOM, ...) is retried
        logger.exception("Engine %s failed on a batch of %d jobs", engine.name, len(batch))
        return _fail_batch(batch, worker, f"{type(error).__name__}: {error}", True)
    logger.info(
        "Rendered %d images for %d jobs in %.2fs on %s",
        len(slots),
        len(batch),
        time.monotonic() - started,
        engine.name,
    )
    return _store_and_finish(engine, batch, slots, images, reporter, worker)


def _store_and_finish(engine: Engine, batch, slots, images, reporter, worker) -> BatchOutcome:
    succeeded = cancelled = failed = 0
    for job in batch:
        if job.pk in reporter.cancelled:
            job_mark_cancelled(job_id=job.pk, worker=worker)
            cancelled += 1
            continue
        outputs = [image for (owner, _), image in zip(slots, images, strict=True) if owner is job]
        try:
            stored = []
            for index, image in enumerate(outputs):
                stored.append(store_output(job, index, image, engine))
                reporter.heartbeat()
            done = job_complete(
                job_id=job.pk, worker=worker, engine_version=engine.version, images=stored
            )
        except Exception as error:  # noqa: BLE001 - storage outages and watermark-id
            # collisions (WatermarkCollision) are retried with a fresh stamp
            logger.exception("Storing outputs of job %s failed", job.pk)
            job_attempt_failed(job_id=job.pk, worker=worker, error=str(error), retryable=True)
            failed += 1
            continue
        succeeded += int(done is not None and done.status == "succeeded")
    return BatchOutcome(len(batch), len(slots), succeeded, cancelled, failed)


def engine_prompts(job: GenerationJob) -> tuple[str, str]:
    """(prompt, negative prompt) the engine sees: a styled job's text goes into the style's
    template; `manage.py reproduce` composes the same way from the provenance record."""
    if job.style_version_id is None:
        return job.prompt, job.negative_prompt
    return job.style_version.compose(prompt=job.prompt, negative_prompt=job.negative_prompt)


def store_output(job: GenerationJob, index: int, image, engine: Engine) -> StoredImage:
    """Stamp provenance into the image (watermark, XMP, signed C2PA), then store both files."""
    piece_id = uuid.uuid4()
    stamped = provenance_stamp_image(
        image=image,
        piece_id=piece_id,
        creator_name=job.owner.public_name,
        engine=engine.describe(),
        **({"licence_summary": style_licence_summary(job=job)} if job.style_version_id else {}),
    )
    original_name = storages["default"].save(
        f"pieces/{stamped.original_name}", ContentFile(stamped.original_png)
    )
    preview_name = storages["previews"].save(
        f"previews/{stamped.preview_name}", ContentFile(stamped.preview_bytes)
    )
    return StoredImage(
        piece_id=piece_id,
        index=index,
        seed=job.image_seed(index),
        width=image.width,
        height=image.height,
        original_name=original_name,
        preview_name=preview_name,
        sha256=stamped.sha256,
        stamped=stamped,
    )


def _fail_batch(batch, worker: str, error: str, retryable: bool) -> BatchOutcome:
    for job in batch:
        job_attempt_failed(job_id=job.pk, worker=worker, error=error, retryable=retryable)
    return BatchOutcome(len(batch), sum(job.count for job in batch), 0, 0, len(batch))


def _fail_unrunnable(job_id: str, worker: str, error: str) -> BatchOutcome:
    batch = job_claim_batch(job_id=job_id, worker=worker, max_images=1)
    return _fail_batch(batch, worker, error, retryable=False) if batch else EMPTY
