"""Disputes' answers to the hooks of the floors below (connected in DisputesConfig.ready)."""

from django.db.models import QuerySet

from commissions.hooks import HeldCommissions, commissions_held
from disputes.models import ACTIVE_STATUSES, Dispute, DisputeStatus
from disputes.selectors.takedowns import takedown_withheld_reason, takedowns_export_data
from disputes.services.privacy import disputes_export_data
from marketplace.hooks import (
    AccountData,
    ListingWithheld,
    account_export_sections,
    listing_withheld_reason,
)


def commissions_under_dispute(query: HeldCommissions) -> QuerySet:
    """A brief under an active dispute is held (auto-accept pauses); a decided case, which
    can still be appealed, also keeps a moderator's access to its references."""
    statuses = (
        (*ACTIVE_STATUSES, DisputeStatus.DECIDED) if query.include_decided else ACTIVE_STATUSES
    )
    return Dispute.objects.filter(commission__isnull=False, status__in=statuses).values(
        "commission_id"
    )


def export_disputes(event: AccountData) -> dict:
    return disputes_export_data(user=event.user)


def export_takedowns(event: AccountData) -> dict:
    return takedowns_export_data(user=event.user)


def withheld_for_notice(event: ListingWithheld) -> str | None:
    return takedown_withheld_reason(listing_id=event.listing.pk)


def connect() -> None:
    account_export_sections.register(export_disputes)
    account_export_sections.register(export_takedowns)
    commissions_held.register(commissions_under_dispute)
    listing_withheld_reason.register(withheld_for_notice)
