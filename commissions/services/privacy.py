"""A user's commissions in their data export and account deletion (through marketplace's
privacy hooks). Deletion keeps every commission, order and event (they name the user only by
id); it is refused while a commission is mid-payment or mid-work, and a brief nobody has paid
for yet (sent or quoted) is cancelled instead. The buyer's reference images go, except those a
moderator still needs as evidence."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from commissions.hooks import held_commissions_q
from commissions.models import Commission, CommissionReference, CommissionStatus
from commissions.services.status import commission_lock, commission_set_status
from core.errors import ApplicationError

# Money may move or is held, or work is owed: the account cannot close until these end.
BLOCKING_STATUSES = (
    CommissionStatus.AWAITING_PAYMENT,
    CommissionStatus.IN_PROGRESS,
    CommissionStatus.DELIVERED,
    CommissionStatus.REVISION_REQUESTED,
)
# Nothing paid yet: closing the account withdraws them (the other party is notified).
CANCELLED_ON_DELETE = (CommissionStatus.REQUESTED, CommissionStatus.QUOTED)


def reference_arcname(reference: CommissionReference) -> str:
    return f"files/commission-references/{reference.commission_id}/{reference.pk}.png"


def commissions_export_data(*, user) -> list[dict[str, Any]]:
    """Every commission the user ordered or received, with its history (oldest first).
    Reference images are listed by the path of their file in the zip for the buyer only
    (they are the buyer's uploads); the creator sees how many there were."""
    commissions = (
        Commission.objects.filter(Q(buyer=user) | Q(creator=user))
        .select_related("style_version", "order_line__order")
        .prefetch_related("events", "references", "delivered_pieces")
        .order_by("created_at", "pk")
    )
    rows = []
    for commission in commissions:
        is_buyer = commission.buyer_id == user.pk
        version = commission.style_version
        line = commission.order_line
        references = list(commission.references.all())
        rows.append(
            {
                "id": commission.pk,
                "role": "buyer" if is_buyer else "creator",
                "kind": commission.kind,
                "status": commission.status,
                "buyer_id": commission.buyer_id,
                "creator_id": commission.creator_id,
                "style_id": version.style_id if version else None,
                "style_version_id": version.pk if version else None,
                "style_version_number": version.number if version else None,
                "prompt": commission.prompt,
                "negative_prompt": commission.negative_prompt,
                "count": commission.count,
                "brief": commission.brief,
                "deadline": commission.deadline,
                "currency": commission.currency,
                "budget_amount": commission.budget_amount,
                "quote_amount": commission.quote_amount,
                "price_amount": line.amount if line else None,
                "creator_amount": line.creator_amount if line else None,
                "order_id": line.order_id if line else None,
                "order_status": line.order.status if line else None,
                "tier_code": commission.tier_code,
                "revisions_used": commission.revisions_used,
                "max_revisions": commission.max_revisions,
                "review_deadline": commission.review_deadline,
                "delivered_piece_ids": sorted(str(p.pk) for p in commission.delivered_pieces.all()),
                "references": (
                    [reference_arcname(r) for r in references] if is_buyer else len(references)
                ),
                "created_at": commission.created_at,
                "updated_at": commission.updated_at,
                "events": [
                    {
                        "from_status": event.from_status,
                        "to_status": event.to_status,
                        "source": event.source,
                        "message": event.message,
                        "by_you": event.actor_id == user.pk,
                        "created_at": event.created_at,
                    }
                    for event in commission.events.all()
                ],
            }
        )
    return rows


def buyer_references(*, user) -> list[CommissionReference]:
    """The reference images the user uploaded with their briefs (the zip's files)."""
    return list(
        CommissionReference.objects.filter(commission__buyer=user).order_by(
            "commission__created_at", "pk"
        )
    )


def account_delete_check(*, user) -> None:
    """Refuse to close an account that still owes work or holds money in a commission."""
    open_count = Commission.objects.filter(
        Q(buyer=user) | Q(creator=user), status__in=BLOCKING_STATUSES
    ).count()
    if open_count:
        plural = "commission" if open_count == 1 else "commissions"
        raise ApplicationError(
            f"You have {open_count} {plural} awaiting payment, in progress or delivered. "
            "Finish them before closing your account, so that nobody loses money or work.",
            code="open_commissions",
        )


def account_delete_commissions_close(*, user) -> int:
    """Cancel the user's briefs nobody has paid for yet (sent or quoted), with a history row
    each; the caller's transaction holds the user lock. Returns how many were cancelled."""
    cancelled = 0
    for commission in Commission.objects.filter(
        Q(buyer=user) | Q(creator=user), status__in=CANCELLED_ON_DELETE
    ).order_by("pk"):
        commission = commission_lock(commission)
        if commission.status not in CANCELLED_ON_DELETE:
            continue
        role = "buyer" if commission.buyer_id == user.pk else "creator"
        commission_set_status(
            commission=commission,
            status=CommissionStatus.CANCELLED,
            source="user",
            actor=user,
            message=f"Cancelled: the {role} closed their account.",
        )
        cancelled += 1
    return cancelled


def account_delete_references(*, user) -> int:
    """Remove the brief reference images the user uploaded, like the avatar: they are
    personal uploads, not financial records. Those of a commission a moderator is still
    handling (an active or decided dispute) stay as evidence. Returns how many went."""
    references = CommissionReference.objects.filter(commission__buyer=user).exclude(
        held_commissions_q(field="commission_id", include_decided=True)
    )
    removed = 0
    for reference in references:
        reference.image.delete(save=False)
        reference.delete()
        removed += 1
    return removed
