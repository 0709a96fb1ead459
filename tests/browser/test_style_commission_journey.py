import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from commissions.models import Commission
from licensing.models import LicenceGrant
from tests.browser.test_commission_journey import log_in
from tests.commissions.factories import make_style
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_commissions_in_a_style_and_receives_images_with_a_certificate(
    live_server, page, screenshot, celery_worker
):
    creator = UserFactory(creator=True, display_name="Mara Quill")
    style = make_style(creator, title="Teal watercolour", price_amount=400)
    buyer = UserFactory()
    log_in(page, live_server, buyer)

    page.goto(live_server.url + reverse("style_detail", kwargs={"style_id": style.pk}))
    expect(page.get_by_role("heading", name="Teal watercolour")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("soft paper texture")  # recipe is private
    page.get_by_role("link", name="Commission in this style").click()
    page.get_by_label("Prompt", exact=True).fill("a lighthouse on a cliff")
    page.get_by_label("Count").fill("2")
    page.get_by_role("button", name="Pay and generate").click()

    expect(page.get_by_text("TEST MODE: no real money moves")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Pay .* \(test\)")).click()
    page.wait_for_url(re.compile(r".*/orders/[0-9a-f-]+/$"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid", timeout=20000)
    page.get_by_role("link", name=re.compile("Teal watercolour")).click()

    expect(page.locator("#commission")).to_have_attribute("data-status", "completed", timeout=60000)
    expect(
        page.get_by_role("img", name=re.compile("AI-generated commissioned image"))
    ).to_have_count(2)
    certificate = page.get_by_role("link", name="Certificate (PDF)")
    expect(certificate).to_be_visible()
    screenshot("style-commission-completed")
    pdf = page.request.get(live_server.url + certificate.get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    commission = Commission.objects.get()
    grant = LicenceGrant.objects.get()
    assert grant.licensee == buyer and grant.pieces.count() == 2
    assert commission.order_line.transfer_held is False
