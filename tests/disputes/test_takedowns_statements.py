"""A copyright notice is a restriction like any other (DSA Art. 17 and 20): disabling the
listing sends the creator a statement of reasons that names the notice as its ground and
offers both the counter-notice and a complaint; an upheld complaint restores the listing
through the notice's own steps, and a lifted takedown can no longer be complained about."""

import pytest

from core.errors import ApplicationError
from core.models import Notification
from disputes.forms.notices import MODERATOR_ACTIONS
from disputes.models import RestrictionKind, StatementOfReasons, TakedownStatus
from disputes.services.complaints import complaint_decide, complaint_lodge
from disputes.services.takedowns import takedown_withdraw
from disputes.services.tokens import complaint_path
from marketplace.models import ListingStatus
from tests.disputes.takedown_helpers import actions

pytestmark = pytest.mark.django_db
REASON = "The listing is my own prompt's output and does not copy the painting at all."


def token(statement) -> str:
    return complaint_path(statement_id=statement.pk).split("/")[-2]


def complained(notice, creator, moderator, *, outcome: str, note: str):
    """The creator complains about the takedown's statement; a moderator decides."""
    statement = StatementOfReasons.objects.get(takedown=notice)
    complaint = complaint_lodge(token=token(statement), reason=REASON, user=creator)
    complaint_decide(complaint=complaint, moderator=moderator, outcome=outcome, note=note)
    return statement, complaint


def test_filing_sends_the_creator_a_statement_of_reasons(notice, creator, listing):
    statement = StatementOfReasons.objects.get(takedown=notice)

    assert (statement.user, statement.kind, statement.listing) == (
        creator,
        RestrictionKind.LISTING_DISABLED,
        listing,
    )
    assert statement.ground == "law" and "512(c)" in statement.ground_detail
    assert "Harbour Lights" in statement.facts and "Rhea Holder" in statement.facts
    # Disabled on the notice alone: no moderator looked at it first.
    assert statement.automated_decision and statement.decided_by is None
    sent = Notification.objects.get(user=creator, ref=f"statement:{statement.pk}")
    assert "counter-notice" in sent.body and str(notice.pk) in sent.body
    assert "lodge a complaint" in sent.body


def test_an_upheld_complaint_restores_the_listing_through_the_notice(
    notice, creator, holder, moderator, listing
):
    statement, complaint = complained(
        notice, creator, moderator, outcome="upheld", note="No copying shown."
    )

    notice.refresh_from_db()
    listing.refresh_from_db()
    statement.refresh_from_db()
    assert notice.status == TakedownStatus.RESTORED
    assert listing.status == ListingStatus.PUBLISHED
    assert statement.reversed_at is not None
    assert actions(notice)[-2:] == ["restored_by_moderator", "listing_restored"]
    assert "Complaint upheld" in notice.events.get(action="restored_by_moderator").note
    # The claimant is the other side and hears the outcome.
    assert Notification.objects.filter(user=holder, ref=f"complaint:{complaint.pk}").exists()


def test_a_rejected_complaint_leaves_the_listing_down(notice, creator, moderator, listing):
    complained(notice, creator, moderator, outcome="rejected", note="The notice holds.")

    notice.refresh_from_db()
    listing.refresh_from_db()
    assert (notice.status, listing.status) == (TakedownStatus.DISABLED, ListingStatus.SUSPENDED)


def test_a_withdrawn_notice_closes_the_statement(notice, creator, holder):
    takedown_withdraw(notice=notice, actor=holder, note="Settled between us.")
    statement = StatementOfReasons.objects.get(takedown=notice)

    assert statement.reversed_at is not None
    with pytest.raises(ApplicationError, match="already reversed"):
        complaint_lodge(token=token(statement), reason=REASON, user=creator)


def test_moderators_cannot_choose_the_copyright_kind_by_hand():
    assert RestrictionKind.LISTING_DISABLED not in dict(MODERATOR_ACTIONS)
