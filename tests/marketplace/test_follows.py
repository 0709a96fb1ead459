"""Follows, the home feed (keyset cursor, popular fallback) and followers' notices."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.errors import ApplicationError
from core.models import Notification
from generation.models import GenerationJob
from marketplace.models import Follow, Listing
from marketplace.selectors.follows import feed_for
from marketplace.services.engagement import favourite_toggle
from marketplace.services.follows import (
    creator_follow,
    creator_unfollow,
    listing_followers_notify,
    style_follow,
    style_unfollow,
)
from marketplace.services.privacy import account_delete, account_export_data
from tests.commissions.factories import make_style
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing, make_piece

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def published(creator, title, *, minutes=0, style=None, **fields):
    """A published listing whose published_at is T0 + `minutes` (so order is exact); its
    piece was made in `style` when given."""
    piece = make_piece(creator)
    if style is not None:
        GenerationJob.objects.filter(pk=piece.job_id).update(style_version=style.current_version)
    listing = make_listing(creator, pieces=[piece], publish=True, title=title, **fields)
    Listing.objects.filter(pk=listing.pk).update(published_at=T0 + dt.timedelta(minutes=minutes))
    return Listing.objects.get(pk=listing.pk)


def titles(listings):
    return [listing.title for listing in listings]


def test_following_twice_keeps_one_follow_and_unfollowing_is_idempotent(creator, buyer):
    style = make_style(creator)

    first = creator_follow(follower=buyer, creator=creator)
    again = creator_follow(follower=buyer, creator=creator)
    style_follow(follower=buyer, style=style)
    style_follow(follower=buyer, style=style)

    assert first.pk == again.pk
    assert Follow.objects.filter(follower=buyer).count() == 2
    assert creator_unfollow(follower=buyer, creator=creator) is True
    assert creator_unfollow(follower=buyer, creator=creator) is False
    assert style_unfollow(follower=buyer, style=style) is True
    assert not Follow.objects.exists()


def test_nobody_follows_themself_or_their_own_style(creator, buyer):
    style = make_style(creator)

    with pytest.raises(ApplicationError, match="cannot follow yourself"):
        creator_follow(follower=creator, creator=creator)
    with pytest.raises(ApplicationError, match="your own style"):
        style_follow(follower=creator, style=style)
    with pytest.raises(ApplicationError) as not_a_creator:
        creator_follow(follower=creator, creator=buyer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=creator, creator=creator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=buyer, creator=creator, style=style)

    assert not_a_creator.value.code == "not_found"
    assert not Follow.objects.exists()


def test_feed_shows_followed_creators_and_styles_newest_first_and_nobody_else(creator, buyer):
    painter, stranger = UserFactory(creator=True), UserFactory(creator=True)
    style = make_style(painter)
    published(creator, "Old dune", minutes=1)
    published(stranger, "Stranger's own", minutes=2)
    published(stranger, "Made in the style", minutes=3, style=style)
    published(creator, "New dune", minutes=4)
    published(painter, "Painter, no style", minutes=5)
    creator_follow(follower=buyer, creator=creator)
    style_follow(follower=buyer, style=style)

    page = feed_for(buyer, cursor=None)

    assert page.following is True and page.next_cursor is None
    assert titles(page.listings) == ["New dune", "Made in the style", "Old dune"]


def test_cursor_pages_are_disjoint_and_consecutive_even_on_equal_times(creator, buyer):
    for index in range(5):  # two pairs share a publication time
        published(creator, f"Piece {index}", minutes=index // 2)
    creator_follow(follower=buyer, creator=creator)
    everything = feed_for(buyer, cursor=None, limit=10).listings

    pages, cursor = [], None
    while True:
        page = feed_for(buyer, cursor=cursor, limit=2)
        pages.append(titles(page.listings))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert [len(page) for page in pages] == [2, 2, 1]
    assert sum(pages, []) == titles(everything)
    assert len(set(sum(pages, []))) == 5
    assert [listing.published_at for listing in everything] == sorted(
        (listing.published_at for listing in everything), reverse=True
    )


def test_a_tampered_cursor_starts_again_at_the_first_page(client, creator, buyer):
    published(creator, "Older", minutes=1)
    published(creator, "Newest", minutes=2)
    creator_follow(follower=buyer, creator=creator)
    client.force_login(buyer)
    cursor = feed_for(buyer, cursor=None, limit=1).next_cursor
    tampered = cursor[:-1] + ("a" if cursor[-1] != "a" else "b")

    for junk in (tampered, "not:signed", "W10:1vX:junk", "é" * 40, "\x00", ""):
        response = client.get(reverse("home"), {"cursor": junk})
        html = response.content.decode()
        assert response.status_code == 200
        assert "From creators and styles you follow" in html
        assert "Newest" in html and "Older" in html


def test_home_page_more_link_walks_the_feed(client, creator, buyer):
    for index in range(3):
        published(creator, f"Walk {index}", minutes=index)
    creator_follow(follower=buyer, creator=creator)
    client.force_login(buyer)
    first_cursor = feed_for(buyer, cursor=None, limit=2).next_cursor

    second = client.get(reverse("home"), {"cursor": first_cursor}).content.decode()

    assert "Walk 0" in second and "Walk 2" not in second and "Back to the newest" in second


def test_following_nobody_falls_back_to_popular(client, creator, buyer):
    published(creator, "Liked", minutes=1)
    published(creator, "Newer, unliked", minutes=2)
    favourite_toggle(user=UserFactory(), listing=Listing.objects.get(title="Liked"))
    client.force_login(buyer)

    page = feed_for(buyer, cursor=None)
    anonymous = feed_for(None, cursor=None)
    html = client.get(reverse("home")).content.decode()

    assert page.following is False and titles(page.listings) == ["Liked", "Newer, unliked"]
    assert titles(anonymous.listings) == ["Liked", "Newer, unliked"]
    assert "Popular right now" in html and "Liked" in html


def test_popular_ignores_a_creator_favouriting_their_own_listing(creator, buyer):
    older = published(creator, "Liked by a buyer", minutes=1)
    newer = published(creator, "Liked by its creator", minutes=2)
    favourite_toggle(user=buyer, listing=older)
    favourite_toggle(user=creator, listing=newer)

    page = feed_for(UserFactory(), cursor=None)

    newer.refresh_from_db()
    assert newer.favourite_count == 0 and newer.favourites.filter(user=creator).exists()
    assert titles(page.listings) == ["Liked by a buyer", "Liked by its creator"]
    assert favourite_toggle(user=creator, listing=newer) is False
    newer.refresh_from_db()
    assert newer.favourite_count == 0


def test_publishing_notifies_followers_once(
    creator, buyer, monkeypatch, no_embedding_tasks, django_capture_on_commit_callbacks
):
    from marketplace import tasks

    style_fan, stranger = UserFactory(), UserFactory()
    style = make_style(creator)
    creator_follow(follower=buyer, creator=creator)
    style_follow(follower=style_fan, style=style)
    monkeypatch.setattr(tasks.notify_followers, "delay", tasks.notify_followers)
    piece = make_piece(creator)
    GenerationJob.objects.filter(pk=piece.job_id).update(style_version=style.current_version)

    with django_capture_on_commit_callbacks(execute=True):
        listing = make_listing(creator, pieces=[piece], publish=True, title="Fresh tide")

    notices = Notification.objects.filter(ref=f"listing:{listing.pk}")
    assert sorted(notices.values_list("user_id", flat=True)) == sorted([buyer.pk, style_fan.pk])
    assert "Fresh tide" in notices.first().subject
    assert notices.first().url == reverse("listing_detail", args=[listing.pk])
    assert listing_followers_notify(listing_id=listing.pk) == 0  # a redelivered wake-up
    assert notices.count() == 2 and not stranger.notifications.exists()


def test_a_follower_who_turned_new_works_off_gets_no_notice(
    creator, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    from core.notifications import Channels
    from core.services.notification_preferences import notification_preferences_save
    from marketplace.notification_kinds import NEW_WORKS

    quiet = UserFactory()
    for follower in (buyer, quiet):
        creator_follow(follower=follower, creator=creator)
    notification_preferences_save(
        user=quiet, choices={NEW_WORKS: Channels(in_app=False, email=False)}
    )
    listing = published(creator, "Quiet please")

    with django_capture_on_commit_callbacks(execute=True):
        listing_followers_notify(listing_id=listing.pk)

    notices = Notification.objects.filter(ref=f"listing:{listing.pk}")
    assert list(notices.values_list("user_id", flat=True)) == [buyer.pk]
    assert [m.to for m in mailoutbox if "Quiet please" in m.subject] == [[buyer.email]]


def test_followers_are_notified_in_batches(creator):
    followers = [UserFactory() for _ in range(3)]
    for follower in followers:
        creator_follow(follower=follower, creator=creator)
    listing = published(creator, "Batched")

    assert listing_followers_notify(listing_id=listing.pk, batch=2) == 3
    assert Notification.objects.filter(ref=f"listing:{listing.pk}").count() == 3


def test_follow_buttons_work_without_javascript_and_with_htmx(client, creator, buyer):
    style = make_style(creator)
    client.force_login(buyer)
    storefront = reverse("storefront", args=[creator.pk])

    page = client.get(storefront).content.decode()
    response = client.post(reverse("creator_follow", args=[creator.pk]), {"next": storefront})
    fragment = client.post(
        reverse("style_follow", args=[style.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    style_page = client.get(reverse("style_detail", args=[style.pk])).content.decode()

    assert f"Follow {creator.public_name}" in page
    assert response.status_code == 302 and response["Location"] == storefront
    assert "Unfollow the style" in fragment and "<html" not in fragment
    assert "Unfollow the style" in style_page
    assert Follow.objects.filter(follower=buyer).count() == 2
    assert client.get(reverse("creator_follow", args=[creator.pk])).status_code == 405


def test_following_page_lists_follows_with_unfollow_buttons(client, creator, buyer):
    style = make_style(creator, title="Teal wash")
    creator_follow(follower=buyer, creator=creator)
    style_follow(follower=buyer, style=style)
    client.force_login(buyer)

    html = client.get(reverse("following")).content.decode()
    response = client.post(
        reverse("creator_unfollow", args=[creator.pk]), {"next": "//evil.example/"}
    )

    assert creator.public_name in html and "Teal wash" in html
    assert reverse("creator_unfollow", args=[creator.pk]) in html
    assert reverse("style_unfollow", args=[style.pk]) in html
    assert response["Location"] == reverse("storefront", args=[creator.pk])
    assert list(Follow.objects.values_list("style_id", flat=True)) == [style.pk]


def test_self_follow_by_post_is_refused_with_a_message(client, creator):
    client.force_login(creator)

    response = client.post(reverse("creator_follow", args=[creator.pk]), follow=True)

    assert "You cannot follow yourself." in response.content.decode()
    assert not Follow.objects.exists()


def test_follows_are_rate_limited(client, settings, buyer):
    settings.FOLLOW_RATE_LIMIT_PER_USER = 2
    creators = [UserFactory(creator=True) for _ in range(3)]
    client.force_login(buyer)

    answers = [
        client.post(reverse("creator_follow", args=[creator.pk])).status_code
        for creator in creators
    ]

    assert answers == [302, 302, 429]
    assert Follow.objects.filter(follower=buyer).count() == 2
    # Re-following someone already followed takes no slot.
    assert client.post(reverse("creator_follow", args=[creators[0].pk])).status_code == 302


@pytest.mark.parametrize("count", [1, 4])
def test_feed_page_queries_do_not_grow_with_its_size(
    client, creator, buyer, count, django_assert_num_queries
):
    for index in range(count):
        published(creator, f"Counted {index}", minutes=index)
    creator_follow(follower=buyer, creator=creator)
    client.force_login(buyer)

    with django_assert_num_queries(4):  # session, user, the feed page, its favourites
        html = client.get(reverse("home")).content.decode()

    assert html.count('class="listing-card"') == count


def test_follows_are_exported_and_go_with_a_deleted_account(creator, buyer, password):
    fan = UserFactory()
    creator_follow(follower=buyer, creator=creator)
    creator_follow(follower=fan, creator=creator)

    exported = account_export_data(user=buyer)["follows"]
    account_delete(user=creator, password=password)

    assert [row["creator_id"] for row in exported] == [creator.pk]
    assert not Follow.objects.exists()
