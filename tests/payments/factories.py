import uuid

from payments.models import Order, OrderLine
from payments.services.orders import platform_fee
from payments.services.webhooks import webhook_process, webhook_receive
from tests.payments.conftest import session_completed


def make_order(*, buyer, listing, tier_code: str = "standard", amount: int = 2000, **fields):
    """A pending order written directly (the checkout service is tested separately), with
    the Stripe session it opened recorded as `checkout_session_open` records it."""
    fee = platform_fee(amount)
    order_id = uuid.uuid4()
    opened = {
        "checkout_session_id": f"cs_test_{order_id.hex}",
        "session_amount_total": amount,
        "session_currency": "USD",
        "session_livemode": False,
    }
    order = Order.objects.create(
        id=order_id,
        buyer=buyer,
        currency="USD",
        total_amount=amount,
        platform_fee_amount=fee,
        gateway="stripe",
        **{**opened, **fields},
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


def open_session(order):
    """Record the Stripe session a pending order opened, as `checkout_session_open` does,
    for orders a test wrote through a service that stops before the provider call."""
    Order.objects.filter(pk=order.pk).update(
        checkout_session_id=f"cs_test_{order.pk.hex}",
        session_amount_total=order.total_amount,
        session_currency=order.currency.upper(),
        session_livemode=False,
    )
    order.refresh_from_db()
    return order
