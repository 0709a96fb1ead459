"""Notices (DSA Art. 16) and statements of reasons (Art. 17) through the real services:
who may report, email confirmation, the moderator's decision on each kind of target, and the
statement every restriction writes and sends."""

import pytest
from django.core import mail, signing

from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from disputes.models import Notice, NoticeEvent, NoticeStatus, StatementOfReasons
from disputes.selectors.notices import notice_queue
from disputes.services.complaints import complaint_lodge
from disputes.services.filing import dispute_file
from disputes.services.notices import notice_confirm
from disputes.services.privacy import disputes_export_data, disputes_forget_addresses
from disputes.services.remedies import remedy_listing_suspend, remedy_user_suspend
from disputes.services.tokens import complaint_path
from generation.models import StyleEvent, StyleStatus
from marketplace.models import AccountEvent, ListingStatus
from marketplace.services.privacy import account_delete
from provenance.models import LedgerEntry
from tests.commissions.factories import make_style
from tests.disputes.notice_helpers import CLAUSE, FACTS, decide, links_in_mail, report
from tests.factories import PASSWORD
from tests.marketplace.factories import make_listing, make_piece

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_auto_warning(settings):
    """Misuse thresholds out of the way unless a test sets them (see test_services_misuse)."""
    settings.MISUSE_WARN_AFTER = 100
    settings.MISUSE_SUSPEND_AFTER = 100


def test_a_signed_in_report_goes_straight_to_the_queue(buyer, listing):
    notice = report(buyer, listing)

    assert notice.status == NoticeStatus.OPEN and notice.confirmed_at is not None
    assert (notice.reporter, notice.reporter_email, notice.target_user) == (
        buyer,
        buyer.email,
        listing.creator,
    )
    assert list(notice_queue()) == [notice]
    event = notice.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "open", buyer)
    assert mail.outbox == []


def test_an_anonymous_report_waits_for_its_mailed_confirmation(listing):
    notice = report(None, listing, email="Someone@Example.org")

    assert notice.status == NoticeStatus.UNCONFIRMED and notice.confirmed_at is None
    assert notice.reporter is None and notice.reporter_email == "someone@example.org"
    assert list(notice_queue()) == []
    (link,) = links_in_mail("someone@example.org")
    token = link.split("/report/confirm/")[1].strip("/")

    confirmed = notice_confirm(token=token)
    again = notice_confirm(token=token)

    assert confirmed.status == again.status == NoticeStatus.OPEN
    assert list(notice_queue()) == [notice]
    assert [(e.from_status, e.to_status) for e in notice.events.all()] == [
        ("", "unconfirmed"),
        ("unconfirmed", "open"),
    ]


def test_a_bad_or_expired_confirmation_link_is_refused(listing, settings):
    notice = report(None, listing, email="a@example.org")
    with pytest.raises(ApplicationError, match="not valid"):
        notice_confirm(token="junk")
    settings.NOTICE_CONFIRM_MAX_AGE_SECONDS = -1  # every link is already too old
    token = signing.dumps(str(notice.pk), salt="disputes.notice-confirm")
    with pytest.raises(ApplicationError, match="expired"):
        notice_confirm(token=token)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.UNCONFIRMED


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.org", "category": "spam"}, "category"),
    ],
)
def test_bad_input_writes_nothing(listing, kwargs, field):
    with pytest.raises(ApplicationError) as error:
        report(None, listing, **kwargs)
    assert error.value.field == field
    assert Notice.objects.count() == NoticeEvent.objects.count() == 0


def test_only_public_targets_of_others_can_be_reported(creator, buyer, listing):
    draft = make_listing(creator, title="Draft")
    with pytest.raises(ApplicationError, match="nothing public"):
        report(buyer, draft)
    with pytest.raises(ApplicationError, match="nothing public"):
        report(buyer, None, kind="storefront", target_id=buyer.pk)  # not a creator
    with pytest.raises(ApplicationError, match="nothing public"):
        report(buyer, None, kind="piece", target_id="not-a-uuid")
    with pytest.raises(ApplicationError, match="your own"):
        report(creator, listing)
    assert Notice.objects.count() == 0


def test_suspending_a_reported_listing_writes_and_sends_a_statement(buyer, moderator, listing):
    notice = decide(report(buyer, listing), moderator)

    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    assert notice.status == NoticeStatus.ACTIONED and notice.decided_by == moderator
    statement = StatementOfReasons.objects.get()
    assert (statement.user, statement.kind, statement.listing, statement.notice) == (
        listing.creator,
        "listing_suspended",
        listing,
        notice,
    )
    assert (statement.facts, statement.ground, statement.ground_detail) == (FACTS, "terms", CLAUSE)
    assert not statement.automated_decision and statement.decided_by == moderator
    note = Notification.objects.get(user=listing.creator, ref=f"statement:{statement.pk}")
    assert note.url == f"/statements/{statement.pk}/"
    assert f"What was restricted: Listing “{listing.title}”" in note.body
    assert f"Ground: Against our terms of service — {CLAUSE}." in note.body
    assert "decided by a moderator" in note.body
    assert "/complaints/" in note.body
    assert f"/statements/{statement.pk}/" in links_in_mail(listing.creator.email)
    reporter_mail = [m for m in mail.outbox if buyer.email in m.to]
    assert "action taken" in reporter_mail[0].body and "/complaints/" not in reporter_mail[0].body


