"""What each provider event type does to our rows, read from the event as Stripe sent it.

A handler takes the event's `data.object` and returns None when it applied it, or the reason
it refused to (the event is kept with that reason). Data that cannot be read as its type says
raises MalformedEvent: retrying would never help, so the event is failed at once.
"""

import logging
import uuid
from typing import Any

from licensing.services.grants import exclusive_hold_release
from payments.models import Order, OrderStatus
from payments.services.event_checks import (
    charge_mismatches,
    expected_livemode,
    paid_by_buyer,
    session_charged,
    session_mismatches,
)
from payments.services.mismatches import Received, order_flag_mismatch
from payments.services.orders import order_lock, order_mark_paid, order_set_status
from payments.services.refunds import order_apply_provider_refund
from payments.services.webhook_connect import CONNECT_HANDLERS

logger = logging.getLogger(__name__)


class EventOutOfOrder(Exception):
    """The event needs state that has not arrived yet; process it again later."""


class MalformedEvent(Exception):
    """The event's data is not the shape its type promises (e.g. a non-UUID order id)."""


def event_object(payload: Any) -> dict[str, Any]:
    """The event's `data.object`, which every handler reads."""
    data = payload.get("data") if isinstance(payload, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent("data.object is not an object")
    return obj


def _order_id(obj: dict[str, Any]) -> uuid.UUID | None:
    """The order an object names: its metadata or client reference (sessions, intents), or
    the transfer group we give every payment (charges, whose metadata Stripe leaves empty)."""
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise MalformedEvent("metadata is not an object")
    group = obj.get("transfer_group")
    ours = isinstance(group, str) and group.startswith("order-")
    from_group = group.removeprefix("order-") if ours else None
    raw = metadata.get("order_id") or obj.get("client_reference_id") or from_group
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as error:
        raise MalformedEvent(f"order id {raw!r} is not a UUID") from error


def _order_for(obj: dict[str, Any]) -> Order | None:
    order_id = _order_id(obj)
    if order_id is not None:
        return Order.objects.filter(pk=order_id).first()
    intent = obj.get("payment_intent") or (obj.get("object") == "payment_intent" and obj["id"])
    return Order.objects.filter(payment_intent_id=intent).first() if intent else None


def _session_completed(session: dict[str, Any], *, source: str) -> str | None:
    if session.get("payment_status") in ("paid", "no_payment_required"):
        return _session_paid(session, source=source)
    # "unpaid": an asynchronous method (bank debit) is still settling; wait for its event.
    return None


def _session_paid(session: dict[str, Any], *, source: str) -> str | None:
    """Money received for a session: pay the order only if the session is the one it opened,
    for the amount, currency and mode it opened with; otherwise hold it and refund."""
    order = _order_for(session)
    if order is None:
        logger.warning("%s: no order for checkout session %s", source, session.get("id"))
        return None
    order = order_lock(order.pk)  # checked and settled under one lock
    charged = session_charged(session)
    reasons = session_mismatches(order, session, paid=True)
    if reasons:
        same_mode = expected_livemode(order) is session.get("livemode")
        intent = session.get("payment_intent")
        # Money in the other mode's account, or none named, cannot be refunded from here.
        refundable = same_mode and bool(intent) and isinstance(intent, str) and bool(charged)
        received = Received(payment_intent_id=intent, money=charged) if refundable else None
        order_flag_mismatch(order=order, reasons=reasons, source=source, received=received)
        return "; ".join(reasons)
    conversion = session.get("currency_conversion")
    note = f"Charged {charged} at {conversion.get('fx_rate')}." if conversion else ""
    order_mark_paid(
        order=order,
        payment_intent_id=session["payment_intent"],
        paid=charged,
        message=note,
        source=source,
    )
    return None


def _session_failed(session: dict[str, Any], *, source: str) -> str | None:
    """An async payment failed or the session expired: the order's own session only."""
    order = _order_for(session)
    if order is None:
        return None
    reasons = session_mismatches(order, session, paid=False)
    if reasons:
        order_flag_mismatch(order=order, reasons=reasons, source=source)
        return "; ".join(reasons)
    _order_fail(order, source=source)
    return None


def _intent_failed(intent: dict[str, Any], *, source: str) -> str | None:
    order = _order_for(intent)
    if order is None:
        return None
    if order.payment_intent_id and intent.get("id") != order.payment_intent_id:
        reason = f"payment intent {intent.get('id')!r}, the order has {order.payment_intent_id!r}"
        order_flag_mismatch(order=order, reasons=[reason], source=source)
        return reason
    _order_fail(order, source=source)
    return None


def _order_fail(order: Order, *, source: str) -> None:
    order = order_lock(order.pk)
    if order.status != OrderStatus.PENDING:
        return  # a late failure never undoes a payment that succeeded
    for line in order.lines.filter(tier_code="exclusive"):
        exclusive_hold_release(listing=line.listing, order_ref=str(order.pk))
    order_set_status(order=order, status=OrderStatus.FAILED, source=source)


def _charge_refunded(charge: dict[str, Any], *, source: str) -> str | None:
    """A refund made at the provider (dashboard, our own refund call) reaches us here, in
    the currency the buyer paid; the order records it in its own."""
    order = _order_for(charge)
    if order is None:
        return None
    if order.status == OrderStatus.PENDING:
        raise EventOutOfOrder(f"Refund for order {order.pk} arrived before its payment.")
    order = order_lock(order.pk)
    reasons = charge_mismatches(order, charge)
    if reasons:
        order_flag_mismatch(order=order, reasons=reasons, source=source)
        return "; ".join(reasons)
    refunded = charge.get("amount_refunded") or 0
    if type(refunded) is not int:
        raise MalformedEvent(f"amount_refunded {refunded!r} is not an integer")
    paid = paid_by_buyer(order)
    order_apply_provider_refund(
        order=order, amount_refunded=order.total_amount * refunded // paid.amount, source=source
    )
    return None


def _refund_updated(refund: dict[str, Any], *, source: str) -> str | None:
    """A refund that failed or was cancelled at the provider returned nothing: flag it."""
    order = _order_for(refund)
    if order is None or refund.get("status") not in ("failed", "canceled"):
        return None
    why = refund.get("failure_reason") or refund.get("status")
    reason = f"refund {refund.get('id')!r} of {refund.get('amount')} did not go through ({why})"
    order_flag_mismatch(order=order, reasons=[reason], source=source)
    return None


HANDLERS = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session_failed,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_updated,
    **CONNECT_HANDLERS,
}
