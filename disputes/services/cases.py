"""Helpers every dispute service shares: the row lock, role checks, the event row, the
pieces in question, ledger notes and notifying the parties."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model

from core.errors import ApplicationError, PermissionDeniedError
from core.services.notifications import notification_send
from disputes.models import Dispute, DisputeEvent, DisputeStatus
from disputes.notification_kinds import DISPUTES
from generation.models import Piece
from provenance.models import LedgerKind, ProvenanceRecord
from provenance.services.ledger import ledger_append

User = get_user_model()

DEFAULT_RESPONSE_DAYS = 7
REMIND_BEFORE = timedelta(days=2)
MIN_STATEMENT = 20


def response_days() -> int:
    return int(getattr(settings, "DISPUTE_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def dispute_lock(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


def is_party(dispute: Dispute, user) -> bool:
    return getattr(user, "pk", None) in (dispute.claimant_id, dispute.respondent_id)


def require_moderator(user) -> None:
    if not getattr(user, "is_moderator", False):
        raise PermissionDeniedError("Only moderators can do that.")


def require_open_case(dispute: Dispute) -> None:
    if dispute.status == DisputeStatus.CLOSED:
        raise ApplicationError(
            "This case is closed; nothing more can be done on it.", code="closed"
        )


def record_event(
    dispute: Dispute,
    *,
    actor,
    action: str,
    from_status: str = "",
    note: str = "",
    data: dict | None = None,
    internal: bool = False,
) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=dispute.status,
        note=note,
        data=data or {},
        internal=internal,
    )


def dispute_pieces(dispute: Dispute) -> list[Piece]:
    """The pieces in question: the grant's pieces, a commission's delivery, else the
    listing's."""
    if dispute.grant_id:
        return list(dispute.grant.pieces.order_by("pk"))
    if dispute.commission_id:
        return list(dispute.commission.delivered_pieces.order_by("created_at", "pk"))
    return list(
        Piece.objects.filter(listing_piece__listing_id=dispute.listing_id).order_by(
            "listing_piece__position"
        )
    )


def ledger_note(dispute: Dispute, *, actor, kind: str = LedgerKind.DISPUTED, data: dict) -> int:
    """Append `kind` for every piece of the dispute that has a provenance record."""
    with_record = set(
        ProvenanceRecord.objects.filter(
            piece__in=[p.pk for p in dispute_pieces(dispute)]
        ).values_list("piece_id", flat=True)
    )
    count = 0
    for piece in dispute_pieces(dispute):
        if piece.pk in with_record:
            ledger_append(
                piece=piece, kind=kind, actor=actor, data={"dispute": str(dispute.pk), **data}
            )
            count += 1
    return count


def notify_parties(dispute: Dispute, *, subject: str, body: str = "", also=()) -> None:
    notification_send(
        users=[dispute.claimant, dispute.respondent, dispute.moderator, *also],
        subject=subject,
        body=body,
        url=dispute.get_absolute_url(),
        ref=f"dispute:{dispute.pk}",
        kind=DISPUTES,
    )


def active_moderators() -> list[User]:
    return list(User.objects.filter(is_moderator=True, is_active=True))


def transition(dispute: Dispute, allowed, target: str, verb: str) -> str:
    if dispute.status not in allowed:
        raise ApplicationError(
            f"A case that is {dispute.get_status_display().lower()} cannot be {verb}.",
            code="invalid_transition",
        )
    previous = dispute.status
    dispute.status = target
    return previous
