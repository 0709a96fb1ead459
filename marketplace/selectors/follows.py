"""Reads for follows: the home feed (keyset-paginated), its popular fallback, follow state.

The feed is the published listings by the creators a user follows and of pieces made in the
styles they follow, newest first. A page is one query whatever its size: the cursor is the
last card's (published_at, id), signed, and the next page is the rows strictly after it in
that order (no OFFSET, so a page deep down costs what the first one does, and a listing
published meanwhile never shifts a card onto two pages).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet

from generation.models import Style, StyleStatus
from marketplace.models import Follow, Listing, ListingPiece, User
from marketplace.selectors.listings import CARD_FIELDS, SORTS, listings_public

FEED_PAGE_SIZE = 24
FEED_ORDER = ("-published_at", "-pk")
CURSOR_SALT = "marketplace.feed.cursor"


@dataclass(frozen=True)
class FeedPage:
    """`following` False: the visitor follows nobody (or nothing they follow has listings
    yet), so `listings` are the popular ones and there is no next page."""

    listings: list[Listing]
    next_cursor: str | None
    following: bool


def cursor_encode(listing: Listing) -> str:
    return signing.dumps([listing.published_at.isoformat(), str(listing.pk)], salt=CURSOR_SALT)


def cursor_decode(cursor: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    """The position a cursor names; None for a missing, tampered or malformed one (the
    feed then starts again at its first page)."""
    if not cursor:
        return None
    try:
        published_at, pk = signing.loads(cursor, salt=CURSOR_SALT)
        return dt.datetime.fromisoformat(published_at), uuid.UUID(pk)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def listings_popular(*, limit: int = FEED_PAGE_SIZE) -> list[Listing]:
    """The browse page's "popular" order: favourites by people other than the creator (one
    each; services.engagement keeps that count), then views by others. Follows do not count,
    so follow rings cannot lift anything here."""
    return list(listings_public().order_by(*SORTS["popular"])[:limit])


def _followed_listings(user: User) -> QuerySet[Listing]:
    follows = Follow.objects.filter(follower=user)
    in_followed_style = ListingPiece.objects.filter(
        listing=OuterRef("pk"),
        piece__job__style_version__style__in=follows.filter(style__isnull=False).values("style"),
    )
    return (
        listings_public()
        .only(*CARD_FIELDS, "published_at")
        .filter(
            Q(creator__in=follows.filter(creator__isnull=False).values("creator"))
            | Q(Exists(in_followed_style))
        )
        .exclude(creator=user)
        .order_by(*FEED_ORDER)
    )


def feed_for(user, *, cursor: str | None, limit: int = FEED_PAGE_SIZE) -> FeedPage:
    """A page of `user`'s feed after `cursor`; the popular fallback for anonymous visitors
    and for anyone whose first page would be empty."""
    if not getattr(user, "is_authenticated", False):
        return FeedPage(listings=listings_popular(limit=limit), next_cursor=None, following=False)
    queryset = _followed_listings(user)
    position = cursor_decode(cursor)
    if position is not None:
        published_at, pk = position
        queryset = queryset.filter(
            Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk)
        )
    rows = list(queryset[: limit + 1])
    if not rows and position is None:
        return FeedPage(listings=listings_popular(limit=limit), next_cursor=None, following=False)
    listings = rows[:limit]
    next_cursor = cursor_encode(listings[-1]) if len(rows) > limit else None
    return FeedPage(listings=listings, next_cursor=next_cursor, following=True)


def follows_of(*, user: User) -> QuerySet[Follow]:
    """Whom `user` follows, newest first, with what the Following page shows of each."""
    return (
        Follow.objects.filter(follower=user)
        .select_related("creator", "style")
        .only(
            "created_at",
            "creator",
            "style",
            "creator__display_name",
            "creator__email",
            "style__title",
            "style__status",
        )
        .order_by("-created_at", "-pk")
    )


def follow_target_creator(*, viewer: User, creator_id) -> User | None:
    """A creator, or someone `viewer` follows (unfollowing a former creator still works);
    anyone else looks like no one, so no account's name leaks through these URLs."""
    return (
        User.objects.filter(Q(is_creator=True) | Q(followers__follower=viewer), pk=creator_id)
        .distinct()
        .first()
    )


def follow_target_style(*, viewer: User, style_id) -> Style | None:
    """A style buyers can see (published or withdrawn), or one `viewer` follows."""
    return (
        Style.objects.filter(
            ~Q(status=StyleStatus.DRAFT) | Q(followers__follower=viewer), pk=style_id
        )
        .distinct()
        .first()
    )


def is_following_creator(*, user, creator_id) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(follower=user, creator_id=creator_id).exists()


def is_following_style(*, user, style_id) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(follower=user, style_id=style_id).exists()
