import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from licensing.models import LicenceGrant
from tests.browser.test_commission_journey import log_in
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_buys_a_licence_on_the_test_gateway_and_downloads_the_certificate(
    live_server, page, screenshot, celery_worker
):
    creator = UserFactory(creator=True, display_name="Aurora Vale")
    listing = make_listing(creator, publish=True, title="Harbour at dusk", price_amount=2500)
    buyer = UserFactory()
    log_in(page, live_server, buyer)

    page.goto(live_server.url + reverse("listing_detail", kwargs={"listing_id": listing.pk}))
    expect(page.get_by_role("heading", name="Harbour at dusk")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Buy Standard licence")).click()

    expect(page.get_by_text("TEST MODE: no real money moves")).to_be_visible()
    screenshot("test-checkout")
    page.get_by_role("button", name=re.compile(r"Pay .* \(test\)")).click()

    page.wait_for_url(re.compile(r".*/orders/[0-9a-f-]+/$"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid", timeout=20000)
    certificate = page.get_by_role("link", name="Certificate (PDF)")
    expect(certificate).to_be_visible(timeout=20000)
    screenshot("order-paid")
    pdf = page.request.get(live_server.url + certificate.get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    grant = LicenceGrant.objects.get()
    assert grant.licensee == buyer and grant.status == "active"
