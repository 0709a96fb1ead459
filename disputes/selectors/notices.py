"""Reads for notices, statements of reasons and complaints."""

from __future__ import annotations

from django.db.models import QuerySet

from disputes.models import (
    Complaint,
    ComplaintStatus,
    Notice,
    NoticeStatus,
    StatementOfReasons,
)

_NOTICE_RELATED = ("listing", "style", "piece", "target_user", "reporter")


def notice_queue() -> QuerySet[Notice]:
    """Confirmed notices waiting for a moderator, oldest first (unconfirmed ones never)."""
    return (
        Notice.objects.filter(status=NoticeStatus.OPEN)
        .select_related(*_NOTICE_RELATED)
        .order_by("confirmed_at", "pk")
    )


def complaint_queue() -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(status=ComplaintStatus.OPEN)
        .select_related("statement", "notice", "original_decider")
        .order_by("created_at", "pk")
    )


def notice_for_moderator(*, notice_id) -> Notice | None:
    return Notice.objects.select_related(*_NOTICE_RELATED).filter(pk=notice_id).first()


def complaint_for_moderator(*, complaint_id) -> Complaint | None:
    return (
        Complaint.objects.select_related("statement", "notice", "original_decider")
        .filter(pk=complaint_id)
        .first()
    )


def statements_for_user(*, user) -> QuerySet[StatementOfReasons]:
    return (
        StatementOfReasons.objects.filter(user=user)
        .select_related("complaint")
        .order_by("-created_at")
    )


def statement_for_user(*, user, statement_id) -> StatementOfReasons | None:
    return statements_for_user(user=user).filter(pk=statement_id).first()


def notices_waiting_count() -> int:
    """Open notices plus open complaints, for the console's badge."""
    return notice_queue().count() + complaint_queue().count()
