"""Notices (DSA Art. 16): anyone reports a listing, style, piece or storefront. A signed-in
reporter's notice goes straight to the moderation queue; an anonymous one waits until its
reporter opens the signed link mailed to them. A moderator decides: no action, or a
restriction with its statement of reasons. Every status change is a NoticeEvent row."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from disputes.models import Notice, NoticeCategory, NoticeEvent, NoticeStatus, NoticeTarget
from disputes.services import restrictions
from disputes.services.misuse import (
    misuse_check_reporter,
    misuse_check_user,
    reporter_blocked_until,
)
from disputes.services.statements import Reasons, mail_send, tell
from disputes.services.tokens import (
    absolute,
    complaint_path,
    notice_confirm_path,
    notice_confirm_read,
)
from generation.models import Piece, Style, StyleStatus
from marketplace.models import Listing

User = get_user_model()

MIN_STATEMENT = 20
NO_ACTION = "none"


def _record(notice: Notice, *, from_status: str, actor, note: str = "") -> None:
    NoticeEvent.objects.create(
        notice=notice, from_status=from_status, to_status=notice.status, actor=actor, note=note
    )


def _uuid(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _small_int(value) -> bool:
    """An id the database can hold (ASCII digits, well inside 64 bits)."""
    value = str(value)
    return value.isascii() and value.isdigit() and len(value) <= 18


def notice_target(*, kind: str, target_id: str) -> tuple[dict, User]:
    """The reported object (as Notice fields) and whose it is; only what the public sees."""
    found = None
    if kind == NoticeTarget.LISTING and _uuid(target_id):
        found = Listing.objects.filter(pk=_uuid(target_id)).first()
        found = found if found is not None and found.is_public else None
        owner = found and found.creator
    elif kind == NoticeTarget.STYLE and _uuid(target_id):
        found = Style.objects.filter(pk=_uuid(target_id), status=StyleStatus.PUBLISHED).first()
        owner = found and found.creator
    elif kind == NoticeTarget.PIECE and _uuid(target_id):
        found = Piece.objects.filter(pk=_uuid(target_id), provenance__isnull=False).first()
        owner = found and found.owner
    elif kind == NoticeTarget.STOREFRONT and _small_int(target_id):
        found = User.objects.filter(pk=int(target_id), is_creator=True, is_active=True).first()
        owner = found
    if found is None:
        raise ApplicationError("There is nothing public here to report.", code="not_found")
    fields = {} if kind == NoticeTarget.STOREFRONT else {kind: found}
    return fields, owner


def _check_input(*, reporter, email: str, category: str, statement: str) -> str:
    if category not in NoticeCategory.values:
        raise ApplicationError("Choose what kind of problem this is.", field="category")
    if len(statement.strip()) < MIN_STATEMENT:
        raise ApplicationError(
            f"Explain what is wrong in at least {MIN_STATEMENT} characters.", field="statement"
        )
    if reporter is not None:
        return reporter.email
    try:
        validate_email(email.strip())
    except ValidationError:
        raise ApplicationError(
            "Give an email address we can send the confirmation to.", field="email"
        ) from None
    return email.strip().lower()


@transaction.atomic(durable=True)
def notice_submit(
    *, reporter: User | None, email: str, category: str, statement: str, kind: str, target_id
) -> Notice:
    """Record a notice; an anonymous one gets a confirmation link by mail (after commit)."""
    reporter = reporter if getattr(reporter, "is_authenticated", False) else None
    email = _check_input(reporter=reporter, email=email, category=category, statement=statement)
    target, owner = notice_target(kind=kind, target_id=target_id)
    if reporter is not None and owner.pk == reporter.pk:
        raise ApplicationError("You cannot report your own work.", code="own_content")
    until = reporter_blocked_until(reporter=reporter, email=email)
    if until is not None:
        raise PermissionDeniedError(
            "Your notices are not processed until "
            f"{until:%Y-%m-%d} UTC: too many were manifestly unfounded."
        )
    notice = Notice(
        category=category,
        statement=statement.strip()[:5000],
        target_kind=kind,
        target_user=owner,
        reporter=reporter,
        reporter_email=email,
        **target,
    )
    if reporter is not None:
        notice.status, notice.confirmed_at = NoticeStatus.OPEN, timezone.now()
    notice.full_clean()
    notice.save()
    _record(notice, from_status="", actor=reporter)
    if reporter is None:
        link = absolute(notice_confirm_path(notice.pk))
        body = (
            f"Someone (we hope you) reported {notice.about} to Promptfolio.\n"
            f"Open this link to confirm the report; until then no one reviews it:\n{link}\n"
            "If you did not send it, ignore this message."
        )
        mail_send(email, "Confirm your report", body)
    return notice


@transaction.atomic(durable=True)
def notice_confirm(*, token: str) -> Notice:
    """The reporter opened their link: the notice reaches the queue (once; again is a no-op)."""
    notice_id = notice_confirm_read(token)
    notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None:
        raise ApplicationError("This report no longer exists.", code="not_found")
    if notice.status != NoticeStatus.UNCONFIRMED:
        return notice
    notice.status, notice.confirmed_at = NoticeStatus.OPEN, timezone.now()
    notice.save(update_fields=["status", "confirmed_at"])
    _record(notice, from_status=NoticeStatus.UNCONFIRMED, actor=None, note="email confirmed")
    return notice


def _check_decider(notice: Notice, moderator: User) -> None:
    if not getattr(moderator, "is_moderator", False):
        raise PermissionDeniedError("Only moderators decide notices.")
    if moderator.pk in (notice.target_user_id, notice.reporter_id):
        raise PermissionDeniedError("You cannot decide a notice you are part of.")


def _restrict(notice: Notice, action: str, moderator: User, reasons: Reasons):
    allowed = (*restrictions.ACTIONS_FOR_TARGET[notice.target_kind], *restrictions.ACCOUNT_ACTIONS)
    if action not in allowed:
        raise ApplicationError("That action does not apply to what was reported.", field="action")
    reasons.about = {"notice": notice}
    if action in restrictions.ACCOUNT_ACTIONS:
        return restrictions.restrict_account(
            user=notice.target_user, kind=action, actor=moderator, reasons=reasons
        )
    if notice.target_kind == NoticeTarget.LISTING:
        return restrictions.restrict_listing(
            listing=notice.listing, actor=moderator, reasons=reasons
        )
    if notice.target_kind == NoticeTarget.STYLE:
        return restrictions.restrict_style(style=notice.style, actor=moderator, reasons=reasons)
    return restrictions.restrict_piece(piece=notice.piece, actor=moderator, reasons=reasons)


@transaction.atomic(durable=True)
def notice_decide(
    *,
    notice: Notice,
    moderator: User,
    action: str,
    reasons: Reasons,
    manifestly_unfounded: bool = False,
) -> Notice:
    """No action, or one restriction (with its statement of reasons and the misuse check);
    the reporter is told the outcome and, after no action, how to complain."""
    _check_decider(notice, moderator)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.OPEN:
        raise ApplicationError(
            f"This notice is {notice.get_status_display().lower()}; nothing changed.",
            code="invalid_transition",
        )
    if not reasons.facts.strip():
        raise ApplicationError("Explain the decision.", field="facts")
    if manifestly_unfounded and action != NO_ACTION:
        raise ApplicationError("Only a notice left without action is unfounded.", field="action")
    if action != NO_ACTION:
        _restrict(notice, action, moderator, reasons)
    previous = notice.status
    notice.status = NoticeStatus.NO_ACTION if action == NO_ACTION else NoticeStatus.ACTIONED
    notice.decided_by, notice.decided_at = moderator, timezone.now()
    notice.decision_note = reasons.facts.strip()[:5000]
    notice.manifestly_unfounded = manifestly_unfounded
    notice.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "manifestly_unfounded",
        ]
    )
    _record(notice, from_status=previous, actor=moderator, note=notice.decision_note)
    _tell_reporter(notice)
    if action != NO_ACTION:
        misuse_check_user(user=notice.target_user)
    elif manifestly_unfounded:
        misuse_check_reporter(notice=notice)
    return notice


def _tell_reporter(notice: Notice) -> None:
    lines = [f"Your report about {notice.about}: {notice.get_status_display().lower()}."]
    lines.append(f"Reasons: {notice.decision_note}")
    if notice.status == NoticeStatus.NO_ACTION:
        days = settings.COMPLAINT_WINDOW_DAYS
        link = absolute(complaint_path(notice_id=notice.pk))
        lines.append(f"You can complain about this decision within {days} days: {link}")
    tell(
        user=notice.reporter,
        email=notice.reporter_email,
        subject="Your report was decided",
        body="\n".join(lines),
        ref=f"notice:{notice.pk}",
    )
