import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from licensing.models import LicenceGrant
from payments.models import Order, OrderStatus, PayoutAccount
from tests.factories import TOTP_SECRET, UserFactory, totp_code
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(creator):
    return make_listing(creator, publish=True, price_amount=2500)


def start(client, listing, tier="standard"):
    return client.post(reverse("checkout_start", kwargs={"listing_id": listing.pk}), {"tier": tier})


def test_local_gateway_checkout_grants_only_after_the_payment_event(
    client, buyer, listing, run_tasks_inline
):
    client.force_login(buyer)

    response = start(client, listing)

    order = Order.objects.get()
    assert response.url == reverse("local_pay", kwargs={"order_id": order.pk})
    assert order.status == OrderStatus.PENDING and order.gateway == "local"
    assert not LicenceGrant.objects.exists()
    page = client.get(reverse("order_detail", kwargs={"order_id": order.pk})).content.decode()
    assert "Processing your payment" in page and "Report a problem" not in page

    with run_tasks_inline():
        client.post(response.url, {"outcome": "pay"})

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    line = order.lines.get()
    assert (line.amount, line.platform_fee_amount, line.creator_amount) == (2500, 500, 2000)
    grant = LicenceGrant.objects.get()
    assert grant.licensee == buyer and grant.order_line == line
    page = client.get(reverse("order_detail", kwargs={"order_id": order.pk})).content.decode()
    assert "Certificate (PDF)" in page
    # The live status fragment the pending page polls carries the report link too.
    fragment = client.get(
        reverse("order_detail", kwargs={"order_id": order.pk}), headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment and "Certificate (PDF)" in fragment
    assert f"Report a problem with “{line.description}”" in fragment
    library = client.get(reverse("licensing:library")).content.decode()
    assert listing.title in library and grant.get_certificate_pdf_url() in library
    assert reverse("piece_original", kwargs={"piece_id": grant.piece_id}) in library


def test_declined_test_payment_grants_nothing(client, buyer, listing):
    client.force_login(buyer)
    response = start(client, listing)

    client.post(response.url, {"outcome": "fail"})

    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert not LicenceGrant.objects.exists()


def test_stripe_checkout_session_is_created_with_exact_arguments(
    client, buyer, listing, fake_stripe
):
    client.force_login(buyer)

    response = start(client, listing)

    order = Order.objects.get()
    assert response.url == "https://checkout.stripe.test/pay/cs_test_1"
    assert order.checkout_session_id == "cs_test_1" and order.gateway == "stripe"
    opened = (order.session_amount_total, order.session_currency, order.session_livemode)
    assert opened == (2500, "USD", False) and order.payment_intent_id == ""
    [(name, args, params, options)] = fake_stripe
    assert name == "checkout.sessions" and options == {"idempotency_key": f"checkout-{order.pk}"}
    assert params["metadata"] == {"order_id": str(order.pk)}
    assert params["client_reference_id"] == str(order.pk)
    assert params["customer_email"] == buyer.email
    assert params["payment_intent_data"]["transfer_group"] == f"order-{order.pk}"
    assert params["line_items"] == [
        {
            "quantity": 1,
            "price_data": {
                "currency": "usd",
                "unit_amount": 2500,
                "product_data": {"name": order.lines.get().description},
            },
        }
    ]
    assert params["success_url"].endswith(reverse("order_detail", kwargs={"order_id": order.pk}))


def test_provider_outage_cancels_the_order_and_says_so(client, buyer, listing, fake_stripe):
    import stripe

    def boom(*args, **kwargs):
        raise stripe.APIConnectionError("network down")

    from tests.payments.conftest import FakeStripeClient

    original = FakeStripeClient.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.v1.checkout.sessions.create = boom

    FakeStripeClient.__init__ = init
    try:
        client.force_login(buyer)
        response = client.post(
            reverse("checkout_start", kwargs={"listing_id": listing.pk}),
            {"tier": "standard"},
            follow=True,
        )
    finally:
        FakeStripeClient.__init__ = original

    assert "nothing was charged" in response.content.decode()
    assert Order.objects.get().status == OrderStatus.CANCELLED


def test_creator_cannot_buy_own_listing_and_unknown_tier_is_refused(client, creator, listing):
    client.force_login(creator)

    own = client.post(
        reverse("checkout_start", kwargs={"listing_id": listing.pk}),
        {"tier": "standard"},
        follow=True,
    )
    assert own.status_code == 200 and not Order.objects.exists()

    client.force_login(UserFactory())
    bogus = client.post(
        reverse("checkout_start", kwargs={"listing_id": listing.pk}), {"tier": "platinum"}
    )
    assert bogus.status_code == 302 and not Order.objects.exists()


def test_orders_are_private(client, buyer, listing):
    client.force_login(buyer)
    start(client, listing)
    order = Order.objects.get()

    client.force_login(UserFactory())

    assert client.get(reverse("order_detail", kwargs={"order_id": order.pk})).status_code == 404
    assert client.get(reverse("local_pay", kwargs={"order_id": order.pk})).status_code == 404


def test_payout_onboarding_creates_one_connected_account(client, creator, fake_stripe):
    TOTP.activate(creator, TOTP_SECRET)
    client.force_login(creator)
    page = client.get(reverse("payouts")).content.decode()
    assert "Set up payouts" in page and "Owed to you" in page
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})  # payout changes need it

    first = client.post(reverse("payouts"))
    second = client.post(reverse("payouts"))

    assert first.url.startswith("https://connect.stripe.test/")
    assert second.status_code == 302
    account = PayoutAccount.objects.get(creator=creator)
    assert account.stripe_account_id == "acct_1"
    [created] = account.events.all()
    assert (created.from_status, created.to_status, created.actor) == ("", "onboarding", creator)
    assert created.message == "Connected account acct_1 created for onboarding."
    names = [call[0] for call in fake_stripe]
    assert names == ["accounts", "account_links", "account_links"]
    assert fake_stripe[0][2]["email"] == creator.email


