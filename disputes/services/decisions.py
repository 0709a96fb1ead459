"""Dispute decisions: decide (upheld, rejected, partially upheld), appeal once, close.

The decision appends a "disputed" ledger entry for the case's pieces and notifies the parties;
after an appeal the next decision is final.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from disputes.models import ACTIVE_STATUSES, Dispute, DisputeOutcome, DisputeStatus
from disputes.services.cases import (
    active_moderators,
    dispute_lock,
    is_party,
    ledger_note,
    notify_parties,
    record_event,
    require_moderator,
    require_open_case,
    transition,
)

User = get_user_model()


@transaction.atomic
def dispute_decide(*, dispute: Dispute, actor: User, outcome: str, decision: str) -> Dispute:
    """Upheld, rejected or partially upheld, with reasons the parties read. After an appeal
    this decision is final."""
    require_moderator(actor)
    if outcome not in DisputeOutcome.values:
        raise ApplicationError("Choose an outcome.", field="outcome")
    decision = decision.strip()
    if not decision:
        raise ApplicationError("Explain the decision to the parties.", field="decision")
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    previous = transition(dispute, ACTIVE_STATUSES, DisputeStatus.DECIDED, "decided")
    dispute.outcome = outcome
    dispute.decision = decision
    dispute.decided_at = timezone.now()
    dispute.moderator = dispute.moderator or actor
    dispute.respondent_deadline = None
    dispute.full_clean(exclude=["target_key"])
    dispute.save(
        update_fields=[
            "status",
            "outcome",
            "decision",
            "decided_at",
            "moderator",
            "respondent_deadline",
            "updated_at",
        ]
    )
    record_event(
        dispute,
        actor=actor,
        action="decided",
        from_status=previous,
        note=decision,
        data={"outcome": outcome, "after_appeal": dispute.appealed_at is not None},
    )
    ledger_note(dispute, actor=actor, data={"event": "decided", "outcome": outcome})
    notify_parties(
        dispute,
        subject=f"Dispute decided: {dispute.get_outcome_display()}",
        body=decision,
    )
    return dispute


@transaction.atomic(durable=True)
def dispute_appeal(*, dispute: Dispute, actor: User, reason: str) -> Dispute:
    """Either party may appeal a decision once."""
    if not is_party(dispute, actor):
        raise PermissionDeniedError("Only the parties can appeal.")
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why the decision is wrong.", field="reason")
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    if dispute.status == DisputeStatus.DECIDED and dispute.appealed_at is not None:
        raise ApplicationError("This case was already appealed once; the decision is final.")
    previous = transition(dispute, (DisputeStatus.DECIDED,), DisputeStatus.APPEALED, "appealed")
    dispute.appealed_at = timezone.now()
    dispute.appeal_reason = reason
    dispute.save(update_fields=["status", "appealed_at", "appeal_reason", "updated_at"])
    record_event(dispute, actor=actor, action="appealed", from_status=previous, note=reason)
    notify_parties(
        dispute, subject="A decision was appealed", body=reason, also=active_moderators()
    )
    return dispute


@transaction.atomic
def dispute_close(*, dispute: Dispute, actor: User, note: str = "") -> Dispute:
    """Decided → closed: the case is archived; nothing more can happen on it."""
    require_moderator(actor)
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    previous = transition(dispute, (DisputeStatus.DECIDED,), DisputeStatus.CLOSED, "closed")
    dispute.closed_at = timezone.now()
    dispute.save(update_fields=["status", "closed_at", "updated_at"])
    record_event(dispute, actor=actor, action="closed", from_status=previous, note=note.strip())
    notify_parties(dispute, subject="Dispute closed", body=note.strip())
    return dispute
