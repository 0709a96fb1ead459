"""Collections: dense positions, visibility, privacy of purchases, limits and bad input."""

import re
import uuid

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from licensing.services.grants import licence_grant_issue
from marketplace.models import Collection, CollectionItem
from marketplace.services.collections import (
    collection_add_listing,
    collection_create,
    collection_move_item,
    collection_remove_item,
    collection_reorder,
)
from marketplace.services.listings import listing_unpublish
from marketplace.services.privacy import account_delete, account_export_data
from marketplace.services.suspensions import listing_suspend
from tests.factories import PASSWORD, UserFactory
from tests.licensing.licences import paid_line
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings(creator):
    return [make_listing(creator, publish=True, title=f"Harbour {i}") for i in range(4)]


def positions(collection) -> list[str]:
    items = CollectionItem.objects.filter(collection=collection).order_by("position")
    return [(item.position, item.listing.title) for item in items.select_related("listing")]


def filled(owner, listings, **fields) -> Collection:
    collection = collection_create(owner=owner, title="Sea", **fields)
    for listing in listings:
        collection_add_listing(collection=collection, actor=owner, listing=listing)
    return collection


def item_ids(collection) -> list[int]:
    return list(collection.items.order_by("position").values_list("pk", flat=True))


def main_content(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def test_add_remove_move_and_reorder_keep_positions_dense(buyer, listings):
    collection = filled(buyer, listings)
    assert positions(collection) == [(i, f"Harbour {i}") for i in range(4)]

    first, second, third, fourth = item_ids(collection)
    collection_remove_item(collection=collection, actor=buyer, item_id=second)
    assert positions(collection) == [(0, "Harbour 0"), (1, "Harbour 2"), (2, "Harbour 3")]

    collection_move_item(collection=collection, actor=buyer, item_id=fourth, direction="up")
    collection_move_item(collection=collection, actor=buyer, item_id=first, direction="up")
    assert positions(collection) == [(0, "Harbour 0"), (1, "Harbour 3"), (2, "Harbour 2")]

    collection_reorder(collection=collection, actor=buyer, item_ids=[third, first, fourth])
    assert positions(collection) == [(0, "Harbour 2"), (1, "Harbour 0"), (2, "Harbour 3")]


def test_a_full_order_must_name_every_item_once(buyer, listings):
    collection = filled(buyer, listings[:2])
    other = filled(UserFactory(), listings[2:3])
    a, b = item_ids(collection)
    for wrong in ([a], [a, a], [a, b, item_ids(other)[0]], [b, item_ids(other)[0]]):
        with pytest.raises(ApplicationError):
            collection_reorder(collection=collection, actor=buyer, item_ids=wrong)
    assert item_ids(collection) == [a, b]


def test_only_published_listings_can_be_added(buyer, creator):
    collection = collection_create(owner=buyer, title="Drafts")
    with pytest.raises(ApplicationError, match="Only published"):
        collection_add_listing(
            collection=collection, actor=buyer, listing=make_listing(creator, title="Draft")
        )
    assert not collection.items.exists()


def test_someone_else_cannot_change_a_collection(buyer, listings):
    collection = filled(buyer, listings[:1])
    with pytest.raises(ApplicationError):
        collection_add_listing(collection=collection, actor=UserFactory(), listing=listings[1])
    assert collection.items.count() == 1


def test_unpublished_and_suspended_listings_are_hidden_but_their_items_stay(
    client, buyer, creator, moderator, listings
):
    collection = filled(buyer, listings[:3], is_public=True)
    listing_unpublish(listing=listings[0], actor=creator)
    listing_suspend(listing=listings[1], actor=moderator, reason="Reported")
    url = reverse("collection_detail", args=[collection.pk])

    public = main_content(client.get(url))
    client.force_login(buyer)
    own = main_content(client.get(url))

    assert "Harbour 2" in public and "Harbour 0" not in public and "Harbour 1" not in public
    assert "Harbour 0" not in own and own.count("A listing that is no longer available") == 2
    assert collection.items.count() == 3


def test_a_private_collection_is_404_to_everyone_but_its_owner(client, buyer, listings):
    collection = filled(buyer, listings[:1])
    urls = [
        reverse("collection_detail", args=[collection.pk]),
        reverse("collection_edit", args=[collection.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in (302, 404)
    client.force_login(UserFactory())
    assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(buyer)
    assert [client.get(url).status_code for url in urls] == [200, 200]


def test_a_public_collection_is_shareable_by_its_url(client, buyer, listings):
    collection = filled(buyer, listings[:2], is_public=True)
    response = client.get(reverse("collection_detail", args=[collection.pk]))
    page = main_content(response)
    assert response.status_code == 200
    assert "Harbour 0" in page and "Harbour 1" in page
    assert page.index("Harbour 0") < page.index("Harbour 1")
    assert "Move up" not in page and "Edit or delete" not in page


def test_the_page_never_shows_what_the_owner_bought(client, buyer, listings):
    grant = licence_grant_issue(
        order_line=paid_line(listing=listings[0], buyer=buyer), licensee=buyer
    )
    collection = filled(buyer, listings[:2], is_public=True)
    url = reverse("collection_detail", args=[collection.pk])
    pages = [main_content(client.get(url))]
    client.force_login(buyer)
    pages.append(main_content(client.get(url)))
    for page in pages:
        assert "Harbour 0" in page
        assert str(grant.certificate.pk) not in page
        assert not re.search(r"licen[cs]|certificate|download|owned|purchased", page, re.I)


def test_view_create_edit_and_delete(client, buyer):
    client.force_login(buyer)
    created = client.post(
        reverse("collection_create"), {"title": "Blues", "description": "Calm", "is_public": "on"}
    )
    collection = Collection.objects.get(owner=buyer)
    edited = client.post(
        reverse("collection_edit", args=[collection.pk]), {"title": "Greens", "description": ""}
    )
    collection.refresh_from_db()
    mine = client.get(reverse("collections_mine")).content.decode()
    deleted = client.post(reverse("collection_delete", args=[collection.pk]))

    assert created.status_code == edited.status_code == deleted.status_code == 302
    assert (collection.title, collection.description, collection.is_public) == ("Greens", "", False)
    assert "Greens" in mine and "Private" in mine
    assert not Collection.objects.filter(owner=buyer).exists()


def test_new_collection_from_a_listing_starts_with_it(client, buyer, listings):
    client.force_login(buyer)
    page = client.get(reverse("collection_create") + f"?listing={listings[0].pk}")
    client.post(reverse("collection_create"), {"title": "Firsts", "listing": listings[0].pk})
    assert f'value="{listings[0].pk}"' in page.content.decode()
    assert positions(Collection.objects.get(owner=buyer)) == [(0, "Harbour 0")]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 121}, "at most 120 characters"),
        ({"title": "Ok", "description": "x" * 1001}, "at most 1000 characters"),
        ({"title": "Ok", "listing": "not-a-uuid"}, "valid UUID"),
        ({"title": "Ok", "listing": str(uuid.uuid4())}, "That listing is not available."),
    ],
)
def test_bad_collection_forms_are_400_with_the_reason(client, buyer, data, error):
    client.force_login(buyer)
    response = client.post(reverse("collection_create"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Collection.objects.exists()


def test_the_listing_page_adds_to_a_collection_with_or_without_htmx(client, buyer, listings):
    collection = collection_create(owner=buyer, title="Sea")
    client.force_login(buyer)
    detail = client.get(reverse("listing_detail", args=[listings[0].pk])).content.decode()
    url = reverse("listing_collection_add", args=[listings[0].pk])

    plain = client.post(url, {"collection": collection.pk})
    again = client.post(url, {"collection": collection.pk})
    fragment = client.post(
        reverse("listing_collection_add", args=[listings[1].pk]),
        {"collection": collection.pk},
        headers={"HX-Request": "true"},
    )

    assert f'<option value="{collection.pk}">Sea</option>' in detail
    assert plain.status_code == 302
    assert plain["Location"] == reverse("listing_detail", args=[listings[0].pk])
    assert again.status_code == 400 and "already in" in again.content.decode()
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "Added to" in fragment.content.decode()
    assert positions(collection) == [(0, "Harbour 0"), (1, "Harbour 1")]


def test_adding_to_someone_elses_collection_is_a_form_error(client, buyer, listings):
    theirs = collection_create(owner=UserFactory(), title="Theirs")
    client.force_login(buyer)
    url = reverse("listing_collection_add", args=[listings[0].pk])
    for value, error in [
        (theirs.pk, "Choose one of your collections."),
        ("junk", "Choose one of your collections."),
        ("", "This field is required."),
    ]:
        response = client.post(url, {"collection": value})
        assert response.status_code == 400
        assert error in response.content.decode()
    assert not theirs.items.exists()


def test_item_controls_check_their_input(client, buyer, listings):
    collection = filled(buyer, listings[:2])
    stranger = filled(UserFactory(), listings[2:3])
    client.force_login(buyer)
    first, second = item_ids(collection)
    move = reverse("collection_item_move", args=[collection.pk, first])
    foreign = [first, second, item_ids(stranger)[0]]

    assert client.post(move, {"direction": "sideways"}).status_code == 400
    assert client.post(move, {"direction": "down"}).status_code == 302
    order = client.post(reverse("collection_reorder", args=[collection.pk]), {"items": foreign})
    junk = client.post(reverse("collection_reorder", args=[collection.pk]), {"items": ["x"]})
    removal = client.post(
        reverse("collection_item_remove", args=[collection.pk, item_ids(stranger)[0]])
    )

    assert order.status_code == 400 and "exactly once" in order.content.decode()
    assert junk.status_code == 400 and "whole number" in junk.content.decode()
    assert removal.status_code == 404
    assert item_ids(collection) == [second, first]
    assert stranger.items.count() == 1


def test_limits_give_a_clear_error(client, settings, buyer, listings):
    settings.COLLECTIONS_MAX_PER_USER = 1
    settings.COLLECTION_MAX_ITEMS = 1
    collection = filled(buyer, listings[:1])
    client.force_login(buyer)

    second = client.post(reverse("collection_create"), {"title": "Two"})
    full = client.post(
        reverse("listing_collection_add", args=[listings[1].pk]), {"collection": collection.pk}
    )

    assert (
        second.status_code == 400 and "the most collections allowed (1)" in second.content.decode()
    )
    assert full.status_code == 400 and "the most listings allowed (1)" in full.content.decode()
    assert Collection.objects.filter(owner=buyer).count() == 1 and collection.items.count() == 1


def test_creating_and_adding_are_rate_limited(client, settings, buyer, listings):
    settings.COLLECTION_RATE_LIMIT_PER_USER = 2
    client.force_login(buyer)
    client.post(reverse("collection_create"), {"title": "One"})
    collection = Collection.objects.get(owner=buyer)
    add = reverse("listing_collection_add", args=[listings[0].pk])
    assert client.post(add, {"collection": collection.pk}).status_code == 302

    refused = [
        client.post(reverse("collection_create"), {"title": "Two"}),
        client.post(
            reverse("listing_collection_add", args=[listings[1].pk]), {"collection": collection.pk}
        ),
    ]

    assert [response.status_code for response in refused] == [429, 429]
    assert int(refused[0]["Retry-After"]) > 0
    assert Collection.objects.filter(owner=buyer).count() == 1 and collection.items.count() == 1


@pytest.mark.parametrize("size", [1, 4])
def test_the_collection_page_costs_the_same_queries_at_any_size(
    client, buyer, listings, size, django_assert_num_queries
):
    collection = filled(buyer, listings[:size], is_public=True)
    url = reverse("collection_detail", args=[collection.pk])
    with django_assert_num_queries(3):  # collection + owner, the count, the items' cards
        assert client.get(url).status_code == 200
    client.force_login(buyer)
    with django_assert_num_queries(5):  # + session and user
        assert client.get(url).status_code == 200
    with django_assert_num_queries(3):  # session, user, collections with their counts
        assert client.get(reverse("collections_mine")).status_code == 200


def test_export_holds_collections_and_deleting_the_account_removes_them(buyer, listings):
    collection = filled(buyer, listings[:1], is_public=True)
    data = account_export_data(user=buyer)
    account_delete(user=buyer, password=PASSWORD)

    assert [row["title"] for row in data["collections"]] == ["Sea"]
    assert [row["listing_id"] for row in data["collection_items"]] == [listings[0].pk]
    assert not Collection.objects.filter(pk=collection.pk).exists()
