"""Concurrent spends of one balance: the account row lock keeps it from going below zero,
and one order is paid once however many requests race (PostgreSQL)."""

import pytest
from django.db import connection

from commissions.services.instant import commission_instant_create
from core.errors import ApplicationError
from payments.models import CreditAccount, CreditEntry, Order
from payments.services.credit import order_pay_with_credit
from tests.commissions.test_credit import balance_is_sum_of_entries, top_up
from tests.concurrency import run_in_threads

THREADS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The paid commissions' jobs are only recorded: a session worker rendering them would
    # race this test's flush.
    pytest.mark.usefixtures("generation_wakeups"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (CI runs this on PostgreSQL)",
    ),
]


def test_racing_spends_never_overdraw(buyer, style):
    top_up(buyer, 1200)  # covers two 500 commissions, not three
    orders = [
        commission_instant_create(buyer=buyer, style=style, prompt=f"boat {i}")[1]
        for i in range(THREADS)
    ]

    results = run_in_threads(lambda i: order_pay_with_credit(order=orders[i], buyer=buyer), THREADS)

    paid = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert (len(paid), len(refused)) == (2, THREADS - 2), results
    assert all(e.code == "insufficient_credit" for e in refused)
    assert CreditAccount.objects.get(user=buyer).balance == 200
    assert balance_is_sum_of_entries(buyer)


def test_one_order_paid_by_many_requests_is_paid_once(buyer, style):
    top_up(buyer, 5000)
    _, order = commission_instant_create(buyer=buyer, style=style, prompt="a boat")

    results = run_in_threads(lambda i: order_pay_with_credit(order=order, buyer=buyer), THREADS)

    assert sum(isinstance(r, Order) for r in results) == 1, results
    assert CreditEntry.objects.filter(kind="spend").count() == 1
    assert CreditAccount.objects.get(user=buyer).balance == 4500
