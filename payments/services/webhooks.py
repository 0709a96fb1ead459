"""Provider events: stored once, exactly as signed, processed once, in any order.

`webhook_receive` runs in the request: it stores the verified body (event ids are unique, so
a redelivery is recognised) and queues processing. `webhook_process` runs on Celery and
applies the event (`webhook_handlers`) in one transaction. Each attempt is counted first, in
its own transaction, so a crash cannot hide it. An event that can never be processed (a
malformed shape) is recorded as failed at once; one that waits for state that has not
arrived (`EventOutOfOrder`), needs a provider call that fails (`GatewayError`) or keeps
crashing is failed after WEBHOOK_MAX_ATTEMPTS. A failed
event stays failed until a moderator retries it from the admin (`webhook_retry`).
"""

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.wakeups import wake_named, wake_named_after_commit
from payments.gateway import GatewayError
from payments.models import WebhookEvent, WebhookEventHistory, WebhookEventStatus
from payments.services.webhook_handlers import (
    HANDLERS,
    EventOutOfOrder,
    MalformedEvent,
    event_object,
)

# What a handler raises when the event's own data cannot be read: retrying cannot help.
UNPROCESSABLE = (MalformedEvent, KeyError, TypeError, ValueError, ValidationError)


def webhook_receive(*, event: dict[str, Any], raw: str | None = None) -> WebhookEvent | None:
    """Store a verified event; None when this event id was seen before (a redelivery).

    `raw` is the body as the provider signed it; events built here (the local test gateway)
    have none and are stored as their JSON."""

    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                raw_payload=json.dumps(event) if raw is None else raw,
            )
            # The stored event is the truth: `webhooks_requeue_stale` (beat) queues it once
            # the broker is back, so the provider (or the local checkout) gets a 2xx, not 500.
            wake_named_after_commit("payments.process_webhook_event", stored.pk)
    except IntegrityError:
        return None
    return stored


def webhook_process(*, webhook_event_id: int) -> None:
    """Apply a stored event once. Raises EventOutOfOrder (or the provider's GatewayError,
    e.g. a refund it refused) while another attempt is allowed (the task retries) and lets
    database errors through (the task retries; the attempt stays counted); every other
    outcome is recorded on the event."""
    attempt = _attempt_begin(webhook_event_id)
    if attempt is None:
        return
    try:
        _apply(webhook_event_id)
    except (EventOutOfOrder, GatewayError) as error:
        last = attempt >= settings.WEBHOOK_MAX_ATTEMPTS
        _attempt_failed(webhook_event_id, error=str(error), final=last, source="worker")
        if not last:
            raise
    except UNPROCESSABLE as error:
        message = f"{type(error).__name__}: {error}"
        _attempt_failed(webhook_event_id, error=message, final=True, source="worker")


@transaction.atomic(durable=True)
def _attempt_begin(webhook_event_id: int) -> int | None:
    """Count this attempt, committed before the work (so never inside another transaction);
    None when there is nothing to do."""
    event = WebhookEvent.objects.select_for_update().get(pk=webhook_event_id)
    if event.status != WebhookEventStatus.RECEIVED:
        return None
    event.attempts += 1
    event.save(update_fields=["attempts"])
    return event.attempts


@transaction.atomic(durable=True)
def _apply(webhook_event_id: int) -> None:
    event = WebhookEvent.objects.select_for_update().get(pk=webhook_event_id)
    if event.status != WebhookEventStatus.RECEIVED:
        return
    handler = HANDLERS.get(event.type)
    if handler is None:  # acknowledged and kept, in case we handle it one day
        status, refusal = WebhookEventStatus.IGNORED, None
    else:
        obj = event_object(json.loads(event.raw_payload))
        refusal = handler(obj, source=f"webhook:{event.event_id}")
        status = WebhookEventStatus.REFUSED if refusal else WebhookEventStatus.PROCESSED
    event.processed_at = timezone.now()
    event.error = refusal or ""
    _event_set_status(
        event, status, source="worker", message=refusal or "", fields=("processed_at", "error")
    )


@transaction.atomic
def _attempt_failed(webhook_event_id: int, *, error: str, final: bool, source: str) -> None:
    """Keep the attempt's error; the last allowed attempt (or a hopeless one) fails it."""
    event = WebhookEvent.objects.select_for_update().get(pk=webhook_event_id)
    if event.status != WebhookEventStatus.RECEIVED:
        return
    event.error = error
    if not final:
        event.save(update_fields=["error"])
        return
    event.failed_at = timezone.now()
    message = f"Failed after {event.attempts} attempt(s): {error}"
    _event_set_status(
        event,
        WebhookEventStatus.FAILED,
        source=source,
        message=message,
        fields=("error", "failed_at"),
    )


def _event_set_status(
    event: WebhookEvent, status: str, *, source: str, message: str, fields=(), actor=None
) -> None:
    previous = event.status
    event.status = status
    event.save(update_fields=["status", *fields])
    WebhookEventHistory.objects.create(
        webhook_event=event,
        from_status=previous,
        to_status=status,
        source=source,
        message=message,
        actor=actor,
    )


@transaction.atomic
def webhook_retry(*, webhook_event: WebhookEvent, actor) -> bool:
    """A moderator asks for a failed event to be processed again, with a fresh allowance of
    attempts; False when it was not failed (nothing to retry)."""
    event = WebhookEvent.objects.select_for_update().get(pk=webhook_event.pk)
    if event.status != WebhookEventStatus.FAILED:
        return False
    message = f"Retry requested after: {event.error}"
    event.attempts, event.failed_at, event.error = 0, None, ""
    _event_set_status(
        event,
        WebhookEventStatus.RECEIVED,
        source="admin",
        message=message,
        fields=("attempts", "failed_at", "error"),
        actor=actor,
    )
    wake_named_after_commit("payments.process_webhook_event", event.pk)
    return True


def webhooks_requeue_stale(*, older_than_seconds: int = 120, limit: int = 200) -> int:
    """Re-queue stored events that were never processed (a lost message, a crashed task);
    those that used up their attempts are failed instead, so nothing is re-queued forever."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = WebhookEvent.objects.filter(status=WebhookEventStatus.RECEIVED, received_at__lt=cutoff)
    spent = stale.filter(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS)
    for event in spent.only("pk", "error")[:limit]:
        error = event.error or "no error recorded (the worker crashed or the database failed)"
        _attempt_failed(event.pk, error=error, final=True, source="sweeper")
    ids = list(
        stale.filter(attempts__lt=settings.WEBHOOK_MAX_ATTEMPTS)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for webhook_event_id in ids:
        wake_named("payments.process_webhook_event", webhook_event_id)
    return len(ids)
