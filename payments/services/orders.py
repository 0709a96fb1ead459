"""Order creation and state changes, each one audited, and marking an order paid. Shared by
checkout, credit, commissions, webhooks and refunds."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.watch import watch_bump
from marketplace.models import Listing
from payments.gateway import get_gateway
from payments.hooks import OrderLinePaid, order_line_paid
from payments.models import Order, OrderEvent, OrderLine, OrderStatus
from payments.services.event_checks import Money
from payments.services.payouts import queue_creator_transfers

User = get_user_model()

FINAL_PAYMENT_STATES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


def platform_fee(amount: int) -> int:
    """The platform's share in minor units, rounded half up (creators never lose a cent
    to rounding beyond half of one)."""
    return (amount * settings.PLATFORM_FEE_PERCENT + 50) // 100


def order_set_status(
    *, order: Order, status: str, source: str, actor=None, message: str = "", fields=()
) -> Order:
    """Save `status` (plus `fields`), write the OrderEvent and, after commit, show the change
    to pollers of the order page; caller holds the row lock."""
    previous = order.status
    order.status = status
    order.save(update_fields=["status", *fields])
    OrderEvent.objects.create(
        order=order,
        from_status=previous,
        to_status=status,
        actor=actor,
        source=source,
        message=message,
    )
    watch_bump("order", order.pk)
    return order


def order_lock(order_id) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def order_with_line_create(
    *,
    buyer: User,
    currency: str,
    amount: int,
    platform_fee_amount: int,
    tier_code: str,
    description: str,
    creator: User | None,
    listing: Listing | None = None,
    transfer_held: bool = False,
) -> tuple[Order, OrderLine]:
    """A pending single-line order and its first OrderEvent, run in the caller's transaction.

    Licence, credit and commission checkouts all sell one line; writing it in one place keeps
    the order's totals, the line's split and the audit row from drifting apart. The creator
    gets `amount - platform_fee_amount`; the caller decides the fee.
    """
    order = Order.objects.create(
        buyer=buyer,
        currency=currency,
        total_amount=amount,
        platform_fee_amount=platform_fee_amount,
        gateway=get_gateway().name,
    )
    line = OrderLine.objects.create(
        order=order,
        listing=listing,
        tier_code=tier_code,
        description=description,
        creator=creator,
        amount=amount,
        platform_fee_amount=platform_fee_amount,
        creator_amount=amount - platform_fee_amount,
        transfer_held=transfer_held,
    )
    order_set_status(order=order, status=OrderStatus.PENDING, source="user", actor=buyer)
    return order, line


def order_mark_paid(
    *,
    order: Order,
    payment_intent_id: str,
    source: str,
    paid: Money | None = None,
    message: str = "",
) -> Order:
    """Paid, once: announce every line by kind inside this transaction (licence lines are
    granted, or refunded when the grant is lost; credit grows; a commission starts its
    work) and queue creator transfers after commit. Runs in the caller's transaction.
    `paid` is what the buyer was charged (the order's own total unless converted)."""
    order = order_lock(order.pk)
    if order.status in (*FINAL_PAYMENT_STATES, OrderStatus.HELD):
        return order
    paid = paid or Money(order.total_amount, order.currency.upper())
    order.paid_at = timezone.now()
    order.payment_intent_id = payment_intent_id or order.payment_intent_id
    order.paid_amount, order.paid_currency = paid.amount, paid.currency
    order_set_status(
        order=order,
        status=OrderStatus.PAID,
        source=source,
        message=message,
        fields=("paid_at", "payment_intent_id", "paid_amount", "paid_currency"),
    )
    for line in order.lines.select_related("listing", "order__buyer"):
        order_line_paid.call(OrderLinePaid(order_line=line, kind=line.kind, source=source))
    queue_creator_transfers(order=order)
    return order
