"""Money side effects survive a broker that is down at commit.

The decision writes its intent in the same transaction (an automatic refund owed is
`OrderLine.refund_requested_at`; a transfer owed is derived from the paid lines), the
wake-up after commit only logs when the broker is unreachable, and the beat sweeper wakes
the task again after a grace period. The task moves the money exactly once, asserted at
the Stripe client's edge (fake_stripe records the real request parameters).
"""

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from payments.models import OrderEvent, OrderStatus, PayoutAccount
from payments.selectors import creator_sales_summary
from payments.services.payouts import transfer_earnings, transfers_requeue_owed
from payments.services.refunds import refund_issue, refunds_requeue_owed
from payments.services.webhooks import webhook_process, webhook_receive
from payments.tasks import refund_line, requeue_owed_money, transfer_creator_earnings
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments.conftest import session_completed
from tests.payments.factories import make_order

pytestmark = pytest.mark.django_db

SOLD = "This work has been sold exclusively to another buyer."


def receive(order):
    return webhook_receive(event=session_completed(order))


def calls(fake_stripe, name):
    return [call for call in fake_stripe if call[0] == name]


@pytest.fixture
def listing(creator):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_creator")
    return make_listing(creator, publish=True)


@pytest.fixture
def lost_race(listing, buyer, fake_stripe):
    """The exclusive went to another buyer first; `buyer`'s standard payment arrives after."""
    exclusive = make_order(buyer=UserFactory(), listing=listing, tier_code="exclusive", amount=9000)
    webhook_process(webhook_event_id=receive(exclusive).pk)
    late = make_order(buyer=buyer, listing=listing, amount=2000)
    return exclusive, late


def test_refund_decided_while_the_broker_is_down_is_recorded_then_swept_and_made_once(
    lost_race,
    fake_stripe,
    broker_down,
    run_tasks_inline,
    django_capture_on_commit_callbacks,
    caplog,
):
    exclusive, late = lost_race
    stored = receive(late)

    # What the worker runs for the event; the broker goes away before its commit.
    with (
        caplog.at_level(logging.WARNING, logger="core.wakeups"),
        broker_down(),
        django_capture_on_commit_callbacks(execute=True) as sent,
    ):
        webhook_process(webhook_event_id=stored.pk)  # no exception after the commit

    line = late.lines.get()
    late.refresh_from_db()
    stored.refresh_from_db()
    assert stored.processed_at is not None and late.status == OrderStatus.PAID
    assert line.refund_requested_at is not None and line.refunded_at is None
    assert line.refund_reason == SOLD
    # The order page's new version, and the refund and (no-op) transfer wake-ups, both lost.
    assert len(sent) == 3
    logged = [r.getMessage() for r in caplog.records if r.name == "core.wakeups"]
    assert [message.split(" waits")[0] for message in logged] == [
        f"Broker unavailable; payments.refund_line({line.pk},)",
        f"Broker unavailable; payments.transfer_creator_earnings('{late.pk}',)",
    ]
    assert OrderEvent.objects.filter(order=late).last().message == (
        f"Automatic refund owed for {line.description}: {SOLD}"
    )
    assert calls(fake_stripe, "refunds") == []

    assert refunds_requeue_owed() == 0  # still within the grace period
    with run_tasks_inline():
        assert refunds_requeue_owed(older_than_seconds=0) == 1

    assert calls(fake_stripe, "refunds") == [
        (
            "refunds",
            (),
            {"payment_intent": f"pi_{late.pk.hex[:12]}", "amount": 2000},
            {"idempotency_key": f"refund-line-{line.pk}"},
        )
    ]
    line.refresh_from_db()
    late.refresh_from_db()
    assert line.refunded_at is not None and late.status == OrderStatus.REFUNDED
    assert late.refunded_amount == 2000

    # A duplicate wake-up, another sweep, the beat task: nothing moves again.
    with run_tasks_inline():
        assert refunds_requeue_owed(older_than_seconds=0) == 0
        refund_line.delay(line.pk)
        requeue_owed_money.delay()
    assert len(calls(fake_stripe, "refunds")) == 1
    assert calls(fake_stripe, "transfers.reversals") == []


