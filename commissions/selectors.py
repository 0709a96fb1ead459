"""Reads for commission pages (participants only; moderators see a disputed brief's
reference images)."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum

from commissions.hooks import held_commissions_q
from commissions.models import (
    Commission,
    CommissionReference,
    CommissionStatus,
)
from payments.selectors import EARNING_STATUSES

User = get_user_model()

OPEN_STATUSES = (
    CommissionStatus.REQUESTED,
    CommissionStatus.QUOTED,
    CommissionStatus.AWAITING_PAYMENT,
    CommissionStatus.IN_PROGRESS,
    CommissionStatus.DELIVERED,
    CommissionStatus.REVISION_REQUESTED,
)


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


def commission_reference_for_viewer(
    *, user: User, commission_id, reference_id
) -> CommissionReference | None:
    """A brief's reference image, for its buyer or creator, or for a moderator while an
    active or decided dispute links that commission; None for anyone else."""
    allowed = Q(commission__buyer=user) | Q(commission__creator=user)
    if getattr(user, "is_moderator", False):
        # while a dispute about it is handled (active, or decided and still appealable)
        allowed |= held_commissions_q(field="commission_id", include_decided=True)
    return CommissionReference.objects.filter(
        allowed, pk=reference_id, commission_id=commission_id
    ).first()


def commission_for_buyer(*, buyer: User, commission_id) -> Commission | None:
    return (
        Commission.objects.filter(buyer=buyer, pk=commission_id).select_related("creator").first()
    )


def commissions_in_progress(*, creator: User, limit: int = 20) -> list[Commission]:
    """Creator dashboard: commissions still open, the ones waiting longest first."""
    return list(
        Commission.objects.filter(creator=creator, status__in=OPEN_STATUSES)
        .select_related("buyer", "style_version__style", "order_line")
        .order_by("created_at")[:limit]
    )


def earnings_per_style(*, creator: User) -> list[dict]:
    """Creator dashboard, one query: per style (briefs together as `style_id` None) and
    currency, the creator's share of paid, unrefunded commissions, split into earned
    (delivered and accepted: released) and held in escrow (paid, not yet delivered)."""
    paid = Q(order_line__order__status__in=EARNING_STATUSES, order_line__refunded_at__isnull=True)
    done = Q(status=CommissionStatus.COMPLETED)
    return list(
        Commission.objects.filter(paid, creator=creator)
        .values("style_version__style_id", "style_version__style__title", "currency")
        .annotate(
            completed=Count("pk", filter=done),
            earned=Sum("order_line__creator_amount", filter=done, default=0),
            held=Sum("order_line__creator_amount", filter=~done, default=0),
        )
        .order_by("style_version__style__title", "currency")
    )
