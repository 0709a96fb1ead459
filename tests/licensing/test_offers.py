from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from licensing.models import ExclusiveHold, ListingOffer
from licensing.selectors.grants import listing_offers
from licensing.services.grants import (
    ExclusiveAlreadySold,
    ExclusiveHeld,
    exclusive_hold_acquire,
    exclusive_hold_release,
    licence_grant_issue,
    licence_offer_for_purchase,
    licence_offers_set,
)
from marketplace.models import ListingStatus
from marketplace.services.listings import listing_unpublish
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing

pytestmark = pytest.mark.django_db

ALL = {"personal": 500, "standard": 1500, "extended": 6000, "exclusive": 90000}


@pytest.fixture
def listing(tiers, creator, no_embedding_tasks):
    return published_listing(creator, price_amount=1500, currency="EUR")


def codes(offers):
    return [(offer.tier.code, offer.price_amount, offer.currency) for offer in offers]


def test_without_offers_the_listing_price_is_the_standard_tier(listing):
    offers = listing_offers(listing=listing)
    assert codes(offers) == [("standard", 1500, "EUR")]
    assert offers[0].pk is None
    assert offers[0].current_terms.version == 3


def test_creator_sets_tiers_ordered_by_rank_and_listing_price_is_the_lowest(listing, creator):
    offers = licence_offers_set(
        listing=listing,
        actor=creator,
        offers={"exclusive": 90000, "standard": 1500, "personal": 500, "extended": None},
    )
    assert codes(offers) == [
        ("personal", 500, "EUR"),
        ("standard", 1500, "EUR"),
        ("exclusive", 90000, "EUR"),
    ]
    listing.refresh_from_db()
    assert listing.price_amount == 500

    offers = licence_offers_set(listing=listing, actor=creator, offers={"personal": 700})
    assert codes(offers) == [("personal", 700, "EUR")]  # personal use only
    assert ListingOffer.objects.filter(listing=listing).count() == 1


def test_only_the_creator_sets_offers_and_nothing_changes_otherwise(listing, buyer):
    with pytest.raises(PermissionDeniedError):
        licence_offers_set(listing=listing, actor=buyer, offers=ALL)
    assert not ListingOffer.objects.exists()


@pytest.mark.parametrize(
    ("offers", "message"),
    [
        ({"standard": None, "personal": None}, "at least one"),
        ({}, "at least one"),
        ({"platinum": 500}, "Unknown licence tier"),
        ({"standard": 10}, "Standard price must be between"),
    ],
)
def test_offer_rules(listing, creator, offers, message):
    with pytest.raises(ApplicationError, match=message):
        licence_offers_set(listing=listing, actor=creator, offers=offers)
    assert not ListingOffer.objects.exists()


def test_offers_page_is_for_the_creator_only(client, listing, creator, buyer):
    url = reverse("licensing:listing_licences", args=[listing.pk])
    client.force_login(buyer)
    assert client.get(url).status_code == 404
    assert client.post(url, {"standard": "99.00"}).status_code == 404
    assert not ListingOffer.objects.exists()

    client.force_login(creator)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="exclusive"' in page.content.decode()
    assert 'value="15.00"' in page.content.decode()

    response = client.post(url, {"personal": "5.00", "standard": "", "exclusive": "900"})
    assert response.status_code == 302
    assert codes(listing_offers(listing=listing)) == [
        ("personal", 500, "EUR"),
        ("exclusive", 90000, "EUR"),
    ]
    empty = client.post(url, {"personal": "", "standard": ""})
    assert empty.status_code == 400
    assert "Offer at least one licence tier" in empty.content.decode()


def test_listing_page_lists_offers_with_rights_and_buy_forms(client, listing, creator, buyer):
    licence_offers_set(listing=listing, actor=creator, offers={"personal": 500, "exclusive": 90000})
    client.force_login(buyer)
    body = client.get(reverse("listing_detail", args=[listing.pk])).content.decode()
    assert "Exclusive <span" in body and "€900.00" in body and "buy-out" not in body
    assert "withdrawn from sale" in body  # plain-language rights
    assert f'action="{reverse("checkout_start", args=[listing.pk])}"' in body
    assert 'name="tier" value="personal"' in body
    assert 'name="tier" value="exclusive"' in body
    assert 'value="standard"' not in body

    client.force_login(creator)
    own = client.get(reverse("listing_detail", args=[listing.pk])).content.decode()
    assert 'name="tier"' not in own
    assert reverse("licensing:listing_licences", args=[listing.pk]) in own


