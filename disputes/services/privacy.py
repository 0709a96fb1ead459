"""A user's disputes and their messages in their data export (internal moderator notes are
not theirs). Cases survive account deletion: they are the record of decisions."""

from typing import Any

from django.db.models import Q

from disputes.models import Dispute, DisputeMessage
from marketplace.hooks import export_rows


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
    }
