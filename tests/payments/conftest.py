import hashlib
import hmac
import json
import time

import pytest

from tests.payments.shapes import event, session_completed  # noqa: F401  (shared builders)

WEBHOOK_SECRET = "whsec_test_secret"


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix>,v1=HMAC_SHA256(secret, "<t>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post_event(client, payload: dict, **sign_kwargs):
    body = json.dumps(payload).encode()
    return client.post(
        "/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, **sign_kwargs),
    )


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.fixture
def run_tasks_inline(django_capture_on_commit_callbacks):
    """Run what a request queues on commit, Celery tasks included, before it returns.

    Use as `with run_tasks_inline(): client.post(...)`.
    """
    from contextlib import contextmanager

    from config.celery import app

    @contextmanager
    def inline():
        app.conf.task_always_eager = True
        app.conf.task_eager_propagates = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield
        finally:
            app.conf.task_always_eager = False
            app.conf.task_eager_propagates = False

    return inline


class _Recorder:
    """Stands in for one Stripe API resource: records each call, returns a canned object."""

    def __init__(self, calls: list, name: str, make):
        self.calls, self.name, self.make = calls, name, make

    def create(self, *args, params=None, options=None):
        self.calls.append((self.name, args, params, options))
        return self.make(len(self.calls))

    def retrieve(self, *args, params=None, options=None):
        self.calls.append((f"{self.name}.retrieve", args, params, options))
        return self.make(len(self.calls))


class FakeStripeClient:
    """Replaces Stripe's network only: the gateway builds real params, we assert them."""

    calls: list = []

    @staticmethod
    def session_totals(calls: list) -> dict:
        """What Stripe answers for the session just created: the total of its line items."""
        name, _, params, _ = calls[-1]
        if name != "checkout.sessions":  # a retrieve: the reconcile command reads status only
            return {}
        items = params["line_items"]
        return {
            "amount_total": sum(item["price_data"]["unit_amount"] for item in items),
            "currency": items[0]["price_data"]["currency"],
            "livemode": False,
            "payment_intent": None,
        }

    def __init__(self, api_key, base_addresses=None, max_network_retries=0):
        from types import SimpleNamespace as NS

        calls = FakeStripeClient.calls
        transfers = _Recorder(calls, "transfers", lambda n: NS(id=f"tr_{n}"))
        transfers.reversals = _Recorder(calls, "transfers.reversals", lambda n: NS(id=f"trr_{n}"))
        self.v1 = NS(
            checkout=NS(
                sessions=_Recorder(
                    calls,
                    "checkout.sessions",
                    lambda n: NS(
                        id=f"cs_test_{n}",
                        url=f"https://checkout.stripe.test/pay/cs_test_{n}",
                        status="complete",
                        payment_status="paid",
                        **self.session_totals(calls),
                    ),
                )
            ),
            refunds=_Recorder(calls, "refunds", lambda n: NS(id=f"re_{n}")),
            transfers=transfers,
            accounts=_Recorder(calls, "accounts", lambda n: NS(id=f"acct_{n}")),
            account_links=_Recorder(
                calls, "account_links", lambda n: NS(url=f"https://connect.stripe.test/{n}")
            ),
        )


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    FakeStripeClient.calls = []
    monkeypatch.setattr("payments.gateway.stripe.StripeClient", FakeStripeClient)
    return FakeStripeClient.calls
