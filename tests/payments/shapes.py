"""Provider events built from Stripe's published object shapes (API reference: Event,
Checkout Session, Charge, Refund, Transfer, Account), optional objects included, as JSON
dicts: what Stripe sends, before any SDK has turned decimal strings into Decimals."""

import time
import uuid

API_VERSION = "2025-03-31.basil"


def event(kind: str, obj: dict, *, event_id: str | None = None, **fields) -> dict:
    """A Stripe Event wrapping `obj` (`previous_attributes` etc. through `fields`)."""
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "livemode": obj.get("livemode", False),
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {"object": obj, **fields},
    }


def intent_of(order) -> str:
    return order.payment_intent_id or f"pi_{order.pk.hex[:12]}"


def checkout_session(order, **overrides) -> dict:
    """The Checkout Session `order` opened, paid in full, as Stripe sends it in events."""
    amount = order.total_amount
    session = {
        "id": order.checkout_session_id or f"cs_test_{order.pk.hex}",
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": "https://promptfolio.test/listings/",
        "client_reference_id": str(order.pk),
        "consent": None,
        "created": int(time.time()) - 60,
        "currency": order.currency.lower(),
        "currency_conversion": None,
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": {
            "address": None,
            "email": "buyer@example.com",
            "name": None,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
        "customer_email": "buyer@example.com",
        "expires_at": int(time.time()) + 86340,
        "invoice": None,
        "livemode": False,
        "locale": None,
        "metadata": {"order_id": str(order.pk)},
        "mode": "payment",
        "payment_intent": intent_of(order),
        "payment_method_types": ["card"],
        "payment_status": "paid",
        "status": "complete",
        "success_url": f"https://promptfolio.test/orders/{order.pk}/",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "url": None,
    }
    return {**session, **overrides}


def converted(order, *, currency: str = "eur", amount: int, fx_rate: str = "0.9195") -> dict:
    """Overrides for a session Stripe presented in the buyer's currency (Adaptive Pricing)."""
    return {
        "adaptive_pricing": {"enabled": True},
        "amount_subtotal": amount,
        "amount_total": amount,
        "currency": currency,
        "currency_conversion": {
            "amount_subtotal": order.total_amount,
            "amount_total": order.total_amount,
            "fx_rate": fx_rate,
            "source_currency": order.currency.lower(),
        },
    }


def session_completed(order, *, payment_status: str = "paid", event_id: str | None = None):
    return event(
        "checkout.session.completed",
        checkout_session(order, payment_status=payment_status),
        event_id=event_id,
    )


def payment_intent(order, *, status: str = "requires_payment_method", **overrides) -> dict:
    """The order's PaymentIntent; after a failed attempt it carries `last_payment_error`."""
    return {
        "id": intent_of(order),
        "object": "payment_intent",
        "amount": order.total_amount,
        "amount_received": 0,
        "capture_method": "automatic_async",
        "client_secret": None,
        "created": int(time.time()) - 60,
        "currency": order.currency.lower(),
        "last_payment_error": {
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "type": "card_error",
        },
        "latest_charge": None,
        "livemode": False,
        "metadata": {"order_id": str(order.pk)},
        "payment_method_types": ["card"],
        "status": status,
        "transfer_data": None,
        "transfer_group": f"order-{order.pk}",
        **overrides,
    }


def charge(order, *, amount_refunded: int = 0, **overrides) -> dict:
    """The order's charge (metadata stays on the PaymentIntent, so it names none)."""
    amount = order.paid_amount if order.paid_amount is not None else order.total_amount
    return {
        "id": f"ch_{order.pk.hex[:12]}",
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "balance_transaction": "txn_1",
        "captured": True,
        "created": int(time.time()) - 60,
        "currency": (order.paid_currency or order.currency).lower(),
        "customer": None,
        "description": None,
        "disputed": False,
        "livemode": False,
        "metadata": {},
        "outcome": {"network_status": "approved_by_network", "type": "authorized"},
        "paid": True,
        "payment_intent": order.payment_intent_id,
        "payment_method_details": {"card": {"brand": "visa", "last4": "4242"}, "type": "card"},
        "refunded": amount_refunded == amount,
        "status": "succeeded",
        "transfer_group": f"order-{order.pk}",
        **overrides,
    }


def refund(order, *, status: str = "succeeded", **overrides) -> dict:
    return {
        "id": f"re_{order.pk.hex[:12]}",
        "object": "refund",
        "amount": order.total_amount,
        "balance_transaction": "txn_2",
        "charge": f"ch_{order.pk.hex[:12]}",
        "created": int(time.time()),
        "currency": order.currency.lower(),
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "failure_reason": "lost_or_stolen_card" if status == "failed" else None,
        "metadata": {},
        "payment_intent": order.payment_intent_id,
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
        **overrides,
    }


def transfer(line, *, transfer_id: str = "tr_1", amount_reversed: int = 0, **overrides) -> dict:
    return {
        "id": transfer_id,
        "object": "transfer",
        "amount": line.creator_amount,
        "amount_reversed": amount_reversed,
        "balance_transaction": "txn_3",
        "created": int(time.time()),
        "currency": line.order.currency.lower(),
        "description": None,
        "destination": line.creator.payout_account.stripe_account_id,
        "destination_payment": "py_1",
        "livemode": False,
        "metadata": {},
        "reversals": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/transfers/{transfer_id}/reversals",
        },
        "reversed": amount_reversed == line.creator_amount,
        "source_transaction": None,
        "source_type": "card",
        "transfer_group": f"order-{line.order_id}",
        **overrides,
    }


def account(account_id: str, *, payouts_enabled: bool) -> dict:
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {"mcc": None, "name": None, "url": None},
        "business_type": None,
        "capabilities": {"transfers": "active" if payouts_enabled else "inactive"},
        "charges_enabled": payouts_enabled,
        "country": "US",
        "created": int(time.time()) - 3600,
        "default_currency": "usd",
        "details_submitted": payouts_enabled,
        "email": "creator@example.com",
        "metadata": {},
        "payouts_enabled": payouts_enabled,
        "requirements": {
            "currently_due": [] if payouts_enabled else ["external_account"],
            "disabled_reason": None if payouts_enabled else "requirements.past_due",
            "eventually_due": [],
            "past_due": [],
            "pending_verification": [],
        },
        "type": "express",
    }
