import numpy as np
import pytest
from django.db import connection

from generation.engines.text import get_text_embedder
from licensing.services.grants import licence_offers_set
from marketplace.forms.listings import ListingFilter
from marketplace.models import Listing
from marketplace.selectors.listings import (
    dashboard_stats,
    listings_public,
    listings_search,
    more_like_this,
    pieces_available_for_listing,
    uses_postgres_search,
)
from marketplace.services.embeddings import listing_embed
from marketplace.services.engagement import favourite_toggle, listing_record_view
from marketplace.services.listings import listing_unpublish
from marketplace.services.suspensions import listing_suspend
from marketplace.vectors import vector_to_bytes
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing, make_piece

pytestmark = pytest.mark.django_db


def browse(**params):
    filterset = ListingFilter(params, queryset=listings_public())
    assert filterset.is_valid(), filterset.errors
    return [listing.title for listing in filterset.qs]


@pytest.fixture
def catalogue(creator, moderator):
    """Five listings in different states, categories, prices, sizes and tags."""
    other = UserFactory(creator=True)
    make_listing(
        creator, title="Harbour lights", tags=["sea", "night"], price_amount=900, publish=True
    )
    make_listing(
        creator,
        title="Neon fox",
        category="illustration",
        tags=["fox"],
        price_amount=4000,
        pieces=[make_piece(creator, size=(256, 384), prompt="a neon fox in the rain")],
        publish=True,
    )
    make_listing(
        other,
        title="Quiet field",
        tags=["field", "sea"],
        price_amount=2000,
        pieces=[make_piece(other, size=(384, 256))],
        publish=True,
    )
    make_listing(other, title="Unfinished draft", tags=["sea"])
    hidden = make_listing(other, title="Suspended sea", tags=["sea"], publish=True)
    listing_suspend(listing=hidden, actor=moderator, reason="Reported")
    return creator, other


def test_browse_shows_only_published_listings(catalogue):
    assert sorted(browse()) == ["Harbour lights", "Neon fox", "Quiet field"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "illustration"}, ["Neon fox"]),
        ({"tag": "Sea"}, ["Harbour lights", "Quiet field"]),
        ({"min_price": "10", "max_price": "20.00"}, ["Quiet field"]),
        ({"max_price": "9"}, ["Harbour lights"]),
        ({"orientation": "portrait"}, ["Neon fox"]),
        ({"orientation": "landscape"}, ["Quiet field"]),
        ({"orientation": "square"}, ["Harbour lights"]),
        ({"engine": "embedded", "tag": "fox"}, ["Neon fox"]),
    ],
)
def test_browse_filters(catalogue, params, expected):
    assert sorted(browse(**params)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["Harbour lights", "Quiet field", "Neon fox"]),
        ("price_desc", ["Neon fox", "Quiet field", "Harbour lights"]),
        ("newest", ["Quiet field", "Neon fox", "Harbour lights"]),
    ],
)
def test_browse_sorts(catalogue, sort, expected):
    assert browse(sort=sort) == expected


def test_popular_sort_uses_favourites_then_views(catalogue, buyer):
    by_title = {listing.title: listing for listing in Listing.objects.all()}
    favourite_toggle(user=buyer, listing=by_title["Neon fox"])
    for _ in range(3):
        listing_record_view(listing=by_title["Harbour lights"], viewer=buyer)

    assert browse(sort="popular") == ["Neon fox", "Harbour lights", "Quiet field"]


@pytest.fixture
def tiered_catalogue(catalogue, creator):
    """Harbour lights keeps the implicit standard tier; the other two choose their own."""
    other = catalogue[1]
    by_title = {listing.title: listing for listing in Listing.objects.all()}
    licence_offers_set(
        listing=by_title["Neon fox"],
        actor=creator,
        offers={"personal": 1000, "exclusive": 50000},
    )
    licence_offers_set(
        listing=by_title["Quiet field"],
        actor=other,
        offers={"standard": 2500, "extended": 9000},
    )
    return catalogue


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "standard"}, ["Harbour lights", "Quiet field"]),
        ({"tier": "personal"}, ["Neon fox"]),
        ({"tier": "exclusive"}, ["Neon fox"]),
        ({"tier": "extended", "max_price": "100"}, ["Quiet field"]),
        ({"tier": "extended", "max_price": "50"}, []),
        # The range applies to the chosen tier's price, not the listing's "from" price.
        ({"tier": "standard", "min_price": "10"}, ["Quiet field"]),
        ({"tier": "exclusive", "min_price": "400", "max_price": "600"}, ["Neon fox"]),
        ({"tier": "personal", "max_price": "5"}, []),
        ({"min_price": "10", "max_price": "20"}, ["Neon fox"]),  # personal from $10
    ],
)
def test_browse_filters_by_licence_tier_and_its_price(tiered_catalogue, params, expected):
    assert sorted(browse(**params)) == expected


def test_unknown_licence_tier_is_a_form_error(catalogue):
    filterset = ListingFilter({"tier": "forever"}, queryset=listings_public())

    assert not filterset.is_valid()
    assert "tier" in filterset.errors


