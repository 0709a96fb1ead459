from payments.models import Order, OrderLine
from payments.services.orders import platform_fee


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