def test_a_line_owed_a_refund_is_never_paid_to_the_creator(
    lost_race, fake_stripe, run_tasks_inline
):
    exclusive, late = lost_race
    webhook_process(webhook_event_id=receive(late).pk)  # on-commit wake-ups never fire here

    with run_tasks_inline():
        assert transfers_requeue_owed(older_than_seconds=0) == 1  # the exclusive order only
        transfer_creator_earnings.delay(str(late.pk))

    exclusive_line = exclusive.lines.get()
    assert calls(fake_stripe, "transfers") == [
        (
            "transfers",
            (),
            {
                "amount": 7200,
                "currency": "usd",
                "destination": "acct_creator",
                "transfer_group": f"order-{exclusive.pk}",
            },
            {"idempotency_key": f"transfer-line-{exclusive_line.pk}"},
        )
    ]
    assert late.lines.get().transfer_id == ""


def test_transfer_lost_with_the_broker_is_swept_and_sent_once(
    listing, buyer, fake_stripe, broker_down, run_tasks_inline, django_capture_on_commit_callbacks
):
    order = make_order(buyer=buyer, listing=listing, amount=2000)
    stored = receive(order)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        webhook_process(webhook_event_id=stored.pk)
    line = order.lines.get()
    assert calls(fake_stripe, "transfers") == [] and line.transfer_id == ""

    assert transfers_requeue_owed() == 0  # grace period
    with run_tasks_inline():  # the sweep's wake-ups run as the block ends (on commit)
        assert transfers_requeue_owed(older_than_seconds=0) == 1
    with run_tasks_inline():
        assert transfers_requeue_owed(older_than_seconds=0) == 0
        transfer_creator_earnings.delay(str(order.pk))  # a late duplicate message

    assert calls(fake_stripe, "transfers") == [
        (
            "transfers",
            (),
            {
                "amount": 1600,
                "currency": "usd",
                "destination": "acct_creator",
                "transfer_group": f"order-{order.pk}",
            },
            {"idempotency_key": f"transfer-line-{line.pk}"},
        )
    ]
    line.refresh_from_db()
    assert line.transfer_id == "tr_1"


def test_done_or_unpayable_money_is_never_swept(listing, buyer, creator, fake_stripe, moderator):
    # Refunded by a moderator after the automatic refund was recorded: not owed any more.
    exclusive_buyer = UserFactory()
    exclusive = make_order(buyer=exclusive_buyer, listing=listing, tier_code="exclusive")
    webhook_process(webhook_event_id=receive(exclusive).pk)
    late = make_order(buyer=buyer, listing=listing, amount=2000)
    webhook_process(webhook_event_id=receive(late).pk)
    line = late.lines.get()
    refund_issue(line=line, reason="Refunded by hand", actor=moderator)
    # Transferred already; and a creator without a payout account is not retried.
    transfer_earnings(order=exclusive)
    fake_stripe.clear()
    other = make_listing(UserFactory(creator=True), publish=True)
    webhook_process(webhook_event_id=receive(make_order(buyer=buyer, listing=other)).pk)

    assert refunds_requeue_owed(older_than_seconds=0) == 0
    assert transfers_requeue_owed(older_than_seconds=0) == 0
    refund_line(line.pk)  # a stale message for the refunded line
    assert transfer_earnings(order=exclusive) == []
    assert fake_stripe == []
    assert late.lines.get().refund_reason == SOLD  # the record of why it was owed stays


def test_requeue_command_wakes_what_is_owed(lost_race, fake_stripe, run_tasks_inline):
    exclusive, late = lost_race
    webhook_process(webhook_event_id=receive(late).pk)
    out = StringIO()

    with run_tasks_inline():
        call_command("requeue_owed_money", "--older-than", "0", stdout=out)

    assert out.getvalue() == "re-queued 1 refund(s) and 1 order transfer(s)\n"
    assert sorted(call[0] for call in fake_stripe) == ["refunds", "transfers"]


def test_a_refund_owed_is_not_shown_to_the_creator_as_earned_or_owed(
    client, lost_race, creator, fake_stripe
):
    exclusive, late = lost_race
    webhook_process(webhook_event_id=receive(late).pk)

    summary = creator_sales_summary(creator=creator)

    assert summary == {"sales": 1, "earned": 7200, "paid_out": 0, "owed": 7200}
    client.force_login(creator)
    page = client.get(reverse("payouts")).content.decode()
    assert page.count("(being refunded)") == 1 and page.count(">owed<") == 1
