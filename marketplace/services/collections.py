"""Use cases for collections: create, edit, delete, add and remove listings, reorder.

Every write to a collection's items locks the collection row first (select_for_update), so
concurrent adds, removals and reorders are serialised and positions stay dense (0..n-1);
the unique (collection, position) constraint refuses anything else. Only published listings
can be added; one unpublished or taken down later keeps its item (the collection page hides
it). Creating a collection and adding a listing are rate-limited per person.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.ratelimits import Limit, rate_limit_take
from marketplace.models import Collection, CollectionItem, Listing, ListingStatus, User


def collection_rate_take(*, user: User) -> None:
    """Count one create or add for `user`; raise RateLimited (→ 429) over the limit."""
    count, seconds = settings.COLLECTION_RATE_LIMIT_PER_USER, settings.COLLECTION_RATE_LIMIT_SECONDS
    rate_limit_take(
        Limit("collections:user", count, seconds),
        user.pk,
        message=f"You may create collections or add listings {count} times every "
        f"{max(1, seconds // 60)} minutes. Try again later.",
    )


def _lock(*, collection: Collection, actor: User) -> Collection:
    """The collection's row, locked, once `actor` is known to own it."""
    if collection.owner_id != actor.pk:
        raise PermissionDeniedError("Only the owner can change this collection.")
    return Collection.objects.select_for_update().get(pk=collection.pk)


def _touch(collection: Collection) -> None:
    collection.updated_at = timezone.now()
    collection.save(update_fields=["updated_at"])


@transaction.atomic
def collection_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    is_public: bool = False,
    listing: Listing | None = None,
) -> Collection:
    """A new collection, with `listing` as its first item when given."""
    collection_rate_take(user=owner)
    User.objects.select_for_update().filter(pk=owner.pk).first()  # serialises the count
    limit = settings.COLLECTIONS_MAX_PER_USER
    if Collection.objects.filter(owner=owner).count() >= limit:
        raise ApplicationError(
            f"You already have the most collections allowed ({limit}). Delete one first.",
            field="title",
            code="limit",
        )
    collection = Collection(owner=owner, title=title, description=description, is_public=is_public)
    collection.full_clean()
    collection.save()
    if listing is not None:
        _add(collection=collection, listing=listing)
    return collection


@transaction.atomic
def collection_update(
    *, collection: Collection, actor: User, title: str, description: str, is_public: bool
) -> Collection:
    collection = _lock(collection=collection, actor=actor)
    collection.title, collection.description = title, description
    collection.is_public = is_public
    collection.full_clean()
    collection.save(update_fields=["title", "description", "is_public", "updated_at"])
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection, actor: User) -> None:
    _lock(collection=collection, actor=actor).delete()


def _add(*, collection: Collection, listing: Listing) -> CollectionItem:
    """Append `listing` to a locked collection."""
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            "Only published listings can be added to a collection.", field="collection"
        )
    items = CollectionItem.objects.filter(collection=collection)
    if items.filter(listing=listing).exists():
        raise ApplicationError(
            f"“{listing.title}” is already in “{collection.title}”.",
            field="collection",
            code="duplicate",
        )
    size, limit = items.count(), settings.COLLECTION_MAX_ITEMS
    if size >= limit:
        raise ApplicationError(
            f"“{collection.title}” already holds the most listings allowed ({limit}).",
            field="collection",
            code="limit",
        )
    return CollectionItem.objects.create(collection=collection, listing=listing, position=size)


@transaction.atomic
def collection_add_listing(
    *, collection: Collection, actor: User, listing: Listing
) -> CollectionItem:
    """Add a published listing at the end of the collection."""
    collection_rate_take(user=actor)
    collection = _lock(collection=collection, actor=actor)
    item = _add(collection=collection, listing=listing)
    _touch(collection)
    return item


def _ordered_ids(collection: Collection) -> list[int]:
    return list(
        CollectionItem.objects.filter(collection=collection)
        .order_by("position")
        .values_list("pk", flat=True)
    )


def _write_order(collection: Collection, item_ids: list[int]) -> None:
    """Give the items positions 0..n-1 in this order. Two statements so the unique
    (collection, position) constraint holds row by row: first every position moves above
    the current maximum, then each takes its final place."""
    items = CollectionItem.objects.filter(collection=collection)
    top = items.aggregate(top=Max("position"))["top"]
    if top is None:
        return
    items.update(position=F("position") + top + 1)
    rows = [CollectionItem(pk=pk, position=index) for index, pk in enumerate(item_ids)]
    CollectionItem.objects.bulk_update(rows, ["position"])
    _touch(collection)


def _item_index(ids: list[int], item_id: int) -> int:
    try:
        return ids.index(item_id)
    except ValueError:
        raise ApplicationError("That item is not in this collection.", code="not_found") from None


@transaction.atomic
def collection_remove_item(*, collection: Collection, actor: User, item_id: int) -> None:
    collection = _lock(collection=collection, actor=actor)
    ids = _ordered_ids(collection)
    ids.pop(_item_index(ids, item_id))
    CollectionItem.objects.filter(collection=collection, pk=item_id).delete()
    _write_order(collection, ids)


@transaction.atomic
def collection_move_item(
    *, collection: Collection, actor: User, item_id: int, direction: Literal["up", "down"]
) -> None:
    """Swap the item with its neighbour; at either end it stays where it is."""
    collection = _lock(collection=collection, actor=actor)
    ids = _ordered_ids(collection)
    index = _item_index(ids, item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        _write_order(collection, ids)


@transaction.atomic
def collection_reorder(*, collection: Collection, actor: User, item_ids: list[int]) -> None:
    """Set the whole order: `item_ids` must name every item of the collection exactly once."""
    collection = _lock(collection=collection, actor=actor)
    current = _ordered_ids(collection)
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(current):
        raise ApplicationError(
            f"Send every item of this collection exactly once ({len(current)} items).",
            field="items",
        )
    _write_order(collection, item_ids)
