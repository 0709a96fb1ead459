import pytest

from core.errors import ApplicationError, PermissionDeniedError
from licensing.models import LicenceGrant
from payments.models import OrderStatus, PayoutAccount, RefundRequest
from payments.services.payouts import transfer_earnings
from payments.services.refunds import (
    refund_issue,
    refund_request_create,
    refund_request_decide,
)
from payments.services.webhooks import webhook_process, webhook_receive
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(buyer, creator, fake_stripe):
    listing = make_listing(creator, publish=True)
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_creator")
    return pay(make_order(buyer=buyer, listing=listing, amount=2000))


def test_transfer_sends_the_creator_share_once(paid_order, fake_stripe):
    transfer_earnings(order=paid_order)
    transfer_earnings(order=paid_order)

    transfers = [call for call in fake_stripe if call[0] == "transfers"]
    assert len(transfers) == 1
    _, _, params, options = transfers[0]
    assert params == {
        "amount": 1600,
        "currency": "usd",
        "destination": "acct_creator",
        "transfer_group": f"order-{paid_order.pk}",
    }
    line = paid_order.lines.get()
    assert options == {"idempotency_key": f"transfer-line-{line.pk}"}
    line.refresh_from_db()
    assert line.transfer_id == "tr_1"


def test_refund_reverses_the_transfer_and_revokes_the_licence(paid_order, fake_stripe, moderator):
    transfer_earnings(order=paid_order)
    line = paid_order.lines.get()

    refund_issue(line=line, reason="Wrong file", actor=moderator)
    refund_issue(line=line, reason="Wrong file", actor=moderator)

    refunds = [call for call in fake_stripe if call[0] == "refunds"]
    reversals = [call for call in fake_stripe if call[0] == "transfers.reversals"]
    assert refunds == [
        (
            "refunds",
            (),
            {"payment_intent": paid_order.payment_intent_id, "amount": 2000},
            {"idempotency_key": f"refund-line-{line.pk}"},
        )
    ]
    assert reversals == [
        (
            "transfers.reversals",
            ("tr_1",),
            {"amount": 1600},
            {"idempotency_key": f"reverse-line-{line.pk}"},
        )
    ]
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.REFUNDED and paid_order.refunded_amount == 2000
    grant = LicenceGrant.objects.get()
    assert grant.status == "refunded"
    assert [e.to_status for e in paid_order.events.all()] == ["paid", "refunded"]


def test_provider_refund_event_after_our_refund_changes_nothing(paid_order, fake_stripe):
    from tests.payments.shapes import charge, event

    refund_issue(line=paid_order.lines.get(), reason="x")
    stored = webhook_receive(
        event=event("charge.refunded", charge(paid_order, amount_refunded=2000))
    )
    webhook_process(webhook_event_id=stored.pk)

    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 2000
    assert paid_order.events.count() == 2


def test_refund_request_is_decided_by_the_creator_or_a_moderator(
    paid_order, buyer, creator, fake_stripe
):
    line = paid_order.lines.get()
    with pytest.raises(PermissionDeniedError):
        refund_request_create(line=line, buyer=UserFactory(), reason="mine now")
    with pytest.raises(ApplicationError, match="why"):
        refund_request_create(line=line, buyer=buyer, reason="  ")

    request = refund_request_create(line=line, buyer=buyer, reason="Not as described")
    with pytest.raises(ApplicationError, match="already asked"):
        refund_request_create(line=line, buyer=buyer, reason="again")
    with pytest.raises(PermissionDeniedError):
        refund_request_decide(request=request, actor=UserFactory(), approve=True)
    assert not [c for c in fake_stripe if c[0] == "refunds"]

    refund_request_decide(request=request, actor=creator, approve=True, note="Fair")

    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == creator
    assert LicenceGrant.objects.get().status == "refunded"
    with pytest.raises(ApplicationError, match="already decided"):
        refund_request_decide(request=request, actor=creator, approve=False)


def test_rejected_request_refunds_nothing(paid_order, buyer, moderator, fake_stripe):
    request = refund_request_create(line=paid_order.lines.get(), buyer=buyer, reason="meh")

    refund_request_decide(request=request, actor=moderator, approve=False)

    assert RefundRequest.objects.get().status == "rejected"
    assert LicenceGrant.objects.get().status == "active"
    assert not [c for c in fake_stripe if c[0] == "refunds"]


def test_losing_an_exclusive_race_after_paying_is_refunded_automatically(
    creator, fake_stripe, run_tasks_inline
):
    from licensing.services.grants import licence_offers_set

    listing = make_listing(creator, publish=True)
    licence_offers_set(listing=listing, actor=creator, offers={"exclusive": 90000})
    winner, loser = UserFactory(), UserFactory()
    first = make_order(buyer=winner, listing=listing, tier_code="exclusive", amount=90000)
    second = make_order(buyer=loser, listing=listing, tier_code="exclusive", amount=90000)

    with run_tasks_inline():
        pay(first)
        pay(second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OrderStatus.PAID
    assert second.status == OrderStatus.REFUNDED and second.refunded_amount == 90000
    assert LicenceGrant.objects.filter(status="active").get().licensee == winner
    assert [c[2]["amount"] for c in fake_stripe if c[0] == "refunds"] == [90000]
    listing.refresh_from_db()
    assert listing.status == "sold_exclusive"


def test_licensees_download_the_original_until_their_licence_is_refunded(
    client, paid_order, buyer, fake_stripe
):
    from django.urls import reverse

    piece = paid_order.lines.get().listing.pieces.first()
    url = reverse("piece_original", kwargs={"piece_id": piece.pk})
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404

    client.force_login(buyer)
    assert client.get(url).status_code in (200, 302)

    refund_issue(line=paid_order.lines.get(), reason="changed my mind")
    assert client.get(url).status_code == 404
