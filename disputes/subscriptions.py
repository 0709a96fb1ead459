"""Disputes' answers to the hooks of the floors below (connected in DisputesConfig.ready)."""

from django.db.models import QuerySet

from commissions.hooks import HeldCommissions, commissions_held
from disputes.models import ACTIVE_STATUSES, Dispute, DisputeStatus
from disputes.selectors.takedowns import takedown_withheld_reason, takedowns_export_data
from disputes.services.misuse import misuse_check_user
from disputes.services.privacy import disputes_export_data, disputes_forget_addresses
from disputes.services.restrictions import restrict_prompt
from generation.hooks import PromptRefusalUpheld, prompt_refusal_upheld
from generation.models import PromptReview
from marketplace.hooks import (
    AccountData,
    ListingWithheld,
    account_erase,
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


def forget_addresses(event: AccountData) -> None:
    disputes_forget_addresses(user=event.user)


def record_upheld_prompt_refusal(event: PromptRefusalUpheld) -> None:
    """An upheld refusal is a restriction: a statement of reasons, then the misuse count."""
    review = PromptReview.objects.select_related("user").get(pk=event.review_id)
    restrict_prompt(review=review, moderator=event.moderator, note=event.note)
    misuse_check_user(user=review.user)


def connect() -> None:
    prompt_refusal_upheld.register(record_upheld_prompt_refusal)
    account_export_sections.register(export_disputes)
    account_export_sections.register(export_takedowns)
    account_erase.register(forget_addresses)
    commissions_held.register(commissions_under_dispute)
    listing_withheld_reason.register(withheld_for_notice)
