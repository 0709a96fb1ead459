"""Instant commissions paid from prepaid credit instead of a card checkout."""

from django.contrib.auth import get_user_model
from django.db import transaction

from commissions.models import Commission, CommissionStatus
from commissions.services.instant import commission_instant_create
from commissions.services.status import commission_lock, commission_set_status
from core.errors import ApplicationError, PermissionDeniedError
from generation.models import Style
from payments.models import Order
from payments.selectors import credit_balance
from payments.services.checkout import order_abandon
from payments.services.credit import credit_shortfall_error, order_pay_with_credit

User = get_user_model()


def commission_instant_pay_with_credit(
    *, buyer: User, style: Style, prompt: str, negative_prompt: str = "", count: int = 1
) -> tuple[Commission, Order]:
    """Check the balance (nothing is written when it is short), create the commission,
    then pay its order from credit under the account lock; the job is queued on commit.
    If the balance changed in between, the order is abandoned and the commission
    cancelled: nothing was charged."""
    if not getattr(buyer, "is_authenticated", False):
        raise PermissionDeniedError("Log in to commission a style.")
    price = style.price_amount * count
    balance = credit_balance(user=buyer, currency=style.currency)
    if balance < price:
        raise credit_shortfall_error(balance=balance, price=price, currency=style.currency)
    commission, order = commission_instant_create(
        buyer=buyer, style=style, prompt=prompt, negative_prompt=negative_prompt, count=count
    )
    try:
        order = order_pay_with_credit(order=order, buyer=buyer)
    except ApplicationError as error:
        order_abandon(order=order, reason=error.message, actor=buyer)
        _cancel(commission, buyer=buyer, reason=error.message)
        raise
    commission.refresh_from_db()
    return commission, order


@transaction.atomic
def _cancel(commission: Commission, *, buyer: User, reason: str) -> None:
    commission = commission_lock(commission)
    if commission.status == CommissionStatus.AWAITING_PAYMENT:
        commission_set_status(
            commission=commission,
            status=CommissionStatus.CANCELLED,
            source="user",
            actor=buyer,
            message=f"Not paid: {reason}",
        )
