"""Deliveries: emit an event to the subscribed endpoints, try one delivery, the retry clock.

The row is the truth. `event_emit` writes pending deliveries in the caller's transaction and
wakes the sender after commit; `delivery_attempt` claims a due row, sends outside any
transaction (an HTTP call must never hold a row lock) and records the outcome; the sweeper
wakes every due row, which is how retries happen and how a lost wake-up is recovered.
"""

import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.wakeups import wake_named, wake_named_after_commit
from webhooks import delivery as http
from webhooks.models import (
    RESPONSE_EXCERPT_CHARS,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.signing import delivery_headers, event_body

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY_GAP = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
# How long a claimed delivery is hidden from the sweeper: longer than one request can take.
CLAIM_SECONDS = 120
SWEEP_BATCH = 500
DELIVER_TASK = "webhooks.deliver"


def next_attempt_at(first_attempt_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries: 30 s, 1 min, 2 min, … doubling up
    to 1 h apart, the last try at 24 h after the first; None once that is past (give up)."""
    deadline = first_attempt_at + GIVE_UP_AFTER
    if now >= deadline:
        return None
    gap = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY_GAP)
    return min(now + gap, deadline)


def delivery_create(*, endpoint: WebhookEndpoint, event_type: str, data: dict) -> WebhookDelivery:
    """A pending delivery, due now, whose sender is woken after the caller commits."""
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type=event_type, payload=data, next_attempt_at=timezone.now()
    )
    wake_named_after_commit(DELIVER_TASK, delivery.pk)
    return delivery


@transaction.atomic
def event_emit(*, user_id: int, event_type: str, data: dict) -> list[WebhookDelivery]:
    """One delivery per active endpoint of `user_id` subscribed to `event_type`; rows only
    (called from hooks inside the caller's transaction)."""
    endpoints = WebhookEndpoint.objects.filter(owner_id=user_id, is_active=True).order_by("pk")
    return [
        delivery_create(endpoint=endpoint, event_type=event_type, data=data)
        for endpoint in endpoints
        if event_type in endpoint.events
    ]


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """The delivery if it is pending and due, pushed out of the sweeper's sight meanwhile."""
    with transaction.atomic(durable=True):
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if _overdue(delivery, now):
            _give_up_unanswered(delivery)
            return None
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
        delivery.save(update_fields=["first_attempt_at", "next_attempt_at"])
    return delivery


def _overdue(delivery: WebhookDelivery, now: datetime) -> bool:
    """Past its last try and the claim of that try: tries were claimed but never recorded
    (a worker killed mid-request each time), so no later outcome will end it."""
    if delivery.first_attempt_at is None:
        return False
    return now > delivery.first_attempt_at + GIVE_UP_AFTER + timedelta(seconds=CLAIM_SECONDS)


def _give_up_unanswered(delivery: WebhookDelivery) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = None
    delivery.last_error = "Given up: no try could be completed within 24 hours."
    delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
    WebhookAttempt.objects.create(
        delivery=delivery,
        from_status=DeliveryStatus.PENDING,
        to_status=DeliveryStatus.FAILED,
        error=delivery.last_error,
    )


def _send(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str, str]:
    """(status code, error, response excerpt) of one POST; an error means a failed try."""
    body = event_body(
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        created=delivery.created_at.isoformat(),
        data=delivery.payload,
    )
    headers = delivery_headers(
        secret=delivery.endpoint.secret,
        body=body,
        timestamp=int(now.timestamp()),
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
    )
    try:
        response = http.post(delivery.endpoint.url, body=body, headers=headers)
    except http.DeliveryRefused as error:
        return None, f"Refused: {error}", ""
    except http.DeliveryError as error:
        return None, str(error), ""
    excerpt = response.body.decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]
    if 200 <= response.status < 300:
        return response.status, "", excerpt
    if 300 <= response.status < 400:
        return response.status, f"Redirect to {response.location or '?'} not followed", excerpt
    return response.status, f"HTTP {response.status}", excerpt


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """One try of a due delivery, then the next try's time or its end. Not atomic on purpose:
    a claim, the request outside any transaction, then the outcome. None when the row is not
    due (already delivered, given up, deleted or claimed by another worker)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    started = time.monotonic()
    status_code, error, excerpt = _send(delivery, now)
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic(durable=True):
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:  # the endpoint was deleted meanwhile
            return None
        _record(delivery, now=now, status_code=status_code, error=error, excerpt=excerpt)
        WebhookAttempt.objects.create(
            delivery=delivery,
            from_status=DeliveryStatus.PENDING,
            to_status=delivery.status,
            status_code=status_code,
            error=error[:500],
            duration_ms=duration_ms,
        )
    return delivery


def _record(delivery: WebhookDelivery, *, now, status_code, error: str, excerpt: str) -> None:
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    delivery.response_excerpt = excerpt
    if not error:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = next_attempt_at(
            delivery.first_attempt_at, delivery.attempts, now
        )
        if delivery.next_attempt_at is None:
            delivery.status = DeliveryStatus.FAILED
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_error",
            "response_excerpt",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Wake the sender for every due delivery (retries, and rows whose wake-up was lost);
    how many were woken."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:SWEEP_BATCH])
    return sum(1 for delivery_id in ids if wake_named(DELIVER_TASK, delivery_id))
