import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from generation.models import GenerationJob
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    """Password, then for moderators the code their authenticator app would show."""
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if user.is_moderator:
        page.wait_for_url(live_server.url + reverse("mfa_authenticate"))
        page.get_by_label("Code").fill(totp_code())
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/accounts/profile/$"))


def test_commission_watch_progress_and_pick_a_result(
    live_server, page, screenshot, celery_worker, scripted_engine, settings
):
    settings.GENERATION_PROGRESS_INTERVAL = 0
    settings.GENERATION_ENGINES["scripted"]["options"] = {"step_delay": 0.15}
    user = UserFactory()
    log_in(page, live_server, user)

    page.get_by_role("link", name="Commission", exact=True).click()
    page.get_by_label("Prompt", exact=True).fill("a red lighthouse on a cliff at sunset")
    page.get_by_label("Engine").select_option("scripted")
    page.get_by_label("Size").select_option("256x256")
    page.get_by_label("Count").fill("3")
    page.get_by_label("Steps").fill("500")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Steps must be between 1 and 50; got 500.")).to_be_visible()
    assert not GenerationJob.objects.exists()

    page.get_by_label("Steps").fill("20")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))

    expect(page.locator("#job-status")).to_have_attribute("data-status", "running", timeout=20000)
    expect(page.get_by_text(re.compile(r"Step ([2-9]|1\d) of 20"))).to_be_visible(timeout=10000)
    screenshot("job-running")
    expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded", timeout=20000)
    expect(page.get_by_role("img", name=re.compile("AI-generated image"))).to_have_count(3)
    screenshot("job-succeeded")

    page.get_by_role("button", name="☆ Pick").first.click()
    expect(page.get_by_role("button", name="★ Picked")).to_have_count(1)
    job = GenerationJob.objects.get(owner=user)
    assert job.pieces.filter(picked_at__isnull=False).count() == 1

    page.get_by_role("link", name="My jobs").click()
    expect(page.get_by_role("link", name="a red lighthouse on a cliff at sunset")).to_be_visible()
