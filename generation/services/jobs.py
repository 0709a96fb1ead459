"""Use cases a person performs on generation jobs: commission, cancel, retry, pick."""

import secrets
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.wakeups import wake_named_on_queue_after_commit
from core.watch import watch_bump
from generation.engines import GenerationRequest
from generation.hooks import JobFinished, job_finished
from generation.models import (
    MAX_IMAGES_PER_JOB,
    GenerationJob,
    JobEvent,
    JobStatus,
    Piece,
    PromptSource,
    StyleVersion,
)
from generation.selectors.pieces import piece_editable_by
from generation.services.engines import engine_queue, engine_spec
from generation.services.prompt_reviews import prompt_screen
from generation.services.quotas import job_check_quotas

User = get_user_model()


def job_record_event(
    *,
    job: GenerationJob,
    from_status: str,
    source: str,
    actor: User | None = None,
    message: str = "",
) -> JobEvent:
    """The history row of a change to the job; its page's pollers see it after commit."""
    event = JobEvent.objects.create(
        job=job,
        from_status=from_status,
        to_status=job.status,
        actor=actor,
        source=source,
        message=message,
    )
    watch_bump("job", job.pk)
    return event


def enqueue(job: GenerationJob) -> None:
    """Wake a worker once the job row is committed (the row, not the message, is the truth)."""
    job.enqueued_at = timezone.now()
    GenerationJob.objects.filter(pk=job.pk).update(enqueued_at=job.enqueued_at)
    # The committed row is the truth: the sweeper re-wakes queued jobs whose message never
    # arrived, so a broker outage delays the job instead of failing the request.
    # Only workers that loaded the job's engine consume its queue.
    wake_named_on_queue_after_commit(
        "generation.tasks.run_generation", engine_queue(job.engine), str(job.pk)
    )


@dataclass(frozen=True)
class JobSpec:
    """What to make: the engine's settings, how many images, and the style (if any). The one
    value the form, a retry, a commission and a style's samples hand to `job_create`."""

    prompt: str
    width: int
    height: int
    negative_prompt: str = ""
    count: int = 1
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    engine: str | None = None
    style_version: StyleVersion | None = None

    @classmethod
    def in_style(
        cls,
        version: StyleVersion,
        *,
        prompt: str,
        negative_prompt: str = "",
        count: int = 1,
        seed: int | None = None,
    ) -> "JobSpec":
        """A job in a creator's style: the style fixes engine, size, steps and guidance, and
        `prompt` is the buyer's text for the style's {prompt} slot."""
        return cls(
            prompt=prompt,
            negative_prompt=negative_prompt,
            count=count,
            seed=seed,
            width=version.width,
            height=version.height,
            steps=version.steps,
            guidance=version.guidance,
            engine=version.engine,
            style_version=version,
        )

    @classmethod
    def of_job(cls, job: GenerationJob) -> "JobSpec":
        """The same settings and seed as `job` (a retry)."""
        return cls(
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            seed=job.seed,
            width=job.width,
            height=job.height,
            steps=job.steps,
            count=job.count,
            engine=job.engine,
            guidance=job.guidance,
            style_version=job.style_version,
        )


def job_create(
    *, owner: User, spec: JobSpec, retry_of: GenerationJob | None = None, priority: int = 0
) -> GenerationJob:
    """Queue a commission. A missing seed is drawn now so the result is reproducible.

    `priority` is how the job is scheduled, not what it makes (so it is not on `JobSpec`):
    higher renders first, e.g. a paid commission; equal priorities share the queue fairly.

    In a style, the job stores only the buyer's text; the worker composes what the engine
    sees (so the recipe never reaches the buyer).

    The prompt policy screens the text first, outside this call's transaction, so a refused
    prompt leaves its review row and nothing else.
    """
    source = PromptSource.STYLE_COMMISSION if spec.style_version else PromptSource.COMMISSION
    prompt_screen(
        user=owner,
        prompt=spec.prompt,
        negative_prompt=spec.negative_prompt,
        source=source,
        style=spec.style_version.style if spec.style_version else None,
    )
    return _job_insert(owner=owner, spec=spec, retry_of=retry_of, priority=priority)


def _engine_request(spec: JobSpec) -> GenerationRequest:
    """What the engine will see: in a style, the recipe composed around the buyer's text."""
    prompt, negative = spec.prompt.strip(), spec.negative_prompt.strip()
    if spec.style_version is not None:
        prompt, negative = spec.style_version.compose(
            prompt=spec.prompt, negative_prompt=spec.negative_prompt
        )
    return GenerationRequest(
        prompt=prompt,
        negative_prompt=negative,
        seed=spec.seed,
        width=spec.width,
        height=spec.height,
        steps=spec.steps,
        guidance=spec.guidance,
    )


