"""The admin shows prepaid credit (accounts with their entries) and changes nothing:
credit moves only through the credit services."""

import pytest
from django.urls import reverse

from payments.models import CreditAccount, CreditEntry
from payments.services.credit import credit_topup_order_create
from payments.services.webhooks import webhook_process, webhook_receive
from tests.factories import UserFactory
from tests.payments.conftest import session_completed
from tests.payments.factories import open_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def topped_up(buyer):
    order = open_session(credit_topup_order_create(buyer=buyer, amount=2500))
    webhook_process(webhook_event_id=webhook_receive(event=session_completed(order)).pk)
    return CreditAccount.objects.get(user=buyer)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_account_and_entries_are_listed_and_shown(admin_client, buyer, topped_up):
    entry = CreditEntry.objects.get()
    pages = [
        reverse("admin:payments_creditaccount_changelist"),
        reverse("admin:payments_creditaccount_change", args=[topped_up.pk]),
        reverse("admin:payments_creditentry_changelist"),
        reverse("admin:payments_creditentry_change", args=[entry.pk]),
    ]
    responses = [admin_client.get(url) for url in pages]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert f">{buyer}<" in responses[0].content.decode()
    account_page = responses[1].content.decode()
    assert "2500" in account_page and "Bought credit" in account_page  # the inline entry
    assert "Bought credit" in responses[2].content.decode()


def test_nothing_can_be_added_changed_or_deleted(admin_client, topped_up):
    entry = CreditEntry.objects.get()
    account_change = reverse("admin:payments_creditaccount_change", args=[topped_up.pk])
    refused = [
        admin_client.get(reverse("admin:payments_creditaccount_add")),
        admin_client.get(reverse("admin:payments_creditentry_add")),
        admin_client.post(account_change, {"currency": "USD", "balance": "999999"}),
        admin_client.post(
            reverse("admin:payments_creditentry_change", args=[entry.pk]),
            {"kind": "top_up", "amount": "999999", "balance_after": "999999"},
        ),
        admin_client.post(
            reverse("admin:payments_creditentry_delete", args=[entry.pk]), {"post": "yes"}
        ),
        admin_client.post(
            reverse("admin:payments_creditaccount_delete", args=[topped_up.pk]), {"post": "yes"}
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    topped_up.refresh_from_db()
    entry.refresh_from_db()
    assert (topped_up.balance, entry.amount, entry.balance_after) == (2500, 2500, 2500)
    assert CreditEntry.objects.count() == 1 and CreditAccount.objects.count() == 1


def test_non_staff_cannot_open_it(client, buyer, topped_up):
    client.force_login(buyer)
    response = client.get(reverse("admin:payments_creditentry_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
