"""Repeat misuse (DSA Art. 23): restrictions that stand add up to an automatic warning, then
an automatic suspension; manifestly unfounded notices add up to no longer processing a
reporter's notices. Thresholds and the window live in settings (MISUSE_*)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from disputes.models import DecisionGround, Notice, RestrictionKind, StatementOfReasons
from disputes.services.restrictions import restrict_account
from disputes.services.statements import Reasons, statement_issue

User = get_user_model()

# Restrictions of content or prompts count; the automatic measures themselves do not.
COUNTED = (
    RestrictionKind.LISTING_SUSPENDED,
    RestrictionKind.STYLE_WITHDRAWN,
    RestrictionKind.PIECE_HIDDEN,
    RestrictionKind.PROMPT_REFUSED,
)
TERMS = "Terms of service: repeated misuse (DSA Art. 23)"


def _window_start() -> datetime:
    return timezone.now() - timedelta(days=settings.MISUSE_WINDOW_DAYS)


def upheld_restrictions(*, user: User) -> int:
    """Restrictions of the user's content within the window that no complaint reversed."""
    return (
        StatementOfReasons.objects.filter(
            user=user, kind__in=COUNTED, reversed_at__isnull=True, created_at__gte=_window_start()
        )
        # not a listing suspended only while a dispute is reviewed
        .filter(Q(data__interim__isnull=True) | Q(data__interim=False))
        .count()
    )


def _automated(user: User, kind: str) -> bool:
    return StatementOfReasons.objects.filter(
        user=user,
        kind=kind,
        automated_decision=True,
        reversed_at__isnull=True,
        created_at__gte=_window_start(),
    ).exists()


@transaction.atomic
def misuse_check_user(*, user: User) -> StatementOfReasons | None:
    """After a restriction: warn once at MISUSE_WARN_AFTER, suspend at
    MISUSE_SUSPEND_AFTER (both automated decisions with their own statements)."""
    if user.is_moderator or not user.is_active:
        return None
    count = upheld_restrictions(user=user)
    days = settings.MISUSE_WINDOW_DAYS
    if count >= settings.MISUSE_SUSPEND_AFTER:
        kind, facts = (
            RestrictionKind.ACCOUNT_SUSPENDED,
            f"{count} restrictions of your content stood within {days} days.",
        )
    elif count >= settings.MISUSE_WARN_AFTER and not _automated(
        user, RestrictionKind.ACCOUNT_WARNED
    ):
        kind, facts = (
            RestrictionKind.ACCOUNT_WARNED,
            f"{count} restriction(s) of your content within {days} days; at "
            f"{settings.MISUSE_SUSPEND_AFTER} the account is suspended.",
        )
    else:
        return None
    reasons = Reasons(
        facts=facts,
        ground=DecisionGround.TERMS,
        ground_detail=TERMS,
        automated_detection=True,
        automated_decision=True,
    )
    return restrict_account(user=user, kind=kind, actor=None, reasons=reasons)


def _reporter_filter(*, reporter: User | None, email: str) -> Q:
    if reporter is not None:
        return Q(reporter=reporter) | Q(reporter_email__iexact=reporter.email)
    return Q(reporter_email__iexact=email)


def reporter_blocked_until(*, reporter: User | None, email: str) -> datetime | None:
    """When a reporter's notices are processed again, or None while they are."""
    match = Q(user=reporter) if reporter is not None else Q(email__iexact=email)
    latest = (
        StatementOfReasons.objects.filter(
            match,
            kind=RestrictionKind.NOTICES_SUSPENDED,
            reversed_at__isnull=True,
            created_at__gte=_window_start(),
        )
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        return None
    return latest.created_at + timedelta(days=settings.MISUSE_WINDOW_DAYS)


@transaction.atomic
def misuse_check_reporter(*, notice: Notice) -> StatementOfReasons | None:
    """After a notice is found manifestly unfounded: at the threshold, stop processing the
    reporter's notices for the window and tell them why."""
    reporter, email = notice.reporter, notice.reporter_email
    if reporter_blocked_until(reporter=reporter, email=email) is not None:
        return None
    unfounded = Notice.objects.filter(
        _reporter_filter(reporter=reporter, email=email),
        manifestly_unfounded=True,
        decided_at__gte=_window_start(),
    ).count()
    if unfounded < settings.MISUSE_UNFOUNDED_NOTICES_AFTER:
        return None
    days = settings.MISUSE_WINDOW_DAYS
    reasons = Reasons(
        facts=f"{unfounded} of your notices within {days} days were manifestly unfounded; "
        f"new notices are not processed for {days} days.",
        ground=DecisionGround.TERMS,
        ground_detail=TERMS,
        automated_detection=True,
        automated_decision=True,
        about={"notice": notice},
    )
    return statement_issue(
        user=reporter,
        email=email,
        kind=RestrictionKind.NOTICES_SUSPENDED,
        restricted=f"Notices sent from {email}",
        reasons=reasons,
        decided_by=None,
    )
