"""An event that does not match its order: flag the order for a moderator, never grant.

When the event says money was received (a paid session), the order is held instead of paid
and each line is owed its money back through the ordinary owed-refund row
(`queue_automatic_refund`), so the refund task or the sweeper returns what the buyer paid.
Money received a second time, for an order that already took a payment, has no line to be
owed on: it is refunded at once through the gateway (`refund-payment-<intent>` makes a
retried event ask once), and the order's history says so.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from licensing.services.grants import exclusive_hold_release
from payments.gateway import get_gateway
from payments.models import Order, OrderStatus
from payments.services.event_checks import Money
from payments.services.orders import order_lock, order_set_status
from payments.services.refunds import queue_automatic_refund

# Orders that may still take a payment: money arriving for one of them without a grant is
# held and refunded. A paid or held order is only flagged (a moderator sorts out the rest).
UNPAID = (OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class Received:
    """Money the provider says it took for the order: the payment intent and the amount."""

    payment_intent_id: str
    money: Money


@transaction.atomic
def order_flag_mismatch(
    *, order: Order, reasons: list[str], source: str, received: Received | None = None
) -> Order:
    """Flag `order` with `reasons`; with `received`, hold it and owe the buyer a refund."""
    order = order_lock(order.pk)
    reason = "; ".join(reasons)
    order.flagged_at = timezone.now()
    order.flag_reason = "\n".join(filter(None, [order.flag_reason, f"{source}: {reason}"]))
    fields = ["flagged_at", "flag_reason"]
    paid_before = received is not None and order.status not in UNPAID
    if paid_before and received.payment_intent_id != order.payment_intent_id:
        return _second_payment_refund(
            order=order, received=received, reason=reason, source=source, fields=fields
        )
    if received is None or order.status not in UNPAID:
        return order_set_status(
            order=order,
            status=order.status,
            source=source,
            message=f"Flagged for review: {reason}",
            fields=fields,
        )
    if order.status == OrderStatus.PENDING:
        for line in order.lines.filter(tier_code="exclusive"):
            exclusive_hold_release(listing=line.listing, order_ref=str(order.pk))
    order.payment_intent_id = received.payment_intent_id
    order.paid_amount = received.money.amount
    order.paid_currency = received.money.currency
    order_set_status(
        order=order,
        status=OrderStatus.HELD,
        source=source,
        message=f"Paid {received.money} but not granted ({reason}); refunding it.",
        fields=[*fields, "payment_intent_id", "paid_amount", "paid_currency"],
    )
    for line in order.lines.all():
        queue_automatic_refund(line=line, reason=f"The payment did not match the order: {reason}")
    return order


@transaction.atomic
def order_flag_review(*, order: Order, actor) -> bool:
    """A moderator has looked at a flagged order (and sorted out what was left, e.g. a
    second payment for an order already paid): it leaves the review list. The reasons stay
    in the order's history; False when it was not flagged."""
    order = order_lock(order.pk)
    if order.flagged_at is None:
        return False
    order.flagged_at = None
    order_set_status(
        order=order,
        status=order.status,
        source="admin",
        actor=actor,
        message="Flag reviewed by a moderator.",
        fields=["flagged_at"],
    )
    return True


def _second_payment_refund(
    *, order: Order, received: Received, reason: str, source: str, fields: list[str]
) -> Order:
    """Refund a payment that is not the one the order kept, then record it. A refusal from
    the provider raises GatewayError: the event is processed again later (the idempotency
    key makes that one refund) until its attempts run out."""
    refund_id = get_gateway().create_refund(
        payment_intent_id=received.payment_intent_id,
        amount=received.money.amount,
        idempotency_key=f"refund-payment-{received.payment_intent_id}",
    )
    return order_set_status(
        order=order,
        status=order.status,
        source=source,
        message=(
            f"Second payment {received.payment_intent_id} of {received.money} refunded "
            f"({refund_id}); the order keeps its first. Flagged for review: {reason}"
        ),
        fields=fields,
    )
