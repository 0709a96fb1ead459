"""A person's endpoints are in their data export and go when the account is erased."""

import pytest

from marketplace.services.privacy import account_delete, account_export_data
from tests.factories import PASSWORD
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEndpointEvent
from webhooks.services.endpoints import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db


def test_the_export_lists_endpoints_without_their_secrets(buyer):
    endpoint = endpoint_create(
        owner=buyer, url="https://hooks.example.com/a", events=["job.failed"], description="CI"
    )

    (row,) = account_export_data(user=buyer)["webhook_endpoints"]

    assert row == {
        "url": "https://hooks.example.com/a",
        "description": "CI",
        "events": ["job.failed"],
        "is_active": True,
        "created_at": endpoint.created_at,
    }
    assert endpoint.secret not in repr(row)


def test_erasing_the_account_deletes_its_endpoints_and_their_log(buyer, creator):
    mine = endpoint_create(owner=buyer, url="https://hooks.example.com/a", events=["job.failed"])
    endpoint_send_test(endpoint=mine, actor=buyer)
    theirs = endpoint_create(owner=creator, url="https://h.example.com/", events=["job.failed"])

    account_delete(user=buyer, password=PASSWORD)

    assert list(WebhookEndpoint.objects.all()) == [theirs]
    assert not WebhookDelivery.objects.exists()
    assert list(WebhookEndpointEvent.objects.values_list("url", flat=True)) == [theirs.url]
