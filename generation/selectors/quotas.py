"""How much of their GPU allowance a person has used: shown on the profile page and checked
before every job is queued (generation/services/quotas.py)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from generation.models import GenerationJob, JobStatus


@dataclass(frozen=True)
class QuotaUsage:
    active_jobs: int
    max_active_jobs: int
    images_today: int
    images_per_day: int
    resets_at: dt.datetime  # the next midnight UTC, when the daily count starts again

    @property
    def images_left_today(self) -> int:
        return max(0, self.images_per_day - self.images_today)


def _day_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def quota_usage(*, user_id: int, now: dt.datetime | None = None) -> QuotaUsage:
    """Images count from the moment a job is queued; a job that failed, or was cancelled
    before a worker started it, used no GPU and gives its images back."""
    now = now or timezone.now()
    day_start = _day_start(now)
    jobs = GenerationJob.objects.filter(owner_id=user_id)
    active = jobs.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).count()
    unused = Q(status=JobStatus.FAILED) | Q(status=JobStatus.CANCELLED, started_at__isnull=True)
    images = (
        jobs.filter(created_at__gte=day_start).exclude(unused).aggregate(n=Sum("count"))["n"] or 0
    )
    return QuotaUsage(
        active_jobs=active,
        max_active_jobs=settings.GENERATION_MAX_ACTIVE_JOBS,
        images_today=images,
        images_per_day=settings.GENERATION_IMAGES_PER_DAY,
        resets_at=day_start + dt.timedelta(days=1),
    )