@transaction.atomic
def _job_insert(
    *, owner: User, spec: JobSpec, retry_of: GenerationJob | None = None, priority: int = 0
) -> GenerationJob:
    """`job_create` once the text passed the policy: check it against the engine, write the
    job and its first history row, wake a worker after commit."""
    if spec.style_version is not None:  # the style's settings win over any given
        spec = JobSpec.in_style(
            spec.style_version,
            prompt=spec.prompt,
            negative_prompt=spec.negative_prompt,
            count=spec.count,
            seed=spec.seed,
        )
    try:
        engine = engine_spec(spec.engine)
    except ValueError as error:
        raise ApplicationError(str(error), field="engine") from None
    if not 1 <= spec.count <= MAX_IMAGES_PER_JOB:
        raise ApplicationError(f"Choose between 1 and {MAX_IMAGES_PER_JOB} images.", field="count")
    if spec.seed is None:
        spec = replace(spec, seed=secrets.randbelow(2**32))
    if not spec.prompt.strip():
        raise ApplicationError("Prompt must not be empty.", field="prompt")
    request = _engine_request(spec)
    try:
        engine.validate(request)
    except ValueError as error:
        if spec.style_version is not None and request.prompt != spec.prompt.strip():
            raise ApplicationError(
                "This prompt does not fit this style (it is too long for the style's "
                "template, or the style's settings are no longer supported).",
                field="prompt",
            ) from None
        raise ApplicationError(str(error), field=getattr(error, "field", None)) from None
    job_check_quotas(owner=owner, images=spec.count)
    steps = engine.resolve_steps(request)
    job = GenerationJob(
        owner=owner,
        engine=engine.name,
        prompt=spec.prompt.strip(),
        negative_prompt=spec.negative_prompt.strip(),
        seed=spec.seed,
        width=spec.width,
        height=spec.height,
        steps=steps,
        guidance=spec.guidance,
        count=spec.count,
        retry_of=retry_of,
        style_version=spec.style_version,
        adapter_key=spec.style_version.adapter_key if spec.style_version else "",
        priority=priority,
        progress_total=steps,
    )
    job.full_clean()
    job.save()
    job_record_event(job=job, from_status="", source="user", actor=owner)
    enqueue(job)
    return job


def _lock_own_job(job: GenerationJob, user: User) -> GenerationJob:
    if job.owner_id != user.pk:
        raise PermissionDeniedError("This is not your job.")
    return GenerationJob.objects.select_for_update().get(pk=job.pk)


@transaction.atomic
def job_cancel(*, job: GenerationJob, actor: User) -> GenerationJob:
    """Queued jobs stop at once; running ones stop at the worker's next step boundary."""
    job = _lock_own_job(job, actor)
    if job.status == JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        job_record_event(job=job, from_status=JobStatus.QUEUED, source="user", actor=actor)
        job_finished.call(
            JobFinished(job_id=job.pk, status=job.status, style_version_id=job.style_version_id)
        )
    elif job.status == JobStatus.RUNNING and not job.cancel_requested:
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
        job_record_event(
            job=job,
            from_status=JobStatus.RUNNING,
            source="user",
            actor=actor,
            message="Cancel requested; the worker stops at the next step.",
        )
    elif job.is_finished:
        raise ApplicationError(
            f"This job has already {job.get_status_display().lower()}.", code="conflict"
        )
    return job


def job_retry(*, job: GenerationJob, actor: User) -> GenerationJob:
    """A failed or cancelled job is retried as a new job with the same settings and seed.
    The prompt is screened again first (the policy may have changed since)."""
    if job.owner_id != actor.pk:
        raise PermissionDeniedError("This is not your job.")
    source = PromptSource.STYLE_COMMISSION if job.style_version_id else PromptSource.COMMISSION
    prompt_screen(
        user=actor,
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        source=source,
        style=job.style_version.style if job.style_version_id else None,
    )
    return _job_retry(job=job, actor=actor)


@transaction.atomic
def _job_retry(*, job: GenerationJob, actor: User) -> GenerationJob:
    job = _lock_own_job(job, actor)
    if not job.can_retry:
        raise ApplicationError("Only failed or cancelled jobs can be retried.", code="conflict")
    if job.is_edit:
        return _edit_retry_insert(job=job, actor=actor)
    if job.style_version_id is not None and job.style_version.style.creator_id != actor.pk:
        raise ApplicationError(
            "A commission in a creator's style is paid per run; commission it again instead."
        )
    # Screened by job_retry before this transaction.
    return _job_insert(owner=actor, spec=JobSpec.of_job(job), retry_of=job)


def _edit_retry_insert(*, job: GenerationJob, actor: User) -> GenerationJob:
    """An edit's retry: the same parent, mask or uploaded picture and settings, checked when
    it was first queued; the actor must still be allowed to edit the parent (a licence may
    be gone)."""
    parent = job.parent_piece
    if parent is not None and not piece_editable_by(user=actor, piece=parent):
        raise PermissionDeniedError("You may no longer edit this image.")
    job_check_quotas(owner=actor, images=job.count)
    names = ("engine", "prompt", "negative_prompt", "seed", "width", "height", "steps")
    names += ("guidance", "count", "style_version", "edit_kind", "parent_piece", "strength")
    names += ("upscale_factor", "mask", "mask_sha256", "source_upload", "source_sha256")
    names += ("priority",)
    retry = GenerationJob(
        owner=actor, retry_of=job, progress_total=job.steps, **{n: getattr(job, n) for n in names}
    )
    retry.full_clean()
    retry.save()
    job_record_event(job=retry, from_status="", source="user", actor=actor)
    enqueue(retry)
    return retry


@transaction.atomic(durable=True)
def piece_pick(*, piece: Piece, actor: User, picked: bool) -> Piece:
    """Buyers keep the results they like; picks are what they list or license next."""
    if piece.owner_id != actor.pk:
        raise PermissionDeniedError("This is not your image.")
    piece.picked_at = timezone.now() if picked else None
    piece.save(update_fields=["picked_at"])
    return piece
