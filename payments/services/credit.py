"""Prepaid credit: bought through the ordinary checkout and webhook, spent on orders,
refunded back into the balance.

Every movement locks the buyer's CreditAccount row (`select_for_update`), appends one
CreditEntry and moves the balance with it, so the balance never goes below zero and equals
the sum of the entries. Unique keys on the entries (one top-up per paid line, one spend per
order, one refund per line) mean a redelivered event or a repeated call moves nothing.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from core.errors import ApplicationError, PermissionDeniedError
from marketplace.models import MAX_PRICE_MINOR, MIN_PRICE_MINOR
from payments.models import (
    CREDIT_TIER,
    CreditAccount,
    CreditEntry,
    CreditEntryKind,
    Gateway,
    Order,
    OrderLine,
    OrderStatus,
)
from payments.services.checkout import checkout_rate_limit_take, checkout_session_open
from payments.services.orders import order_lock, order_mark_paid, order_with_line_create

User = get_user_model()

DEFAULT_CURRENCY = "USD"


def credit_account_lock(*, user: User, currency: str) -> CreditAccount:
    """The buyer's account in `currency`, created on first use, locked for this transaction."""
    try:
        with transaction.atomic():
            account, _ = CreditAccount.objects.get_or_create(user=user, currency=currency)
    except IntegrityError:  # created concurrently by another request
        account = CreditAccount.objects.get(user=user, currency=currency)
    return CreditAccount.objects.select_for_update().get(pk=account.pk)


def credit_shortfall_error(*, balance: int, price: int, currency: str) -> ApplicationError:
    """The one message for a balance that does not cover a price (pre-check and ledger)."""
    return ApplicationError(
        f"Your credit ({balance / 100:.2f} {currency}) does not cover "
        f"{price / 100:.2f} {currency}; buy credit or pay by card.",
        code="insufficient_credit",
    )


def _append(
    *, account: CreditAccount, kind: str, amount: int, order: Order, line=None, note: str = ""
) -> CreditEntry:
    """Move the locked account's balance by `amount` and write its entry (caller locks)."""
    balance = account.balance + amount
    if balance < 0:
        raise credit_shortfall_error(
            balance=account.balance, price=-amount, currency=account.currency
        )
    account.balance = balance
    account.save(update_fields=["balance", "updated_at"])
    return CreditEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=balance,
        order=order,
        order_line=line,
        note=note[:300],
    )


# --- buying credit --------------------------------------------------------------------------


@transaction.atomic
def credit_topup_order_create(
    *, buyer: User, amount: int, currency: str = DEFAULT_CURRENCY
) -> Order:
    """A pending order for `amount` of credit. The platform holds the whole amount (no
    creator share) until it is spent; the fee is taken when it pays for work."""
    if not getattr(buyer, "is_authenticated", False):
        raise PermissionDeniedError("Log in to buy credit.")
    if amount is None or not MIN_PRICE_MINOR <= amount <= MAX_PRICE_MINOR:
        raise ApplicationError(
            f"Buy between {MIN_PRICE_MINOR / 100:.2f} and {MAX_PRICE_MINOR / 100:,.2f} of credit.",
            field="amount",
        )
    order, _ = order_with_line_create(
        buyer=buyer,
        currency=currency,
        amount=amount,
        platform_fee_amount=amount,  # the whole amount: creator_amount is 0
        tier_code=CREDIT_TIER,
        description=f"Prepaid credit {amount / 100:.2f} {currency}",
        creator=None,
    )
    return order


def credit_topup_checkout(
    *, buyer: User, amount: int, success_url: str, cancel_url: str, currency=DEFAULT_CURRENCY
) -> Order:
    checkout_rate_limit_take(buyer=buyer)
    order = credit_topup_order_create(buyer=buyer, amount=amount, currency=currency)
    return checkout_session_open(
        order=order, buyer=buyer, success_url=success_url, cancel_url=cancel_url
    )


def credit_line_paid(*, order_line: OrderLine, source: str) -> CreditEntry:
    """The webhook's paid order bought credit: add it once (runs in order_mark_paid)."""
    existing = CreditEntry.objects.filter(
        order_line=order_line, kind=CreditEntryKind.TOP_UP
    ).first()
    if existing is not None:
        return existing
    order = order_line.order
    account = credit_account_lock(user=order.buyer, currency=order.currency)
    return _append(
        account=account,
        kind=CreditEntryKind.TOP_UP,
        amount=order_line.amount,
        order=order,
        line=order_line,
        note=source,
    )


# --- spending and refunds -------------------------------------------------------------------


@transaction.atomic
def order_pay_with_credit(*, order: Order, buyer: User) -> Order:
    """Pay a pending order from the buyer's credit: one spend entry, then the same
    `order_mark_paid` a provider's event runs (commission lines start their work)."""
    order = order_lock(order.pk)
    if order.buyer_id != buyer.pk:
        raise PermissionDeniedError("This is not your order.")
    if order.status != OrderStatus.PENDING:
        raise ApplicationError(
            f"This order is {order.get_status_display().lower()}; it cannot be paid again.",
            code="wrong_state",
        )
    if order.lines.filter(tier_code=CREDIT_TIER).exists():
        raise ApplicationError("Credit cannot be bought with credit.")
    if order.checkout_session_id:  # a card checkout is open for it: one way to pay, only
        raise ApplicationError(
            "This order is being paid at checkout; finish or cancel that payment first.",
            code="checkout_open",
        )
    account = credit_account_lock(user=buyer, currency=order.currency)
    _append(
        account=account,
        kind=CreditEntryKind.SPEND,
        amount=-order.total_amount,
        order=order,
        note=f"Order {order.pk}",
    )
    order.gateway = Gateway.CREDIT
    order.save(update_fields=["gateway"])
    return order_mark_paid(order=order, payment_intent_id="", source="credit")


def credit_refund_line(*, line: OrderLine, reason: str) -> CreditEntry:
    """A credit-paid line refunded: its amount goes back to the balance, once. Runs inside
    the refund's transaction (payments.services.refunds)."""
    existing = CreditEntry.objects.filter(order_line=line, kind=CreditEntryKind.REFUND).first()
    if existing is not None:
        return existing
    account = credit_account_lock(user=line.order.buyer, currency=line.order.currency)
    return _append(
        account=account,
        kind=CreditEntryKind.REFUND,
        amount=line.amount,
        order=line.order,
        line=line,
        note=reason,
    )
