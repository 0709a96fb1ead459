"""Provider events: stored once, processed once, in any order.

`webhook_receive` runs in the request: it stores the verified event (event ids are unique, so
a redelivery is recognised) and queues processing. `webhook_process` runs on Celery and
applies the event to the order in one transaction. An event that arrives before the state
it depends on (a refund for an order not yet paid) raises `EventOutOfOrder` and is retried.
"""

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.wakeups import wake_named, wake_named_after_commit
from licensing.services.grants import exclusive_hold_release
from payments.models import Order, OrderStatus, WebhookEvent
from payments.services.orders import order_lock, order_mark_paid, order_set_status
from payments.services.refunds import order_apply_provider_refund

logger = logging.getLogger(__name__)


class EventOutOfOrder(Exception):
    """The event needs state that has not arrived yet; process it again later."""


def webhook_receive(*, event: dict[str, Any]) -> WebhookEvent | None:
    """Store a verified event; None when this event id was seen before (a redelivery)."""

    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                event_id=event["id"], type=event["type"], payload=event
            )
            # The stored event is the truth: `webhooks_requeue_stale` (beat) queues it once
            # the broker is back, so the provider (or the local checkout) gets a 2xx, not 500.
            wake_named_after_commit("payments.process_webhook_event", stored.pk)
    except IntegrityError:
        return None
    return stored


@transaction.atomic(durable=True)
def webhook_process(*, webhook_event_id: int) -> None:
    event = WebhookEvent.objects.select_for_update().get(pk=webhook_event_id)
    if event.processed_at is not None:
        return
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(event.payload["data"]["object"], source=f"webhook:{event.event_id}")
    event.processed_at = timezone.now()
    event.error = ""
    event.save(update_fields=["processed_at", "error"])


def _order_for(obj: dict[str, Any]) -> Order | None:
    order_id = (obj.get("metadata") or {}).get("order_id") or obj.get("client_reference_id")
    if order_id:
        return Order.objects.filter(pk=order_id).first()
    intent = obj.get("payment_intent") or (obj.get("object") == "payment_intent" and obj["id"])
    return Order.objects.filter(payment_intent_id=intent).first() if intent else None


def _session_completed(session: dict[str, Any], *, source: str) -> None:
    if session.get("payment_status") in ("paid", "no_payment_required"):
        _session_paid(session, source=source)
    # "unpaid": an asynchronous method (bank debit) is still settling; wait for its event.


def _session_paid(session: dict[str, Any], *, source: str) -> None:
    order = _order_for(session)
    if order is None:
        logger.warning("%s: no order for checkout session %s", source, session.get("id"))
        return
    order_mark_paid(
        order=order, payment_intent_id=session.get("payment_intent") or "", source=source
    )


def _payment_failed(obj: dict[str, Any], *, source: str) -> None:
    order = _order_for(obj)
    if order is None:
        return
    order = order_lock(order.pk)
    if order.status != OrderStatus.PENDING:
        return  # a late failure never undoes a payment that succeeded
    for line in order.lines.filter(tier_code="exclusive"):
        exclusive_hold_release(listing=line.listing, order_ref=str(order.pk))
    order_set_status(order=order, status=OrderStatus.FAILED, source=source)


def _charge_refunded(charge: dict[str, Any], *, source: str) -> None:
    """A refund made at the provider (dashboard, our own refund call) reaches us here."""
    order = _order_for(charge)
    if order is None:
        return
    if order.status == OrderStatus.PENDING:
        raise EventOutOfOrder(f"Refund for order {order.pk} arrived before its payment.")
    order_apply_provider_refund(
        order=order, amount_refunded=int(charge.get("amount_refunded") or 0), source=source
    )


HANDLERS = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _payment_failed,
    "checkout.session.expired": _payment_failed,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
}


def webhooks_requeue_stale(*, older_than_seconds: int = 120, limit: int = 200) -> int:
    """Re-queue stored events that were never processed (a lost message, a crashed task)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
    ids = list(stale.order_by("received_at").values_list("pk", flat=True)[:limit])

    for webhook_event_id in ids:
        wake_named("payments.process_webhook_event", webhook_event_id)
    return len(ids)
