"""Stored events: the body exactly as Stripe signed it for every type we handle, unknown
types kept, events that cannot be processed failed (not retried forever), and the admin's
retry action."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.models import LicenceGrant
from payments.models import OrderStatus, PayoutAccount, WebhookEvent, WebhookEventStatus
from payments.services.webhooks import webhook_process, webhook_receive, webhooks_requeue_stale
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments.conftest import post_event, sign
from tests.payments.factories import make_order
from tests.payments.shapes import (
    account,
    charge,
    checkout_session,
    converted,
    event,
    intent_of,
    payment_intent,
    refund,
    transfer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def order(buyer, creator):
    return make_order(buyer=buyer, listing=make_listing(creator, publish=True))


def every_handled_event(order) -> list[dict]:
    """One event of each type we handle, shaped as Stripe publishes it."""
    line = order.lines.get()
    PayoutAccount.objects.create(creator=line.creator, stripe_account_id="acct_creator")
    session = checkout_session(order)
    return [
        event("checkout.session.completed", session),
        event(
            "checkout.session.completed", checkout_session(order, **converted(order, amount=1839))
        ),
        event("checkout.session.async_payment_succeeded", session),
        event("checkout.session.async_payment_failed", {**session, "payment_status": "unpaid"}),
        event(
            "checkout.session.expired",
            {**session, "status": "expired", "payment_status": "unpaid", "payment_intent": None},
        ),
        event("payment_intent.payment_failed", payment_intent(order)),
        event("charge.refunded", charge(order, amount_refunded=order.total_amount)),
        event("refund.updated", refund(order), previous_attributes={"status": "pending"}),
        event("transfer.created", transfer(line)),
        event("transfer.reversed", transfer(line, amount_reversed=line.creator_amount)),
        event(
            "account.updated",
            account("acct_creator", payouts_enabled=True),
            previous_attributes={"payouts_enabled": False},
        ),
    ]


def test_every_handled_type_is_stored_byte_for_byte(client, order):
    bodies = [json.dumps(e, indent=1).encode() for e in every_handled_event(order)]

    responses = [
        client.post(
            "/webhooks/stripe/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body),
        )
        for body in bodies
    ]

    assert [r.status_code for r in responses] == [200] * len(bodies)
    stored = list(WebhookEvent.objects.order_by("pk"))
    assert [e.raw_payload for e in stored] == [body.decode() for body in bodies]
    assert {e.status for e in stored} == {WebhookEventStatus.RECEIVED}
    conversion = json.loads(stored[1].raw_payload)["data"]["object"]["currency_conversion"]
    assert conversion["fx_rate"] == "0.9195"  # a decimal string, as sent


def test_converted_session_with_a_decimal_fx_rate_is_stored_and_pays(
    client, order, buyer, run_tasks_inline
):
    payload = event(
        "checkout.session.completed", checkout_session(order, **converted(order, amount=1839))
    )

    with run_tasks_inline():
        response = post_event(client, payload)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (order.paid_amount, order.paid_currency) == (1839, "EUR")
    assert order.events.get().message == "Charged 1839 EUR at 0.9195."
    assert LicenceGrant.objects.get().licensee == buyer
    assert WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED


def test_unknown_types_are_acknowledged_and_kept(client, run_tasks_inline):
    with run_tasks_inline():
        response = post_event(client, event("customer.created", {"id": "cus_1"}))

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts, stored.error) == (WebhookEventStatus.IGNORED, 1, "")
    assert [h.to_status for h in stored.history.all()] == ["ignored"]


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"order_id": "not-a-uuid"}, "MalformedEvent: order id 'not-a-uuid' is not a UUID"),
        ("order_id=1", "MalformedEvent: metadata is not an object"),
        (["order_id"], "MalformedEvent: metadata is not an object"),
    ],
)
def test_malformed_metadata_fails_once_and_is_never_requeued(
    client, order, run_tasks_inline, metadata, error
):
    session = checkout_session(order, metadata=metadata, client_reference_id=None)

    with run_tasks_inline():
        response = post_event(client, event("checkout.session.completed", session))

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts, stored.error) == ("failed", 1, error)
    assert stored.failed_at is not None and stored.processed_at is None
    assert [(h.from_status, h.to_status) for h in stored.history.all()] == [("received", "failed")]
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(hours=1))
    assert webhooks_requeue_stale(older_than_seconds=0) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not LicenceGrant.objects.exists()


def test_data_object_that_is_not_an_object_fails(client, run_tasks_inline):
    payload = event("charge.refunded", {})
    payload["data"]["object"] = "ch_1"

    with run_tasks_inline():
        post_event(client, payload)

    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.error) == (
        "failed",
        "MalformedEvent: data.object is not an object",
    )


def test_an_event_out_of_order_fails_after_its_last_attempt(order, settings):
    from payments.services.webhook_handlers import EventOutOfOrder

    settings.WEBHOOK_MAX_ATTEMPTS = 2
    stored = webhook_receive(
        event=event(
            "charge.refunded",
            charge(order, amount_refunded=order.total_amount),
        )
    )

    with pytest.raises(EventOutOfOrder):
        webhook_process(webhook_event_id=stored.pk)
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == ("received", 1)
    assert "arrived before its payment" in stored.error

    webhook_process(webhook_event_id=stored.pk)  # the last attempt records, does not raise

    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == ("failed", 2)
    assert stored.history.get().message.startswith("Failed after 2 attempt(s): Refund for order")


def test_the_sweeper_fails_events_that_used_up_their_attempts(order, settings):
    fresh = webhook_receive(event=event("checkout.session.completed", checkout_session(order)))
    spent = webhook_receive(event=event("customer.created", {"id": "cus_1"}))
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    WebhookEvent.objects.filter(pk=spent.pk).update(attempts=settings.WEBHOOK_MAX_ATTEMPTS)

    assert webhooks_requeue_stale() == 1  # only the fresh one is woken

    spent.refresh_from_db()
    fresh.refresh_from_db()
    assert spent.status == "failed" and fresh.status == "received"
    assert spent.error == "no error recorded (the worker crashed or the database failed)"
    assert spent.history.get().source == "sweeper"


def test_admin_retry_processes_a_failed_event_again(client, order, settings, run_tasks_inline):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    refund_event = webhook_receive(
        event=event(
            "charge.refunded",
            charge(order, amount_refunded=order.total_amount, payment_intent=intent_of(order)),
        )
    )
    webhook_process(webhook_event_id=refund_event.pk)  # before the payment: failed at once
    paid = webhook_receive(event=event("checkout.session.completed", checkout_session(order)))
    webhook_process(webhook_event_id=paid.pk)
    moderator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(moderator)

    with run_tasks_inline():
        response = client.post(
            reverse("admin:payments_webhookevent_changelist"),
            {"action": "retry_failed", "_selected_action": [refund_event.pk, paid.pk]},
            follow=True,
        )

    assert "1 event(s) queued again; 1 not failed, left as they were." in response.content.decode()
    refund_event.refresh_from_db()
    assert (refund_event.status, refund_event.attempts) == ("processed", 1)
    history = [(h.to_status, h.source, h.actor) for h in refund_event.history.all()]
    assert history == [
        ("failed", "worker", None),
        ("received", "admin", moderator),
        ("processed", "worker", None),
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert LicenceGrant.objects.get().status == "refunded"
    detail = client.get(reverse("admin:payments_webhookevent_change", args=[refund_event.pk]))
    assert detail.status_code == 200 and "Retry requested after: Refund for order" in (
        detail.content.decode()
    )
