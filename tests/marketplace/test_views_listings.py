import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.urls import reverse

from marketplace.models import Favourite, Listing
from marketplace.services.suspensions import listing_suspend
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing, make_piece

pytestmark = pytest.mark.django_db


def form_data(chosen=(), **overrides):
    data = {
        "pieces": [str(piece.pk) for piece in chosen],
        "title": "Harbour at night",
        "description": "Boats and lights.",
        "tags": "Sea, night boats",
        "category": "landscape",
        "price": "12.50",
        "currency": "USD",
    }
    data.update(overrides)
    return data


def test_creator_lists_a_piece_from_the_form(client, creator):
    piece = make_piece(creator)
    client.force_login(creator)

    page = client.get(reverse("listing_create") + f"?piece={piece.pk}")
    response = client.post(reverse("listing_create"), form_data([piece]))

    assert page.status_code == 200
    assert re.search(rf'value="{piece.pk}"[^>]*checked', page.content.decode())
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("listing_edit", kwargs={"listing_id": listing.pk})
    assert (listing.creator, listing.price_amount, listing.status) == (creator, 1250, "draft")
    assert sorted(listing.tags.values_list("name", flat=True)) == ["night-boats", "sea"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"price": "0.10"}, "greater than or equal to 0.50"),
        ({"price": "abc"}, "Enter a number."),
        ({"price": "1.234"}, "no more than 2 decimal places"),
        ({"category": "nope"}, "Select a valid choice"),
        ({"tags": "ok, <script>"}, "is not a valid tag"),
        ({"tags": ",".join(f"t{i}" for i in range(11))}, "at most 10 tags"),
        ({"pieces": []}, "This field is required."),
        ({"pieces": ["not-a-uuid"]}, "is not a valid UUID."),
        ({"price": "-5"}, "greater than or equal to 0.50"),
        ({"price": "99999999"}, "less than or equal to"),
        ({"price": "1e400"}, "less than or equal to"),
        ({"tags": ",".join(f"t{i}" for i in range(1000))}, "at most 400 characters"),
    ],
)
def test_bad_listing_input_is_a_form_error(client, creator, overrides, message):
    piece = make_piece(creator)
    client.force_login(creator)

    response = client.post(reverse("listing_create"), form_data([piece], **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Listing.objects.exists()


def test_markup_in_titles_and_descriptions_is_escaped_everywhere(client, creator, buyer):
    title = '<script>alert("t")</script><img src=x onerror=alert(1)>'
    listing = make_listing(
        creator, title=title, description="<b>bold</b> <a href=javascript:x>x</a>", publish=True
    )
    pages = [
        reverse("listing_browse"),
        reverse("listing_browse") + "?q=alert",
        reverse("listing_detail", args=[listing.pk]),
        reverse("storefront", args=[creator.pk]),
        reverse("home"),
    ]
    for signed_in in (False, True):
        if signed_in:
            client.force_login(buyer)
        for url in pages:
            html = client.get(url).content.decode()
            assert "<script>alert" not in html and "<img src=x" not in html, url
            assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html, url
    detail = client.get(reverse("listing_detail", args=[listing.pk])).content.decode()
    assert "<b>bold</b>" not in detail and "&lt;b&gt;bold&lt;/b&gt;" in detail
    assert "<a href=javascript" not in detail


def test_form_refuses_someone_elses_piece(client, creator):
    theirs = make_piece(UserFactory(creator=True))
    client.force_login(creator)

    response = client.post(reverse("listing_create"), form_data([theirs]))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Listing.objects.exists()


def test_buyer_cannot_reach_the_listing_form(client, buyer):
    piece = make_piece(buyer)
    client.force_login(buyer)

    response = client.post(reverse("listing_create"), form_data([piece]))

    assert response.status_code == 302 and response.url == reverse("creator_onboarding")
    assert not Listing.objects.exists()


def test_near_duplicate_is_explained_on_the_form(client, creator):
    from tests.provenance.factories import art

    make_piece(UserFactory(creator=True), image=art(99))
    copy = make_piece(creator, image=art(99))
    client.force_login(creator)

    response = client.post(reverse("listing_create"), form_data([copy]))

    assert response.status_code == 400
    assert "nearly identical to another creator&#x27;s piece" in response.content.decode()
    assert not Listing.objects.exists()


def test_someone_elses_listing_cannot_be_edited_or_published(client, creator):
    listing = make_listing(creator)
    other = UserFactory(creator=True)
    client.force_login(other)

    responses = [
        client.get(reverse("listing_edit", kwargs={"listing_id": listing.pk})),
        client.post(reverse("listing_edit", kwargs={"listing_id": listing.pk}), form_data()),
        client.post(reverse("listing_publish", kwargs={"listing_id": listing.pk})),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    listing.refresh_from_db()
    assert (listing.title, listing.status, listing.events.count()) == (
        "Lighthouse at dusk",
        "draft",
        1,
    )


def test_publish_and_unpublish_from_the_edit_page(client, creator):
    listing = make_listing(creator)
    client.force_login(creator)
    kwargs = {"listing_id": listing.pk}

    published = client.post(reverse("listing_publish", kwargs=kwargs))
    listing.refresh_from_db()
    assert published.url == reverse("listing_detail", kwargs=kwargs)
    assert listing.status == "published"

    client.post(reverse("listing_unpublish", kwargs=kwargs), {"reason": "typo"})
    listing.refresh_from_db()
    assert listing.status == "draft"
    assert listing.events.last().reason == "typo"


def test_publishing_during_a_broker_outage_still_publishes(
    client, creator, broker_down, django_capture_on_commit_callbacks
):
    listing = make_listing(creator)
    client.force_login(creator)

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("listing_publish", args=[listing.pk]))

    assert response.status_code == 302  # the embedding waits; the publication does not
    assert Listing.objects.get(pk=listing.pk).status == "published"


def test_publish_error_is_shown_and_nothing_changes(client, creator, moderator):
    listing = make_listing(creator)
    listing_suspend(listing=listing, actor=moderator, reason="Check")
    client.force_login(creator)

    response = client.post(
        reverse("listing_publish", kwargs={"listing_id": listing.pk}), follow=True
    )

    assert "Not published: A suspended listing cannot be published." in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "suspended"


def test_draft_and_suspended_listings_are_hidden_from_others(client, creator, moderator, buyer):
    draft = make_listing(creator, title="Secret draft")
    suspended = make_listing(creator, title="Suspended one", publish=True)
    listing_suspend(listing=suspended, actor=moderator, reason="Reported")
    client.force_login(buyer)

    for listing in (draft, suspended):
        response = client.get(reverse("listing_detail", kwargs={"listing_id": listing.pk}))
        assert response.status_code == 404
    browse = client.get(reverse("listing_browse")).content.decode()
    assert "Secret draft" not in browse and "Suspended one" not in browse

    client.force_login(creator)
    own = client.get(reverse("listing_detail", kwargs={"listing_id": draft.pk}))
    assert own.status_code == 200 and "Secret draft" in own.content.decode()
    draft.refresh_from_db()
    assert draft.view_count == 0


def test_detail_shows_public_prompt_disclosure_and_commission_link(client, creator, buyer):
    piece = make_piece(creator, prompt="a copper lighthouse at dawn", size=(768, 512))
    listing = make_listing(creator, pieces=[piece], publish=True)
    client.force_login(buyer)

    response = client.get(reverse("listing_detail", kwargs={"listing_id": listing.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "a copper lighthouse at dawn" in html and "AI disclosure" in html
    assert "$15.00" in html
    link = re.search(r'href="(/commission/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    params = parse_qs(urlparse(link).query)
    assert params["prompt"] == ["a copper lighthouse at dawn"]
    assert params["size"] == ["768x512"]
    listing.refresh_from_db()
    assert listing.view_count == 1

    commission = client.get(link).content.decode()
    assert "a copper lighthouse at dawn</textarea>" in commission
    assert re.search(r'<option value="768x512"[^>]*selected', commission)


def test_private_prompt_is_not_shown_or_prefilled(client, creator, buyer):
    piece = make_piece(creator, prompt="my secret formula", prompt_public=False)
    listing = make_listing(creator, pieces=[piece], title="Calm sea", publish=True)
    client.force_login(buyer)

    html = client.get(reverse("listing_detail", kwargs={"listing_id": listing.pk})).content
    html = html.decode()

    assert "my secret formula" not in html
    assert "prompt=Calm+sea" in html


def test_commission_prefill_ignores_bad_values(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("commission") + "?prompt=" + "x" * 3000 + "&size=9x9")

    html = response.content.decode()
    assert response.status_code == 200
    assert "x" * 1000 + "</textarea>" in html and "x" * 1001 not in html
    assert re.search(r'<option value="512x512"[^>]*selected', html)


def test_favourite_toggles_by_post_and_htmx(client, creator, buyer):
    listing = make_listing(creator, publish=True)
    url = reverse("listing_favourite", kwargs={"listing_id": listing.pk})
    client.force_login(buyer)

    client.post(url)
    assert Favourite.objects.filter(user=buyer, listing=listing).exists()
    fragment = client.post(url, headers={"HX-Request": "true"})

    assert "♡ Favourite" in fragment.content.decode()
    assert not Favourite.objects.exists()
    assert client.get(url).status_code == 405


def test_anonymous_cannot_favourite(client, creator):
    listing = make_listing(creator, publish=True)

    response = client.post(reverse("listing_favourite", kwargs={"listing_id": listing.pk}))

    assert response.status_code == 302 and not Favourite.objects.exists()


def test_invalid_browse_input_is_a_clear_error(client, creator):
    make_listing(creator, publish=True)

    response = client.get(reverse("listing_browse"), {"min_price": "abc", "sort": "weird"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a number." in html and "Select a valid choice" in html


def test_browse_counts_each_filter_state_separately(client, creator, buyer):
    make_listing(creator, title="Coast", category="landscape", publish=True)
    make_listing(creator, title="Fox", category="illustration", tags=["fox"], publish=True)
    client.force_login(buyer)  # fresh renders, so the (cached) count is what is shown

    def count(**params):
        html = client.get(reverse("listing_browse"), params).content.decode()
        return re.search(r'role="status">(\d+) listing', html).group(1)

    assert count() == "2"
    assert count(category="landscape") == "1"
    assert count(category="landscape", sort="price_desc") == "1"
    assert count(tag="fox", category="landscape") == "0"
    assert count(q="fox") == "1"


def test_unknown_filters_are_named_and_ignored(client, creator):
    make_listing(creator, title="Coast", publish=True)

    response = client.get(reverse("listing_browse"), {"colour": "red", "<b>x</b>": "1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ignored unknown filters: &lt;b&gt;x&lt;/b&gt;, colour." in html
    assert "Coast" in html


def test_unknown_listing_and_creator_are_404(client):
    import uuid

    missing = client.get(reverse("listing_detail", kwargs={"listing_id": uuid.uuid4()}))
    nobody = client.get(reverse("storefront", kwargs={"creator_id": 999999}))

    assert (missing.status_code, nobody.status_code) == (404, 404)


def test_library_is_empty_until_licences_exist(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("licensing:library"))

    assert response.status_code == 200
    assert "You have no licences yet." in response.content.decode()


def test_dashboard_is_for_creators(client, creator, buyer):
    make_listing(creator, title="Mine")
    client.force_login(buyer)
    assert client.get(reverse("commissions:dashboard")).url == reverse("creator_onboarding")

    client.force_login(creator)
    html = client.get(reverse("commissions:dashboard")).content.decode()
    assert "Mine" in html and "Draft" in html


def test_home_shows_newest_published(client, creator):
    make_listing(creator, title="Fresh one", publish=True)
    make_listing(creator, title="Still a draft")

    html = client.get(reverse("home")).content.decode()

    assert "Fresh one" in html and "Still a draft" not in html


def test_similar_fragment_lists_related_listings(client, creator):
    base = make_listing(creator, title="Base", tags=["sea"], publish=True)
    make_listing(creator, title="Sea friend", tags=["sea"], publish=True)
    url = reverse("listing_similar", kwargs={"listing_id": base.pk})

    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    page = client.get(url).content.decode()

    assert "Sea friend" in fragment and "<html" not in fragment
    assert "Sea friend" in page and "<html" in page


def make_many(creator, count):
    for index in range(count):
        make_listing(creator, title=f"Listing {index}", tags=[f"t{index}", "sea"], publish=True)


@pytest.mark.parametrize("count", [1, 6])
def test_list_pages_use_a_constant_number_of_queries(
    client, creator, buyer, count, django_assert_max_num_queries
):
    make_many(creator, count)
    listing = Listing.objects.order_by("published_at").first()
    client.force_login(buyer)
    # The detail page's view counter sets synchronous_commit off on PostgreSQL: one more.
    # Signed in, it also lists the viewer's collections for "Add to collection": one more.
    detail_budget = 11 if connection.vendor == "postgresql" else 10
    pages = [
        (reverse("listing_browse"), 9),
        (reverse("listing_browse") + "?q=listing&tag=sea&sort=price_asc", 9),
        (reverse("storefront", kwargs={"creator_id": creator.pk}), 9),
        (reverse("listing_detail", kwargs={"listing_id": listing.pk}), detail_budget),
        (reverse("listing_similar", kwargs={"listing_id": listing.pk}), 9),
        (reverse("favourites"), 9),
        (reverse("home"), 9),
    ]
    for url, budget in pages:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
    client.force_login(creator)
    # + one aggregate for sales and earnings, + open commissions, + earnings per style
    with django_assert_max_num_queries(9):
        assert client.get(reverse("commissions:dashboard")).status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("listing_edit", kwargs={"listing_id": listing.pk})).status_code
            == 200
        )
