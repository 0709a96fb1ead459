"""Dispute workflow and remedies through the real services (DB, ledger, payments gateway)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from disputes.models import Dispute, DisputeMessage
from disputes.services.decisions import dispute_appeal, dispute_close, dispute_decide
from disputes.services.filing import (
    dispute_assign,
    dispute_file,
    dispute_message_post,
    dispute_request_response,
    dispute_send_reminders,
)
from disputes.services.remedies import (
    remedy_dismiss,
    remedy_grants_revoke,
    remedy_listing_suspend,
    remedy_refund,
    remedy_rights_transfer,
    remedy_user_suspend,
    remedy_user_warn,
)
from licensing.models import GrantStatus, LicenceGrant
from marketplace.models import AccountEvent, ListingStatus
from payments.models import OrderStatus
from provenance.models import LedgerEntry, ProvenanceRecord
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments import conftest as payments_fixtures
from tests.payments.factories import make_order, pay

pytestmark = pytest.mark.django_db

fake_stripe = payments_fixtures.fake_stripe  # the payments fixture, shared

STATEMENT = "This is my original painting; I published it in 2024 on my own site."


@pytest.fixture
def sold(creator, buyer, fake_stripe):
    """A published listing with one paid order (an active licence)."""
    listing = make_listing(creator, publish=True)
    order = pay(make_order(buyer=buyer, listing=listing, amount=2000))
    assert order.status == OrderStatus.PAID
    return listing, order


@pytest.fixture
def claimant(db):
    return UserFactory(creator=True, display_name="Original Artist")


def file_infringement(claimant, listing):
    return dispute_file(
        claimant=claimant, kind="infringement", statement=STATEMENT, listing=listing
    )


def actions(dispute):
    return list(dispute.events.values_list("action", flat=True))


def test_infringement_upheld_suspends_revokes_refunds_and_transfers(
    sold,
    claimant,
    creator,
    buyer,
    moderator,
    fake_stripe,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    listing, order = sold
    piece = listing.pieces.get()
    dispute = file_infringement(claimant, listing)
    assert (dispute.status, dispute.respondent, dispute.claimant) == ("open", creator, claimant)
    filed = LedgerEntry.objects.filter(piece=piece, kind="disputed").get()
    assert filed.data == {"dispute": str(dispute.pk), "event": "filed", "kind": "infringement"}

    dispute_assign(dispute=dispute, actor=moderator)
    remedy_listing_suspend(dispute=dispute, actor=moderator, note="Pending review")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED

    dispute = dispute_request_response(dispute=dispute, actor=moderator)
    assert dispute.status == "awaiting_response"
    days = (dispute.respondent_deadline - timezone.now()).days
    assert days in (6, 7)
    dispute_message_post(dispute=dispute, author=creator, body="I made it with a prompt.")
    dispute.refresh_from_db()
    assert dispute.status == "under_review"

    dispute = dispute_decide(
        dispute=dispute, actor=moderator, outcome="upheld", decision="The claimant's work."
    )
    with django_capture_on_commit_callbacks(execute=True):
        refunded = remedy_refund(dispute=dispute, actor=moderator, note="Infringing listing")
    moved = remedy_rights_transfer(dispute=dispute, actor=moderator)
    dispute = dispute_close(dispute=dispute, actor=moderator)

    assert len(refunded) == 1
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 2000)
    assert [c[0] for c in fake_stripe if c[0] == "refunds"] == ["refunds"]
    grant = LicenceGrant.objects.get()
    assert grant.status == GrantStatus.REFUNDED
    record = ProvenanceRecord.objects.get(piece=piece)
    assert [m.pk for m in moved] == [piece.pk] and record.rights_holder == claimant
    kinds = list(
        LedgerEntry.objects.filter(piece=piece).order_by("seq").values_list("kind", flat=True)
    )
    assert kinds == [
        "created", "listed", "licensed", "disputed", "disputed", "disputed", "revoked",
        "transferred",
    ]  # fmt: skip
    transfer = LedgerEntry.objects.get(piece=piece, kind="transferred")
    assert transfer.data == {"dispute": str(dispute.pk), "from": creator.pk, "to": claimant.pk}
    assert actions(dispute) == [
        "filed", "assigned", "listing_suspended", "response_requested", "message", "responded",
        "decided", "refunded", "ownership_transferred", "closed",
    ]  # fmt: skip
    assert dispute.status == "closed" and dispute.outcome == "upheld"
    claimant_notes = Notification.objects.filter(user=claimant).values_list("subject", flat=True)
    assert "Dispute decided: Upheld" in claimant_notes
    assert any(buyer.email in m.to for m in mailoutbox if "refunded" in m.subject)


def test_rejected_dispute_changes_nothing(sold, claimant, moderator, fake_stripe):
    listing, order = sold
    piece = listing.pieces.get()
    dispute = file_infringement(claimant, listing)
    dispute = remedy_dismiss(dispute=dispute, actor=moderator, note="No evidence of copying.")

    assert (dispute.status, dispute.outcome) == ("closed", "rejected")
    listing.refresh_from_db()
    order.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert order.status == OrderStatus.PAID
    assert LicenceGrant.objects.get().status == GrantStatus.ACTIVE
    assert ProvenanceRecord.objects.get(piece=piece).rights_holder is None
    assert not [c for c in fake_stripe if c[0] == "refunds"]
    assert not LedgerEntry.objects.filter(piece=piece, kind__in=["revoked", "transferred"])


def test_licence_breach_against_a_grant_revokes_only_that_licence(sold, creator, buyer, moderator):
    listing, _ = sold
    grant = LicenceGrant.objects.get()
    dispute = dispute_file(
        claimant=creator, kind="licence_breach", statement=STATEMENT, grant=grant
    )
    assert dispute.respondent == buyer and dispute.listing == listing
    dispute_decide(dispute=dispute, actor=moderator, outcome="upheld", decision="Resold prints.")
    revoked = remedy_grants_revoke(dispute=dispute, actor=moderator, note="Breach")
    assert [g.pk for g in revoked] == [grant.pk]
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


def test_appeal_once_then_final(sold, claimant, creator, moderator):
    listing, _ = sold
    dispute = file_infringement(claimant, listing)
    dispute_decide(dispute=dispute, actor=moderator, outcome="rejected", decision="Not proven.")
    dispute = dispute_appeal(dispute=dispute, actor=claimant, reason="See my dated sketches.")
    assert dispute.status == "appealed"
    dispute = dispute_decide(
        dispute=dispute, actor=moderator, outcome="partially_upheld", decision="Partly."
    )
    assert dispute.status == "decided" and not dispute.can_appeal
    with pytest.raises(ApplicationError, match="already appealed once"):
        dispute_appeal(dispute=dispute, actor=creator, reason="Unfair.")


def test_warn_and_suspend_user_write_account_events(sold, claimant, creator, moderator):
    listing, _ = sold
    dispute = file_infringement(claimant, listing)
    remedy_user_warn(dispute=dispute, actor=moderator, user_id=creator.pk, note="Last warning.")
    remedy_user_suspend(dispute=dispute, actor=moderator, user_id=creator.pk, note="Repeat.")
    creator.refresh_from_db()
    assert creator.is_active is False
    kinds = set(AccountEvent.objects.filter(user=creator).values_list("kind", flat=True))
    assert {"warned", "suspended"} <= kinds
    with pytest.raises(ApplicationError, match="one of the parties"):
        remedy_user_warn(dispute=dispute, actor=moderator, user_id=moderator.pk, note="x")


# --- bad input ------------------------------------------------------------------------------


def test_cannot_dispute_own_listing(sold, creator):
    listing, _ = sold
    with pytest.raises(ApplicationError, match="your own listing"):
        file_infringement(creator, listing)
    assert not Dispute.objects.exists()


def test_duplicate_open_dispute_is_refused(sold, claimant):
    listing, _ = sold
    file_infringement(claimant, listing)
    with pytest.raises(ApplicationError, match="already have an open dispute") as caught:
        dispute_file(claimant=claimant, kind="other", statement=STATEMENT, listing=listing)
    assert caught.value.code == "duplicate"
    assert Dispute.objects.count() == 1


def test_a_closed_dispute_allows_a_new_one(sold, claimant, moderator):
    listing, _ = sold
    remedy_dismiss(dispute=file_infringement(claimant, listing), actor=moderator, note="No.")
    assert file_infringement(claimant, listing).status == "open"


@pytest.mark.parametrize(
    ("kind", "statement", "message"),
    [
        ("infringement", "too short", "at least 20 characters"),
        ("nonsense", STATEMENT, "what kind of problem"),
        ("licence_breach", STATEMENT, "filed against the licence"),
        ("non_delivery", STATEMENT, "Only a buyer"),
    ],
)
def test_filing_rules(sold, claimant, kind, statement, message):
    listing, _ = sold
    with pytest.raises(ApplicationError, match=message):
        dispute_file(claimant=claimant, kind=kind, statement=statement, listing=listing)
    assert not Dispute.objects.exists()


def test_draft_listing_cannot_be_disputed_by_strangers(creator, claimant):
    listing = make_listing(creator)
    with pytest.raises(ApplicationError, match="not available"):
        file_infringement(claimant, listing)


def test_closed_case_refuses_everything(sold, claimant, creator, moderator):
    listing, _ = sold
    dispute = remedy_dismiss(
        dispute=file_infringement(claimant, listing), actor=moderator, note="No"
    )
    attempts = [
        lambda: dispute_message_post(dispute=dispute, author=claimant, body="Hello?"),
        lambda: dispute_decide(dispute=dispute, actor=moderator, outcome="upheld", decision="x"),
        lambda: dispute_appeal(dispute=dispute, actor=claimant, reason="x"),
        lambda: remedy_listing_suspend(dispute=dispute, actor=moderator, note="x"),
        lambda: dispute_assign(dispute=dispute, actor=moderator),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError, match="closed"):
            attempt()
    assert DisputeMessage.objects.count() == 0
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


def test_wrong_transitions_and_roles(sold, claimant, creator, moderator, buyer):
    listing, _ = sold
    dispute = file_infringement(claimant, listing)
    with pytest.raises(ApplicationError, match="cannot be closed"):
        dispute_close(dispute=dispute, actor=moderator)
    with pytest.raises(ApplicationError, match="cannot be appealed"):
        dispute_appeal(dispute=dispute, actor=claimant, reason="Too early")
    with pytest.raises(ApplicationError, match="Uphold the claim"):
        remedy_rights_transfer(dispute=dispute, actor=moderator)
    with pytest.raises(PermissionDeniedError):
        dispute_decide(dispute=dispute, actor=claimant, outcome="upheld", decision="Mine!")
    with pytest.raises(PermissionDeniedError):
        remedy_listing_suspend(dispute=dispute, actor=creator)
    with pytest.raises(PermissionDeniedError):
        dispute_message_post(dispute=dispute, author=buyer, body="Me too")
    with pytest.raises(PermissionDeniedError):
        dispute_message_post(dispute=dispute, author=claimant, body="psst", internal=True)
    with pytest.raises(ApplicationError, match="Choose an outcome"):
        dispute_decide(dispute=dispute, actor=moderator, outcome="maybe", decision="x")
    dispute.refresh_from_db()
    assert dispute.status == "open"


def test_reminders_once_near_the_deadline(sold, claimant, creator, moderator, mailoutbox):
    listing, _ = sold
    dispute = file_infringement(claimant, listing)
    dispute_request_response(dispute=dispute, actor=moderator, days=1)
    later = timezone.now() + timedelta(hours=1)
    assert dispute_send_reminders(now=later) == 1
    assert dispute_send_reminders(now=later) == 0
    assert Notification.objects.filter(user=creator, subject__startswith="Reminder").count() == 1
