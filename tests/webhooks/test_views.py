"""The webhook pages: owner-only, add with clear errors, test event, delete, the panel."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/in"


@pytest.fixture
def endpoint(buyer):
    return endpoint_create(owner=buyer, url=URL, events=["job.succeeded"], description="My CI")


def test_sign_in_is_required(client):
    response = client.get(reverse("webhooks:endpoint_list"))

    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_list_shows_only_my_endpoints_in_constant_queries(
    client, buyer, endpoint, django_assert_max_num_queries
):
    endpoint_create(owner=UserFactory(), url="https://other.example.com/", events=["job.failed"])
    for n in range(3):
        endpoint_create(owner=buyer, url=f"https://h{n}.example.com/", events=["job.failed"])
    client.force_login(buyer)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("webhooks:endpoint_list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert URL in body and "My CI" in body and "h2.example.com" in body
    assert "other.example.com" not in body
    assert 'type="checkbox" name="events" value="licence.granted"' in body


def test_adding_an_endpoint_redirects_to_its_page_with_the_secret(client, buyer):
    client.force_login(buyer)

    response = client.post(
        reverse("webhooks:endpoint_list"),
        {"url": URL, "description": "Shop", "events": ["job.failed", "commission.updated"]},
    )

    endpoint = WebhookEndpoint.objects.get(owner=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    assert endpoint.events == ["job.failed", "commission.updated"]
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page and "Send test event" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "https://10.0.0.5/x", "events": ["job.failed"]}, "private or reserved address"),
        ({"url": "not a url", "events": ["job.failed"]}, "Enter a valid URL."),
        ({"url": URL}, "Choose at least one event."),
        ({"url": URL, "events": ["job.eaten"]}, "Select a valid choice."),
        ({"url": "http://hooks.example.com/", "events": ["job.failed"]}, "must use https"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, buyer, data, message):
    client.force_login(buyer)

    response = client.post(reverse("webhooks:endpoint_list"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_endpoint_limit_is_a_form_error(client, buyer):
    for _ in range(10):
        endpoint_create(owner=buyer, url=URL, events=["job.failed"])
    client.force_login(buyer)

    response = client.post(
        reverse("webhooks:endpoint_list"), {"url": URL, "events": ["job.failed"]}
    )

    assert response.status_code == 400
    assert "at most 10 webhook endpoints" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 10


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("endpoint_detail", "get"),
        ("endpoint_deliveries", "get"),
        ("endpoint_test", "post"),
        ("endpoint_active", "post"),
        ("endpoint_delete", "post"),
    ],
)
def test_other_people_get_404_and_nothing_happens(client, endpoint, name, method):
    client.force_login(UserFactory())

    response = getattr(client, method)(reverse(f"webhooks:{name}", args=[endpoint.pk]))

    assert response.status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).exists()
    assert not WebhookDelivery.objects.exists()


def test_send_test_event_queues_a_test_delivery(client, buyer, endpoint):
    client.force_login(buyer)

    response = client.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))

    assert response.status_code == 302
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event_type == "test" and delivery.status == "pending"


def test_send_test_event_with_htmx_answers_the_refreshing_log(client, buyer, endpoint):
    client.force_login(buyer)

    response = client.post(
        reverse("webhooks:endpoint_test", args=[endpoint.pk]), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="delivery-log"' in body and 'hx-trigger="every 5s"' in body
    assert "<code>test</code>" in body and "Pending" in body


def test_the_log_shows_attempts_codes_errors_and_the_next_try(client, buyer, endpoint):
    delivery = endpoint_send_test(endpoint=endpoint, actor=buyer)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, last_status_code=503, last_error="HTTP 503", response_excerpt="busy"
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        from_status="pending",
        to_status="pending",
        status_code=503,
        error="HTTP 503",
        duration_ms=42,
    )
    client.force_login(buyer)

    body = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()

    assert "HTTP 503" in body and "busy" in body and "42 ms" in body
    assert str(delivery.event_id) in body and " UTC</time>" in body


def test_wrong_methods_are_refused(client, buyer, endpoint):
    client.force_login(buyer)

    assert client.get(reverse("webhooks:endpoint_test", args=[endpoint.pk])).status_code == 405
    assert client.get(reverse("webhooks:endpoint_delete", args=[endpoint.pk])).status_code == 405


def test_delete_removes_it_and_returns_to_the_list(client, buyer, endpoint):
    client.force_login(buyer)

    response = client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("webhooks:endpoint_list")
    assert not WebhookEndpoint.objects.exists()


def test_the_profile_page_links_to_webhooks(client, buyer, endpoint):
    client.force_login(buyer)

    body = client.get(reverse("profile")).content.decode()

    assert reverse("webhooks:endpoint_list") in body and "1 endpoint registered" in body


def test_pause_and_resume(client, buyer, endpoint):
    client.force_login(buyer)
    url = reverse("webhooks:endpoint_active", args=[endpoint.pk])

    assert client.post(url, {"active": "0"}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    page = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk])).content.decode()
    assert "Paused" in page and ">Resume</button>" in page
    assert f"paused by {buyer.public_name}" in page

    client.post(url, {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
