"""One engine-loop turn: claim a batch of compatible jobs, render it, hand it to the stage.

This runs outside a transaction on purpose: rendering takes seconds to minutes, so each
state change (claim, progress, completion) is its own short transaction in worker.py. The
stage (stamping.py) stamps, stores and completes the batch while the engine renders the next.
"""

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from django.conf import settings

from generation.engines import (
    Engine,
    EngineOutOfMemory,
    EngineUnavailable,
    GenerationCancelled,
    GenerationRequest,
)
from generation.models import GenerationJob
from generation.services.adapters import job_adapter_refs
from generation.services.edits import edit_request_fields
from generation.services.engines import configured_engine
from generation.services.futures import done_future
from generation.services.stamping import (
    EMPTY,
    BatchOutcome,
    RenderedBatch,
    StampingStage,
)
from generation.services.worker import (
    job_attempt_failed,
    job_claim_batch,
    job_mark_cancelled,
    job_report_progress,
)

logger = logging.getLogger(__name__)


@dataclass
class ProgressReporter:
    """Writes progress at most every `interval` seconds and answers the engine's cancel check."""

    job_ids: list
    worker: str
    interval: float
    cancelled: set = field(default_factory=set)
    _last_write: float = 0.0

    def on_step(self, step_index: int, total: int) -> None:
        """Engines report the 0-based index of the step just finished."""
        done = step_index + 1
        now = time.monotonic()
        if done >= total or now - self._last_write >= self.interval:
            self._last_write = now
            self.cancelled = job_report_progress(
                job_ids=self.job_ids, worker=self.worker, step=done, total=total
            )

    def should_cancel(self) -> bool:
        """Stop the batch only when every job in it was cancelled."""
        return bool(self.job_ids) and self.cancelled >= set(self.job_ids)


def batch_run(*, job_id: str, worker: str) -> BatchOutcome:
    """A whole turn in the calling thread, finished when it returns (tests, demo seeding)."""
    return batch_render(job_id=job_id, worker=worker, stage=StampingStage.inline()).result()


def batch_render(*, job_id: str, worker: str, stage: StampingStage) -> Future:
    """Render the next batch and give it to `stage`; the future resolves once it is stored.

    A slot in the stage is reserved before any job is claimed, so a full stage stops the
    engine from taking work it could not hand on (backpressure, not a pile of pixels).
    """
    engine_name = GenerationJob.objects.filter(pk=job_id).values_list("engine", flat=True).first()
    if engine_name is None:
        return done_future(EMPTY)
    try:
        engine = configured_engine(engine_name)
    except (EngineUnavailable, ValueError) as error:
        return done_future(
            _fail_unrunnable(job_id, worker, f"Engine {engine_name!r} is unavailable: {error}")
        )
    stage.reserve()
    try:
        rendered = _claim_and_render(engine, job_id, worker, stage)
    except BaseException:
        stage.release()
        raise
    if isinstance(rendered, BatchOutcome):
        stage.release()
        return done_future(rendered)
    return stage.submit(rendered)


def _claim_and_render(engine: Engine, job_id: str, worker: str, stage: StampingStage):
    batch = job_claim_batch(job_id=job_id, worker=worker, max_images=engine.max_batch)
    if not batch:
        return EMPTY
    slots = [(job, index) for job in batch for index in range(job.count)]
    requests = _requests_for(batch, slots, worker)
    if isinstance(requests, BatchOutcome):
        return requests
    reporter = ProgressReporter(
        job_ids=[job.pk for job in batch],
        worker=worker,
        interval=getattr(settings, "GENERATION_PROGRESS_INTERVAL", 0.25),
    )
    started = time.perf_counter()
    try:
        images = render_splitting_on_oom(engine, requests, reporter)
    except GenerationCancelled:
        for job in batch:
            job_mark_cancelled(job_id=job.pk, worker=worker)
        return BatchOutcome(len(batch), len(slots), 0, len(batch), 0)
    except EngineOutOfMemory as error:
        message = f"The model ran out of memory even for a single {batch[0].width}x"
        message += f"{batch[0].height} image: {error}"
        return _fail_batch(batch, worker, message, False)
    except ValueError as error:
        return _fail_batch(batch, worker, f"The engine rejected the request: {error}", False)
    except Exception as error:  # noqa: BLE001 - any other engine failure is retried
        logger.exception("Engine %s failed on a batch of %d jobs", engine.name, len(batch))
        return _fail_batch(batch, worker, f"{type(error).__name__}: {error}", True)
    elapsed = time.perf_counter() - started
    stage.stats.add("render", elapsed * 1000)
    logger.info(
        "Rendered %d images for %d jobs in %.2fs on %s",
        len(slots),
        len(batch),
        elapsed,
        engine.name,
    )
    return RenderedBatch(jobs=batch, slots=slots, images=images, engine=engine, worker=worker)


def _requests_for(batch, slots, worker: str) -> list[GenerationRequest] | BatchOutcome:
    """One engine request per image slot, with the job's edit source and the style's adapters;
    a source or adapter that cannot be read fails the batch (an outcome instead)."""
    texts = {job.pk: engine_prompts(job) for job in batch}
    try:  # one batch shares one adapter set (the claim groups jobs by adapter_key)
        adapters = job_adapter_refs(job=batch[0])
    except (OSError, ValueError) as error:
        message = f"The style's adapters could not be fetched: {error}"
        return _fail_batch(batch, worker, message, isinstance(error, OSError))
    try:
        edits = {job.pk: edit_request_fields(job) for job in batch}
    except OSError as error:
        return _fail_batch(batch, worker, f"The picture to edit could not be read: {error}", False)
    return [
        GenerationRequest(
            prompt=texts[job.pk][0],
            negative_prompt=texts[job.pk][1],
            seed=job.image_seed(index),
            width=job.width,
            height=job.height,
            steps=job.steps,
            guidance=job.guidance,
            adapters=adapters,
            **edits[job.pk],
        )
        for job, index in slots
    ]


def render_splitting_on_oom(engine: Engine, requests: list, reporter: ProgressReporter) -> list:
    """Render; when the device runs out of memory, halve the batch and try each half, down
    to one image, before giving up (the caller then fails the jobs with a clear message)."""
    try:
        return engine.generate(
            requests, on_step=reporter.on_step, should_cancel=reporter.should_cancel
        )
    except EngineOutOfMemory:
        if len(requests) == 1:
            raise
        half = len(requests) // 2
        logger.warning(
            "%s ran out of memory on %d images; retrying as two halves", engine.name, len(requests)
        )
        first = render_splitting_on_oom(engine, requests[:half], reporter)
        return first + render_splitting_on_oom(engine, requests[half:], reporter)


def engine_prompts(job: GenerationJob) -> tuple[str, str]:
    """(prompt, negative prompt) the engine sees: a styled job's text goes into the style's
    template; `manage.py reproduce` composes the same way from the provenance record."""
    if job.style_version_id is None:
        return job.prompt, job.negative_prompt
    return job.style_version.compose(prompt=job.prompt, negative_prompt=job.negative_prompt)


def _fail_batch(batch, worker: str, error: str, retryable: bool) -> BatchOutcome:
    for job in batch:
        job_attempt_failed(job_id=job.pk, worker=worker, error=error, retryable=retryable)
    return BatchOutcome(len(batch), sum(job.count for job in batch), 0, 0, len(batch))


def _fail_unrunnable(job_id: str, worker: str, error: str) -> BatchOutcome:
    batch = job_claim_batch(job_id=job_id, worker=worker, max_images=1)
    return _fail_batch(batch, worker, error, retryable=False) if batch else EMPTY
