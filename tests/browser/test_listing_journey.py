import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from marketplace.models import Favourite, Listing
from tests.factories import PASSWORD, UserFactory
from tests.marketplace.factories import make_piece

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPT = "a copper lighthouse on basalt cliffs at dawn, gouache"


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/accounts/profile/$"))


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_creator_lists_and_buyer_finds_favourites_and_commissions_similar(
    live_server, page, screenshot
):
    creator = UserFactory(creator=True, display_name="Ada Painter")
    piece = make_piece(creator, prompt=PROMPT, size=(768, 512))
    buyer = UserFactory()

    # The creator lists the piece from its job page and publishes it.
    log_in(page, live_server, creator)
    page.goto(live_server.url + reverse("job_detail", kwargs={"job_id": piece.job_id}))
    page.get_by_role("link", name="List this").click()
    expect(page.get_by_role("checkbox")).to_be_checked()
    page.get_by_label("Title").fill("Copper lighthouse")
    page.get_by_label("Tags").fill("lighthouse, coast, dawn")
    page.get_by_label("Category").select_option("landscape")
    page.get_by_label("Price").fill("0.10")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.50.")).to_be_visible()
    assert not Listing.objects.exists()
    page.get_by_label("Price").fill("24.00")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Copper lighthouse")).to_be_visible()
    listing = Listing.objects.get()
    assert listing.status == "published"
    log_out(page)

    # A buyer finds it by a word of its prompt, opens it and favourites it.
    log_in(page, live_server, buyer)
    page.get_by_role("link", name="Browse").click()
    page.get_by_label("Search", exact=True).fill("basalt")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 listing")).to_be_visible()
    screenshot("listing-search")
    page.get_by_role("link", name=re.compile("Copper lighthouse")).first.click()
    expect(page.get_by_text(PROMPT)).to_be_visible()
    expect(page.get_by_text("AI disclosure:")).to_be_visible()
    expect(page.get_by_text("$24.00")).to_be_visible()
    page.get_by_role("button", name="♡ Favourite").click()
    expect(page.get_by_role("button", name="♥ Favourited")).to_be_visible()
    assert Favourite.objects.filter(user=buyer, listing=listing).exists()
    screenshot("listing-detail")

    # "Commission similar" opens the commission form pre-filled from the listing.
    page.get_by_role("link", name="Commission similar").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(PROMPT)
    expect(page.get_by_label("Size")).to_have_value("768x512")
    screenshot("commission-similar")
