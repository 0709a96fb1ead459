"""Reads for job pages: lists, queue position and a time estimate from recent history."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, QuerySet, Sum

from generation.engines import PromptReading
from generation.models import GenerationJob, JobStatus, Piece
from generation.models.jobs import percent_done, progress_label
from generation.selectors.queue import fair_images_ahead
from generation.services.engines import prompt_reading

User = get_user_model()

DEFAULT_SECONDS_PER_IMAGE = 2.0
# Every poll of a job page asks; a mean over the last 20 jobs barely moves in this time.
SECONDS_PER_IMAGE_CACHE_SECONDS = 10


def jobs_for_owner(*, owner: User) -> QuerySet[GenerationJob]:
    return (
        GenerationJob.objects.filter(owner=owner)
        .annotate(piece_count=Count("pieces"))
        .prefetch_related("pieces")
        .order_by("-created_at")
    )


def job_for_owner(*, owner: User, job_id) -> GenerationJob | None:
    """A user sees only their own jobs; anything else looks like it does not exist."""
    return GenerationJob.objects.filter(owner=owner, pk=job_id).first()


def job_pieces(*, job: GenerationJob) -> list[Piece]:
    return list(job.pieces.order_by("index"))


def seconds_per_image(*, engine: str, sample: int = 20) -> float:
    """Mean wall time per image over the engine's recent successful jobs, kept in the cache
    for a few seconds (it was a quarter of a job page poll's render)."""
    key = f"seconds-per-image:{engine}:{sample}"
    value = cache.get(key)
    if value is None:
        value = _seconds_per_image(engine=engine, sample=sample)
        cache.set(key, value, SECONDS_PER_IMAGE_CACHE_SECONDS)
    return value


def _seconds_per_image(*, engine: str, sample: int) -> float:
    recent = (
        GenerationJob.objects.filter(
            engine=engine, status=JobStatus.SUCCEEDED, started_at__isnull=False
        )
        .order_by("-finished_at")
        .values("pk")[:sample]
    )
    stats = GenerationJob.objects.filter(pk__in=recent).aggregate(
        duration=Avg(
            ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        ),
        images=Avg("count"),
    )
    if not stats["duration"] or not stats["images"]:
        return DEFAULT_SECONDS_PER_IMAGE
    return max(stats["duration"].total_seconds() / float(stats["images"]), 0.05)


@dataclass(frozen=True)
class QueueState:
    position: int | None
    images_ahead: int
    eta_seconds: int | None


def _running_eta_seconds(*, per_image: float, count: int, step: int, total: int) -> int:
    remaining = 1 - (step / total if total else 0)
    return round(remaining * per_image * count)


def job_progress_patch(*, per_image: float, count: int, step: int, total: int) -> dict:
    """What a running job's status fragment shows of its progress, as the values a poll
    patches into the page in place (core.watch) instead of rendering it again.
    `per_image`: `seconds_per_image` of the job's engine, read once per report."""
    return {
        "label": progress_label(step=step, total=total),
        "step": step,
        "total": total,
        "percent": percent_done(step=step, total=total),
        "eta_seconds": _running_eta_seconds(
            per_image=per_image, count=count, step=step, total=total
        ),
    }


def job_queue_state(*, job: GenerationJob) -> QueueState:
    """Where a job stands in its engine's fair order (the order workers claim in, see
    `generation.selectors.queue`) and roughly when it will finish."""
    if job.is_finished:
        return QueueState(position=None, images_ahead=0, eta_seconds=None)
    per_image = seconds_per_image(engine=job.engine)
    if job.status == JobStatus.RUNNING:
        eta = _running_eta_seconds(
            per_image=per_image, count=job.count, step=job.progress_step, total=job.progress_total
        )
        return QueueState(position=0, images_ahead=0, eta_seconds=eta)
    jobs_ahead, queued_images = fair_images_ahead(job=job) or (0, 0)
    running = GenerationJob.objects.filter(status=JobStatus.RUNNING, engine=job.engine)
    images_ahead = queued_images + (running.aggregate(images=Sum("count"))["images"] or 0)
    return QueueState(
        position=jobs_ahead + 1,
        images_ahead=images_ahead,
        eta_seconds=round((images_ahead + job.count) * per_image),
    )


def job_prompt_reading(*, job: GenerationJob) -> PromptReading | None:
    """What the job's engine understood of the owner's own words, for the job page and its
    JSON. A style's recipe is the creator's secret, so it is never read out here."""
    return prompt_reading(engine=job.engine, prompt=job.prompt)
