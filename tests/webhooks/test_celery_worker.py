"""End to end: a committed event reaches a local receiver through the real worker, and the
receiver checks the signature with the documented snippet."""

import time

import pytest

from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services.endpoints import endpoint_send_test

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_status(delivery_id, timeout: float = 30.0) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status != DeliveryStatus.PENDING or delivery.attempts:
            return delivery
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")


def test_the_worker_delivers_a_signed_event_the_receiver_verifies(
    celery_worker, endpoint_for, receiver, verify_signature, buyer
):
    endpoint = endpoint_for(buyer)
    receiver.verify = lambda headers, body: verify_signature(
        endpoint.secret, headers["Promptfolio-Signature"], body
    )

    delivery = endpoint_send_test(endpoint=endpoint, actor=buyer)

    delivery = wait_for_status(delivery.pk)
    assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.last_error
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    assert [r["headers"]["Promptfolio-Event"] for r in receiver.requests] == ["test"]


def test_a_receiver_that_cannot_verify_answers_401_and_the_delivery_waits_for_a_retry(
    celery_worker, endpoint_for, receiver, verify_signature, buyer
):
    endpoint = endpoint_for(buyer)
    receiver.verify = lambda headers, body: verify_signature(
        "whsec_not_the_secret", headers["Promptfolio-Signature"], body
    )

    delivery = endpoint_send_test(endpoint=endpoint, actor=buyer)

    delivery = wait_for_status(delivery.pk)
    assert delivery.status == DeliveryStatus.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, 401)
    assert delivery.last_error == "HTTP 401"
