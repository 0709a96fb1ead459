"""Use cases for visitors' engagement with listings: view counts and favourites. Counters
move with F() increments, never read-modify-write."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from core.errors import ApplicationError
from marketplace.models import Favourite, Listing, ListingStatus, User


def listing_record_view(*, listing: Listing, viewer) -> None:
    """Count a view by anyone but the creator."""
    if getattr(viewer, "pk", None) == listing.creator_id:
        return
    listing_count_view(listing_id=listing.pk)


@transaction.atomic(savepoint=False)
def listing_count_view(*, listing_id) -> None:
    """+1 view of a published listing (F() increment, no lock, no read): also called for
    pages served from the anonymous page cache, where no listing row was loaded.

    On PostgreSQL the commit does not wait for the WAL flush: a crash may lose the last few
    view counts, and in exchange a page view costs ~0.3 ms instead of an fsync (~5 ms here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    Listing.objects.filter(pk=listing_id, status=ListingStatus.PUBLISHED).update(
        view_count=F("view_count") + 1
    )


@transaction.atomic(durable=True)
def favourite_toggle(*, user: User, listing: Listing) -> bool:
    """Favourite or un-favourite a visible listing; returns the new state. A creator may
    favourite their own listing, but it does not count: favourite_count (the "popular"
    ordering) holds other people's favourites only, one per person."""
    if not listing.is_public and listing.creator_id != user.pk:
        raise ApplicationError("This listing is not available.", code="not_found")
    counts = listing.creator_id != user.pk
    deleted, _ = Favourite.objects.filter(user=user, listing=listing).delete()
    if deleted:
        if counts:
            Listing.objects.filter(pk=listing.pk).update(favourite_count=F("favourite_count") - 1)
        return False
    try:
        with transaction.atomic():
            Favourite.objects.create(user=user, listing=listing)
    except IntegrityError:
        return True  # a double click raced us; it is a favourite either way
    if counts:
        Listing.objects.filter(pk=listing.pk).update(favourite_count=F("favourite_count") + 1)
    return True
