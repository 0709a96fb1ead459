"""Register a webhook from the profile, send a test event, watch the log say delivered."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory
from tests.webhooks.conftest import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def local_receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_add_an_endpoint_send_a_test_event_and_see_it_delivered(
    live_server, page, screenshot, celery_worker, local_receiver
):
    user = UserFactory(email="hooks@example.com")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")

    page.get_by_role("link", name="Manage webhook endpoints").click()
    page.get_by_label("Endpoint URL").fill("ftp://example.com/in")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Choose at least one event.")).to_be_visible()
    page.get_by_role("checkbox", name="job.failed").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Enter an http or https URL with a host name.")).to_be_visible()
    screenshot("webhooks-form-errors")

    page.get_by_label("Endpoint URL").fill(local_receiver.url())
    page.get_by_label("Description").fill("My render farm")
    page.get_by_role("checkbox", name="job.succeeded").check()
    page.get_by_role("checkbox", name="licence.granted").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Endpoint added.")).to_be_visible()
    expect(page.get_by_text("whsec_")).to_be_visible()

    page.get_by_role("button", name="Send test event").click()
    log = page.locator("#delivery-log")
    expect(log.get_by_text("Delivered")).to_be_visible(timeout=20_000)
    expect(log.get_by_role("cell", name="HTTP 200 ok")).to_be_visible()
    screenshot("webhooks-endpoint")
    assert [r["headers"]["Promptfolio-Event"] for r in local_receiver.requests] == ["test"]
