"""The anonymous page cache: shared only between signed-out visitors, dropped when the
catalogue changes, and never serving one visitor's token or messages to another."""

import pytest
from django.urls import reverse

from marketplace.models import Listing
from marketplace.services.listings import listing_unpublish
from marketplace.services.suspensions import listing_suspend
from tests.factories import PASSWORD
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_second_anonymous_request_is_served_from_the_cache(client, creator):
    listing = make_listing(creator, title="Harbour lights", publish=True)
    url = reverse("listing_browse") + "?q=harbour"

    first, second = get(client, url), get(client, url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert listing.title.encode() in second.content
    assert "Cookie" in second["Vary"]
    # Security headers are added by middleware around the cached page too.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_cached_pages_carry_no_csrf_token_or_cookie(client, creator):
    listing = make_listing(creator, publish=True)

    for url in (reverse("home"), reverse("listing_detail", args=[listing.pk])):
        response = get(client, url)
        assert response["X-Page-Cache"] == "miss"
        assert b"csrfmiddlewaretoken" not in response.content
        assert b"X-CSRFToken" not in response.content
        assert not response.cookies


def test_signed_in_visitors_always_get_a_fresh_page(client, creator, buyer):
    make_listing(creator, publish=True)
    url = reverse("listing_browse")
    get(client, url)  # cached for signed-out visitors
    client.login(email=buyer.email, password=PASSWORD)

    response = get(client, url)

    assert "X-Page-Cache" not in response
    assert b"X-CSRFToken" in response.content  # htmx header for signed-in pages


def test_a_visitor_with_pending_messages_is_not_served_a_shared_page(client, creator):
    make_listing(creator, publish=True)
    url = reverse("listing_browse")
    get(client, url)
    client.cookies["messages"] = "anything"

    assert "X-Page-Cache" not in get(client, url)


@pytest.mark.parametrize("change", ["unpublish", "suspend"])
def test_a_hidden_listing_leaves_cached_pages_at_once(
    client, creator, moderator, change, django_capture_on_commit_callbacks
):
    listing = make_listing(creator, title="Harbour lights", publish=True)
    browse, detail = reverse("listing_browse"), reverse("listing_detail", args=[listing.pk])
    assert b"Harbour lights" in get(client, browse).content
    get(client, detail)

    with django_capture_on_commit_callbacks(execute=True):
        if change == "unpublish":
            listing_unpublish(listing=listing, actor=creator)
        else:
            listing_suspend(listing=listing, actor=moderator, reason="Reported")

    fresh = get(client, browse)
    assert fresh["X-Page-Cache"] == "miss"
    assert b"Harbour lights" not in fresh.content
    assert client.get(detail).status_code == 404


def test_views_served_from_the_cache_are_still_counted(client, creator):
    listing = make_listing(creator, publish=True)
    url = reverse("listing_detail", args=[listing.pk])

    responses = [get(client, url) for _ in range(3)]

    assert [r["X-Page-Cache"] for r in responses] == ["miss", "hit", "hit"]
    assert Listing.objects.get(pk=listing.pk).view_count == 3


def test_htmx_fragment_and_full_page_are_cached_apart(client, creator):
    listing = make_listing(creator, publish=True)
    url = reverse("listing_similar", args=[listing.pk])

    page = get(client, url)
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert fragment["X-Page-Cache"] == "miss"
    assert b"<html" in page.content
    assert b"<html" not in fragment.content


def test_errors_are_not_cached(client):
    url = reverse("listing_browse") + "?category=nope"

    responses = [client.get(url) for _ in range(2)]

    assert [r.status_code for r in responses] == [400, 400]
    assert all("X-Page-Cache" not in r for r in responses)


def test_zero_seconds_turns_the_cache_off(client, creator, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_listing(creator, publish=True)

    responses = [get(client, reverse("listing_browse")) for _ in range(2)]

    assert all("X-Page-Cache" not in r for r in responses)
