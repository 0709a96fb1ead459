"""The GPU allowance per person: concurrent jobs and images per day (settings
GENERATION_MAX_ACTIVE_JOBS, GENERATION_IMAGES_PER_DAY), for every way a job is queued."""

import math

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.errors import QuotaExceededError
from generation.selectors.quotas import quota_usage

User = get_user_model()

# A queued job usually finishes within this; a client may try again then.
ACTIVE_LIMIT_RETRY_SECONDS = 30


def job_check_quotas(*, owner: User, images: int) -> None:
    """Refuse a job that would pass either limit. Call inside the transaction that writes
    the job: the owner's row lock makes concurrent submissions queue here one at a time,
    so two of them cannot both see room for one more (on PostgreSQL, Django refuses the
    lock outside a transaction)."""
    User.objects.select_for_update().filter(pk=owner.pk).first()
    now = timezone.now()
    usage = quota_usage(user_id=owner.pk, now=now)
    if usage.active_jobs >= usage.max_active_jobs:
        raise QuotaExceededError(
            f"You already have {usage.active_jobs} jobs waiting or running; "
            "wait for one to finish or cancel one.",
            retry_after=ACTIVE_LIMIT_RETRY_SECONDS,
        )
    if usage.images_today + images > usage.images_per_day:
        wait = math.ceil((usage.resets_at - now).total_seconds())
        raise QuotaExceededError(
            f"This would make {usage.images_today + images} images today; your daily "
            f"allowance is {usage.images_per_day} ({usage.images_left_today} left). "
            "It starts again at midnight UTC.",
            retry_after=max(1, wait),
            field="count",
        )
