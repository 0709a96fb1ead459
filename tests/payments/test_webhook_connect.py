"""Connect and refund events from Stripe's shapes: transfers confirmed, recorded or reversed
against their line, payout accounts following Stripe, refunds that did not go through."""

import pytest

from payments.models import OrderLine, PayoutAccount, WebhookEvent
from payments.services.webhooks import webhook_process, webhook_receive
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order, pay
from tests.payments.shapes import account, event, refund, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(buyer, creator):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_creator")
    order = pay(make_order(buyer=buyer, listing=make_listing(creator, publish=True)))
    return order.lines.get()


def deliver(kind: str, obj: dict, **fields) -> WebhookEvent:
    stored = webhook_receive(event=event(kind, obj, **fields))
    webhook_process(webhook_event_id=stored.pk)
    stored.refresh_from_db()
    return stored


def test_a_transfer_we_did_not_get_to_record_is_recorded_from_its_event(line):
    stored = deliver("transfer.created", transfer(line, transfer_id="tr_lost"))

    line.refresh_from_db()
    assert stored.status == "processed" and line.transfer_id == "tr_lost"
    assert line.order.events.last().message == "Transfer tr_lost recorded from Stripe."


def test_a_transfer_already_recorded_changes_nothing(line):
    OrderLine.objects.filter(pk=line.pk).update(transfer_id="tr_1")
    events_before = line.order.events.count()

    stored = deliver("transfer.created", transfer(line, transfer_id="tr_1"))

    assert stored.status == "processed" and line.order.events.count() == events_before


def test_a_transfer_for_another_amount_flags_the_order(line):
    stored = deliver("transfer.created", transfer(line, transfer_id="tr_big", amount=99999))

    line.refresh_from_db()
    line.order.refresh_from_db()
    assert stored.status == "refused" and line.transfer_id == ""
    assert "transfer 'tr_big' of 99999 USD, the line owes 1600 USD" in line.order.flag_reason


def test_a_full_reversal_is_recorded_and_a_partial_one_is_flagged(line):
    OrderLine.objects.filter(pk=line.pk).update(transfer_id="tr_1")

    partial = deliver("transfer.reversed", transfer(line, transfer_id="tr_1", amount_reversed=5))
    line.refresh_from_db()
    assert partial.status == "refused" and not line.transfer_reversed
    full = deliver("transfer.reversed", transfer(line, transfer_id="tr_1", amount_reversed=1600))

    line.refresh_from_db()
    assert full.status == "processed" and line.transfer_reversed
    assert "reversed by 5, the line paid the creator 1600" in line.order.flag_reason


def test_account_updated_follows_stripe_and_unknown_accounts_are_kept(line):
    enabled = deliver(
        "account.updated",
        account("acct_creator", payouts_enabled=True),
        previous_attributes={"payouts_enabled": False},
    )
    unknown = deliver("account.updated", account("acct_nobody", payouts_enabled=True))

    ours = PayoutAccount.objects.get()
    assert (ours.payouts_enabled, ours.charges_enabled, ours.details_submitted) == (True,) * 3
    assert enabled.status == "processed"
    assert (unknown.status, unknown.error) == ("refused", "no payout account 'acct_nobody'")
    [history] = ours.events.all()
    assert (history.from_status, history.to_status) == ("onboarding", "enabled")
    assert history.source == f"webhook:{enabled.event_id}"
    assert history.message == (
        "payouts_enabled False → True; charges_enabled False → True; details_submitted False → True"
    )


def test_every_change_of_a_payout_flag_is_a_history_row_and_repeats_are_not(line):
    deliver("account.updated", account("acct_creator", payouts_enabled=True))
    deliver("account.updated", account("acct_creator", payouts_enabled=True))  # no change
    paused = account("acct_creator", payouts_enabled=True)
    paused.update(payouts_enabled=False, charges_enabled=False)  # Stripe paused payouts
    deliver("account.updated", paused)

    ours = PayoutAccount.objects.get()
    assert (ours.payouts_enabled, ours.charges_enabled, ours.details_submitted) == (
        False,
        False,
        True,
    )
    rows = [(e.from_status, e.to_status, e.message) for e in ours.events.all()]
    assert rows[1:] == [
        ("enabled", "restricted", "payouts_enabled True → False; charges_enabled True → False")
    ]
    assert len(rows) == 2


def test_a_refund_that_failed_at_stripe_flags_the_order(line):
    order = line.order
    succeeded = deliver("refund.updated", refund(order), previous_attributes={"status": "pending"})
    order.refresh_from_db()
    assert succeeded.status == "processed" and order.flagged_at is None

    deliver("refund.updated", refund(order, status="failed"))

    order.refresh_from_db()
    assert order.flagged_at is not None
    assert f"refund 're_{order.pk.hex[:12]}' of 2000 did not go through (lost_or_stolen_card)" in (
        order.flag_reason
    )
