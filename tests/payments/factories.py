from payments.models import Order, OrderLine
from payments.services.orders import platform_fee
from payments.services.webhooks import webhook_process, webhook_receive
from tests.payments.conftest import session_completed


def make_order(*, buyer, listing, tier_code: str = "standard", amount: int = 2000, **fields):
    """A pending order written directly (the checkout service is tested separately)."""
    fee = platform_fee(amount)
    order = Order.objects.create(
        buyer=buyer,
        currency="USD",
        total_amount=amount,
        platform_fee_amount=fee,
        gateway="stripe",
        **fields,
    )
    OrderLine.objects.create(
        order=order,
        listing=listing,
        tier_code=tier_code,
        description=f"{listing.title}: {tier_code}",
        creator=listing.creator,
        amount=amount,
        platform_fee_amount=fee,
        creator_amount=amount - fee,
    )
    return order


def pay(order):
    """Pay `order` the way production does: the provider's signed event, stored and processed."""
    stored = webhook_receive(event=session_completed(order))
    webhook_process(webhook_event_id=stored.pk)
    order.refresh_from_db()
    return order
