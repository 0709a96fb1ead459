"""Reads for collections. A collection page costs the same queries whatever its size: its
items come with their listing, cover and creator in one query. Nothing here reads what a
collection's owner bought or holds: items carry public listing card data only."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from marketplace.models import Collection, CollectionItem, Listing, ListingStatus, User
from marketplace.selectors.listings import CARD_FIELDS

ITEM_FIELDS = ("position", "listing__status", *(f"listing__{name}" for name in CARD_FIELDS))


def collection_visible(*, collection_id, viewer) -> Collection | None:
    """A public collection for anyone; a private one for its owner only (None otherwise, so
    the page is a 404 that does not tell anyone else it exists)."""
    collection = Collection.objects.select_related("owner").filter(pk=collection_id).first()
    if collection is None or collection.is_public:
        return collection
    if getattr(viewer, "is_authenticated", False) and viewer.pk == collection.owner_id:
        return collection
    return None


def collection_owned(*, collection_id, owner) -> Collection | None:
    """The owner's own collection, for its edit and item controls; another's is None."""
    if not getattr(owner, "is_authenticated", False):
        return None
    return Collection.objects.filter(pk=collection_id, owner=owner).first()


def collection_items(*, collection: Collection, include_hidden: bool) -> QuerySet:
    """The items in order with their listing's card fields. Items whose listing is no longer
    published are left out unless `include_hidden` (the owner's arrange list)."""
    items = (
        CollectionItem.objects.filter(collection=collection)
        .select_related("listing__creator", "listing__cover")
        .only(*ITEM_FIELDS)
        .order_by("position")
    )
    if not include_hidden:
        items = items.filter(listing__status=ListingStatus.PUBLISHED)
    return items


def collections_of(*, owner: User) -> QuerySet[Collection]:
    """The owner's collections, newest change first, each with its item count."""
    return Collection.objects.filter(owner=owner).annotate(size=Count("items"))


def collection_choices(*, owner) -> QuerySet[Collection]:
    """The collections a signed-in person can add a listing to (the detail page's select)."""
    if not getattr(owner, "is_authenticated", False):
        return Collection.objects.none()
    return Collection.objects.filter(owner=owner).only("id", "title")


def listing_for_collecting(*, listing_id, viewer) -> Listing | None:
    """The listing a person asks to add: one the viewer can see (a public listing, or a
    creator's own draft, which the service then refuses with its reason); else None."""
    listing = Listing.objects.only("id", "title", "status", "creator").filter(pk=listing_id)
    listing = listing.first()
    if listing is None or listing.is_public:
        return listing
    return listing if getattr(viewer, "pk", None) == listing.creator_id else None
