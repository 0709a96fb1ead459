"""Statements of reasons (DSA Art. 17): every restriction writes one and tells the affected
person what was restricted, why, on which ground, whether it was automated and how to
complain. The mail goes out after commit; an inactive or anonymous recipient still gets it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from core.errors import ApplicationError
from core.services.mail import email_enqueue
from core.services.notifications import notification_send
from disputes.models import DecisionGround, RestrictionKind, StatementOfReasons
from disputes.notification_kinds import MODERATION_DECISIONS
from disputes.services.tokens import absolute, complaint_path

User = get_user_model()


def statement_text(statement: StatementOfReasons) -> str:
    """The body every channel (in-app, mail, the statement page) carries."""
    detection = "automated means" if statement.automated_detection else "a report or a person"
    decision = "automatically" if statement.automated_decision else "by a moderator"
    lines = [
        f"What was restricted: {statement.restricted} ({statement.get_kind_display().lower()}).",
        f"Why: {statement.facts}",
        f"Ground: {statement.get_ground_display()} — {statement.ground_detail}.",
        f"It was detected by {detection} and decided {decision}.",
    ]
    days = settings.COMPLAINT_WINDOW_DAYS
    link = absolute(complaint_path(statement_id=statement.pk))
    lines.append(
        f"How to appeal: lodge a complaint within {days} days at {link} "
        "(another moderator decides it)."
    )
    if statement.takedown_id:
        case = absolute(statement.takedown.get_absolute_url())
        lines.append(
            f"Or send a counter-notice at {case}: the listing comes back "
            f"{settings.TAKEDOWN_RESTORE_BUSINESS_DAYS} business days later unless the "
            "claimant reports a court action."
        )
    return "\n".join(lines)


def tell(*, user: User | None, email: str, subject: str, body: str, ref: str = "") -> None:
    """In-app and by mail for an active account; by mail alone otherwise (an anonymous
    reporter, a suspended account)."""
    if user is not None and user.is_active:
        notification_send(
            users=[user], subject=subject, body=body, ref=ref, kind=MODERATION_DECISIONS
        )
    else:
        mail_send(email, subject, body)


def mail_send(email: str, subject: str, body: str) -> None:
    """Mail one address directly (someone without an active account has no in-app inbox),
    queued once the transaction commits."""
    email_enqueue(to=[email], subject=f"[Promptfolio] {subject}", body=body)


@dataclass
class Reasons:
    """Why: the facts, the ground (law or terms) and its clause, and what was automated."""

    facts: str
    ground: str
    ground_detail: str
    automated_detection: bool = False
    automated_decision: bool = False
    about: dict = field(default_factory=dict)  # notice= / dispute= / takedown= its source


@transaction.atomic
def statement_issue(
    *,
    user: User | None,
    kind: str,
    restricted: str,
    reasons: Reasons,
    decided_by: User | None,
    email: str = "",
    **subject,
) -> StatementOfReasons:
    """Record the statement and send it; `subject` names what was restricted (listing,
    style, piece, prompt_review) and `data` what reversing it needs."""
    if kind not in RestrictionKind.values:
        raise ApplicationError("Choose what is restricted.", field="action")
    if reasons.ground not in DecisionGround.values:
        raise ApplicationError("Choose the ground: the law or our terms.", field="ground")
    facts, ground_detail = reasons.facts.strip(), reasons.ground_detail.strip()
    if not facts:
        raise ApplicationError("State the facts the decision rests on.", field="facts")
    if not ground_detail:
        raise ApplicationError("Name the law or the terms clause.", field="ground_detail")
    statement = StatementOfReasons(
        user=user,
        email=user.email if user is not None else email,
        kind=kind,
        restricted=restricted[:300],
        facts=facts[:5000],
        ground=reasons.ground,
        ground_detail=ground_detail[:300],
        automated_detection=reasons.automated_detection,
        automated_decision=reasons.automated_decision,
        decided_by=decided_by,
        **reasons.about,
        **subject,
    )
    statement.full_clean()
    statement.save()
    _send(statement)
    return statement


def _send(statement: StatementOfReasons) -> None:
    subject = f"Statement of reasons: {statement.get_kind_display().lower()}"
    body = statement_text(statement)
    user = statement.user
    # A suspended account cannot sign in: the complaint link in the mail works without it.
    if user is not None and user.is_active:
        notification_send(
            users=[user],
            subject=subject,
            body=body,
            url=statement.get_absolute_url(),
            ref=f"statement:{statement.pk}",
            kind=MODERATION_DECISIONS,
        )
        return
    mail_send(statement.email, subject, body)
