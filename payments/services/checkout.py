"""Buying a licence: an order, a hold on exclusives, then a provider checkout session.

Nothing is granted here. The licence is granted only when the provider's signed event says
the payment succeeded (webhooks.py); the success page just shows "processing" until then.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from core.errors import ApplicationError
from core.ratelimits import Limit, rate_limit_take
from licensing.services.grants import (
    exclusive_hold_acquire,
    exclusive_hold_release,
    licence_offer_for_purchase,
)
from marketplace.models import Listing
from payments.gateway import CheckoutLine, GatewayError, get_gateway
from payments.models import Order, OrderStatus
from payments.services.orders import (
    order_lock,
    order_set_status,
    order_with_line_create,
    platform_fee,
)

User = get_user_model()

EXCLUSIVE = "exclusive"


@transaction.atomic
def order_create_for_listing(*, buyer: User, listing: Listing, tier_code: str) -> Order:
    """Refuse what can be refused before payment, then write the pending order."""
    offer = licence_offer_for_purchase(listing=listing, tier_code=tier_code, buyer=buyer)
    order, _ = order_with_line_create(
        buyer=buyer,
        currency=offer.currency,
        amount=offer.price_amount,
        platform_fee_amount=platform_fee(offer.price_amount),
        tier_code=tier_code,
        description=f"{listing.title}: {offer.tier.name} licence",
        creator=listing.creator,
        listing=listing,
    )
    if tier_code == EXCLUSIVE:
        exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref=str(order.pk))
    return order


def checkout_rate_limit_take(*, buyer: User) -> None:
    """Count one checkout start for `buyer`: a script opening sessions in a loop is refused
    (RateLimited, a 429 page) before it writes an order or calls the provider."""
    rate_limit_take(
        Limit("checkout:user", count=settings.CHECKOUT_RATE_LIMIT_PER_MINUTE),
        buyer.pk,
        message="You have started too many checkouts in a minute. "
        "Please wait a moment before trying again; nothing was charged.",
    )


def checkout_start(
    *, buyer: User, listing: Listing, tier_code: str, success_url: str, cancel_url: str
) -> Order:
    """Create the order, then the provider session (a network call, outside any transaction).

    The provider call carries an idempotency key per order, so a retried request cannot
    create two sessions for one order.
    """
    checkout_rate_limit_take(buyer=buyer)
    order = order_create_for_listing(buyer=buyer, listing=listing, tier_code=tier_code)
    return checkout_session_open(
        order=order, buyer=buyer, success_url=success_url, cancel_url=cancel_url
    )


def checkout_session_open(*, order: Order, buyer: User, success_url: str, cancel_url: str) -> Order:
    """The provider session for a pending order (a network call, outside any transaction).

    If the provider fails, the order is abandoned (freeing any exclusive hold) and the buyer
    is told nothing was charged. Listing and commission checkouts both end here.
    """
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
        order.session_amount_total = session.amount_total
        order.session_currency = session.currency.upper()
        order.session_livemode = session.livemode
        order.payment_intent_id = session.payment_intent_id
        order.save(
            update_fields=[
                "checkout_session_id",
                "checkout_url",
                "session_amount_total",
                "session_currency",
                "session_livemode",
                "payment_intent_id",
            ]
        )
    return order


@transaction.atomic
def order_abandon(*, order: Order, reason: str, actor: User | None = None) -> Order:
    """A pending order that will never be paid: free its exclusive hold."""
    order = order_lock(order.pk)
    if order.status != OrderStatus.PENDING:
        return order
    for line in order.lines.filter(tier_code=EXCLUSIVE):
        exclusive_hold_release(listing=line.listing, order_ref=str(order.pk))
    return order_set_status(
        order=order,
        status=OrderStatus.CANCELLED,
        source="user" if actor else "system",
        actor=actor,
        message=reason,
    )
