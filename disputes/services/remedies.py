"""Remedies a moderator applies on a case. Each calls the owning domain's service, writes a
DisputeEvent, records piece-level remedies in the provenance ledger ("disputed" with the
remedy, "revoked" through the grant service, "transferred" when the records name a new
rights holder) and notifies the parties in-app and by email.

Refunds call payments' `refund_issue` (the payment provider first, then its own atomic
record, which revokes the grant as refunded); that one call crosses from licensing into
payments, at the remedy boundary only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.services.notifications import notification_send
from disputes.models import (
    DecisionGround,
    Dispute,
    DisputeKind,
    DisputeOutcome,
    RestrictionKind,
    StatementOfReasons,
)
from disputes.notification_kinds import DISPUTES
from disputes.services.cases import (
    dispute_lock,
    dispute_pieces,
    ledger_note,
    notify_parties,
    record_event,
    require_moderator,
    require_open_case,
)
from disputes.services.decisions import dispute_close, dispute_decide
from disputes.services.misuse import misuse_check_user
from disputes.services.statements import Reasons, statement_issue
from licensing.models import GrantStatus, LicenceGrant
from licensing.services.grants import licence_grant_revoke
from marketplace.models import AccountEvent, Listing
from marketplace.services.suspensions import listing_suspend, listing_unsuspend
from payments.models import OrderLine
from payments.services.refunds import REFUNDABLE, refund_issue
from provenance.models import LedgerKind, ProvenanceRecord
from provenance.services.ledger import ledger_append

User = get_user_model()


def _start(dispute: Dispute, actor: User) -> Dispute:
    require_moderator(actor)
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    return dispute


def _require_listing(dispute: Dispute) -> None:
    if not dispute.listing_id:
        raise ApplicationError(
            "This case is about a commission, not a listing; there is no listing to suspend.",
            code="nothing_to_do",
        )


def _reason(dispute: Dispute, note: str) -> str:
    return note.strip() or f"Dispute {dispute.pk}: {dispute.get_kind_display()}"


def _dispute_reasons(dispute: Dispute, note: str) -> Reasons:
    """A remedy's statement of reasons: an infringement claim rests on copyright law, the
    other kinds on our terms; a moderator detected and decided it."""
    if dispute.kind == DisputeKind.INFRINGEMENT:
        ground, detail = DecisionGround.LAW, "Copyright law: an infringement claim"
    else:
        ground, detail = DecisionGround.TERMS, f"Terms of service: {dispute.get_kind_display()}"
    return Reasons(
        facts=_reason(dispute, note),
        ground=ground,
        ground_detail=detail,
        about={"dispute": dispute},
    )


@transaction.atomic(durable=True)
def remedy_listing_suspend(*, dispute: Dispute, actor: User, note: str = "") -> Listing:
    """Suspend the listing (also the interim measure while an infringement is reviewed)."""
    dispute = _start(dispute, actor)
    _require_listing(dispute)
    listing = listing_suspend(listing=dispute.listing, actor=actor, reason=_reason(dispute, note))
    interim = dispute.status != "decided"
    statement_issue(
        user=listing.creator,
        kind=RestrictionKind.LISTING_SUSPENDED,
        restricted=f"Listing “{listing.title}”" + (" (pending review)" if interim else ""),
        reasons=_dispute_reasons(dispute, note),
        decided_by=actor,
        listing=listing,
        data={"interim": interim},
    )
    if not interim:  # a suspension pending review is no finding against the creator yet
        misuse_check_user(user=listing.creator)
    record_event(
        dispute,
        actor=actor,
        action="listing_suspended",
        note=note.strip(),
        data={"listing": str(listing.pk), "interim": interim},
    )
    ledger_note(dispute, actor=actor, data={"remedy": "listing_suspended", "interim": interim})
    notify_parties(
        dispute,
        subject=f"Listing “{listing.title}” suspended" + (" pending review" if interim else ""),
        body=note.strip(),
    )
    return listing


@transaction.atomic(durable=True)
def remedy_listing_unsuspend(*, dispute: Dispute, actor: User, note: str = "") -> Listing:
    dispute = _start(dispute, actor)
    _require_listing(dispute)
    listing = listing_unsuspend(listing=dispute.listing, actor=actor, reason=_reason(dispute, note))
    StatementOfReasons.objects.filter(
        listing=listing, kind=RestrictionKind.LISTING_SUSPENDED, reversed_at__isnull=True
    ).update(reversed_at=timezone.now())
    record_event(
        dispute, actor=actor, action="listing_reinstated", data={"listing": str(listing.pk)}
    )
    ledger_note(dispute, actor=actor, data={"remedy": "listing_reinstated"})
    notify_parties(dispute, subject=f"Listing “{listing.title}” reinstated", body=note.strip())
    return listing


def _grants(dispute: Dispute) -> list[LicenceGrant]:
    if dispute.grant_id:
        return [dispute.grant]
    if dispute.commission_id:
        line_id = dispute.commission.order_line_id
        return list(LicenceGrant.objects.filter(order_line_id=line_id).exclude(order_line=None))
    return list(LicenceGrant.objects.filter(listing=dispute.listing).order_by("issued_at"))


@transaction.atomic(durable=True)
def remedy_grants_revoke(*, dispute: Dispute, actor: User, note: str = "") -> list[LicenceGrant]:
    """Revoke the disputed licence, or every active licence of the disputed listing."""
    dispute = _start(dispute, actor)
    revoked = []
    for grant in _grants(dispute):
        if grant.status == GrantStatus.ACTIVE:
            revoked.append(
                licence_grant_revoke(grant=grant, reason=_reason(dispute, note), actor=actor)
            )
    if not revoked:
        raise ApplicationError("There is no active licence to revoke.", code="nothing_to_do")
    record_event(
        dispute,
        actor=actor,
        action="licences_revoked",
        note=note.strip(),
        data={"grants": [str(g.pk) for g in revoked]},
    )
    notify_parties(
        dispute,
        subject=f"{len(revoked)} licence(s) revoked",
        body=note.strip(),
        also=[g.licensee for g in revoked],
    )
    return revoked


def remedy_refund(*, dispute: Dispute, actor: User, note: str = "") -> list:
    """Refund every paid, unrefunded order line behind the disputed licence(s) or
    commission; each refund also marks its grant refunded (which writes "revoked" to the
    ledger). A line already refunded is skipped, so money never moves twice."""
    require_moderator(actor)
    require_open_case(Dispute.objects.get(pk=dispute.pk))
    lines = OrderLine.objects.filter(
        refunded_at__isnull=True, order__status__in=REFUNDABLE
    ).select_related("order__buyer")
    if dispute.grant_id:
        lines = lines.filter(licence_grant=dispute.grant_id)
    elif dispute.commission_id:
        # The escrowed line: before acceptance nothing was transferred, so the refund only
        # returns the charge; after, refund_issue also reverses the creator's transfer. The
        # refund ends the commission (no auto-accept, no payout later).
        lines = lines.filter(pk=dispute.commission.order_line_id)
    else:
        lines = lines.filter(listing=dispute.listing_id)
    lines = list(lines.order_by("pk"))
    if not lines:
        raise ApplicationError("There is no paid purchase to refund.", code="nothing_to_do")
    refunded = [
        refund_issue(line=line, reason=_reason(dispute, note), actor=actor) for line in lines
    ]
    with transaction.atomic():
        dispute = dispute_lock(dispute)
        record_event(
            dispute,
            actor=actor,
            action="refunded",
            note=note.strip(),
            data={"order_lines": [line.pk for line in refunded]},
        )
        notify_parties(
            dispute,
            subject=f"{len(refunded)} purchase(s) refunded",
            body=note.strip(),
            also=[line.order.buyer for line in lines],
        )
    return refunded


@transaction.atomic(durable=True)
def remedy_rights_transfer(*, dispute: Dispute, actor: User, note: str = "") -> list:
    """An upheld infringement claim: the claimant becomes the rights holder of the pieces'
    provenance records, and a "transferred" entry goes into the ledger for each."""
    dispute = _start(dispute, actor)
    if dispute.kind != DisputeKind.INFRINGEMENT:
        raise ApplicationError("A record's rights holder changes only on an infringement claim.")
    if dispute.outcome not in (DisputeOutcome.UPHELD, DisputeOutcome.PARTIALLY_UPHELD):
        raise ApplicationError("Uphold the claim before naming the claimant as rights holder.")
    records = list(
        ProvenanceRecord.objects.select_for_update()
        .filter(piece__in=[p.pk for p in dispute_pieces(dispute)])
        .select_related("piece")
    )
    moved = []
    for record in records:
        current = record.rights_holder_id or record.creator_id
        if current == dispute.claimant_id:
            continue
        ledger_append(
            piece=record.piece,
            kind=LedgerKind.TRANSFERRED,
            actor=actor,
            data={"dispute": str(dispute.pk), "from": current, "to": dispute.claimant_id},
        )
        record.rights_holder = dispute.claimant
        record.save(update_fields=["rights_holder"])
        moved.append(record)
    if not moved:
        raise ApplicationError("The claimant already holds these records.", code="nothing_to_do")
    record_event(
        dispute,
        actor=actor,
        action="ownership_transferred",
        note=note.strip(),
        data={"pieces": [str(r.piece_id) for r in moved], "to": dispute.claimant_id},
    )
    notify_parties(dispute, subject="The records now name the claimant as rights holder", body=note)
    return moved


def _party(dispute: Dispute, user_id) -> User:
    if str(user_id) not in (str(dispute.claimant_id), str(dispute.respondent_id)):
        raise ApplicationError("Choose one of the parties.", field="user")
    return dispute.claimant if str(user_id) == str(dispute.claimant_id) else dispute.respondent


@transaction.atomic(durable=True)
def remedy_user_warn(*, dispute: Dispute, actor: User, user_id, note: str) -> AccountEvent:
    dispute = _start(dispute, actor)
    user = _party(dispute, user_id)
    if not note.strip():
        raise ApplicationError("Write the warning the user will read.", field="note")
    event = AccountEvent.objects.create(
        user=user, kind="warned", actor=actor, data={"dispute": str(dispute.pk), "note": note}
    )
    record_event(dispute, actor=actor, action="user_warned", note=note, data={"user": user.pk})
    statement_issue(
        user=user,
        kind=RestrictionKind.ACCOUNT_WARNED,
        restricted=f"Account of {user.public_name}",
        reasons=_dispute_reasons(dispute, note),
        decided_by=actor,
    )
    notification_send(
        users=[user],
        subject="A moderator warned you",
        body=note.strip(),
        url=dispute.get_absolute_url(),
        ref=f"dispute:{dispute.pk}",
        kind=DISPUTES,
    )
    return event


@transaction.atomic(durable=True)
def remedy_user_suspend(*, dispute: Dispute, actor: User, user_id, note: str) -> User:
    """Deactivate a party's account (they can no longer log in); an AccountEvent says why."""
    dispute = _start(dispute, actor)
    user = _party(dispute, user_id)
    if user.is_moderator or user.pk == actor.pk:
        raise PermissionDeniedError("Moderators are not suspended from a case.")
    if not note.strip():
        raise ApplicationError("Say why the account is suspended.", field="note")
    if user.is_active:
        notification_send(
            users=[user],
            subject="Your account was suspended",
            body=note.strip(),
            url=dispute.get_absolute_url(),
            ref=f"dispute:{dispute.pk}",
            kind=DISPUTES,
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
    AccountEvent.objects.create(
        user=user, kind="suspended", actor=actor, data={"dispute": str(dispute.pk), "note": note}
    )
    record_event(dispute, actor=actor, action="user_suspended", note=note, data={"user": user.pk})
    statement_issue(
        user=user,
        kind=RestrictionKind.ACCOUNT_SUSPENDED,
        restricted=f"Account of {user.public_name}",
        reasons=_dispute_reasons(dispute, note),
        decided_by=actor,
    )
    return user


@transaction.atomic(durable=True)
def remedy_dismiss(*, dispute: Dispute, actor: User, note: str) -> Dispute:
    """Reject the claim and close the case in one step (nothing else changes)."""
    dispute = dispute_decide(
        dispute=dispute, actor=actor, outcome=DisputeOutcome.REJECTED, decision=note
    )
    return dispute_close(dispute=dispute, actor=actor, note="Dismissed.")
