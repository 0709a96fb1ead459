"""Internal complaints (DSA Art. 20): the affected person against a restriction, the reporter
against "no action". One complaint per decision, within COMPLAINT_WINDOW_DAYS, decided by
a moderator other than the original decider whenever another active one exists."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.services.notifications import notification_send
from disputes.models import (
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Notice,
    NoticeEvent,
    NoticeStatus,
    StatementOfReasons,
)
from disputes.notification_kinds import MODERATION_DECISIONS
from disputes.services.restrictions import restriction_reverse
from disputes.services.statements import tell
from disputes.services.tokens import complaint_read

User = get_user_model()

MIN_REASON = 10
UPHOLD, REJECT = "upheld", "rejected"


def _record(complaint: Complaint, *, from_status: str, actor, note: str = "") -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        from_status=from_status,
        to_status=complaint.status,
        actor=actor,
        note=note,
    )


def complaint_subject(*, token: str) -> StatementOfReasons | Notice:
    """The decision a complaint link points at, or a clear error."""
    ref = complaint_read(token)
    if "statement" in ref:
        found = StatementOfReasons.objects.filter(pk=ref["statement"]).first()
    else:
        found = Notice.objects.filter(pk=ref["notice"], status=NoticeStatus.NO_ACTION).first()
    if found is None:
        raise ApplicationError("There is no decision to complain about here.", code="not_found")
    return found


def _check_window(decided_at) -> None:
    days = settings.COMPLAINT_WINDOW_DAYS
    if decided_at < timezone.now() - timedelta(days=days):
        raise ApplicationError(
            f"Complaints are accepted for {days} days after a decision; this one is older.",
            code="too_late",
        )


@transaction.atomic(durable=True)
def complaint_lodge(*, token: str, reason: str, user: User | None = None) -> Complaint:
    """Lodge the one complaint a decision allows. The link is the credential (a suspended
    account cannot sign in); a signed-in user must be the person the decision concerns."""
    subject = complaint_subject(token=token)
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ApplicationError(
            f"Say why the decision is wrong in at least {MIN_REASON} characters.", field="reason"
        )
    if isinstance(subject, StatementOfReasons):
        owner_id, email, decided_at = subject.user_id, subject.email, subject.created_at
        if subject.reversed_at is not None:
            raise ApplicationError("This decision was already reversed.", code="nothing_to_do")
        fields = {"statement": subject, "original_decider": subject.decided_by}
    else:
        owner_id, email, decided_at = (
            subject.reporter_id,
            subject.reporter_email,
            subject.decided_at,
        )
        fields = {"notice": subject, "original_decider": subject.decided_by}
    signed_in = user if getattr(user, "is_authenticated", False) else None
    if signed_in is not None and owner_id is not None and signed_in.pk != owner_id:
        raise PermissionDeniedError("Only the person this decision concerns can complain.")
    _check_window(decided_at)
    complaint = Complaint(
        complainant_id=owner_id, complainant_email=email, reason=reason[:5000], **fields
    )
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError:
        raise ApplicationError(
            "A complaint about this decision was already lodged; each decision takes one.",
            code="duplicate",
        ) from None
    _record(complaint, from_status="", actor=complaint.complainant)
    return complaint


def complaint_deciders(complaint: Complaint) -> list[User]:
    """Active moderators who may decide it: anyone but the original decider, unless they
    are the only one."""
    moderators = list(User.objects.filter(is_moderator=True, is_active=True).order_by("pk"))
    others = [m for m in moderators if m.pk != complaint.original_decider_id]
    return others or moderators


@transaction.atomic(durable=True)
def complaint_decide(
    *, complaint: Complaint, moderator: User, outcome: str, note: str
) -> Complaint:
    """Upheld: the restriction is reversed (or the notice reopened for a new decision);
    rejected: the decision stands. Both sides are told."""
    if not getattr(moderator, "is_moderator", False):
        raise PermissionDeniedError("Only moderators decide complaints.")
    if outcome not in (UPHOLD, REJECT):
        raise ApplicationError("Choose to uphold or reject the complaint.", field="outcome")
    note = note.strip()
    if not note:
        raise ApplicationError("Explain the decision to the parties.", field="note")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.status != ComplaintStatus.OPEN:
        raise ApplicationError("This complaint was already decided.", code="already_decided")
    if moderator.pk == complaint.complainant_id:
        raise PermissionDeniedError("You cannot decide your own complaint.")
    if moderator not in complaint_deciders(complaint):
        raise PermissionDeniedError(
            "Another moderator must decide this complaint: you made the original decision."
        )
    if outcome == UPHOLD:
        _reverse(complaint, moderator, note)
    complaint.status = ComplaintStatus.UPHELD if outcome == UPHOLD else ComplaintStatus.REJECTED
    complaint.decided_by, complaint.decided_at = moderator, timezone.now()
    complaint.decided_by_original_decider = moderator.pk == complaint.original_decider_id
    complaint.decision_note = note[:5000]
    complaint.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decided_by_original_decider",
            "decision_note",
        ]
    )
    _record(complaint, from_status=ComplaintStatus.OPEN, actor=moderator, note=note)
    _tell_parties(complaint)
    return complaint


def _reverse(complaint: Complaint, moderator: User, note: str) -> None:
    if complaint.statement_id:
        restriction_reverse(statement=complaint.statement, actor=moderator, note=note)
        return
    notice = Notice.objects.select_for_update().get(pk=complaint.notice_id)
    previous = notice.status
    notice.status, notice.decided_by, notice.decided_at = NoticeStatus.OPEN, None, None
    notice.manifestly_unfounded = False
    notice.save(update_fields=["status", "decided_by", "decided_at", "manifestly_unfounded"])
    NoticeEvent.objects.create(
        notice=notice,
        from_status=previous,
        to_status=notice.status,
        actor=moderator,
        note=f"Reopened on complaint: {note}",
    )


def _tell_parties(complaint: Complaint) -> None:
    """The complainant (by mail alone when they cannot sign in) and the other side."""
    subject = f"Complaint decided: {complaint.get_status_display().lower()}"
    body = f"Complaint about: {complaint.decision_label}\n\n{complaint.decision_note}"
    ref = f"complaint:{complaint.pk}"
    tell(
        user=complaint.complainant,
        email=complaint.complainant_email,
        subject=subject,
        body=body,
        ref=ref,
    )
    notification_send(
        users=[_other_side(complaint)],
        subject=subject,
        body=body,
        ref=ref,
        kind=MODERATION_DECISIONS,
    )


def _other_side(complaint: Complaint) -> User | None:
    """Who asked for the decision complained about: the notice's reporter, a dispute's
    claimant, or (against "no action") the owner of the reported content."""
    if complaint.notice_id:
        return complaint.notice.target_user
    statement = complaint.statement
    if statement.notice_id:
        return statement.notice.reporter
    if statement.dispute_id:
        return statement.dispute.claimant
    if statement.takedown_id:
        return statement.takedown.claimant
    return None
