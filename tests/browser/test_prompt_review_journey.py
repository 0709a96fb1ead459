"""A refused prompt in the browser: the buyer sees why and appeals from the form error, a
moderator overturns it from the console, and the buyer then runs that exact prompt."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from generation.models import GenerationJob, PromptReview
from tests.browser.test_commission_journey import log_in
from tests.browser.test_dispute_journey import new_page, shoot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPT = "a gory battlefield after Goya, dark oil painting"


def test_refused_prompt_appealed_overturned_then_run(live_server, browser, page, screenshot):
    buyer = UserFactory(display_name="Bea Buyer")
    moderator = UserFactory(moderator=True, display_name="Mo Derator")

    # The buyer's commission is refused with the category named and an appeal link.
    log_in(page, live_server, buyer)
    page.goto(live_server.url + reverse("commission"))
    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "falls under our policy on “Graphic gore”"
    )
    assert GenerationJob.objects.count() == 0
    screenshot("prompt-refused")
    page.get_by_role("link", name="Appeal this decision").click()
    page.wait_for_url(re.compile(r".*/prompts/reviews/[0-9a-f-]+/$"))
    page.get_by_label("Why is this prompt fine?").fill(
        "A historical war painting in the manner of Goya's Disasters of War."
    )
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_text("Appeal sent.")).to_be_visible()
    expect(page.locator("#review-status")).to_have_text("Appealed")
    review_url = page.url

    # The moderator finds it from the console and overturns it.
    mod_page = new_page(browser)
    log_in(mod_page, live_server, moderator)
    mod_page.get_by_role("link", name="Moderation").click()
    expect(mod_page.locator("#prompt-queue-link + .badge")).to_have_text("1 appealed")
    mod_page.locator("#prompt-queue-link").click()
    mod_page.get_by_role("link", name=re.compile("a gory battlefield")).click()
    mod_page.get_by_label("Decision").select_option("overturn")
    mod_page.get_by_label("Reason (sent to the user)").fill("Art-historical reference; allowed.")
    mod_page.get_by_role("button", name="Record the decision").click()
    expect(mod_page.get_by_text("Overturned: the user may now run")).to_be_visible()
    shoot(mod_page, "prompt-review-queue-after-decision")
    mod_page.context.close()
    assert PromptReview.objects.get().status == "overturned"

    # The buyer sees the decision and runs that exact prompt.
    page.goto(review_url)
    expect(page.locator("#review-decision")).to_contain_text("Art-historical reference")
    page.get_by_role("link", name="Run this prompt").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(PROMPT)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))
    assert GenerationJob.objects.get().prompt == PROMPT
    screenshot("prompt-overturned-job")
