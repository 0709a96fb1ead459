"""Order state changes, each one audited. Shared by checkout, webhooks and refunds."""

from django.conf import settings

from payments.models import Order, OrderEvent


def platform_fee(amount: int) -> int:
    """The platform's share in minor units, rounded half up (creators never lose a cent
    to rounding beyond half of one)."""
    return (amount * settings.PLATFORM_FEE_PERCENT + 50) // 100


def order_set_status(
    *, order: Order, status: str, source: str, actor=None, message: str = "", fields=()
) -> Order:
    """Save `status` (plus `fields`) and write the OrderEvent; caller holds the row lock."""
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
    return order


def order_lock(order_id) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)
