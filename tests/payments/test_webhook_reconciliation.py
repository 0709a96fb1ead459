"""Every money event is checked against what its order opened: a mismatch never grants, the
order is flagged for a moderator (admin, reconcile_payments), the event is kept with the
reason, and money received without a grant is refunded through the owed-refund row."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from licensing.models import ExclusiveHold, LicenceGrant
from payments.models import Order, OrderStatus, WebhookEvent
from payments.services.webhooks import webhook_process, webhook_receive
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments.conftest import post_event
from tests.payments.factories import make_order, pay
from tests.payments.shapes import charge, checkout_session, converted, event, intent_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


@pytest.fixture
def listing(creator):
    return make_listing(creator, publish=True)


@pytest.fixture
def order(buyer, listing):
    return make_order(buyer=buyer, listing=listing, amount=2000)


def order_with_intent(buyer, listing):
    return make_order(buyer=buyer, listing=listing, payment_intent_id="pi_opened")


NO_EXTRAS = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
MISMATCHES = [
    (
        {"amount_total": 1500, "amount_subtotal": 1500},
        {"amount": 1500, "currency": "USD"},
        "amount_total 1500 USD, the session was opened for 2000 USD",
    ),
    (
        {"currency": "eur"},
        {"amount": 2000, "currency": "EUR"},
        "amount_total 2000 EUR, the session was opened for 2000 USD",
    ),
    (
        {"id": "cs_test_someone_elses"},
        {"amount": 2000, "currency": "USD"},
        "checkout session 'cs_test_someone_elses', the order opened 'cs_test_",
    ),
    (
        {"amount_total": 2160, "total_details": {**NO_EXTRAS, "amount_tax": 160}},
        {"amount": 2160, "currency": "USD"},
        "amount_tax 160: our sessions add no tax, discount or shipping",
    ),
    (
        {"amount_total": 1800, "total_details": {**NO_EXTRAS, "amount_discount": 200}},
        {"amount": 1800, "currency": "USD"},
        "amount_discount 200: our sessions add no tax, discount or shipping",
    ),
    (
        {"currency": "eur", "amount_total": 1839, "currency_conversion": "0.9195"},
        {"amount": 1839, "currency": "EUR"},
        "currency_conversion without",
    ),
]


@pytest.mark.parametrize(("overrides", "charged", "reason"), MISMATCHES)
def test_a_paid_session_that_does_not_match_is_held_flagged_and_refunded(
    client, order, fake_stripe, run_tasks_inline, overrides, charged, reason
):
    payload = event("checkout.session.completed", checkout_session(order, **overrides))

    with run_tasks_inline():
        response = post_event(client, payload)

    assert response.status_code == 200
    order.refresh_from_db()
    line = order.lines.get()
    assert not LicenceGrant.objects.exists()
    assert order.flagged_at is not None and reason in order.flag_reason
    stored = WebhookEvent.objects.get()
    assert stored.status == "refused" and reason in stored.error
    assert (order.paid_amount, order.paid_currency) == (charged["amount"], charged["currency"])
    assert fake_stripe == [
        (
            "refunds",
            (),
            {"payment_intent": intent_of(order), "amount": charged["amount"]},
            {"idempotency_key": f"refund-line-{line.pk}"},
        )
    ]
    assert line.refund_requested_at is not None and line.refunded_at is not None
    held, owed, refunded = order.events.all()
    assert held.to_status == "held" and held.message.startswith(f"Paid {charged['amount']} ")
    assert (owed.to_status, refunded.to_status) == ("held", "refunded")
    assert owed.message.startswith("Automatic refund owed for")
    assert order.status == OrderStatus.REFUNDED


def test_a_different_payment_intent_than_the_one_opened_is_refused(
    client, buyer, listing, fake_stripe, run_tasks_inline
):
    order = order_with_intent(buyer, listing)
    session = checkout_session(order, payment_intent="pi_elsewhere")

    with run_tasks_inline():
        post_event(client, event("checkout.session.async_payment_succeeded", session))

    order.refresh_from_db()
    assert "payment intent 'pi_elsewhere', the order has 'pi_opened'" in order.flag_reason
    assert order.status == OrderStatus.REFUNDED and not LicenceGrant.objects.exists()
    assert fake_stripe[0][2] == {"payment_intent": "pi_elsewhere", "amount": 2000}


def test_a_test_mode_event_for_a_live_session_is_flagged_but_not_refunded_from_here(
    client, order, fake_stripe, run_tasks_inline
):
    Order.objects.filter(pk=order.pk).update(session_livemode=True)

    with run_tasks_inline():
        post_event(client, event("checkout.session.completed", checkout_session(order)))

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.flagged_at is not None
    assert "livemode False, the session was opened with True" in order.flag_reason
    assert fake_stripe == [] and not LicenceGrant.objects.exists()
    assert order.events.get().message.startswith("Flagged for review: livemode False")


def test_a_held_exclusive_frees_its_hold(client, buyer, listing, fake_stripe, run_tasks_inline):
    from licensing.services.grants import exclusive_hold_acquire

    order = make_order(buyer=buyer, listing=listing, tier_code="exclusive", amount=90000)
    exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref=str(order.pk))

    with run_tasks_inline():
        post_event(
            client, event("checkout.session.completed", checkout_session(order, amount_total=1))
        )

    assert not ExclusiveHold.objects.exists()
    assert not LicenceGrant.objects.exists()


def test_a_converted_session_must_match_in_the_source_currency(
    client, order, fake_stripe, run_tasks_inline
):
    shape = converted(order, amount=1839)
    shape["currency_conversion"] = {**shape["currency_conversion"], "amount_total": 1900}

    with run_tasks_inline():
        post_event(client, event("checkout.session.completed", checkout_session(order, **shape)))

    order.refresh_from_db()
    assert "amount_total 1900 USD, the session was opened for 2000 USD" in order.flag_reason
    assert fake_stripe[0][2] == {"payment_intent": intent_of(order), "amount": 1839}
    assert not LicenceGrant.objects.exists()


def test_a_failure_or_expiry_for_another_session_changes_nothing(client, order, run_tasks_inline):
    other = checkout_session(order, id="cs_test_other", payment_status="unpaid", status="expired")

    with run_tasks_inline():
        post_event(client, event("checkout.session.expired", other))

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.flagged_at is not None
    assert WebhookEvent.objects.get().status == "refused"


def test_a_refund_for_another_charge_is_refused(order, fake_stripe):
    paid = pay(order)
    stored = webhook_receive(
        event=event("charge.refunded", charge(paid, amount=5000, amount_refunded=5000))
    )

    webhook_process(webhook_event_id=stored.pk)

    paid.refresh_from_db()
    assert paid.status == OrderStatus.PAID and paid.refunded_amount == 0
    assert "charge of 5000 USD, the buyer paid 2000 USD" in paid.flag_reason
    assert LicenceGrant.objects.get().status == "active"


def test_a_converted_payment_is_refunded_in_the_order_currency(order):
    stored = webhook_receive(
        event=event(
            "checkout.session.completed", checkout_session(order, **converted(order, amount=1839))
        )
    )
    webhook_process(webhook_event_id=stored.pk)
    order.refresh_from_db()

    refunded = webhook_receive(event=event("charge.refunded", charge(order, amount_refunded=1839)))
    webhook_process(webhook_event_id=refunded.pk)

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 2000)
    assert LicenceGrant.objects.get().status == "refunded"


def test_the_local_gateway_events_are_checked_too(client, buyer, listing, run_tasks_inline):
    from payments.gateway import LocalGateway

    client.force_login(buyer)
    client.post(reverse("checkout_start", kwargs={"listing_id": listing.pk}), {"tier": "standard"})
    order = Order.objects.get()
    opened = (order.session_amount_total, order.session_currency, order.session_livemode)
    assert opened == (order.total_amount, "USD", False)
    assert order.payment_intent_id == f"local_pi_{order.pk.hex}"
    forged = LocalGateway().checkout_completed_event(
        order_id=str(order.pk), session_id=order.checkout_session_id, amount=1, currency="USD"
    )

    with run_tasks_inline():
        webhook_receive(event=forged)

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and not LicenceGrant.objects.exists()
    expected = f"amount_total 1 USD, the session was opened for {order.total_amount} USD"
    assert expected in order.flag_reason


def test_flagged_orders_are_listed_by_reconcile_and_reviewed_in_the_admin(
    client, order, capsys, run_tasks_inline
):
    with run_tasks_inline():
        post_event(
            client, event("checkout.session.completed", checkout_session(order, currency="gbp"))
        )

    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile_payments")
    out = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert f"{order.pk}  flagged  local=refunded  webhook:evt_" in out
    assert "amount_total 2000 GBP, the session was opened for 2000 USD" in out
    assert "1 flagged orders awaiting review" in out and "0 failed events" in out

    moderator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(moderator)
    listed = client.get(reverse("admin:payments_order_changelist"), {"flagged_at__isnull": "False"})
    assert str(order.pk) in listed.content.decode()
    client.post(
        reverse("admin:payments_order_changelist"),
        {"action": "mark_reviewed", "_selected_action": [order.pk]},
    )

    order.refresh_from_db()
    assert order.flagged_at is None and "GBP" in order.flag_reason
    reviewed = order.events.last()
    assert (reviewed.actor, reviewed.message) == (moderator, "Flag reviewed by a moderator.")
    call_command("reconcile_payments")  # nothing left: exits 0
    assert "0 flagged orders awaiting review" in capsys.readouterr().out