def test_withdrawing_a_reported_style(buyer, moderator, creator):
    style = make_style(creator)
    decide(report(buyer, style, kind="style"), moderator, action="style_withdrawn")

    style.refresh_from_db()
    assert style.status == StyleStatus.WITHDRAWN
    event = StyleEvent.objects.filter(style=style).latest("id")
    assert (event.from_status, event.to_status, event.actor) == (
        "published",
        "withdrawn",
        moderator,
    )
    statement = StatementOfReasons.objects.get()
    assert (statement.kind, statement.style, statement.data) == (
        "style_withdrawn",
        style,
        {"previous_status": "published"},
    )


def test_hiding_a_piece_suspends_its_listing_and_writes_the_ledger(buyer, moderator, listing):
    piece = listing.listing_pieces.get().piece
    decide(report(buyer, piece, kind="piece"), moderator, action="piece_hidden")

    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    entry = LedgerEntry.objects.filter(piece=piece).latest("pk")
    assert (entry.kind, entry.data["remedy"]) == ("disputed", "piece_hidden")
    statement = StatementOfReasons.objects.get()
    assert (statement.piece, statement.data) == (piece, {"suspended_listing": str(listing.pk)})


def test_a_reported_storefront_can_cost_its_owner_the_account(buyer, moderator, creator):
    make_piece(creator)
    decide(
        report(buyer, None, kind="storefront", target_id=creator.pk),
        moderator,
        action="account_suspended",
    )

    creator.refresh_from_db()
    assert not creator.is_active
    assert AccountEvent.objects.filter(user=creator, kind="suspended").count() == 1
    statement = StatementOfReasons.objects.get()
    assert statement.kind == "account_suspended"
    # A suspended account cannot sign in: the statement and its complaint link go by mail.
    assert Notification.objects.filter(user=creator).count() == 0
    assert any(link.startswith("/complaints/") for link in links_in_mail(creator.email))


def test_an_action_that_does_not_fit_the_target_changes_nothing(buyer, moderator, listing):
    notice = report(buyer, listing)
    with pytest.raises(ApplicationError, match="does not apply"):
        decide(notice, moderator, action="style_withdrawn")
    with pytest.raises(ApplicationError, match="without action"):
        decide(notice, moderator, action="listing_suspended", manifestly_unfounded=True)
    notice.refresh_from_db()
    listing.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN and listing.status == ListingStatus.PUBLISHED
    assert StatementOfReasons.objects.count() == 0


def test_no_action_tells_the_reporter_how_to_complain(buyer, moderator, listing):
    notice = decide(report(buyer, listing), moderator, action="none")

    assert notice.status == NoticeStatus.NO_ACTION
    assert StatementOfReasons.objects.count() == 0
    assert any(link.startswith("/complaints/") for link in links_in_mail(buyer.email))
    with pytest.raises(ApplicationError, match="no action"):
        decide(notice, moderator, action="listing_suspended")


def test_who_may_decide_a_notice(buyer, moderator, listing):
    notice = report(buyer, listing)
    with pytest.raises(PermissionDeniedError):
        decide(notice, buyer)
    own = report(moderator, listing)
    with pytest.raises(PermissionDeniedError, match="part of"):
        decide(own, moderator)
    assert Notice.objects.filter(status=NoticeStatus.OPEN).count() == 2


def test_dispute_remedies_write_statements(buyer, moderator, listing):
    dispute = dispute_file(
        claimant=buyer,
        kind="infringement",
        statement="This listing copies my published work exactly.",
        listing=listing,
    )
    remedy_listing_suspend(dispute=dispute, actor=moderator, note="Copies the claimant's work.")
    remedy_user_suspend(dispute=dispute, actor=moderator, user_id=listing.creator_id, note="Repeat")

    suspension, listing_statement = StatementOfReasons.objects.order_by("-created_at", "kind")
    assert (listing_statement.kind, listing_statement.dispute, listing_statement.ground) == (
        "listing_suspended",
        dispute,
        "law",
    )
    assert listing_statement.data == {"interim": True}
    assert listing_statement.ground_detail == "Copyright law: an infringement claim"
    assert (suspension.kind, suspension.user, suspension.facts) == (
        "account_suspended",
        listing.creator,
        "Repeat",
    )


def test_a_signed_in_reporter_hears_the_decision_in_app(buyer, moderator, listing):
    notice = decide(report(buyer, listing), moderator, action="none")
    note = Notification.objects.get(user=buyer, ref=f"notice:{notice.pk}")
    assert note.subject == "Your report was decided"
    assert "no action" in note.body and "/complaints/" in note.body


def test_export_and_erase_cover_notices_statements_and_complaints(buyer, moderator, listing):
    notice = decide(report(buyer, listing), moderator)
    creator = listing.creator
    statement = StatementOfReasons.objects.get()
    complaint = complaint_lodge(
        token=complaint_path(statement_id=statement.pk).split("/")[-2],
        reason="It is a historical flag.",
        user=creator,
    )

    assert [row["id"] for row in disputes_export_data(user=buyer)["notices"]] == [notice.pk]
    exported = disputes_export_data(user=creator)
    assert [row["id"] for row in exported["statements_of_reasons"]] == [statement.pk]
    assert [row["id"] for row in exported["complaints"]] == [complaint.pk]

    disputes_forget_addresses(user=creator)
    account_delete(user=buyer, password=PASSWORD)  # through marketplace's account_erase hook

    statement.refresh_from_db()
    complaint.refresh_from_db()
    notice.refresh_from_db()
    assert statement.email == complaint.complainant_email == f"deleted-{creator.pk}@invalid"
    assert notice.reporter_email == f"deleted-{buyer.pk}@invalid"
