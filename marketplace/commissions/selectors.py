"""Reads for commission pages (participants only)."""

from django.db.models import Q, QuerySet, Sum

from marketplace.commissions.models import Commission, CommissionStatus
from marketplace.models import User


def commissions_for_user(*, user: User) -> QuerySet[Commission]:
    """The buyer's and the creator's commissions together, newest first."""
    return (
        Commission.objects.filter(Q(buyer=user) | Q(creator=user))
        .select_related("buyer", "creator", "style_version__style", "order_line")
        .order_by("-created_at")
    )


def commission_for_participant(*, user: User, commission_id) -> Commission | None:
    return (
        Commission.objects.filter(Q(buyer=user) | Q(creator=user), pk=commission_id)
        .select_related("buyer", "creator", "style_version__style", "order_line", "job")
        .prefetch_related("events", "references", "delivered_pieces")
        .first()
    )


def earnings_per_style(*, creator: User) -> list[dict]:
    """Creator dashboard: completed instant commissions' creator share, per style."""
    return list(
        Commission.objects.filter(creator=creator, status=CommissionStatus.COMPLETED)
        .exclude(style_version=None)
        .values("style_version__style__title")
        .annotate(earned=Sum("order_line__creator_amount"))
        .order_by("style_version__style__title")
    )
