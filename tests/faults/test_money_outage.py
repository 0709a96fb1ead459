"""Money owed across a real broker outage: a private redis-server is shut down without
saving (every queued message is gone) while a worker decides an automatic refund and a
buyer accepts a delivery through the web. Both answer; the refund owed is on its line, the
transfer owed follows from the lines; after the restart the sweep (beat, once a minute in
production) wakes the tasks and each amount moves exactly once, asserted at Stripe's edge.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from commissions.models import CommissionStatus
from commissions.services import brief as briefs
from payments.models import OrderLine, OrderStatus, PayoutAccount
from payments.services.orders import order_mark_paid
from payments.services.payouts import transfers_requeue_owed
from payments.services.refunds import refunds_requeue_owed
from payments.services.webhooks import webhook_process, webhook_receive
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing, make_piece
from tests.payments.conftest import session_completed
from tests.payments.factories import make_order

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def transfer(line):
    return (
        "transfers",
        (),
        {
            "amount": line.creator_amount,
            "currency": "usd",
            "destination": "acct_creator",
            "transfer_group": f"order-{line.order_id}",
        },
        {"idempotency_key": f"transfer-line-{line.pk}"},
    )


def delivered_brief(buyer, creator):
    commission = briefs.commission_brief_create(
        buyer=buyer,
        creator=creator,
        brief="A poster of a fox in a snowy forest",
        deadline=timezone.now() + timedelta(days=5),
        budget_amount=5000,
    )
    commission = briefs.commission_brief_quote(
        commission=commission, actor=creator, quote_amount=4000
    )
    order = briefs.commission_brief_order(commission=commission, buyer=buyer)
    with transaction.atomic():  # as the webhook's processing does
        order_mark_paid(order=order, payment_intent_id=f"pi_{order.pk.hex[:12]}", source="test")
    return briefs.commission_brief_deliver(
        commission=commission, actor=creator, pieces=[make_piece(creator)]
    )


def test_refund_and_transfer_owed_during_a_redis_outage_move_once_after_it(
    client,
    redis_broker,
    fake_stripe,
    run_tasks_inline,
    creator,
    buyer,
):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_creator")
    listing = make_listing(creator, publish=True)
    exclusive = make_order(buyer=UserFactory(), listing=listing, tier_code="exclusive")
    webhook_process(webhook_event_id=webhook_receive(event=session_completed(exclusive)).pk)
    late = make_order(buyer=buyer, listing=listing, amount=2500)
    late_event = webhook_receive(event=session_completed(late))
    commission = delivered_brief(buyer, creator)
    fake_stripe.clear()

    redis_broker.shutdown_nosave()  # the wake-ups sent so far are lost with it

    webhook_process(webhook_event_id=late_event.pk)  # the worker: no error after its commit
    client.force_login(buyer)
    response = client.post(f"/commissions/{commission.pk}/accept/")
    assert response.status_code == 302

    refund_line = late.lines.get()
    brief_line = OrderLine.objects.get(pk=commission.order_line_id)
    commission.refresh_from_db()
    assert commission.status == CommissionStatus.COMPLETED
    assert refund_line.refund_requested_at is not None and refund_line.refunded_at is None
    assert (brief_line.transfer_held, brief_line.transfer_id) == (False, "")
    assert fake_stripe == []  # nothing moved during the outage

    redis_broker.start()  # same port, empty
    with run_tasks_inline():  # what the beat task and the worker do once it is back
        assert refunds_requeue_owed(older_than_seconds=0) == 1
        # The exclusive's transfer (its message was lost with Redis) and the brief's.
        assert transfers_requeue_owed(older_than_seconds=0) == 2
    with run_tasks_inline():
        assert refunds_requeue_owed(older_than_seconds=0) == 0
        assert transfers_requeue_owed(older_than_seconds=0) == 0

    exclusive_line = exclusive.lines.get()
    refunds = [call for call in fake_stripe if call[0] == "refunds"]
    transfers = [call for call in fake_stripe if call[0] == "transfers"]
    assert refunds == [
        (
            "refunds",
            (),
            {"payment_intent": f"pi_{late.pk.hex[:12]}", "amount": 2500},
            {"idempotency_key": f"refund-line-{refund_line.pk}"},
        )
    ]
    assert sorted(transfers, key=lambda call: call[3]["idempotency_key"]) == sorted(
        [transfer(exclusive_line), transfer(brief_line)],
        key=lambda call: call[3]["idempotency_key"],
    )
    assert len(fake_stripe) == 3
    late.refresh_from_db()
    assert late.status == OrderStatus.REFUNDED and late.lines.get().transfer_id == ""
