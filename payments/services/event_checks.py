"""Checks of a provider event against the order it names. Pure reads: each returns the list
of reasons the event does not match (empty when it does); the handlers decide what to do.

The order records what its checkout session was opened for (session id, amount_total,
currency, livemode, and the payment intent once one exists). Stripe may legitimately change
two things, handled here explicitly:
- currency conversion (Adaptive Pricing): the buyer pays in their own currency;
  `currency_conversion.source_currency`/`amount_total` must then equal what we opened, and
  the converted amount is what the buyer was charged (recorded, and what a refund returns);
- tax, discounts and shipping: our sessions enable none of them, so any amount of them is
  refused rather than guessed at.
"""

from dataclasses import dataclass
from typing import Any

from payments.gateway import stripe_livemode
from payments.models import Gateway, Order, OrderStatus


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str  # upper-case ISO code, as orders store it

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _money(amount: Any, currency: Any) -> Money | None:
    if type(amount) is not int or not isinstance(currency, str) or not currency:
        return None
    return Money(amount, currency.upper())


def opened_for(order: Order) -> Money:
    """What the session was opened for (orders opened before this was recorded: the order)."""
    amount = (
        order.total_amount if order.session_amount_total is None else order.session_amount_total
    )
    return Money(amount, (order.session_currency or order.currency).upper())


def paid_by_buyer(order: Order) -> Money:
    """What the buyer was charged, in the currency they paid."""
    if order.paid_amount is None:
        return Money(order.total_amount, order.currency.upper())
    return Money(order.paid_amount, order.paid_currency)


def session_charged(session: dict[str, Any]) -> Money | None:
    """What a Checkout Session charged the buyer (its presentment amount)."""
    return _money(session.get("amount_total"), session.get("currency"))


def session_mismatches(order: Order, session: dict[str, Any], *, paid: bool) -> list[str]:
    """Why a session event cannot settle `order`; `paid` when it says money was received."""
    reasons = _common_mismatches(order, session)
    if session.get("id") != order.checkout_session_id:
        reasons.append(
            f"checkout session {session.get('id')!r}, the order opened "
            f"{order.checkout_session_id!r}"
        )
    if not paid:
        return reasons
    expected = opened_for(order)
    ordered = Money(order.total_amount, order.currency.upper())
    if expected != ordered:
        reasons.append(f"the session was opened for {expected}, the order is for {ordered}")
    if order.status == OrderStatus.HELD:
        reasons.append("the order is held after an earlier mismatch")
    if not session.get("payment_intent"):
        reasons.append("a paid session names no payment intent")
    source = _source_amount(session, reasons)
    if source != expected:
        reasons.append(f"amount_total {source or 'missing'}, the session was opened for {expected}")
    totals = session.get("total_details") or {}
    for key in ("amount_tax", "amount_discount", "amount_shipping"):
        if totals.get(key):
            reasons.append(f"{key} {totals[key]}: our sessions add no tax, discount or shipping")
    return reasons


def _source_amount(session: dict[str, Any], reasons: list[str]) -> Money | None:
    """The amount in the currency the session was created in: under currency conversion,
    `currency_conversion`'s source amount (the buyer paid `amount_total` in theirs)."""
    conversion = session.get("currency_conversion")
    if conversion is None:
        return session_charged(session)
    if not isinstance(conversion, dict) or session_charged(session) is None:
        reasons.append("currency_conversion without a charged amount and currency")
        return None
    return _money(conversion.get("amount_total"), conversion.get("source_currency"))


def charge_mismatches(order: Order, charge: dict[str, Any]) -> list[str]:
    """Why a charge (e.g. charge.refunded) is not the payment this order received."""
    reasons = _common_mismatches(order, charge)
    charged = _money(charge.get("amount"), charge.get("currency"))
    if charged != paid_by_buyer(order):
        reasons.append(f"charge of {charged or 'unknown'}, the buyer paid {paid_by_buyer(order)}")
    return reasons


def expected_livemode(order: Order) -> bool:
    """The mode the order's money moves in: what its session recorded, or (orders opened
    before that was recorded) the mode of the gateway it was opened with."""
    if order.session_livemode is not None:
        return order.session_livemode
    return order.gateway == Gateway.STRIPE and stripe_livemode()


def _common_mismatches(order: Order, obj: dict[str, Any]) -> list[str]:
    """Payment intent and live/test mode, which every money object carries: a test-mode
    event never settles a live order (nor the other way round)."""
    reasons = []
    intent = obj.get("payment_intent")
    if intent and order.payment_intent_id and intent != order.payment_intent_id:
        reasons.append(f"payment intent {intent!r}, the order has {order.payment_intent_id!r}")
    livemode, expected = obj.get("livemode"), expected_livemode(order)
    if livemode is not expected:
        reasons.append(f"livemode {livemode!r}, the session was opened with {expected!r}")
    return reasons
