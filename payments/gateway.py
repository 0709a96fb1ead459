"""The only module that talks to Stripe. Everything else uses these typed functions.

Without STRIPE_SECRET_KEY the embedded default is `LocalGateway`: a clearly labelled test
gateway that needs no network; its checkout page lets the buyer "pay" and then delivers a
synthetic `checkout.session.completed` event through the same webhook path Stripe uses.
With PAYMENTS_DISABLED there is no gateway at all (production without Stripe must say so:
config/guardrails.py); `payments.middleware` answers with a "not available" page.
"""

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from django.conf import settings
from django.urls import reverse


class GatewayError(Exception):
    """The payment provider refused or failed a call; the message is safe to log."""


class PaymentsUnavailable(GatewayError):
    """PAYMENTS_DISABLED: this site takes no payments, so no gateway is handed out (the
    local test gateway must never stand in for Stripe in production)."""


class SignatureError(Exception):
    """A webhook's signature or timestamp did not verify."""


@dataclass(frozen=True)
class CheckoutSession:
    """An opened session and what the provider will charge for it: recorded on the order,
    so that each later event can be checked against it."""

    id: str
    url: str
    amount_total: int | None
    currency: str
    livemode: bool
    payment_intent_id: str = ""  # Stripe creates the PaymentIntent only at payment


@dataclass(frozen=True)
class CheckoutLine:
    description: str
    amount: int
    currency: str


class PaymentGateway(Protocol):
    name: str

    def create_checkout_session(
        self,
        *,
        order_id: str,
        customer_email: str,
        lines: list[CheckoutLine],
        success_url: str,
        cancel_url: str,
    ) -> CheckoutSession: ...

    def create_refund(
        self, *, payment_intent_id: str, amount: int, idempotency_key: str
    ) -> str: ...

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str,
        idempotency_key: str,
    ) -> str: ...

    def reverse_transfer(self, *, transfer_id: str, amount: int, idempotency_key: str) -> str: ...

    def create_connected_account(self, *, email: str) -> str: ...

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str: ...

    def retrieve_checkout_session(self, session_id: str) -> dict[str, Any]: ...