def test_checkout_starts_are_limited_per_buyer_with_a_429_page(
    client, buyer, listing, settings, fake_stripe
):
    settings.CHECKOUT_RATE_LIMIT_PER_MINUTE = 2
    client.force_login(buyer)

    allowed = [start(client, listing) for _ in range(2)]
    refused = start(client, listing)

    assert [r.status_code for r in allowed] == [302, 302]
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    page = refused.content.decode()
    assert "Too many requests" in page and "too many checkouts in a minute" in page
    assert Order.objects.count() == 2 and len(fake_stripe) == 2  # refused before either
    client.force_login(UserFactory())
    assert start(client, listing).status_code == 302  # another buyer has their own window


def test_credit_top_ups_share_the_checkout_limit(client, buyer, listing, settings):
    settings.CHECKOUT_RATE_LIMIT_PER_MINUTE = 1
    client.force_login(buyer)
    assert start(client, listing).status_code == 302

    refused = client.post(reverse("credit"), {"amount": "20.00"})

    assert refused.status_code == 429 and Order.objects.count() == 1


def test_with_payments_disabled_checkout_says_so_and_writes_nothing(
    client, buyer, listing, settings, fake_stripe
):
    settings.PAYMENTS_DISABLED = True  # wins over a configured key: no gateway at all
    client.force_login(buyer)
    pending = make_order(buyer=buyer, listing=listing)

    answers = [
        start(client, listing),
        client.post(reverse("credit"), {"amount": "20.00"}),
        client.get(reverse("local_pay", kwargs={"order_id": pending.pk})),
    ]

    for answer in answers:
        assert answer.status_code == 503
        page = answer.content.decode()
        assert "Payments are not available on this site at the moment" in page
        assert 'role="alert"' in page
    assert list(Order.objects.all()) == [pending] and fake_stripe == []
    assert pending.events.count() == 0 and not LicenceGrant.objects.exists()
