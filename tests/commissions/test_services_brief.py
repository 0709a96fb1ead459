"""Brief commission state machine: quote/decline, escrow, delivery, revisions, auto-accept."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commissions.models import CommissionReference, CommissionStatus
from commissions.services import brief as svc
from core.errors import ApplicationError, PermissionDeniedError
from generation.models import Piece
from licensing.models import LicenceGrant
from payments.models import Order, PayoutAccount
from payments.services.payouts import transfer_earnings
from tests.commissions.factories import pay
from tests.factories import image_upload
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db


def make_brief(buyer, creator, **kwargs):
    values = {
        "brief": "A poster of a fox in a snowy forest",
        "deadline": timezone.now() + timedelta(days=5),
        "budget_amount": 5000,
    }
    values.update(kwargs)
    return svc.commission_brief_create(buyer=buyer, creator=creator, **values)


@pytest.fixture
def paid_brief(buyer, creator):
    commission = make_brief(buyer, creator)
    commission = svc.commission_brief_quote(
        commission=commission, actor=creator, quote_amount=4000, note="Three variants"
    )
    order = svc.commission_brief_order(commission=commission, buyer=buyer)
    pay(order)
    commission.refresh_from_db()
    return commission


def test_full_workflow_with_a_revision(buyer, creator, paid_brief, fake_stripe):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_c")
    commission = paid_brief
    assert commission.status == CommissionStatus.IN_PROGRESS
    order = commission.order_line.order
    assert transfer_earnings(order=order) == []  # escrow: nothing before acceptance

    first = [make_piece(creator)]
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=first)
    svc.commission_brief_request_revision(commission=commission, actor=buyer, note="More snow")
    second = [make_piece(creator), make_piece(creator)]
    commission = svc.commission_brief_deliver(commission=commission, actor=creator, pieces=second)
    assert commission.review_deadline > timezone.now()
    commission = svc.commission_brief_accept(commission=commission, actor=buyer)

    assert commission.status == CommissionStatus.COMPLETED
    grant = LicenceGrant.objects.get()
    assert grant.licensee == buyer and set(grant.pieces.all()) == set(second)
    assert [line.creator_amount for line in transfer_earnings(order=order)] == [3200]
    assert transfer_earnings(order=order) == []
    assert [e.to_status for e in commission.events.all()] == [
        "requested",
        "quoted",
        "awaiting_payment",
        "in_progress",
        "delivered",
        "revision_requested",
        "delivered",
        "completed",
    ]
    with pytest.raises(ApplicationError, match="completed"):
        svc.commission_brief_accept(commission=commission, actor=buyer)
    assert LicenceGrant.objects.count() == 1


def test_decline_ends_the_brief(buyer, creator):
    commission = make_brief(buyer, creator)
    commission = svc.commission_brief_decline(
        commission=commission, actor=creator, reason="Fully booked"
    )
    assert commission.status == CommissionStatus.DECLINED
    with pytest.raises(ApplicationError, match="declined"):
        svc.commission_brief_order(commission=commission, buyer=buyer)
    assert not Order.objects.exists()


def test_revisions_are_bounded(buyer, creator, paid_brief):
    commission = paid_brief
    for _ in range(commission.max_revisions):
        svc.commission_brief_deliver(
            commission=commission, actor=creator, pieces=[make_piece(creator)]
        )
        svc.commission_brief_request_revision(commission=commission, actor=buyer, note="x")
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=[make_piece(creator)])
    with pytest.raises(ApplicationError, match="revisions were used"):
        svc.commission_brief_request_revision(commission=commission, actor=buyer, note="x")


def test_unanswered_delivery_is_accepted_after_the_deadline(buyer, creator, paid_brief):
    commission = svc.commission_brief_deliver(
        commission=paid_brief, actor=creator, pieces=[make_piece(creator)]
    )
    assert svc.briefs_auto_accept() == 0
    later = commission.review_deadline + timedelta(seconds=1)

    assert svc.briefs_auto_accept(now=later) == 1
    assert svc.briefs_auto_accept(now=later) == 0
    commission.refresh_from_db()
    assert commission.status == "completed" and LicenceGrant.objects.count() == 1
    assert commission.events.last().source == "sweeper"


def test_past_deadline_is_refused(buyer, creator):
    with pytest.raises(ApplicationError, match="future"):
        make_brief(buyer, creator, deadline=timezone.now() - timedelta(minutes=1))


def test_brief_to_oneself_is_refused(creator):
    with pytest.raises(ApplicationError, match="yourself"):
        make_brief(creator, creator)


def test_malicious_reference_is_refused_and_nothing_is_written(buyer, creator):
    fake = SimpleUploadedFile("cat.png", b"<?php system($_GET['c']); ?>", "image/png")

    with pytest.raises(ApplicationError, match="cat.png"):
        make_brief(buyer, creator, references=[image_upload(), fake])
    assert not CommissionReference.objects.exists()


def test_good_references_are_re_encoded(buyer, creator):
    commission = make_brief(buyer, creator, references=[image_upload(fmt="JPEG", name="a.jpg")])
    ref = commission.references.get()
    assert (ref.width, ref.height) == (64, 48) and ref.image.name.endswith(".png")


def test_wrong_person_and_wrong_state_are_refused(buyer, creator, paid_brief):
    with pytest.raises(PermissionDeniedError):
        svc.commission_brief_accept(commission=paid_brief, actor=creator)
    with pytest.raises(ApplicationError, match="in progress"):
        svc.commission_brief_accept(commission=paid_brief, actor=buyer)
    with pytest.raises(ApplicationError, match="in progress"):
        svc.commission_brief_quote(commission=paid_brief, actor=creator, quote_amount=100)


def test_creator_delivers_only_own_pieces(buyer, creator, paid_brief):
    someone_elses = make_piece(buyer)
    with pytest.raises(ApplicationError, match="you generated"):
        svc.commission_brief_deliver(commission=paid_brief, actor=creator, pieces=[someone_elses])
    assert not Piece.objects.filter(commission_deliveries=paid_brief).exists()


def test_sweep_command_auto_accepts(buyer, creator, paid_brief, capsys):
    from django.core.management import call_command

    commission = svc.commission_brief_deliver(
        commission=paid_brief, actor=creator, pieces=[make_piece(creator)]
    )
    type(commission).objects.filter(pk=commission.pk).update(
        review_deadline=timezone.now() - timedelta(minutes=1)
    )
    call_command("commissions_sweep")
    assert "auto-accepted 1" in capsys.readouterr().out
