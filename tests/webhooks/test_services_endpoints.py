"""Registering endpoints: URL rules, events, the per-person limit, owner-only actions."""

import pytest

from core.errors import ApplicationError, PermissionDeniedError
from tests.factories import UserFactory
from webhooks.models import (
    MAX_ENDPOINTS_PER_USER,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
)
from webhooks.services.deliveries import event_emit
from webhooks.services.endpoints import (
    endpoint_create,
    endpoint_delete,
    endpoint_send_test,
    endpoint_set_active,
)

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/promptfolio"


def test_an_endpoint_gets_a_prefixed_random_secret(buyer):
    first = endpoint_create(owner=buyer, url=URL, events=["job.succeeded"], description=" CI ")
    second = endpoint_create(owner=buyer, url=URL, events=["job.succeeded", "job.succeeded"])

    assert first.secret.startswith("whsec_") and len(first.secret) > 40
    assert first.secret != second.secret
    assert (first.description, second.events) == ("CI", ["job.succeeded"])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "http or https"),
        ("https:///nohost", "http or https"),
        ("http://hooks.example.com/x", "must use https"),
        ("https://user:pw@hooks.example.com/x", "user names and passwords"),
        ("https://localhost/x", "this machine"),
        ("https://api.localhost/x", "this machine"),
        ("https://127.0.0.1/x", "127.0.0.1 is a loopback address"),
        ("https://10.1.2.3/x", "10.1.2.3 is a private or reserved address"),
        ("https://[::1]/x", "loopback"),
        ("https://169.254.169.254/latest", "metadata"),
        ("https://[::ffff:192.168.0.1]/x", "private"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(buyer, url, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        endpoint_create(owner=buyer, url=url, events=["job.succeeded"])

    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


def test_the_operator_settings_allow_http_and_private_addresses_but_never_metadata(buyer, settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True

    endpoint = endpoint_create(owner=buyer, url="http://127.0.0.1:9000/x", events=["job.failed"])
    assert endpoint.url == "http://127.0.0.1:9000/x"
    with pytest.raises(ApplicationError, match="metadata"):
        endpoint_create(owner=buyer, url="http://169.254.169.254/", events=["job.failed"])


@pytest.mark.parametrize(
    ("events", "message"), [([], "at least one"), (["job.eaten"], "job.eaten")]
)
def test_events_must_be_known_and_not_empty(buyer, events, message):
    with pytest.raises(ApplicationError, match=message):
        endpoint_create(owner=buyer, url=URL, events=events)


def test_at_most_ten_endpoints_per_person(buyer):
    for _ in range(MAX_ENDPOINTS_PER_USER):
        endpoint_create(owner=buyer, url=URL, events=["job.failed"])

    with pytest.raises(ApplicationError, match="at most 10 webhook endpoints") as refused:
        endpoint_create(owner=buyer, url=URL, events=["job.failed"])

    assert refused.value.code == "endpoint_limit"
    assert WebhookEndpoint.objects.filter(owner=buyer).count() == 10
    endpoint_create(owner=UserFactory(), url=URL, events=["job.failed"])  # others are not held


def test_a_test_event_ignores_the_subscription_and_only_the_owner_may_send_it(buyer):
    endpoint = endpoint_create(owner=buyer, url=URL, events=["job.failed"])

    delivery = endpoint_send_test(endpoint=endpoint, actor=buyer)

    assert (delivery.event_type, delivery.status) == ("test", "pending")
    assert delivery.payload == {
        "message": "A test event from Promptfolio.",
        "endpoint": endpoint.pk,
    }
    with pytest.raises(PermissionDeniedError):
        endpoint_send_test(endpoint=endpoint, actor=UserFactory())
    assert WebhookDelivery.objects.count() == 1


def test_deleting_drops_the_endpoint_and_its_deliveries_owner_only(buyer):
    endpoint = endpoint_create(owner=buyer, url=URL, events=["job.failed"])
    endpoint_send_test(endpoint=endpoint, actor=buyer)

    with pytest.raises(PermissionDeniedError):
        endpoint_delete(endpoint=endpoint, actor=UserFactory())
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    endpoint_delete(endpoint=endpoint, actor=buyer)
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_paused_endpoint_gets_no_new_events_but_still_test_events(buyer):
    endpoint = endpoint_create(owner=buyer, url=URL, events=["job.failed"])

    endpoint_set_active(endpoint=endpoint, actor=buyer, active=False)

    assert event_emit(user_id=buyer.pk, event_type="job.failed", data={}) == []
    assert endpoint_send_test(endpoint=endpoint, actor=buyer).event_type == "test"
    with pytest.raises(PermissionDeniedError):
        endpoint_set_active(endpoint=endpoint, actor=UserFactory(), active=True)
    endpoint_set_active(endpoint=endpoint, actor=buyer, active=True)
    assert len(event_emit(user_id=buyer.pk, event_type="job.failed", data={})) == 1


def test_every_change_to_an_endpoint_is_a_history_row_that_outlives_it(buyer):
    endpoint = endpoint_create(owner=buyer, url=URL, events=["job.failed"])
    endpoint_set_active(endpoint=endpoint, actor=buyer, active=False)
    endpoint_set_active(endpoint=endpoint, actor=buyer, active=False)  # no change, no row
    endpoint_set_active(endpoint=endpoint, actor=buyer, active=True)

    endpoint_delete(endpoint=endpoint, actor=buyer)

    rows = WebhookEndpointEvent.objects.filter(owner=buyer).order_by("id")
    assert [(r.from_status, r.to_status) for r in rows] == [
        ("", "active"),
        ("active", "paused"),
        ("paused", "active"),
        ("active", "deleted"),
    ]
    assert {(r.url, r.actor_id, r.endpoint_id) for r in rows} == {(URL, buyer.pk, None)}
