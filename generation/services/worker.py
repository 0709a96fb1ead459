"""Use cases the GPU worker and the sweeper perform on job rows.

Workers claim jobs with a lease; progress renews it. A sweeper puts jobs whose lease
expired back in the queue (or fails them after max attempts). Completion only counts for
the worker that still holds the lease, so a job finishes exactly once.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.watch import watch_bump
from generation.hooks import JobFinished, job_finished
from generation.metrics import job_stored_observe, jobs_started_observe
from generation.models import GenerationJob, JobStatus, Piece
from generation.selectors.jobs import job_progress_patch, seconds_per_image
from generation.selectors.queue import QueuedJob, batch_shape, fair_candidates
from generation.services.engines import engine_config
from generation.services.jobs import enqueue, job_record_event
from provenance.services.records import StampedImage, provenance_records_created

logger = logging.getLogger(__name__)


def lease_seconds() -> int:
    return getattr(settings, "GENERATION_LEASE_SECONDS", 120)


@transaction.atomic(durable=True)
def job_claim_batch(*, job_id: str, worker: str, max_images: int) -> list[GenerationJob]:
    """Claim the fair head of `job_id`'s engine queue plus compatible jobs (same size, steps,
    adapter set and edit settings: `batch_shape`) in fair order, up to `max_images`; the
    leader comes first.

    The message only wakes a worker for an engine: what it claims is whatever the fair order
    (`generation.selectors.queue`) puts first. Returns [] when nothing is queued (or all of
    it is held by other workers), so a redelivered or duplicate message is a no-op.
    """
    engine = GenerationJob.objects.filter(pk=job_id).values_list("engine", flat=True).first()
    if engine is None:
        return []
    batch = _lock_fair_batch(fair_candidates(engine=engine), max_images)
    images = sum(job.count for job in batch)
    now = timezone.now()
    for job in batch:
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.worker = worker
        job.lease_expires_at = now + timedelta(seconds=lease_seconds())
        job.started_at = job.started_at or now
        job.progress_step = 0
        job.progress_total = job.steps
        job.save(
            update_fields=[
                "status",
                "attempts",
                "worker",
                "lease_expires_at",
                "started_at",
                "progress_step",
                "progress_total",
            ]
        )
        job_record_event(
            job=job,
            from_status=JobStatus.QUEUED,
            source=worker,
            message=f"attempt {job.attempts}, batch of {len(batch)} jobs / {images} images",
        )
    jobs_started_observe(batch)
    return batch


def _lock_fair_batch(order: list[QueuedJob], max_images: int) -> list[GenerationJob]:
    """Lock the leader (the first job in `order` no other worker holds), then the compatible
    jobs after it that fit, in order. Rows another worker locked or claimed meanwhile are
    skipped (skip_locked, status re-checked), so no job is claimed twice; each round drops
    the rows it tried, so this ends."""
    locked: dict = {}
    pending, shape, room = list(order), None, max_images
    while pending and room > 0:
        if shape is None:
            wanted = pending[:1]
        else:
            wanted = _fitting(pending, shape, room)
            if not wanted:
                break
        tried = {row.pk for row in wanted}
        pending = [row for row in pending if row.pk not in tried]
        for job in _lock_queued(tried):
            locked[job.pk] = job
            room -= job.count
            shape = shape or batch_shape(job)
    rank = {row.pk: index for index, row in enumerate(order)}
    return sorted(locked.values(), key=lambda job: rank[job.pk])


def _fitting(pending: list[QueuedJob], shape: tuple, room: int) -> list[QueuedJob]:
    """Jobs of `shape` taken greedily in order while they fit in `room` images (a job too
    big for what is left is passed over, a smaller one after it may still fit)."""
    chosen = []
    for row in pending:
        if row.shape == shape and row.count <= room:
            chosen.append(row)
            room -= row.count
    return chosen


def _lock_queued(pks: set) -> list[GenerationJob]:
    """Lock those of `pks` that are still queued and not held by another transaction."""
    return list(
        GenerationJob.objects.select_for_update(skip_locked=True)
        .filter(pk__in=pks, status=JobStatus.QUEUED)
        .order_by("pk")
    )


def job_report_progress(*, job_ids: list, worker: str, step: int, total: int) -> set:
    """Record progress and renew the lease (the job pages' pollers see the new step);
    returns the ids whose owners asked to cancel."""
    running = GenerationJob.objects.filter(pk__in=job_ids, status=JobStatus.RUNNING, worker=worker)
    step = min(step, total)
    running.update(
        progress_step=step,
        progress_total=total,
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds()),
    )
    cancelling, per_image = set(), {}
    for job_id, engine, count, cancel in running.values_list(
        "pk", "engine", "count", "cancel_requested"
    ):
        if engine not in per_image:  # one cache read per engine, not per job, 4x a second
            per_image[engine] = seconds_per_image(engine=engine)
        patch = job_progress_patch(per_image=per_image[engine], count=count, step=step, total=total)
        watch_bump("job", job_id, patch=patch)
        if cancel:
            cancelling.add(job_id)
    return cancelling


def job_renew_leases(*, job_ids: list, worker: str) -> set:
    """Extend the lease of jobs whose pixels are rendered and now being stamped and stored;
    returns the ids whose owners asked to cancel."""
    running = GenerationJob.objects.filter(pk__in=job_ids, status=JobStatus.RUNNING, worker=worker)
    running.update(lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds()))
    return set(running.filter(cancel_requested=True).values_list("pk", flat=True))


def _lock_if_still_ours(job_id, worker: str) -> GenerationJob | None:
    return (
        GenerationJob.objects.select_for_update()
        .filter(pk=job_id, status=JobStatus.RUNNING, worker=worker)
        .first()
    )


@dataclass(frozen=True)
class StoredImage:
    """An output already written to storage; the row is created when the job completes."""

    piece_id: object
    index: int
    seed: int
    width: int
    height: int
    original_name: str
    preview_name: str
    sha256: str
    stamped: StampedImage


@transaction.atomic(durable=True)
def job_complete(
    *, job_id, worker: str, engine_version: str, images: list[StoredImage]
) -> GenerationJob | None:
    """Attach the pieces with their provenance records and mark the job succeeded, unless
    another worker owns it now."""
    job = _lock_if_still_ours(job_id, worker)
    if job is None:
        logger.warning("Job %s is no longer ours (%s); discarding its outputs", job_id, worker)
        return None
    if job.cancel_requested:
        return _finish(job, JobStatus.CANCELLED, worker, "Cancelled by its owner.")
    pieces = Piece.objects.bulk_create(
        Piece(
            id=image.piece_id,
            job=job,
            index=image.index,
            owner=job.owner,
            seed=image.seed,
            width=image.width,
            height=image.height,
            parent_id=job.parent_piece_id,
            original=image.original_name,
            preview=image.preview_name,
            sha256=image.sha256,
        )
        for image in images
    )
    provenance_records_created(
        items=[(piece, image.stamped) for piece, image in zip(pieces, images, strict=True)]
    )
    job.engine_version = engine_version
    job.progress_step = job.progress_total
    job.save(update_fields=["engine_version", "progress_step"])
    _finish(job, JobStatus.SUCCEEDED, worker, f"{len(images)} images")
    job_stored_observe(job, worker=worker, images=len(images))
    return job


@transaction.atomic(durable=True)
def job_mark_cancelled(*, job_id, worker: str) -> GenerationJob | None:
    job = _lock_if_still_ours(job_id, worker)
    if job is None:
        return None
    return _finish(job, JobStatus.CANCELLED, worker, "Cancelled by its owner.")


@transaction.atomic(durable=True)
def job_attempt_failed(*, job_id, worker: str, error: str, retryable: bool) -> GenerationJob | None:
    """Put the job back in the queue, or fail it for good when retrying cannot help."""
    job = _lock_if_still_ours(job_id, worker)
    if job is None:
        return None
    if retryable and job.attempts < job.max_attempts:
        return _requeue(job, worker, f"Attempt {job.attempts} failed: {error}")
    return _finish(job, JobStatus.FAILED, worker, error)


def _finish(job: GenerationJob, status: str, source: str, message: str) -> GenerationJob:
    previous = job.status
    job.status = status
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    job.error = message if status == JobStatus.FAILED else ""
    job.save(update_fields=["status", "finished_at", "lease_expires_at", "error"])
    job_record_event(job=job, from_status=previous, source=source, message=message)
    job_finished.call(
        JobFinished(job_id=job.pk, status=job.status, style_version_id=job.style_version_id)
    )
    return job


def _requeue(job: GenerationJob, source: str, message: str) -> GenerationJob:
    previous = job.status
    job.status = JobStatus.QUEUED
    job.worker = ""
    job.lease_expires_at = None
    job.progress_step = 0
    job.save(update_fields=["status", "worker", "lease_expires_at", "progress_step"])
    job_record_event(job=job, from_status=previous, source=source, message=message)
    enqueue(job)
    return job


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int
    cancelled: int
    rewoken: int
    engine_removed: int = 0


@transaction.atomic(durable=True)
def jobs_sweep(*, stale_queue_seconds: int = 600) -> SweepResult:
    """Recover from dead workers and lost broker messages, and fail queued jobs whose engine
    was removed from the registry; safe to run any time, anywhere."""
    now = timezone.now()
    requeued = failed = cancelled = 0
    expired = GenerationJob.objects.select_for_update(skip_locked=True).filter(
        status=JobStatus.RUNNING, lease_expires_at__lt=now
    )
    for job in expired:
        if job.cancel_requested:
            _finish(job, JobStatus.CANCELLED, "sweeper", "Cancelled; its worker had stopped.")
            cancelled += 1
        elif job.attempts >= job.max_attempts:
            _finish(
                job,
                JobStatus.FAILED,
                "sweeper",
                f"The worker stopped responding {job.attempts} times; giving up.",
            )
            failed += 1
        else:
            _requeue(job, "sweeper", f"Lease expired on {job.worker or 'a worker'}; re-queued.")
            requeued += 1
    engine_removed = _fail_jobs_of_removed_engines()
    # Queued rows whose wake-up message may be lost (e.g. a broker restart) get a new one;
    # claiming is idempotent, so a duplicate message costs nothing but a no-op task.
    stale = GenerationJob.objects.filter(
        status=JobStatus.QUEUED, enqueued_at__lt=now - timedelta(seconds=stale_queue_seconds)
    ).order_by("enqueued_at")
    rewoken = 0
    for job in stale[:500]:
        enqueue(job)
        rewoken += 1
    return SweepResult(
        requeued=requeued,
        failed=failed,
        cancelled=cancelled,
        rewoken=rewoken,
        engine_removed=engine_removed,
    )


def _fail_jobs_of_removed_engines(limit: int = 500) -> int:
    """A queued job whose engine left the registry can never run (no worker consumes its
    queue): fail it with a message that says why, instead of leaving it waiting for ever."""
    orphaned = (
        GenerationJob.objects.select_for_update(skip_locked=True)
        .filter(status=JobStatus.QUEUED)
        .exclude(engine__in=list(engine_config()))
        .order_by("created_at")[:limit]
    )
    failed = 0
    for job in orphaned:
        _finish(job, JobStatus.FAILED, "sweeper", removed_engine_message(job))
        failed += 1
    return failed


def removed_engine_message(job: GenerationJob) -> str:
    """Only a styled job can have been paid for (an instant commission), and the commission
    refunds it when the job fails; a plain job costs nothing."""
    charge = (
        "If it was a paid commission, the payment is refunded automatically."
        if job.style_version_id
        else "Nothing was charged for it."
    )
    return (
        f"Model {job.engine} is no longer offered on Promptfolio, so this job cannot run. "
        f"{charge} Commission it again with another model."
    )
