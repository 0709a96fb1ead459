"""A user's disputes and their messages in their data export (internal moderator notes are
not theirs), with the notices they sent, their statements of reasons and complaints. Cases
and decisions survive account deletion (they are the record), without the address."""

from typing import Any

from django.db.models import Q

from disputes.models import Complaint, Dispute, DisputeMessage, Notice, StatementOfReasons
from marketplace.hooks import export_rows
from marketplace.services.privacy import DELETED_DOMAIN


def disputes_export_data(*, user) -> dict[str, list[dict[str, Any]]]:
    return {
        "disputes": export_rows(
            Dispute.objects.filter(Q(claimant=user) | Q(respondent=user)),
            "id",
            "kind",
            "status",
            "outcome",
            "listing_id",
            "grant_id",
            "claimant_id",
            "respondent_id",
            "statement",
            "decision",
            "created_at",
            "decided_at",
        ),
        "dispute_messages": export_rows(
            DisputeMessage.objects.filter(author=user, internal=False),
            "dispute_id",
            "body",
            "created_at",
        ),
        **_notice_sections(user),
    }


def _notice_sections(user) -> dict[str, list[dict[str, Any]]]:
    return {
        "notices": export_rows(
            Notice.objects.filter(reporter=user),
            "id",
            "category",
            "target_kind",
            "statement",
            "status",
            "created_at",
            "decided_at",
            "decision_note",
        ),
        "statements_of_reasons": export_rows(
            StatementOfReasons.objects.filter(user=user),
            "id",
            "kind",
            "restricted",
            "facts",
            "ground",
            "ground_detail",
            "automated_detection",
            "automated_decision",
            "created_at",
            "reversed_at",
        ),
        "complaints": export_rows(
            Complaint.objects.filter(complainant=user),
            "id",
            "statement_id",
            "notice_id",
            "reason",
            "status",
            "decision_note",
            "created_at",
            "decided_at",
        ),
    }


def disputes_forget_addresses(*, user) -> None:
    """An erased account's address leaves the notice-and-action records it appears in."""
    address = f"deleted-{user.pk}@{DELETED_DOMAIN}"
    Notice.objects.filter(reporter=user).update(reporter_email=address)
    StatementOfReasons.objects.filter(user=user).update(email=address)
    Complaint.objects.filter(complainant=user).update(complainant_email=address)
