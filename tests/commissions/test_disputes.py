"""Brief → dispute: the buyer disputes a delivery, auto-accept pauses while the case is
active, and a moderator's refund returns the escrowed money exactly once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commissions.models import CommissionStatus
from commissions.services import brief as svc
from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from disputes.models import Dispute, DisputeKind
from disputes.services.decisions import dispute_decide
from disputes.services.filing import dispute_file
from disputes.services.remedies import remedy_listing_suspend, remedy_refund
from licensing.models import LicenceGrant
from payments.models import OrderLine, PayoutAccount
from payments.services.payouts import transfer_earnings
from tests.commissions.factories import pay
from tests.commissions.test_services_brief import make_brief
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db
STATEMENT = "The delivered file is a blank grey square, not the fox poster I asked for."


@pytest.fixture
def delivered(buyer, creator):
    commission = make_brief(buyer, creator)
    svc.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(svc.commission_brief_order(commission=commission, buyer=buyer))
    return svc.commission_brief_deliver(
        commission=commission, actor=creator, pieces=[make_piece(creator)]
    )


def file(commission, buyer, kind=DisputeKind.NON_DELIVERY):
    return dispute_file(claimant=buyer, kind=kind, statement=STATEMENT, commission=commission)


def test_dispute_links_the_commission_and_pauses_auto_accept(buyer, creator, delivered):
    dispute = file(delivered, buyer)
    later = delivered.review_deadline + timedelta(seconds=1)

    assert (dispute.commission, dispute.listing, dispute.respondent) == (delivered, None, creator)
    assert dispute.target_key == f"commission:{delivered.pk}"
    assert svc.briefs_auto_accept(now=later) == 0  # paused while the case is active
    delivered.refresh_from_db()
    assert delivered.status == CommissionStatus.DELIVERED
    assert not LicenceGrant.objects.exists()
    assert Notification.objects.filter(
        user=creator, ref=f"dispute:{dispute.pk}", subject__contains="a brief commission for"
    ).exists()


def test_auto_accept_resumes_once_the_case_is_decided_without_a_refund(
    buyer, creator, moderator, delivered
):
    dispute = file(delivered, buyer)
    later = delivered.review_deadline + timedelta(seconds=1)
    dispute_decide(dispute=dispute, actor=moderator, outcome="rejected", decision="Looks fine.")

    assert svc.briefs_auto_accept(now=later) == 1
    delivered.refresh_from_db()
    assert delivered.status == CommissionStatus.COMPLETED
    assert LicenceGrant.objects.get().licensee == buyer


def test_without_a_dispute_the_deadline_still_auto_accepts(buyer, creator, delivered):
    other = make_brief(buyer, creator)
    assert svc.briefs_auto_accept(now=delivered.review_deadline + timedelta(seconds=1)) == 1
    other.refresh_from_db()
    assert other.status == CommissionStatus.REQUESTED


@pytest.mark.parametrize(
    ("who", "kind", "error", "message"),
    [
        ("creator", DisputeKind.NON_DELIVERY, PermissionDeniedError, "Only the buyer"),
        ("buyer", DisputeKind.INFRINGEMENT, ApplicationError, "non-delivery or a wrong file"),
    ],
)
def test_wrong_party_or_kind_is_refused(buyer, creator, delivered, who, kind, error, message):
    claimant = buyer if who == "buyer" else creator
    with pytest.raises(error, match=message):
        file(delivered, claimant, kind=kind)
    assert not Dispute.objects.exists()


def test_undelivered_brief_in_time_cannot_be_disputed_but_an_overdue_one_can(buyer, creator):
    commission = make_brief(buyer, creator)
    with pytest.raises(ApplicationError, match="brief sent"):
        file(commission, buyer)
    svc.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(svc.commission_brief_order(commission=commission, buyer=buyer))
    with pytest.raises(ApplicationError, match="in progress"):
        file(commission, buyer)
    assert not Dispute.objects.exists()

    type(commission).objects.filter(pk=commission.pk).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    commission.refresh_from_db()
    assert file(commission, buyer).commission == commission


def test_second_active_dispute_is_refused(buyer, delivered):
    file(delivered, buyer)
    with pytest.raises(ApplicationError, match="already have an open dispute"):
        file(delivered, buyer)
    assert Dispute.objects.count() == 1


def test_refund_remedy_returns_the_escrow_once_and_ends_the_commission(
    buyer, creator, moderator, delivered, fake_stripe
):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_c")
    dispute = file(delivered, buyer)

    (line,) = remedy_refund(dispute=dispute, actor=moderator, note="Wrong file delivered")
    with pytest.raises(ApplicationError, match="no paid purchase to refund"):
        remedy_refund(dispute=dispute, actor=moderator)

    line = OrderLine.objects.select_related("order").get(pk=line.pk)
    delivered.refresh_from_db()
    assert line.refunded_at is not None and line.order.status == "refunded"
    assert delivered.status == CommissionStatus.REFUNDED and delivered.review_deadline is None
    assert [c[0] for c in fake_stripe] == ["refunds"]  # one refund, no transfer to reverse
    assert fake_stripe[0][2]["amount"] == 4000
    # Nothing later pays the creator or grants the licence.
    assert svc.briefs_auto_accept(now=timezone.now() + timedelta(days=30)) == 0
    with pytest.raises(ApplicationError, match="refunded"):
        svc.commission_brief_accept(commission=delivered, actor=buyer)
    assert transfer_earnings(order=line.order) == []
    assert not LicenceGrant.objects.exists()
    assert Notification.objects.filter(user=creator, subject__startswith="Commission refunded")
    assert dispute.events.filter(action="refunded").count() == 1


def test_refund_after_acceptance_reverses_the_creator_transfer_once(
    buyer, creator, moderator, delivered, fake_stripe
):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_c")
    dispute = file(delivered, buyer)
    svc.commission_brief_accept(commission=delivered, actor=buyer)
    line = OrderLine.objects.get(pk=delivered.order_line_id)
    transfer_earnings(order=line.order)

    remedy_refund(dispute=dispute, actor=moderator, note="Upheld")
    with pytest.raises(ApplicationError, match="no paid purchase"):
        remedy_refund(dispute=dispute, actor=moderator)

    assert [c[0] for c in fake_stripe] == ["transfers", "refunds", "transfers.reversals"]
    delivered.refresh_from_db()
    assert delivered.status == CommissionStatus.REFUNDED
    assert LicenceGrant.objects.get().status == "refunded"


def test_listing_remedies_refuse_a_commission_case(buyer, moderator, delivered):
    dispute = file(delivered, buyer)
    with pytest.raises(ApplicationError, match="about a commission"):
        remedy_listing_suspend(dispute=dispute, actor=moderator)


def test_buyer_files_from_the_commission_page_and_moderator_sees_it(
    client, buyer, creator, moderator, delivered
):
    page = reverse("commissions:detail", kwargs={"commission_id": delivered.pk})
    new = reverse("disputes:dispute_new") + f"?commission={delivered.pk}"
    client.force_login(buyer)
    assert new.replace("&", "&amp;") in client.get(page).content.decode()

    response = client.post(new, {"kind": "non_delivery", "statement": STATEMENT})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == dispute.get_absolute_url()
    html = client.get(page).content.decode()
    assert dispute.get_absolute_url() in html and "automatic acceptance is paused" in html
    assert new not in html  # no second dispute offered

    client.force_login(creator)  # the creator cannot file about the buyer's commission
    assert client.get(new).status_code == 404

    client.force_login(moderator)
    case = reverse("disputes:moderation_case", kwargs={"dispute_id": dispute.pk})
    html = client.get(case).content.decode()
    assert 'id="case-commission"' in html and "A poster of a fox in a snowy forest" in html
    assert "Refund the commission" in html and "Suspend listing" not in html
    queue = client.get(reverse("disputes:moderation_queue")).content.decode()
    assert f"a brief commission for {creator.public_name}" in queue

    response = client.post(
        reverse("disputes:moderation_action", kwargs={"dispute_id": dispute.pk}),
        {"action": "refund", "note": "Wrong file"},
    )
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.status == CommissionStatus.REFUNDED
