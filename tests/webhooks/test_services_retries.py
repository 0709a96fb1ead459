"""The retry clock: exponential backoff capped at 1 h, for 24 h after the first try."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from webhooks import delivery as http
from webhooks.models import DeliveryStatus, WebhookAttempt
from webhooks.services import deliveries
from webhooks.services.deliveries import (
    deliveries_sweep,
    delivery_attempt,
    event_emit,
    next_attempt_at,
)
from webhooks.services.endpoints import endpoint_create

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_backoff_doubles_from_30_seconds_up_to_an_hour():
    gaps = [(next_attempt_at(T0, n, T0) - T0).total_seconds() for n in range(1, 11)]

    assert gaps == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_the_last_try_is_at_24_hours_then_none():
    deadline = T0 + timedelta(hours=24)

    assert next_attempt_at(T0, 30, deadline - timedelta(minutes=10)) == deadline
    assert next_attempt_at(T0, 31, deadline) is None
    assert next_attempt_at(T0, 31, deadline + timedelta(seconds=1)) is None


@pytest.fixture
def failing_receiver(monkeypatch):
    """Every POST answers 503; records when (on the fake clock) each was made."""
    sent = []

    def post(url, *, body, headers):
        sent.append(headers)
        return http.Response(503, b"busy", False)

    monkeypatch.setattr(http, "post", post)
    return sent


@pytest.mark.django_db
def test_a_failing_delivery_is_retried_on_schedule_and_given_up_after_24_hours(
    failing_receiver, endpoint_for, buyer
):
    endpoint_for(buyer)
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={"job_id": "j"})
    now = timezone.now()
    tries = []
    while True:
        assert delivery_attempt(delivery_id=delivery.pk, now=now - timedelta(seconds=1)) is None
        delivery = delivery_attempt(delivery_id=delivery.pk, now=now)
        tries.append(now)
        if delivery.status != DeliveryStatus.PENDING:
            break
        now = delivery.next_attempt_at

    gaps = [(b - a).total_seconds() for a, b in zip(tries, tries[1:], strict=False)]
    assert gaps[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(gaps[8:-1]) == {3600}
    assert tries[-1] - tries[0] == timedelta(hours=24)
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.attempts == len(tries) == len(failing_receiver) == 31
    assert delivery.last_status_code == 503 and delivery.last_error == "HTTP 503"
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("id"))
    assert len(log) == 31
    assert {(a.from_status, a.to_status) for a in log[:-1]} == {("pending", "pending")}
    assert (log[-1].from_status, log[-1].to_status) == ("pending", "failed")
    # Every try carries the same event id, each with its own fresh signature.
    assert {h["Promptfolio-Delivery"] for h in failing_receiver} == {str(delivery.event_id)}
    assert len({h["Promptfolio-Signature"] for h in failing_receiver}) == 31
    # A given-up delivery is never tried again.
    assert delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(days=1)) is None


@pytest.mark.django_db
def test_a_success_after_failures_stops_the_retries(monkeypatch, endpoint_for, buyer):
    answers = iter([500, 200])
    monkeypatch.setattr(
        http, "post", lambda url, **kw: http.Response(next(answers), b"thanks", False)
    )
    endpoint_for(buyer)
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})
    now = timezone.now()

    first = delivery_attempt(delivery_id=delivery.pk, now=now)
    second = delivery_attempt(delivery_id=delivery.pk, now=first.next_attempt_at)

    assert first.status == DeliveryStatus.PENDING and first.last_status_code == 500
    assert second.status == DeliveryStatus.SUCCEEDED and second.attempts == 2
    assert second.delivered_at == now + timedelta(seconds=30)
    assert second.next_attempt_at is None and second.last_error == ""
    assert second.response_excerpt == "thanks"


@pytest.mark.django_db
def test_the_sweeper_wakes_due_deliveries_only(monkeypatch, failing_receiver, endpoint_for, buyer):
    woken = []
    monkeypatch.setattr(deliveries, "wake_named", lambda name, *args: woken.append((name, args)))
    endpoint_for(buyer)
    (due,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})
    (waiting,) = event_emit(user_id=buyer.pk, event_type="job.cancelled", data={})
    now = timezone.now()
    delivery_attempt(delivery_id=waiting.pk, now=now)  # failed once: next try in 30 s

    deliveries_sweep(now=now + timedelta(seconds=1))
    assert woken == [("webhooks.deliver", (due.pk,))]

    woken.clear()
    deliveries_sweep(now=now + timedelta(seconds=31))
    assert sorted(woken) == sorted(
        [("webhooks.deliver", (due.pk,)), ("webhooks.deliver", (waiting.pk,))]
    )


@pytest.mark.django_db
def test_a_claimed_delivery_is_hidden_from_the_sweeper_while_it_is_sent(
    monkeypatch, endpoint_for, buyer
):
    """A second worker (or the sweeper) finds nothing to do while a try is in flight."""
    endpoint_for(buyer)
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})
    now = timezone.now()
    during = []

    def post(url, **kwargs):
        during.append(delivery_attempt(delivery_id=delivery.pk, now=now))
        return http.Response(200, b"", False)

    monkeypatch.setattr(http, "post", post)

    delivery_attempt(delivery_id=delivery.pk, now=now)

    assert during == [None]
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


@pytest.mark.django_db(transaction=True)
def test_emitting_wakes_the_sender_after_commit(monkeypatch, local_webhooks, buyer):
    woken = []
    monkeypatch.setattr("webhooks.tasks.deliver.delay", lambda *args: woken.append(args))
    endpoint_create(owner=buyer, url="https://hooks.example.com/in", events=["job.failed"])

    with transaction.atomic():
        (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})
        assert woken == []

    assert woken == [(delivery.pk,)]


@pytest.mark.django_db
def test_a_delivery_whose_tries_never_finish_is_given_up_after_24_hours(
    monkeypatch, endpoint_for, buyer
):
    """A worker killed mid-request leaves only the claim: the row comes back when the claim
    lapses, and once 24 h have passed it is given up instead of tried for ever."""
    endpoint_for(buyer)
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})
    now = timezone.now()

    class WorkerKilled(BaseException):
        """Stands in for the process dying mid-request (nothing after it runs)."""

    def killed(url, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(http, "post", killed)
    with pytest.raises(WorkerKilled):
        delivery_attempt(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + timedelta(seconds=deliveries.CLAIM_SECONDS)
    assert delivery.attempts == 0 and delivery.status == DeliveryStatus.PENDING

    late = now + timedelta(hours=24, seconds=deliveries.CLAIM_SECONDS + 1)
    assert delivery_attempt(delivery_id=delivery.pk, now=late) is None

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.last_error == "Given up: no try could be completed within 24 hours."
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert (attempt.from_status, attempt.to_status) == ("pending", "failed")