def test_purchase_checks_refuse_before_payment(listing, creator, buyer):
    licence_offers_set(listing=listing, actor=creator, offers={"standard": 1500})
    offer = licence_offer_for_purchase(listing=listing, tier_code="standard", buyer=buyer)
    assert (offer.price_amount, offer.currency, offer.tier.name) == (1500, "EUR", "Standard")

    with pytest.raises(ApplicationError, match="does not offer that licence"):
        licence_offer_for_purchase(listing=listing, tier_code="exclusive", buyer=buyer)
    with pytest.raises(ApplicationError, match="your own listing"):
        licence_offer_for_purchase(listing=listing, tier_code="standard", buyer=creator)

    licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)
    with pytest.raises(ApplicationError, match="already hold a Standard licence"):
        licence_offer_for_purchase(listing=listing, tier_code="standard", buyer=buyer)

    listing = listing_unpublish(listing=listing, actor=creator)
    with pytest.raises(ApplicationError, match="not for sale"):
        licence_offer_for_purchase(listing=listing, tier_code="standard", buyer=UserFactory())


def test_exclusive_hold_refuses_a_second_buyer_before_payment(listing, creator, buyer):
    licence_offers_set(
        listing=listing, actor=creator, offers={"standard": 1500, "exclusive": 90000}
    )
    second = UserFactory()
    licence_offer_for_purchase(listing=listing, tier_code="exclusive", buyer=buyer)
    exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref="order-1")
    exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref="order-1")  # re-acquire: fine

    with pytest.raises(ExclusiveHeld):
        licence_offer_for_purchase(listing=listing, tier_code="exclusive", buyer=second)
    with pytest.raises(ExclusiveHeld):
        exclusive_hold_acquire(listing=listing, buyer=second, order_ref="order-2")
    # Non-exclusive tiers stay on sale during a hold.
    licence_offer_for_purchase(listing=listing, tier_code="standard", buyer=second)
    hold = ExclusiveHold.objects.get(listing=listing)
    assert (hold.buyer, hold.order_ref) == (buyer, "order-1")

    exclusive_hold_release(listing=listing, order_ref="order-2")  # not theirs: no effect
    assert ExclusiveHold.objects.filter(listing=listing).exists()
    exclusive_hold_release(listing=listing, order_ref="order-1")
    exclusive_hold_acquire(listing=listing, buyer=second, order_ref="order-2")
    assert ExclusiveHold.objects.get(listing=listing).buyer == second


def test_an_expired_hold_is_taken_over(listing, creator, buyer):
    licence_offers_set(listing=listing, actor=creator, offers={"exclusive": 90000})
    exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref="order-1", minutes=5)
    ExclusiveHold.objects.filter(listing=listing).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    second = UserFactory()
    licence_offer_for_purchase(listing=listing, tier_code="exclusive", buyer=second)
    exclusive_hold_acquire(listing=listing, buyer=second, order_ref="order-2")
    hold = ExclusiveHold.objects.get(listing=listing)
    assert (hold.buyer, hold.order_ref) == (second, "order-2")
    assert hold.expires_at > timezone.now() + timedelta(minutes=29)


def test_a_sold_exclusive_is_refused_before_payment(listing, creator, buyer):
    licence_offers_set(
        listing=listing, actor=creator, offers={"standard": 1500, "exclusive": 90000}
    )
    line = paid_line(listing=listing, buyer=buyer, tier_code="exclusive", amount=90000)
    licence_grant_issue(order_line=line, licensee=buyer)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD_EXCLUSIVE
    late = UserFactory()
    for code in ("exclusive", "standard"):
        with pytest.raises(ExclusiveAlreadySold):
            licence_offer_for_purchase(listing=listing, tier_code=code, buyer=late)
    with pytest.raises(ExclusiveAlreadySold):
        exclusive_hold_acquire(listing=listing, buyer=late, order_ref="late")
    with pytest.raises(ApplicationError, match="cannot change"):
        licence_offers_set(listing=listing, actor=creator, offers={"standard": 100})
