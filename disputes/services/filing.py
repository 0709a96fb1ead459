"""Dispute workflow: filing, review, the respondent's turn, messages and reminders.

    open → under_review → awaiting_response → (respondent replies) under_review → decided
    decided → appealed → decided (final) ; decided → closed

Every call takes the acting user, locks the dispute row, checks the transition and writes a
DisputeEvent. Filing appends a "disputed" entry to the provenance ledger of the listing's
pieces. Shared helpers live in .dispute_common, decisions/appeals/closing in
.dispute_decisions, remedies in .remedies, evidence in .evidence.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from commissions.models import Commission, CommissionKind
from core.errors import ApplicationError, PermissionDeniedError
from core.services.notifications import notification_send
from disputes.models import ACTIVE_STATUSES, Dispute, DisputeKind, DisputeMessage, DisputeStatus
from disputes.notification_kinds import DISPUTES
from disputes.services.cases import (
    MIN_STATEMENT,
    REMIND_BEFORE,
    active_moderators,
    dispute_lock,
    is_party,
    ledger_note,
    notify_parties,
    record_event,
    require_moderator,
    require_open_case,
    response_days,
    transition,
)
from licensing.models import LicenceGrant
from marketplace.models import Listing

User = get_user_model()

# --- filing ---------------------------------------------------------------------------------


def _commission_target(*, claimant: User, kind: str, commission: Commission):
    """A brief's buyer disputes its delivery (or its absence past the deadline)."""
    if commission.buyer_id != claimant.pk:
        raise PermissionDeniedError("Only the buyer can dispute this commission.")
    if commission.kind != CommissionKind.BRIEF:
        raise ApplicationError(
            "An instant commission is refunded automatically if it fails; "
            "dispute a brief's delivery instead."
        )
    if kind != DisputeKind.NON_DELIVERY:
        raise ApplicationError(
            "A commission is disputed for non-delivery or a wrong file.", field="kind"
        )
    if not commission.delivery_disputable():
        raise ApplicationError(
            "You can dispute a commission once it is delivered, or when its deadline "
            f"has passed without delivery; this one is {commission.get_status_display().lower()}.",
            code="wrong_state",
        )
    return None, commission.creator, f"commission:{commission.pk}"


def _target(
    *,
    claimant: User,
    kind: str,
    listing: Listing | None,
    grant: LicenceGrant | None,
    commission: Commission | None = None,
):
    if sum(target is not None for target in (listing, grant, commission)) != 1:
        raise ApplicationError("Choose one listing, licence or commission to dispute.")
    if commission is not None:
        return _commission_target(claimant=claimant, kind=kind, commission=commission)
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


@transaction.atomic(durable=True)
def dispute_file(
    *,
    claimant: User,
    kind: str,
    statement: str,
    listing: Listing | None = None,
    grant: LicenceGrant | None = None,
    commission: Commission | None = None,
) -> Dispute:
    """Anyone signed in files against a listing (its creator responds) or a licence grant
    (its licensee responds); a brief's buyer against its delivery (the creator responds,
    and the delivery is not auto-accepted while the case is active). One active dispute
    per claimant and target."""
    if not getattr(claimant, "is_authenticated", False) or not claimant.is_active:
        raise PermissionDeniedError("Log in to file a dispute.")
    if kind not in DisputeKind.values:
        raise ApplicationError("Choose what kind of problem this is.", field="kind")
    statement = statement.strip()
    if len(statement) < MIN_STATEMENT:
        raise ApplicationError(
            f"Describe the problem in at least {MIN_STATEMENT} characters.", field="statement"
        )
    if commission is not None:  # lock: the dispute races auto-accept and the buyer's accept
        commission = Commission.objects.select_for_update().get(pk=commission.pk)
    listing, respondent, target_key = _target(
        claimant=claimant, kind=kind, listing=listing, grant=grant, commission=commission
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
        commission=commission,
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
        subject=f"Dispute filed: {dispute.get_kind_display()} about {dispute.about}",
        body="A moderator will review the case; you can follow it and reply on its page.",
        also=active_moderators(),
    )
    return dispute


# --- review ---------------------------------------------------------------------------------


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
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
    previous = transition(dispute, allowed, DisputeStatus.AWAITING_RESPONSE, "sent for a response")
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
        ref=f"dispute:{dispute.pk}",
        kind=DISPUTES,
    )
    return dispute


@transaction.atomic(durable=True)
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
            subject=f"New message on dispute about {dispute.about}",
            body=body[:500],
            url=dispute.get_absolute_url(),
            ref=f"dispute:{dispute.pk}",
            kind=DISPUTES,
        )
    return message


# --- reminders ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def dispute_send_reminders(*, now=None) -> int:
    """Remind respondents whose deadline is near (once per request). Run from beat/cron."""
    now = now or timezone.now()
    due = (
        Dispute.objects.select_for_update(skip_locked=True, of=("self",))  # listing may be null
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
            ref=f"dispute:{dispute.pk}",
            kind=DISPUTES,
        )
        count += 1
    return count