class StripeGateway:
    name = "stripe"

    def __init__(self, api_key: str, api_base: str | None = None):
        base = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=base, max_network_retries=2)

    def _call(self, fn, params: dict, idempotency_key: str | None = None):
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        try:
            return fn(params=params, options=options) if options else fn(params=params)
        except stripe.StripeError as error:
            raise GatewayError(f"Stripe: {error.user_message or error}") from error

    def create_checkout_session(self, *, order_id, customer_email, lines, success_url, cancel_url):
        session = self._call(
            self.client.v1.checkout.sessions.create,
            {
                "mode": "payment",
                "customer_email": customer_email,
                "client_reference_id": order_id,
                "metadata": {"order_id": order_id},
                "payment_intent_data": {
                    "metadata": {"order_id": order_id},
                    "transfer_group": f"order-{order_id}",
                },
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": line.currency.lower(),
                            "unit_amount": line.amount,
                            "product_data": {"name": line.description},
                        },
                    }
                    for line in lines
                ],
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            idempotency_key=f"checkout-{order_id}",
        )
        return CheckoutSession(
            id=session.id,
            url=session.url,
            amount_total=session.amount_total,
            currency=session.currency or "",
            livemode=bool(session.livemode),
            payment_intent_id=session.payment_intent or "",
        )

    def create_refund(self, *, payment_intent_id, amount, idempotency_key):
        refund = self._call(
            self.client.v1.refunds.create,
            {"payment_intent": payment_intent_id, "amount": amount},
            idempotency_key=idempotency_key,
        )
        return refund.id

    def create_transfer(self, *, amount, currency, destination, transfer_group, idempotency_key):
        transfer = self._call(
            self.client.v1.transfers.create,
            {
                "amount": amount,
                "currency": currency.lower(),
                "destination": destination,
                "transfer_group": transfer_group,
            },
            idempotency_key=idempotency_key,
        )
        return transfer.id

    def reverse_transfer(self, *, transfer_id, amount, idempotency_key):
        try:
            reversal = self.client.v1.transfers.reversals.create(
                transfer_id, params={"amount": amount}, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            raise GatewayError(f"Stripe: {error.user_message or error}") from error
        return reversal.id

    def create_connected_account(self, *, email):
        account = self._call(
            self.client.v1.accounts.create,
            {"type": "express", "email": email, "capabilities": {"transfers": {"requested": True}}},
        )
        return account.id

    def create_account_link(self, *, account_id, refresh_url, return_url):
        link = self._call(
            self.client.v1.account_links.create,
            {
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return link.url

    def retrieve_checkout_session(self, session_id):
        try:
            session = self.client.v1.checkout.sessions.retrieve(session_id)
        except stripe.StripeError as error:
            raise GatewayError(f"Stripe: {error.user_message or error}") from error
        return {"status": session.status, "payment_status": session.payment_status}


class LocalGateway:
    """Test-mode gateway for the embedded run: no network, ids prefixed `local_`."""

    name = "local"

    def create_checkout_session(self, *, order_id, customer_email, lines, success_url, cancel_url):
        return CheckoutSession(
            id=f"local_cs_{order_id}",
            url=reverse("local_pay", kwargs={"order_id": order_id}),
            amount_total=sum(line.amount for line in lines),
            currency=lines[0].currency.lower(),
            livemode=False,
            payment_intent_id=self._payment_intent_id(order_id),
        )

    def _payment_intent_id(self, order_id: str) -> str:
        return f"local_pi_{uuid.UUID(order_id).hex}"

    def create_refund(self, *, payment_intent_id, amount, idempotency_key):
        return f"local_re_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:16]}"

    def create_transfer(self, *, amount, currency, destination, transfer_group, idempotency_key):
        return f"local_tr_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:16]}"

    def reverse_transfer(self, *, transfer_id, amount, idempotency_key):
        return f"local_trr_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex[:16]}"

    def create_connected_account(self, *, email):
        return f"local_acct_{uuid.uuid5(uuid.NAMESPACE_URL, email).hex[:16]}"

    def create_account_link(self, *, account_id, refresh_url, return_url):
        return return_url

    def retrieve_checkout_session(self, session_id):
        return {"status": "unknown", "payment_status": "unknown"}

    def checkout_completed_event(
        self, *, order_id: str, session_id: str, amount: int, currency: str
    ) -> dict[str, Any]:
        """The event this gateway delivers, through the webhook path, when the buyer pays:
        shaped as Stripe's, so the same checks apply to it."""
        now = int(time.time())
        return {
            "id": f"evt_local_{uuid.uuid4().hex}",
            "object": "event",
            "api_version": None,
            "created": now,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": session_id,
                    "object": "checkout.session",
                    "client_reference_id": order_id,
                    "metadata": {"order_id": order_id},
                    "mode": "payment",
                    "status": "complete",
                    "payment_status": "paid",
                    "payment_intent": self._payment_intent_id(order_id),
                    "amount_subtotal": amount,
                    "amount_total": amount,
                    "currency": currency.lower(),
                    "currency_conversion": None,
                    "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
                    "livemode": False,
                    "created": now,
                }
            },
        }


def stripe_livemode() -> bool:
    """Whether the configured key moves real money (Stripe's live keys say so in their
    prefix); the local gateway and test keys never do."""
    return settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))


def get_gateway() -> PaymentGateway:
    if settings.PAYMENTS_DISABLED:
        raise PaymentsUnavailable(
            "Payments are not available on this site at the moment, so nothing can be "
            "bought or paid out here yet."
        )
    if settings.STRIPE_SECRET_KEY:
        return StripeGateway(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or None)
    return LocalGateway()


@dataclass(frozen=True)
class VerifiedEvent:
    """A webhook whose signature checked out: the parsed event and the body as signed."""

    event: dict[str, Any]
    raw: str


def verify_webhook(payload: bytes, signature_header: str) -> VerifiedEvent:
    """Check the Stripe-Signature HMAC and timestamp (300 s tolerance).

    The event returned is our own parse of the signed bytes, not the SDK's object: the SDK
    turns decimal strings (e.g. `currency_conversion.fx_rate`) into Decimal values that
    cannot be stored as JSON, and re-serialising it would not be what Stripe sent."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise SignatureError("Webhooks are not configured (STRIPE_WEBHOOK_SECRET is unset).")
    try:
        raw = payload.decode("utf-8")
        shape = json.loads(raw)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise SignatureError(f"Malformed payload: {error}") from error
    if not isinstance(shape, dict):  # the Stripe library assumes an object and would crash
        raise SignatureError("Malformed payload: an event must be a JSON object.")
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=300)
    except stripe.SignatureVerificationError as error:
        raise SignatureError(str(error)) from error
    except ValueError as error:
        raise SignatureError(f"Malformed payload: {error}") from error
    return VerifiedEvent(event=shape, raw=raw)
