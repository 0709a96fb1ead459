"""What marketplace asks, or tells, the floors above it (they subscribe in AppConfig.ready).

Browse offers a licence-tier filter, but tiers and their prices belong to licensing (above):
licensing answers with the choices and applies the filter. Listing an edit of another
creator's piece asks whether the lister's licence lets them sell derivatives of it. Privacy
export and erasure ask every app for its own rows of the user."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from core.hooks import Hook


@dataclass(frozen=True)
class TierFilter:
    """Keep the listings that offer tier `tier_code`, priced within the bounds (minor units)
    when given; a handler returns the filtered queryset."""

    queryset: QuerySet
    tier_code: str
    min_price: int | None
    max_price: int | None


@dataclass(frozen=True)
class TierChoices:
    """A handler returns the (code, name) pairs browse may filter by."""


@dataclass(frozen=True)
class DerivativeResaleRequested:
    """`user` wants to list an edit of `piece_id`, another creator's piece; a handler answers
    True when it knows them as allowed to sell derivatives of it (e.g. a licensee whose terms
    allow derivative resale). No answer, or only False: refused."""

    user: object
    piece_id: uuid.UUID


may_resell_derivative: Hook[DerivativeResaleRequested] = Hook("marketplace.may_resell_derivative")
listing_tier_filter: Hook[TierFilter] = Hook("marketplace.listing_tier_filter")
listing_tier_choices: Hook[TierChoices] = Hook("marketplace.listing_tier_choices")


def tier_choices() -> list[tuple[str, str]]:
    return [choice for choices in listing_tier_choices.call(TierChoices()) for choice in choices]


def listings_offering_tier(
    queryset: QuerySet, *, tier_code: str, min_price: int | None, max_price: int | None
) -> QuerySet:
    """The subscriber's filtered queryset (the last one's, if several); unfiltered without."""
    results = listing_tier_filter.call(TierFilter(queryset, tier_code, min_price, max_price))
    return results[-1] if results else queryset


@dataclass(frozen=True)
class AccountData:
    """A user's data is exported or erased: each app above answers for its own rows."""

    user: object


def export_rows(queryset, *fields) -> list[dict[str, Any]]:
    """One data.json section: the queryset's rows as plain dicts of `fields`."""
    return list(queryset.values(*fields))


# Each handler returns {section name: JSON-able rows} for data.json (see export_rows).
account_export_sections: Hook[AccountData] = Hook("marketplace.account_export_sections")
# Each handler returns [(storage alias, file name, path in the zip)].
account_export_files: Hook[AccountData] = Hook("marketplace.account_export_files")
# Before anything is written: a handler raises ApplicationError to refuse the deletion.
account_erase_check: Hook[AccountData] = Hook("marketplace.account_erase_check")
# Inside the deletion's transaction (the user row locked): remove or close what is personal.
account_erase: Hook[AccountData] = Hook("marketplace.account_erase")


@dataclass(frozen=True)
class ListingWithheld:
    """Someone who may not see a suspended listing asks for it: a handler returns the public
    sentence saying why it is unavailable (e.g. a pending copyright notice), or None."""

    listing: object


listing_withheld_reason: Hook[ListingWithheld] = Hook("marketplace.listing_withheld_reason")


def withheld_reason(listing) -> str | None:
    """The first subscriber's public reason, or None (then the listing is simply not found)."""
    return next((r for r in listing_withheld_reason.call(ListingWithheld(listing)) if r), None)
