"""Suspension: a moderator hides a listing (and reinstates it to its earlier status), or a
legal notice disables it at once and only that notice lifts it again."""

from __future__ import annotations

from django.db import transaction

from core.errors import ApplicationError, PermissionDeniedError
from marketplace.models import Listing, ListingEvent, ListingStatus, User
from marketplace.services.listing_events import lock_listing, record_listing_event
from marketplace.services.listings import EDITABLE_STATUSES


def _require_moderator(user: User) -> None:
    if not user.is_moderator:
        raise PermissionDeniedError("Only moderators can suspend or reinstate listings.")


def _suspend(listing: Listing, *, actor, reason: str, data=None) -> Listing:
    if not reason.strip():
        raise ApplicationError("Say why the listing is suspended.", field="reason")
    listing = lock_listing(listing)
    if listing.status == ListingStatus.SUSPENDED:
        return listing
    if listing.status not in EDITABLE_STATUSES:
        raise ApplicationError("Only draft or published listings can be suspended.")
    previous = listing.status
    listing.status = ListingStatus.SUSPENDED
    listing.save(update_fields=["status", "updated_at"])
    record_listing_event(
        listing, actor=actor, from_status=previous, reason=reason.strip(), data=data
    )
    return listing


def _last_suspension(listing: Listing) -> ListingEvent | None:
    return (
        listing.events.filter(to_status=ListingStatus.SUSPENDED)
        .order_by("-created_at", "-pk")
        .first()
    )


def _unsuspend(listing: Listing, *, actor, reason: str) -> Listing:
    listing = lock_listing(listing)
    if listing.status != ListingStatus.SUSPENDED:
        raise ApplicationError("This listing is not suspended.")
    suspension = _last_suspension(listing)
    restored = suspension.from_status if suspension else ListingStatus.DRAFT
    if restored == ListingStatus.PUBLISHED and listing.published_at is None:
        restored = ListingStatus.DRAFT
    listing.status = restored
    listing.save(update_fields=["status", "updated_at"])
    record_listing_event(
        listing, actor=actor, from_status=ListingStatus.SUSPENDED, reason=reason.strip()
    )
    return listing


@transaction.atomic
def listing_suspend(*, listing: Listing, actor: User, reason: str) -> Listing:
    """Moderation: hide a draft or published listing; the creator cannot edit it."""
    _require_moderator(actor)
    return _suspend(listing, actor=actor, reason=reason)


@transaction.atomic
def listing_unsuspend(*, listing: Listing, actor: User, reason: str = "") -> Listing:
    """Reinstate a suspended listing to the status it had before the suspension."""
    _require_moderator(actor)
    return _unsuspend(listing, actor=actor, reason=reason)


@transaction.atomic
def listing_disable_on_notice(
    *, listing: Listing, notifier: User, reason: str, ref: str
) -> Listing:
    """A legal notice (e.g. a copyright takedown) disables the listing at once, before any
    moderator sees it; the notice's own service decides who may file one. `ref` names the
    notice on the suspension event, so only that notice can lift it again."""
    return _suspend(listing, actor=notifier, reason=reason, data={"notice": ref})


@transaction.atomic
def listing_restore_after_notice(*, listing: Listing, ref: str, actor=None, reason: str) -> bool:
    """Lift the suspension notice `ref` caused; a listing suspended since for another reason
    (or never by this notice) stays as it is. True when the listing came back."""
    listing = lock_listing(listing)
    if listing.status != ListingStatus.SUSPENDED:
        return False
    suspension = _last_suspension(listing)
    if suspension is None or suspension.data.get("notice") != ref:
        return False
    _unsuspend(listing, actor=actor, reason=reason)
    return True
