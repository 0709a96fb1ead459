"""The Stripe webhook endpoint: signatures, idempotency, ordering, and what a payment grants."""

import json

import pytest

from licensing.models import LicenceGrant
from payments.models import Order, OrderStatus, WebhookEvent
from tests.marketplace.factories import make_listing
from tests.payments.conftest import event, post_event, session_completed, sign
from tests.payments.factories import make_order
from tests.payments.shapes import charge, checkout_session, intent_of, payment_intent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def listing(creator):
    return make_listing(creator, publish=True)


@pytest.fixture
def order(buyer, listing):
    return make_order(buyer=buyer, listing=listing)


def test_paid_session_grants_the_licence_once(client, order, buyer, run_tasks_inline):
    payload = session_completed(order)

    with run_tasks_inline():
        first = post_event(client, payload)
        second = post_event(client, payload)

    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False}
    assert second.status_code == 200 and second.json()["duplicate"] is True
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payment_intent_id.startswith("pi_")
    grant = LicenceGrant.objects.get()
    assert (grant.licensee, grant.status, grant.order_line) == (buyer, "active", order.lines.get())
    assert WebhookEvent.objects.count() == 1
    assert [e.to_status for e in order.events.all()] == ["paid"]


def test_bad_signature_is_rejected_and_nothing_is_stored(client, order):
    body = json.dumps(session_completed(order)).encode()

    response = client.post(
        "/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, secret="whsec_someone_else"),
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists() and not LicenceGrant.objects.exists()


def test_stale_timestamp_is_rejected(client, order):
    import time

    response = post_event(client, session_completed(order), timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_tampered_body_is_rejected(client, order):
    body = json.dumps(session_completed(order)).encode()
    header = sign(body)
    tampered = body.replace(b'"paid"', b'"paid" ', 1)

    response = client.post(
        "/webhooks/stripe/",
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    assert response.status_code == 400


def test_missing_signature_and_unconfigured_secret_are_rejected(client, order, settings):
    body = json.dumps(session_completed(order)).encode()
    assert (
        client.post("/webhooks/stripe/", data=body, content_type="application/json").status_code
        == 400
    )

    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_event(client, session_completed(order)).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_unpaid_async_session_waits_for_its_outcome(client, order, run_tasks_inline):
    with run_tasks_inline():
        post_event(client, session_completed(order, payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not LicenceGrant.objects.exists()

    with run_tasks_inline():
        post_event(
            client,
            event(
                "checkout.session.async_payment_succeeded",
                checkout_session(order, payment_intent="pi_async"),
            ),
        )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and LicenceGrant.objects.count() == 1


def test_late_failure_never_undoes_a_payment(client, order, run_tasks_inline):
    with run_tasks_inline():
        post_event(client, session_completed(order))
    with run_tasks_inline():
        post_event(
            client,
            event("payment_intent.payment_failed", payment_intent(order)),
        )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert LicenceGrant.objects.get().status == "active"


def test_failed_payment_marks_the_order_failed(client, order, run_tasks_inline):
    with run_tasks_inline():
        post_event(
            client,
            event(
                "checkout.session.async_payment_failed",
                checkout_session(order, payment_status="unpaid", status="complete"),
            ),
        )

    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and not LicenceGrant.objects.exists()


def test_refund_event_before_payment_is_retried_until_the_payment_arrives(order):
    from payments.services.webhooks import (
        EventOutOfOrder,
        webhook_process,
        webhook_receive,
    )

    refund = webhook_receive(
        event=event(
            "charge.refunded",
            charge(
                order,
                amount_refunded=order.total_amount,
                metadata={"order_id": str(order.pk)},
                payment_intent=intent_of(order),
            ),
        )
    )
    with pytest.raises(EventOutOfOrder):
        webhook_process(webhook_event_id=refund.pk)
    refund.refresh_from_db()
    assert refund.processed_at is None

    paid = webhook_receive(event=session_completed(order))
    webhook_process(webhook_event_id=paid.pk)
    webhook_process(webhook_event_id=refund.pk)

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == order.total_amount
    assert LicenceGrant.objects.get().status == "refunded"


def test_unknown_event_types_are_stored_and_ignored(client, run_tasks_inline):
    with run_tasks_inline():
        response = post_event(client, event("customer.created", {"id": "cus_1"}))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None
    assert not Order.objects.exists()


def test_expired_session_fails_the_order_and_frees_its_exclusive_hold(
    client, buyer, listing, run_tasks_inline
):
    from licensing.models import ExclusiveHold
    from licensing.services.grants import exclusive_hold_acquire

    order = make_order(buyer=buyer, listing=listing, tier_code="exclusive", amount=90000)
    exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref=str(order.pk))
    expired = checkout_session(
        order, status="expired", payment_status="unpaid", payment_intent=None
    )

    with run_tasks_inline():
        post_event(client, event("checkout.session.expired", expired))

    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and order.flagged_at is None
    assert not ExclusiveHold.objects.exists() and not LicenceGrant.objects.exists()
    assert WebhookEvent.objects.get().status == "processed"


def test_a_failed_payment_intent_fails_a_pending_order(client, order, run_tasks_inline):
    with run_tasks_inline():
        post_event(client, event("payment_intent.payment_failed", payment_intent(order)))

    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and order.flagged_at is None
    assert WebhookEvent.objects.get().status == "processed"
