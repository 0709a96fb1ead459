"""Who renders next: the one fair order of an engine's queue, used to claim and to show.

Order = priority (higher first), then the fair rank, then creation time. A job's fair rank
is the number of images its owner had queued ahead of it (same engine and priority) when
it was queued: the owner's earlier jobs still waiting plus those started since. Owners so
take turns image by image (deficit round robin by images): one person's 80 images cannot
hold up someone else's single image for longer than one batch. Counting the ones started
since keeps the turns across batches: the heavy owner's next job does not drop back to
rank 0, and win every tie by age, each time the job before it leaves the queue.
"""

from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, RowRange, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce

from generation.models import GenerationJob, JobStatus

FAIR_ORDER = ("-priority", "fair_rank", "created_at", "pk")


def fair_queue(*, engine: str) -> QuerySet[GenerationJob]:
    """The engine's queued jobs in the order workers claim them, annotated with `fair_rank`.

    The rank needs a window function, so the queryset cannot be locked (PostgreSQL refuses
    FOR UPDATE with window functions): read the order here, then lock chosen rows by pk.
    """
    owner_queued_so_far = Window(
        Sum("count"),
        partition_by=[F("owner_id"), F("priority")],
        order_by=[F("created_at").asc(), F("pk").asc()],
        frame=RowRange(start=None, end=0),
    )
    started_since_queued = (
        GenerationJob.objects.filter(
            owner=OuterRef("owner"),
            engine=engine,
            priority=OuterRef("priority"),
            started_at__gte=OuterRef("created_at"),
            created_at__lt=OuterRef("created_at"),
        )
        .exclude(status=JobStatus.QUEUED)  # a re-queued job counts once, as queued
        .order_by()
        .values("owner")
        .annotate(images=Sum("count"))
        .values("images")
    )
    return (
        GenerationJob.objects.filter(status=JobStatus.QUEUED, engine=engine)
        .annotate(
            fair_rank=owner_queued_so_far
            - F("count")
            + Coalesce(Subquery(started_since_queued), Value(0))
        )
        .order_by(*FAIR_ORDER)
    )


# Jobs that agree on these (and the engine) can share a batch: an edit batches only with
# edits of the same kind, strength and upscale factor.
BATCH_SHAPE = (
    "width",
    "height",
    "steps",
    "adapter_key",
    "edit_kind",
    "strength",
    "upscale_factor",
)


def batch_shape(job: GenerationJob) -> tuple:
    return tuple(getattr(job, name) for name in BATCH_SHAPE)


@dataclass(frozen=True)
class QueuedJob:
    """What a worker needs to choose a batch from the fair order, without the row."""

    pk: object
    count: int
    shape: tuple  # the job's BATCH_SHAPE values


def fair_candidates(*, engine: str) -> list[QueuedJob]:
    """The engine's queue in fair order, as light tuples (queues are bounded by the per-user
    active-job limit, so reading all of it is cheap)."""
    rows = fair_queue(engine=engine).values_list("pk", "count", *BATCH_SHAPE)
    return [QueuedJob(pk, count, tuple(shape)) for pk, count, *shape in rows]


def fair_images_ahead(*, job: GenerationJob) -> tuple[int, int] | None:
    """(jobs ahead, images ahead) of a queued job in its engine's fair order; None when the
    job is no longer queued."""
    images_ahead = 0
    rows = fair_queue(engine=job.engine).values_list("pk", "count")
    for jobs_ahead, (pk, count) in enumerate(rows):
        if pk == job.pk:
            return jobs_ahead, images_ahead
        images_ahead += count
    return None
