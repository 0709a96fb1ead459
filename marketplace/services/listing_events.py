"""The two steps every listing status change shares: lock the row, then write its history
row (and tell the page cache the catalogue changed)."""

from __future__ import annotations

from core.pagecache import catalogue_changed
from marketplace.models import Listing, ListingEvent


def lock_listing(listing: Listing) -> Listing:
    """Re-read the row under a lock so two status changes cannot interleave."""
    return Listing.objects.select_for_update().get(pk=listing.pk)


def record_listing_event(
    listing: Listing, *, actor, from_status: str, reason: str = "", data=None
) -> None:
    catalogue_changed()
    ListingEvent.objects.create(
        listing=listing,
        actor=actor,
        from_status=from_status,
        to_status=listing.status,
        reason=reason,
        data=data or {},
    )
