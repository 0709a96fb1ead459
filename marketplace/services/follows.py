"""Use cases for following creators and styles, and telling followers about new listings.

Following is idempotent (a second follow changes nothing) and rate-limited per user; nobody
follows themself or their own style. A published listing's followers are notified by a
Celery task (`marketplace.tasks.notify_followers`) in batches, each follower at most once
per listing, so a redelivered wake-up or a re-publication repeats no notice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from core.errors import ApplicationError
from core.models import Notification
from core.ratelimits import Limit, rate_limit_take
from core.services.notifications import notification_send
from generation.models import Style, StyleStatus
from marketplace.models import Follow, Listing, ListingPiece, ListingStatus, User
from marketplace.notification_kinds import NEW_WORKS


def _take_follow_slot(follower: User) -> None:
    count, seconds = settings.FOLLOW_RATE_LIMIT_PER_USER, settings.FOLLOW_RATE_LIMIT_SECONDS
    rate_limit_take(
        Limit("follow:user", count, seconds),
        follower.pk,
        message=f"You have followed too many creators and styles: the limit is {count} "
        f"every {max(1, seconds // 60)} minutes. Please try again later.",
    )


def _follow(*, follower: User, **target) -> Follow:
    """The follower's follow of `target` (creator= or style=), created unless it exists."""
    existing = Follow.objects.filter(follower=follower, **target).first()
    if existing is not None:
        return existing
    _take_follow_slot(follower)
    try:
        with transaction.atomic():
            return Follow.objects.create(follower=follower, **target)
    except IntegrityError:  # a double click raced us: the follow exists either way
        return Follow.objects.get(follower=follower, **target)


@transaction.atomic
def creator_follow(*, follower: User, creator: User) -> Follow:
    """Follow an active creator's new listings."""
    if creator.pk == follower.pk:
        raise ApplicationError("You cannot follow yourself.", code="self_follow")
    if not (creator.is_creator and creator.is_active):
        raise ApplicationError("There is no such creator to follow.", code="not_found")
    return _follow(follower=follower, creator=creator)


@transaction.atomic
def creator_unfollow(*, follower: User, creator: User) -> bool:
    """Stop following; False when there was nothing to stop."""
    deleted, _ = Follow.objects.filter(follower=follower, creator=creator).delete()
    return bool(deleted)


@transaction.atomic
def style_follow(*, follower: User, style: Style) -> Follow:
    """Follow a published style: listings of pieces made in it reach the follower's feed."""
    if style.creator_id == follower.pk:
        raise ApplicationError("You cannot follow your own style.", code="self_follow")
    if style.status != StyleStatus.PUBLISHED:
        raise ApplicationError("This style is not available to follow.", code="not_found")
    return _follow(follower=follower, style=style)


@transaction.atomic
def style_unfollow(*, follower: User, style: Style) -> bool:
    deleted, _ = Follow.objects.filter(follower=follower, style=style).delete()
    return bool(deleted)


def listing_followers(listing: Listing) -> QuerySet[User]:
    """Active users following the listing's creator or a style one of its pieces was made in."""
    in_style = ListingPiece.objects.filter(
        listing=listing, piece__job__style_version__style=OuterRef("style")
    )
    follows = Follow.objects.filter(follower=OuterRef("pk")).filter(
        Q(creator=listing.creator_id) | Q(Exists(in_style))
    )
    return (
        User.objects.filter(Exists(follows), is_active=True)
        .exclude(pk=listing.creator_id)
        .order_by("pk")
    )


def _notify_followers(listing: Listing, followers: list[User]) -> None:
    """The one notice of a new listing (the single place a follower's notice is sent)."""
    notification_send(
        users=followers,
        subject=f"New from {listing.creator.public_name}: {listing.title}",
        body=f"{listing.creator.public_name} published “{listing.title}”.",
        url=reverse("listing_detail", kwargs={"listing_id": listing.pk}),
        ref=f"listing:{listing.pk}",
        kind=NEW_WORKS,
    )


def listing_followers_notify(*, listing_id, batch: int | None = None) -> int:
    """Notify a published listing's followers not yet told of it, `batch` per query and
    transaction (so a creator with many followers never holds one long transaction).
    Returns how many were notified."""
    listing = (
        Listing.objects.select_related("creator")
        .filter(pk=listing_id, status=ListingStatus.PUBLISHED)
        .first()
    )
    if listing is None:
        return 0
    batch = batch or settings.FOLLOW_NOTIFY_BATCH
    told = Notification.objects.filter(ref=f"listing:{listing.pk}").values("user_id")
    pending = listing_followers(listing).exclude(pk__in=told)
    notified, last_pk = 0, 0
    while followers := list(pending.filter(pk__gt=last_pk)[:batch]):
        _notify_followers(listing, followers)
        notified += len(followers)
        last_pk = followers[-1].pk
    return notified
