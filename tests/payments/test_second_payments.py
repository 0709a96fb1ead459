"""Money the order did not ask for: a second payment on an order that already took one is
refunded at once through the gateway, and a test-mode event never settles a live order."""

import pytest
import stripe

from licensing.models import LicenceGrant
from payments.gateway import GatewayError
from payments.models import Order, OrderStatus, WebhookEvent
from payments.services.webhooks import webhook_process, webhook_receive
from tests.marketplace.factories import make_listing
from tests.payments.conftest import FakeStripeClient, post_event
from tests.payments.factories import make_order, pay
from tests.payments.shapes import checkout_session, event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def order(buyer, creator):
    return make_order(buyer=buyer, listing=make_listing(creator, publish=True), amount=2000)


def second_payment(order):
    """The buyer paid again through another session they had open for the same order."""
    session = checkout_session(order, id="cs_test_second", payment_intent="pi_second")
    return event("checkout.session.completed", session)


def test_a_second_payment_on_a_paid_order_is_refunded_and_recorded(
    client, order, fake_stripe, run_tasks_inline
):
    pay(order)
    first_intent = order.payment_intent_id

    with run_tasks_inline():
        assert post_event(client, second_payment(order)).status_code == 200

    order.refresh_from_db()
    assert fake_stripe == [
        (
            "refunds",
            (),
            {"payment_intent": "pi_second", "amount": 2000},
            {"idempotency_key": "refund-payment-pi_second"},
        )
    ]
    assert order.status == OrderStatus.PAID and order.payment_intent_id == first_intent
    assert LicenceGrant.objects.filter(revoked_at__isnull=True).count() == 1
    assert order.flagged_at is not None and "cs_test_second" in order.flag_reason
    last = order.events.order_by("-pk").first()
    assert (last.from_status, last.to_status) == ("paid", "paid")
    assert last.message.startswith("Second payment pi_second of 2000 USD refunded (re_1);")
    stored = WebhookEvent.objects.get(type="checkout.session.completed", status="refused")
    assert "checkout session 'cs_test_second'" in stored.error


def test_the_same_payment_reported_again_is_not_refunded(client, order, fake_stripe):
    pay(order)
    again = event("checkout.session.async_payment_succeeded", checkout_session(order))

    post_event(client, again)
    webhook_process(webhook_event_id=WebhookEvent.objects.get(type=again["type"]).pk)

    order.refresh_from_db()
    assert fake_stripe == [] and order.flagged_at is None and order.status == OrderStatus.PAID


class RefundsDown(FakeStripeClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        def refuse(*args, **kwargs):
            raise stripe.APIConnectionError("Stripe is unreachable")

        self.v1.refunds.create = refuse


def test_a_refund_the_provider_refuses_is_retried_not_lost(order, fake_stripe, monkeypatch):
    pay(order)
    monkeypatch.setattr("payments.gateway.stripe.StripeClient", RefundsDown)
    stored = webhook_receive(event=second_payment(order))

    with pytest.raises(GatewayError, match="Stripe is unreachable"):
        webhook_process(webhook_event_id=stored.pk)

    stored.refresh_from_db()
    order.refresh_from_db()
    assert (stored.status, stored.attempts) == ("received", 1)
    assert "Stripe is unreachable" in stored.error
    assert order.flagged_at is None  # nothing of the refused attempt was kept
    assert not order.events.filter(message__startswith="Second payment").exists()

    monkeypatch.setattr("payments.gateway.stripe.StripeClient", FakeStripeClient)
    webhook_process(webhook_event_id=stored.pk)
    stored.refresh_from_db()
    assert stored.status == "refused"
    assert [call[3] for call in fake_stripe] == [{"idempotency_key": "refund-payment-pi_second"}]


def test_a_test_mode_event_never_settles_a_live_order_opened_before_modes_were_recorded(
    client, order, fake_stripe, settings, run_tasks_inline
):
    settings.STRIPE_SECRET_KEY = "sk_live_fake"
    Order.objects.filter(pk=order.pk).update(session_livemode=None)

    with run_tasks_inline():
        post_event(client, event("checkout.session.completed", checkout_session(order)))

    order.refresh_from_db()
    reason = "livemode False, the session was opened with True"
    assert order.status == OrderStatus.PENDING and reason in order.flag_reason
    assert fake_stripe == [] and not LicenceGrant.objects.exists()
    stored = WebhookEvent.objects.get()
    assert stored.status == "refused" and reason in stored.error
    assert order.events.get().message == f"Flagged for review: {reason}"
