"""The database connection drops while a webhook is handled: Stripe's retry (or our
re-queue of stored events) still ends in exactly one grant."""

import pytest
from django.db import OperationalError

from licensing.models import LicenceGrant
from payments.models import OrderStatus, WebhookEvent
from payments.services import licence_lines
from payments.services.webhooks import webhooks_requeue_stale
from tests.marketplace.factories import make_listing
from tests.payments.conftest import post_event, session_completed
from tests.payments.factories import make_order

pytestmark = [pytest.mark.faults, pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def fail_once(monkeypatch, owner, attr: str) -> list:
    """Make `owner.attr` raise a dropped-connection error on its first call only."""
    original = getattr(owner, attr)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, attr, flaky)
    return calls


def test_drop_while_storing_the_event_answers_500_and_the_retry_grants_once(
    client, buyer, creator, monkeypatch, run_tasks_inline
):
    order = make_order(buyer=buyer, listing=make_listing(creator, publish=True))
    fail_once(monkeypatch, WebhookEvent.objects, "create")
    payload = session_completed(order)
    client.raise_request_exception = False

    with run_tasks_inline():
        first = post_event(client, payload)
        retry = post_event(client, payload)
        replay = post_event(client, payload)

    assert first.status_code == 500  # Stripe retries anything that is not 2xx
    assert retry.status_code == 200 and replay.json()["duplicate"] is True
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert LicenceGrant.objects.filter(order_line__order=order).count() == 1


def test_drop_while_granting_leaves_the_event_stored_and_a_requeue_grants_once(
    client, buyer, creator, monkeypatch, run_tasks_inline
):
    order = make_order(buyer=buyer, listing=make_listing(creator, publish=True))
    calls = fail_once(monkeypatch, licence_lines, "licence_grant_issue")
    monkeypatch.setattr(
        "payments.tasks.process_webhook_event.max_retries", 0
    )  # let the failure surface instead of retrying inline
    client.raise_request_exception = False

    with pytest.raises(OperationalError), run_tasks_inline():
        response = post_event(client, session_completed(order))
    assert response.status_code == 200  # stored; the failure is in the Celery task
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None and not LicenceGrant.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING  # the whole processing rolled back

    with run_tasks_inline():
        assert webhooks_requeue_stale(older_than_seconds=0) == 1
        assert webhooks_requeue_stale(older_than_seconds=0) == 0

    stored.refresh_from_db()
    assert stored.processed_at is not None and len(calls) == 2
    assert LicenceGrant.objects.filter(order_line__order=order).count() == 1
