"""Reads for prompt reviews: a user's own reviews, the moderators' queue, one review."""

from django.db.models import QuerySet

from generation.models import PromptReview, PromptReviewStatus


def _base() -> QuerySet[PromptReview]:
    return PromptReview.objects.select_related("user", "decided_by")


def prompt_reviews_for_user(*, user) -> QuerySet[PromptReview]:
    return _base().filter(user=user).order_by("-created_at", "-id")


def prompt_review_for_owner(*, user, review_id) -> PromptReview | None:
    """The review if `user` wrote the prompt, else None (the view answers 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _base().filter(pk=review_id, user=user).first()


def prompt_review_for_moderator(*, user, review_id) -> PromptReview | None:
    if not getattr(user, "is_moderator", False):
        return None
    return _base().filter(pk=review_id).first()


def prompt_review_queue(
    *, status: str = PromptReviewStatus.APPEALED, category: str = ""
) -> QuerySet[PromptReview]:
    """Oldest first. `status` is one status, "open" (rejected or appealed) or "all"."""
    rows = _base()
    if status == "open":
        rows = rows.filter(status__in=[PromptReviewStatus.REJECTED, PromptReviewStatus.APPEALED])
    elif status in PromptReviewStatus.values:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("created_at", "id")


def prompt_appeals_waiting_count() -> int:
    return PromptReview.objects.filter(status=PromptReviewStatus.APPEALED).count()
