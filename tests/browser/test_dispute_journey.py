import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from disputes.models import Dispute
from marketplace.models import ListingStatus
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_commission_journey import log_in
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(other_page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    other_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def new_page(browser):
    return browser.new_context(viewport={"width": 1200, "height": 900}).new_page()


def test_buyer_files_a_dispute_moderator_decides_both_see_the_outcome(
    live_server, browser, page, screenshot
):
    creator = UserFactory(creator=True, display_name="Copy Cat")
    listing = make_listing(creator, publish=True, title="Borrowed sunset")
    piece = listing.pieces.get()
    with piece.original.open("rb") as handle:
        original = handle.read()
    buyer = UserFactory(display_name="Bea Buyer")
    moderator = UserFactory(moderator=True, display_name="Mo Derator")

    # The buyer reports the listing and attaches the image as evidence.
    log_in(page, live_server, buyer)
    page.goto(live_server.url + reverse("listing_detail", kwargs={"listing_id": listing.pk}))
    page.get_by_role("link", name="Report or dispute it").click()
    page.get_by_label("What is the problem?").select_option("infringement")
    page.get_by_label("Your statement").fill(
        "This is my painting from 2024; the listing is a traced copy of it."
    )
    page.get_by_role("button", name="File dispute").click()
    page.wait_for_url(re.compile(r".*/disputes/[0-9a-f-]+/$"))
    expect(page.locator("#dispute-summary")).to_have_attribute("data-status", "open")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "my-copy.png", "mimeType": "image/png", "buffer": original}
    )
    page.get_by_label("What it shows").fill("The listed image")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Watermark: our piece"))).to_be_visible()
    screenshot("dispute-filed-claimant")
    case_url = page.url

    # The moderator decides from the console and suspends the listing.
    mod_page = new_page(browser)
    log_in(mod_page, live_server, moderator)
    mod_page.get_by_role("link", name="Moderation").click()
    mod_page.get_by_role("link", name="Infringement: this is my work").click()
    expect(mod_page.get_by_role("heading", name="Pieces, provenance and ledger")).to_be_visible()
    mod_page.get_by_label("Note / decision / reason").fill(
        "The evidence matches the listed piece; the claim is upheld."
    )
    mod_page.get_by_label("Outcome (for Decide)").select_option("upheld")
    mod_page.get_by_role("button", name="Decide").click()
    expect(mod_page.get_by_text("Decision recorded and sent to the parties.")).to_be_visible()
    mod_page.get_by_role("button", name="Suspend listing").click()
    expect(mod_page.get_by_text("Listing suspended.")).to_be_visible()
    shoot(mod_page, "dispute-moderation-case")
    mod_page.context.close()

    dispute = Dispute.objects.get()
    listing.refresh_from_db()
    assert (dispute.status, dispute.outcome) == ("decided", "upheld")
    assert listing.status == ListingStatus.SUSPENDED

    # Both parties see the outcome.
    page.goto(case_url)
    expect(page.locator("#dispute-summary")).to_have_attribute("data-status", "decided")
    expect(page.locator(".dispute-outcome")).to_have_text("Upheld")
    expect(page.get_by_role("button", name="Appeal the decision")).to_be_visible()
    screenshot("dispute-decided-claimant")

    creator_page = new_page(browser)
    log_in(creator_page, live_server, creator)
    creator_page.goto(live_server.url + reverse("core:notifications"))
    creator_page.get_by_role("link", name="Dispute decided: Upheld").first.click()
    expect(creator_page.locator(".dispute-outcome")).to_have_text("Upheld")
    expect(creator_page.get_by_text("the claim is upheld")).to_be_visible()
    shoot(creator_page, "dispute-decided-respondent")
    creator_page.context.close()