def test_invalid_filters_are_form_errors(catalogue):
    filterset = ListingFilter(
        {"min_price": "30", "max_price": "5", "category": "nope"}, queryset=listings_public()
    )

    assert not filterset.is_valid()
    assert "The minimum price is above the maximum price." in filterset.errors["__all__"]
    assert "category" in filterset.errors


def test_search_matches_title_tags_and_public_prompt_but_not_private_prompt(creator):
    make_listing(
        creator,
        title="Harbour",
        tags=["boats"],
        publish=True,
        pieces=[make_piece(creator, prompt="copper kettle on a stove")],
    )
    make_listing(
        creator,
        title="Fields",
        tags=["wheat"],
        publish=True,
        pieces=[make_piece(creator, prompt="velvet moth", prompt_public=False)],
    )

    def titles(text):
        return sorted(listing.title for listing in listings_search(listings_public(), text))

    assert uses_postgres_search() == (connection.vendor == "postgresql")
    assert titles("harbour") == ["Harbour"]
    assert titles("wheat") == ["Fields"]
    assert titles("copper kettle") == ["Harbour"]
    assert titles("velvet moth") == []
    assert titles("harbour wheat") == []
    assert titles("   ") == ["Fields", "Harbour"]


def test_search_ranks_and_stems_on_postgres(creator):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text ranking")
    make_listing(creator, title="Boats", description="painting of boats", publish=True)
    make_listing(creator, title="Painted painting paintings", description="paint", publish=True)

    found = ListingFilter({"q": "paintings"}, queryset=listings_public())
    assert found.is_valid()

    assert [listing.title for listing in found.qs] == ["Painted painting paintings", "Boats"]


def test_unpublished_listing_leaves_browse_and_search(creator):
    listing = make_listing(creator, title="Gone soon", publish=True)
    listing_unpublish(listing=listing, actor=creator)

    assert browse(q="gone") == []


def test_more_like_this_falls_back_to_tag_overlap(creator):
    base = make_listing(creator, title="Base", tags=["sea", "night", "boats"], publish=True)
    make_listing(creator, title="Two shared", tags=["sea", "night"], publish=True)
    make_listing(creator, title="One shared", tags=["boats"], publish=True)
    make_listing(creator, title="None shared", tags=["desert"], publish=True)
    make_listing(creator, title="Draft shared", tags=["sea", "night", "boats"])

    assert [item.title for item in more_like_this(listing=base, limit=2)] == [
        "Two shared",
        "One shared",
    ]


def test_more_like_this_ranks_by_embedding_cosine(creator):
    listings = {
        title: make_listing(creator, title=title, tags=["x"], publish=True)
        for title in ("Base", "Near", "Middle", "Far")
    }
    vectors = {"Base": [1, 0, 0], "Near": [0.9, 0.1, 0], "Middle": [0.5, 0.5, 0], "Far": [0, 0, 1]}
    for title, head in vectors.items():
        vector = np.zeros(384, dtype=np.float32)
        vector[:3] = head
        Listing.objects.filter(pk=listings[title].pk).update(embedding=vector_to_bytes(vector))

    result = more_like_this(listing=listings["Base"], limit=3)

    assert [item.title for item in result] == ["Near", "Middle", "Far"]


@pytest.mark.slow
def test_more_like_this_with_real_minilm_embeddings(creator):
    if get_text_embedder() is None:
        pytest.skip("MiniLM package not installed")
    texts = {
        "Lighthouse at sunset": "a lighthouse on a rocky cliff at sunset, waves",
        "Fruit bowl": "a bowl of apples and pears, still life, oil painting",
        "Beacon by the sea": "an old lighthouse beside the ocean at dusk, stormy sea",
    }
    listings = {
        title: make_listing(
            creator, title=title, tags=[], publish=True, pieces=[make_piece(creator, prompt=prompt)]
        )
        for title, prompt in texts.items()
    }
    for listing in listings.values():
        assert listing_embed(listing_id=listing.pk)

    similar = more_like_this(listing=listings["Lighthouse at sunset"], limit=2)

    assert [item.title for item in similar] == ["Beacon by the sea", "Fruit bowl"]


def test_dashboard_stats_count_by_status(catalogue, buyer):
    creator, other = catalogue
    listing = Listing.objects.get(title="Quiet field")
    listing_record_view(listing=listing, viewer=buyer)
    favourite_toggle(user=buyer, listing=listing)

    stats = dashboard_stats(creator=other)

    assert (stats.listings, stats.published, stats.drafts, stats.suspended) == (3, 1, 1, 1)
    assert (stats.views, stats.favourites, stats.sales) == (1, 1, None)


def test_pieces_available_exclude_listed_and_others(creator):
    listed = make_piece(creator)
    free = make_piece(creator)
    make_piece(UserFactory(creator=True))
    listing = make_listing(creator, pieces=[listed])

    assert list(pieces_available_for_listing(creator=creator)) == [free]
    assert set(pieces_available_for_listing(creator=creator, listing=listing)) == {listed, free}
