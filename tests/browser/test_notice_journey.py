"""Notice and action end to end: an anonymous report confirmed through the mailed link, a
moderator suspends the listing, the creator reads the statement of reasons and complains,
and a second moderator upholds the complaint."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from disputes.models import Complaint, StatementOfReasons
from marketplace.models import ListingStatus
from tests.browser.test_commission_journey import log_in
from tests.browser.test_dispute_journey import new_page, shoot
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REPORTER = "witness@example.org"


def mailed_path(to: str, contains: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            for url in re.findall(r"https?://\S+", message.body):
                if contains in url:
                    return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no mail to {to} with a {contains} link")


def report_anonymously(page, live_server, listing) -> None:
    page.goto(live_server.url + reverse("listing_detail", kwargs={"listing_id": listing.pk}))
    page.get_by_role("link", name="Report this listing").click()
    page.get_by_label("What is the problem?").select_option("hate")
    page.get_by_label("Explain what is wrong").fill(
        "The second figure wears a banned hate symbol on the armband."
    )
    page.get_by_label("Your email address").fill(REPORTER)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#notice-sent")).to_contain_text(REPORTER)
    page.goto(live_server.url + mailed_path(REPORTER, "/report/confirm/"))
    page.get_by_role("button", name="Confirm my report").click()
    expect(page.locator("#notice-confirmed")).to_be_visible()


def moderator_suspends(browser, live_server, moderator) -> None:
    mod_page = new_page(browser)
    log_in(mod_page, live_server, moderator)
    mod_page.get_by_role("link", name="Moderation").click()
    mod_page.locator("#notices-link").click()
    mod_page.get_by_role("link", name="Hate speech or symbols").click()
    mod_page.get_by_label("Decision").select_option("listing_suspended")
    mod_page.get_by_label("Facts and reasons").fill("The armband shows a banned hate symbol.")
    mod_page.get_by_label("Ground").select_option("terms")
    mod_page.get_by_label("Law or terms clause").fill("Terms §4.2: hate symbols")
    mod_page.get_by_role("button", name="Record decision").click()
    expect(mod_page.get_by_text("Decision recorded; the parties were told.")).to_be_visible()
    shoot(mod_page, "notice-decided-moderator")
    mod_page.context.close()


def test_anonymous_report_to_statement_to_complaint_upheld(live_server, browser, page, settings):
    settings.MISUSE_WARN_AFTER = 100
    creator = UserFactory(creator=True, display_name="Cora Creator")
    listing = make_listing(creator, publish=True, title="Parade")
    first, second = (
        UserFactory(moderator=True, display_name=name) for name in ("Mo First", "Mo Second")
    )

    report_anonymously(page, live_server, listing)
    moderator_suspends(browser, live_server, first)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED

    # The creator reads the statement of reasons and complains.
    creator_page = new_page(browser)
    log_in(creator_page, live_server, creator)
    creator_page.goto(live_server.url + reverse("core:notifications"))
    creator_page.get_by_role("link", name="Statement of reasons: listing suspended").click()
    statement = creator_page.locator("#statement")
    expect(statement).to_contain_text("Listing “Parade”")
    expect(statement).to_contain_text("Terms §4.2: hate symbols")
    expect(statement).to_contain_text("A moderator")
    shoot(creator_page, "notice-statement-creator")
    creator_page.locator("#complain-link").click()
    creator_page.get_by_label("Why is the decision wrong?").fill(
        "The armband is a historical regimental badge, not a hate symbol."
    )
    creator_page.get_by_role("button", name="Lodge complaint").click()
    expect(creator_page.locator("#complaint-lodged")).to_be_visible()

    # The first moderator may not decide it; the second one upholds it.
    mod_page = new_page(browser)
    log_in(mod_page, live_server, second)
    mod_page.goto(live_server.url + reverse("disputes:moderation_notices"))
    mod_page.locator("#complaint-queue a").first.click()
    mod_page.get_by_label("Outcome").select_option("upheld")
    mod_page.get_by_label("Reasons for the parties").fill("It is a historical regimental badge.")
    mod_page.get_by_role("button", name="Decide complaint").click()
    expect(mod_page.get_by_text("Complaint decided; both sides were told.")).to_be_visible()
    mod_page.context.close()

    complaint = Complaint.objects.get()
    listing.refresh_from_db()
    assert (complaint.status, complaint.decided_by) == ("upheld", second)
    assert listing.status == ListingStatus.PUBLISHED
    assert StatementOfReasons.objects.get().reversed_at is not None
    creator_page.goto(live_server.url + reverse("disputes:statement_list"))
    creator_page.get_by_role("link", name="Listing suspended").click()
    expect(creator_page.locator("#complaint-status")).to_contain_text("Upheld")
    shoot(creator_page, "notice-complaint-upheld-creator")
    creator_page.context.close()
