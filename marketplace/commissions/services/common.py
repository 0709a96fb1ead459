"""Shared commission writes: locked status changes with their history row, checkout start."""

from django.db import transaction

from core.errors import ApplicationError
from marketplace.commissions.models import Commission, CommissionEvent
from marketplace.models import User
from marketplace.payments.gateway import CheckoutLine, GatewayError, get_gateway
from marketplace.payments.models import Order, OrderLine, OrderStatus
from marketplace.payments.services.checkout import order_abandon
from marketplace.payments.services.orders import order_lock, order_set_status, platform_fee


def commission_lock(commission: Commission) -> Commission:
    return Commission.objects.select_for_update().get(pk=commission.pk)


def commission_set_status(
    *,
    commission: Commission,
    status: str,
    source: str,
    actor: User | None = None,
    message: str = "",
    fields=(),
) -> Commission:
    """Save `status` (plus `fields`) and write the CommissionEvent; caller holds the lock."""
    previous = commission.status
    commission.status = status
    commission.save(update_fields=["status", "updated_at", *fields])
    CommissionEvent.objects.create(
        commission=commission,
        from_status=previous,
        to_status=status,
        actor=actor,
        source=source,
        message=message[:2000],
    )
    return commission


def require_status(commission: Commission, *allowed: str, action: str) -> None:
    if commission.status not in allowed:
        raise ApplicationError(
            f"You cannot {action} a commission that is {commission.get_status_display().lower()}.",
            code="wrong_state",
        )


def commission_order_create(*, commission: Commission, amount: int, description: str) -> Order:
    """A pending order with one escrowed line (the creator's transfer waits for delivery)."""
    fee = platform_fee(amount)
    order = Order.objects.create(
        buyer=commission.buyer,
        currency=commission.currency,
        total_amount=amount,
        platform_fee_amount=fee,
        gateway=get_gateway().name,
    )
    line = OrderLine.objects.create(
        order=order,
        listing=None,
        tier_code=commission.tier_code,
        description=description[:200],
        creator=commission.creator,
        amount=amount,
        platform_fee_amount=fee,
        creator_amount=amount - fee,
        transfer_held=True,
    )
    order_set_status(order=order, status=OrderStatus.PENDING, source="user", actor=commission.buyer)
    commission.order_line = line
    return order


def commission_checkout_session(
    *, order: Order, buyer: User, success_url: str, cancel_url: str
) -> Order:
    """The provider session for a commission order (network call, outside any transaction)."""
    lines = [
        CheckoutLine(description=line.description, amount=line.amount, currency=order.currency)
        for line in order.lines.all()
    ]
    try:
        session = get_gateway().create_checkout_session(
            order_id=str(order.pk),
            customer_email=buyer.email,
            lines=lines,
            success_url=success_url.replace("ORDER_ID", str(order.pk)),
            cancel_url=cancel_url,
        )
    except GatewayError as error:
        order_abandon(order=order, reason=str(error))
        raise ApplicationError(
            "The payment provider is unavailable right now; nothing was charged. "
            "Please try again in a minute."
        ) from error
    with transaction.atomic():
        order = order_lock(order.pk)
        order.checkout_session_id = session.id
        order.checkout_url = session.url
        order.save(update_fields=["checkout_session_id", "checkout_url"])
    return order
