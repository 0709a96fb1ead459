"""Dispute workflow: filing, review, the respondent's turn, messages, decision, appeal, close.

    open → under_review → awaiting_response → (respondent replies) under_review → decided
    decided → appealed → decided (final) ; decided → closed

Every call takes the acting user, locks the dispute row, checks the transition and writes a
DisputeEvent. Filing and decisions append "disputed" entries to the provenance ledger of the
listing's pieces. Remedies live in licensing.services.remedies; evidence in .evidence.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from generation.models import Piece
from licensing.models import (
    ACTIVE_STATUSES,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeMessage,
    DisputeOutcome,
    DisputeStatus,
    LedgerKind,
    LicenceGrant,
    ProvenanceRecord,
)
from licensing.services.notifications import notification_send
from licensing.services.provenance import ledger_append
from marketplace.models import Listing, User

DEFAULT_RESPONSE_DAYS = 7
REMIND_BEFORE = timedelta(days=2)
MIN_STATEMENT = 20


def response_days() -> int:
    return int(getattr(settings, "DISPUTE_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


# --- helpers shared with remedies -----------------------------------------------------------


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
    """The pieces in question: the grant's pieces, else the listing's."""
    if dispute.grant_id:
        return list(dispute.grant.pieces.order_by("pk"))
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
        dispute=dispute,
    )


def _moderators() -> list[User]:
    return list(User.objects.filter(is_moderator=True, is_active=True))


# --- filing ---------------------------------------------------------------------------------


def _target(*, claimant: User, kind: str, listing: Listing | None, grant: LicenceGrant | None):
    if (listing is None) == (grant is None):
        raise ApplicationError("Choose one listing or one licence to dispute.")
    if grant is not None:
        if grant.licensee_id == claimant.pk:
            raise ApplicationError("You cannot file a dispute against your own licence.")
        return grant.listing, grant.licensee, f"grant:{grant.pk}"
    if listing.creator_id == claimant.pk:
        raise ApplicationError("You cannot dispute your own listing.", code="own_listing")
    if kind == DisputeKind.LICENCE_BREACH:
        raise ApplicationError(
            "A licence breach is filed against the licence, from your sales page.", field="kind"
        )
    holds = LicenceGrant.objects.filter(listing=listing, licensee=claimant).exists()
    if not listing.is_public and not holds:
        raise ApplicationError("This listing is not available.", code="not_found")
    if kind == DisputeKind.NON_DELIVERY and not holds:
        raise ApplicationError(
            "Only a buyer of this listing can report a missing or wrong file.", field="kind"
        )
    return listing, listing.creator, f"listing:{listing.pk}"


@transaction.atomic
def dispute_file(
    *,
    claimant: User,
    kind: str,
    statement: str,
    listing: Listing | None = None,
    grant: LicenceGrant | None = None,
) -> Dispute:
    """Anyone signed in files against a listing (its creator responds) or a licence grant
    (its licensee responds). One active dispute per claimant and target."""
    if not getattr(claimant, "is_authenticated", False) or not claimant.is_active:
        raise PermissionDeniedError("Log in to file a dispute.")
    if kind not in DisputeKind.values:
        raise ApplicationError("Choose what kind of problem this is.", field="kind")
    statement = statement.strip()
    if len(statement) < MIN_STATEMENT:
        raise ApplicationError(
            f"Describe the problem in at least {MIN_STATEMENT} characters.", field="statement"
        )
    listing, respondent, target_key = _target(
        claimant=claimant, kind=kind, listing=listing, grant=grant
    )
    duplicate = Dispute.objects.filter(
        claimant=claimant, target_key=target_key, status__in=ACTIVE_STATUSES
    ).first()
    if duplicate is not None:
        raise ApplicationError(
            "You already have an open dispute about this; add to that case instead.",
            code="duplicate",
        )
    dispute = Dispute(
        kind=kind,
        listing=listing,
        grant=grant,
        target_key=target_key,
        claimant=claimant,
        respondent=respondent,
        statement=statement,
    )
    dispute.full_clean(exclude=["target_key"])
    try:
        with transaction.atomic():
            dispute.save(force_insert=True)
    except IntegrityError:  # a double submit raced us past the check
        raise ApplicationError(
            "You already have an open dispute about this; add to that case instead.",
            code="duplicate",
        ) from None
    record_event(dispute, actor=claimant, action="filed", data={"kind": kind})
    ledger_note(dispute, actor=claimant, data={"event": "filed", "kind": kind})
    notify_parties(
        dispute,
        subject=f"Dispute filed: {dispute.get_kind_display()} about “{listing.title}”",
        body="A moderator will review the case; you can follow it and reply on its page.",
        also=_moderators(),
    )
    return dispute


# --- review ---------------------------------------------------------------------------------


def _transition(dispute: Dispute, allowed, target: str, verb: str) -> str:
    if dispute.status not in allowed:
        raise ApplicationError(
            f"A case that is {dispute.get_status_display().lower()} cannot be {verb}.",
            code="invalid_transition",
        )
    previous = dispute.status
    dispute.status = target
    return previous


@transaction.atomic
def dispute_assign(*, dispute: Dispute, actor: User, assignee: User | None = None) -> Dispute:
    """A moderator takes the case (or gives it to another moderator); open → under_review."""
    require_moderator(actor)
    assignee = assignee or actor
    require_moderator(assignee)
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    previous = dispute.status
    if dispute.status == DisputeStatus.OPEN:
        dispute.status = DisputeStatus.UNDER_REVIEW
    dispute.moderator = assignee
    dispute.save(update_fields=["status", "moderator", "updated_at"])
    record_event(
        dispute,
        actor=actor,
        action="assigned",
        from_status=previous,
        data={"moderator": assignee.pk},
    )
    return dispute


@transaction.atomic
def dispute_request_response(
    *, dispute: Dispute, actor: User, days: int | None = None, note: str = ""
) -> Dispute:
    """Ask the respondent to answer within `days` (DISPUTE_RESPONSE_DAYS by default)."""
    require_moderator(actor)
    days = response_days() if days is None else days
    if not 1 <= days <= 60:
        raise ApplicationError("Give the respondent between 1 and 60 days.", field="days")
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    allowed = (DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW, DisputeStatus.APPEALED)
    previous = _transition(dispute, allowed, DisputeStatus.AWAITING_RESPONSE, "sent for a response")
    dispute.respondent_deadline = timezone.now() + timedelta(days=days)
    dispute.reminded_at = None
    dispute.moderator = dispute.moderator or actor
    dispute.save(
        update_fields=["status", "respondent_deadline", "reminded_at", "moderator", "updated_at"]
    )
    record_event(
        dispute, actor=actor, action="response_requested", from_status=previous, note=note.strip()
    )
    notification_send(
        users=[dispute.respondent],
        subject=f"Please respond to a dispute by {dispute.respondent_deadline:%Y-%m-%d}",
        body=note.strip() or "A moderator asks for your side of the case.",
        url=dispute.get_absolute_url(),
        dispute=dispute,
    )
    return dispute


@transaction.atomic
def dispute_message_post(
    *, dispute: Dispute, author: User, body: str, internal: bool = False
) -> DisputeMessage:
    """A message in the case thread. Moderators may post internal notes. A reply from the
    respondent while awaiting their response hands the case back to review."""
    body = body.strip()
    if not body:
        raise ApplicationError("Write a message.", field="body")
    moderator = getattr(author, "is_moderator", False)
    if not (moderator or is_party(dispute, author)):
        raise PermissionDeniedError("Only the parties and moderators can write here.")
    if internal and not moderator:
        raise PermissionDeniedError("Only moderators can write internal notes.")
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    message = DisputeMessage.objects.create(
        dispute=dispute, author=author, body=body, internal=internal
    )
    record_event(
        dispute, actor=author, action="message", data={"message": message.pk}, internal=internal
    )
    if author.pk == dispute.respondent_id and dispute.status == DisputeStatus.AWAITING_RESPONSE:
        dispute.status = DisputeStatus.UNDER_REVIEW
        dispute.save(update_fields=["status", "updated_at"])
        record_event(
            dispute, actor=author, action="responded", from_status=DisputeStatus.AWAITING_RESPONSE
        )
    if not internal:
        others = [
            u
            for u in (dispute.claimant, dispute.respondent, dispute.moderator)
            if u is not None and u.pk != author.pk
        ]
        notification_send(
            users=others,
            subject=f"New message on dispute about “{dispute.listing.title}”",
            body=body[:500],
            url=dispute.get_absolute_url(),
            dispute=dispute,
        )
    return message


# --- decision, appeal, close ----------------------------------------------------------------


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
    previous = _transition(dispute, ACTIVE_STATUSES, DisputeStatus.DECIDED, "decided")
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


@transaction.atomic
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
    previous = _transition(dispute, (DisputeStatus.DECIDED,), DisputeStatus.APPEALED, "appealed")
    dispute.appealed_at = timezone.now()
    dispute.appeal_reason = reason
    dispute.save(update_fields=["status", "appealed_at", "appeal_reason", "updated_at"])
    record_event(dispute, actor=actor, action="appealed", from_status=previous, note=reason)
    notify_parties(dispute, subject="A decision was appealed", body=reason, also=_moderators())
    return dispute


@transaction.atomic
def dispute_close(*, dispute: Dispute, actor: User, note: str = "") -> Dispute:
    """Decided → closed: the case is archived; nothing more can happen on it."""
    require_moderator(actor)
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    previous = _transition(dispute, (DisputeStatus.DECIDED,), DisputeStatus.CLOSED, "closed")
    dispute.closed_at = timezone.now()
    dispute.save(update_fields=["status", "closed_at", "updated_at"])
    record_event(dispute, actor=actor, action="closed", from_status=previous, note=note.strip())
    notify_parties(dispute, subject="Dispute closed", body=note.strip())
    return dispute


@transaction.atomic
def dispute_send_reminders(*, now=None) -> int:
    """Remind respondents whose deadline is near (once per request). Run from beat/cron."""
    now = now or timezone.now()
    due = (
        Dispute.objects.select_for_update(skip_locked=True)
        .filter(
            status=DisputeStatus.AWAITING_RESPONSE,
            reminded_at__isnull=True,
            respondent_deadline__lte=now + REMIND_BEFORE,
        )
        .select_related("respondent", "listing")
    )
    count = 0
    for dispute in due:
        dispute.reminded_at = now
        dispute.save(update_fields=["reminded_at", "updated_at"])
        record_event(dispute, actor=None, action="reminder_sent")
        notification_send(
            users=[dispute.respondent],
            subject=f"Reminder: respond to the dispute by {dispute.respondent_deadline:%Y-%m-%d}",
            body="Without your response the moderator decides on what the case shows.",
            url=dispute.get_absolute_url(),
            dispute=dispute,
        )
        count += 1
    return count
