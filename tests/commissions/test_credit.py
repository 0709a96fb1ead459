"""Prepaid credit: bought through checkout + webhook, spent on instant commissions, refunds
back to credit; an append-only ledger whose balance never goes below zero."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from commissions.models import Commission, CommissionStatus
from commissions.services.credit import commission_instant_pay_with_credit
from commissions.services.instant import commission_instant_create
from commissions.services.payment import commission_settle_job
from core.errors import ApplicationError, PermissionDeniedError
from generation.models import GenerationJob, JobStatus
from payments.models import (
    CreditAccount,
    CreditEntry,
    Order,
    OrderLine,
    RefundRequest,
)
from payments.selectors import credit_balance
from payments.services.credit import (
    credit_topup_order_create,
    order_pay_with_credit,
)
from payments.services.refunds import refund_issue, refund_request_create
from payments.services.webhooks import webhook_process, webhook_receive
from tests.commissions.factories import pay, run_job
from tests.payments.conftest import session_completed
from tests.payments.factories import open_session

pytestmark = pytest.mark.django_db


def top_up(buyer, amount=2000, event_id=None):
    order = open_session(credit_topup_order_create(buyer=buyer, amount=amount))
    stored = webhook_receive(event=session_completed(order, event_id=event_id))
    if stored is not None:
        webhook_process(webhook_event_id=stored.pk)
    return order


def balance_is_sum_of_entries(user) -> bool:
    account = CreditAccount.objects.get(user=user)
    entries = list(CreditEntry.objects.filter(account=account).order_by("id"))
    running = 0
    for entry in entries:
        running += entry.amount
        if entry.balance_after != running or running < 0:
            return False
    return running == account.balance


def test_topup_through_the_webhook_adds_credit_once(buyer):
    order = top_up(buyer, 2000, event_id="evt_topup")
    top_up_again = session_completed(order, event_id="evt_topup_redelivered")
    webhook_process(webhook_event_id=webhook_receive(event=top_up_again).pk)

    order.refresh_from_db()
    line = order.lines.get()
    assert order.status == "paid" and (line.creator_id, line.creator_amount) == (None, 0)
    assert credit_balance(user=buyer, currency="USD") == 2000
    assert [(e.kind, e.amount, e.balance_after) for e in CreditEntry.objects.all()] == [
        ("top_up", 2000, 2000)
    ]


def test_instant_commission_paid_from_credit_runs_and_pays_creator(buyer, style):
    top_up(buyer, 2000)

    commission, order = commission_instant_pay_with_credit(
        buyer=buyer, style=style, prompt="a lighthouse", count=2
    )

    assert (order.gateway, order.status) == ("credit", "paid")
    assert commission.status == CommissionStatus.IN_PROGRESS and commission.job_id
    assert credit_balance(user=buyer, currency="USD") == 1000
    spend = CreditEntry.objects.get(kind="spend")
    assert (spend.amount, spend.balance_after, spend.order_id) == (-1000, 1000, order.pk)
    run_job(commission.job)
    commission_settle_job(job_id=commission.job_id)
    commission.refresh_from_db()
    line = OrderLine.objects.get(pk=commission.order_line_id)
    assert commission.status == CommissionStatus.COMPLETED
    assert (line.creator_amount, line.transfer_held) == (800, False)
    assert balance_is_sum_of_entries(buyer)


def test_short_credit_is_refused_and_nothing_is_written(buyer, style):
    top_up(buyer, 400)
    with pytest.raises(ApplicationError, match=r"does not cover 5.00 USD"):
        commission_instant_pay_with_credit(buyer=buyer, style=style, prompt="a lighthouse")
    assert not Commission.objects.exists()
    assert Order.objects.count() == 1  # only the top-up
    assert credit_balance(user=buyer, currency="USD") == 400


def test_a_pending_order_is_paid_from_credit_only_once(buyer, style):
    top_up(buyer, 2000)
    commission, order = commission_instant_create(buyer=buyer, style=style, prompt="a boat")

    order_pay_with_credit(order=order, buyer=buyer)
    with pytest.raises(ApplicationError, match="paid; it cannot be paid again"):
        order_pay_with_credit(order=order, buyer=buyer)
    pay(order)  # a late provider event changes nothing either

    assert credit_balance(user=buyer, currency="USD") == 1500
    assert CreditEntry.objects.filter(kind="spend").count() == 1
    assert GenerationJob.objects.filter(owner=buyer).count() == 1


def test_someone_elses_order_and_credit_for_credit_are_refused(buyer, style):
    from tests.factories import UserFactory

    top_up(buyer, 2000)
    _, order = commission_instant_create(buyer=UserFactory(), style=style, prompt="a boat")
    with pytest.raises(PermissionDeniedError):
        order_pay_with_credit(order=order, buyer=buyer)
    topup = credit_topup_order_create(buyer=buyer, amount=1000)
    with pytest.raises(ApplicationError, match="Credit cannot be bought with credit"):
        order_pay_with_credit(order=topup, buyer=buyer)
    assert credit_balance(user=buyer, currency="USD") == 2000


def test_failed_job_refunds_to_credit_once_and_not_to_the_card(buyer, style, fake_stripe):
    top_up(buyer, 2000)
    fake_stripe.clear()
    commission, order = commission_instant_pay_with_credit(
        buyer=buyer, style=style, prompt="a boat"
    )
    GenerationJob.objects.filter(pk=commission.job_id).update(status=JobStatus.FAILED)
    commission_settle_job(job_id=commission.job_id)
    line = OrderLine.objects.get(pk=commission.order_line_id)

    refund_issue(line=line, reason="job failed")
    refund_issue(line=line, reason="job failed")  # a repeated task

    assert credit_balance(user=buyer, currency="USD") == 2000
    assert [e.kind for e in CreditEntry.objects.order_by("id")] == ["top_up", "spend", "refund"]
    assert fake_stripe == []  # no card refund for credit-paid work
    assert balance_is_sum_of_entries(buyer)


def test_bought_credit_is_not_refundable(buyer):
    order = top_up(buyer, 2000)
    line = order.lines.get()
    with pytest.raises(ApplicationError, match="not refunded"):
        refund_issue(line=line, reason="want cash")
    with pytest.raises(ApplicationError, match="cannot be refunded"):
        refund_request_create(line=line, buyer=buyer, reason="want cash")
    assert credit_balance(user=buyer, currency="USD") == 2000
    assert not RefundRequest.objects.exists()


@pytest.mark.parametrize("amount", [0, 10, None, 10**9])
def test_topup_amount_is_bounded(buyer, amount):
    with pytest.raises(ApplicationError, match="Buy between"):
        credit_topup_order_create(buyer=buyer, amount=amount)
    assert not Order.objects.exists()


def test_database_refuses_a_negative_balance_or_a_second_spend(buyer, style):
    top_up(buyer, 2000)
    _, order = commission_instant_create(buyer=buyer, style=style, prompt="a boat")
    order_pay_with_credit(order=order, buyer=buyer)
    account = CreditAccount.objects.get(user=buyer)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(balance=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditEntry.objects.create(
            account=account, kind="spend", amount=-1, balance_after=1499, order=order
        )


def test_credit_page_and_paying_from_the_commission_form(client, buyer, style):
    client.force_login(buyer)
    response = client.post(reverse("credit"), {"amount": "12.50"})
    order = Order.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{order.pk}/")
    assert order.total_amount == 1250
    webhook_process(webhook_event_id=webhook_receive(event=session_completed(order)).pk)

    html = client.get(reverse("credit")).content.decode()
    assert "$12.50" in html and 'data-kind="top_up"' in html
    start = reverse("commissions:instant_start", kwargs={"style_id": style.pk})
    assert "Your credit: $12.50" in client.get(start).content.decode()

    response = client.post(start, {"prompt": "a lighthouse", "count": 2, "pay_with": "credit"})
    commission = Commission.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("commissions:detail", kwargs={"commission_id": commission.pk})
    assert credit_balance(user=buyer, currency="USD") == 250

    response = client.post(start, {"prompt": "a lighthouse", "count": 1, "pay_with": "credit"})
    assert response.status_code == 400 and "does not cover 5.00 USD" in response.content.decode()
    assert Commission.objects.count() == 1

    response = client.post(reverse("credit"), {"amount": "0.10"})
    assert response.status_code == 400 and "Buy between" in response.content.decode()


def test_order_pages_show_a_credit_purchase(client, buyer):
    order = top_up(buyer, 2000)
    client.force_login(buyer)
    html = client.get(reverse("order_detail", kwargs={"order_id": order.pk})).content.decode()
    assert "Prepaid credit 20.00 USD" in html and "Added to your credit" in html
    assert client.get(reverse("order_list")).status_code == 200
