"""Internal complaints (DSA Art. 20) through the real services: one per decision, within the
window, decided by another moderator (the original decider only when alone), reversing the
restriction through its own history when upheld, and both sides told."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from disputes.models import Complaint, ComplaintStatus, NoticeStatus, StatementOfReasons
from disputes.services.complaints import complaint_decide, complaint_lodge
from disputes.services.filing import dispute_file
from disputes.services.notices import notice_confirm
from disputes.services.remedies import remedy_listing_suspend
from disputes.services.tokens import complaint_path, notice_confirm_path
from generation.models import StyleStatus
from marketplace.models import AccountEvent, ListingStatus
from tests.commissions.factories import make_style
from tests.disputes.notice_helpers import after_commit, decide, report
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db
REASON = "The image shows a historical flag in a museum, not a hate symbol."


@pytest.fixture(autouse=True)
def no_auto_warning(settings):
    settings.MISUSE_WARN_AFTER = 100
    settings.MISUSE_SUSPEND_AFTER = 100


@pytest.fixture
def second_moderator(db):
    return UserFactory(moderator=True)


def token(*, statement=None, notice=None) -> str:
    path = complaint_path(
        statement_id=statement.pk if statement else None, notice_id=notice.pk if notice else None
    )
    return path.split("/")[-2]


def suspended(listing, buyer, moderator) -> StatementOfReasons:
    decide(report(buyer, listing), moderator)
    return StatementOfReasons.objects.get(listing=listing)


def settle(complaint, moderator, outcome="upheld", note="On a second look the flag is fine."):
    with after_commit():
        return complaint_decide(
            complaint=complaint, moderator=moderator, outcome=outcome, note=note
        )


def test_an_upheld_complaint_reverses_the_suspension_and_tells_both_sides(
    buyer, creator, moderator, second_moderator, listing
):
    statement = suspended(listing, buyer, moderator)
    complaint = complaint_lodge(token=token(statement=statement), reason=REASON, user=creator)
    assert (complaint.complainant, complaint.original_decider, complaint.status) == (
        creator,
        moderator,
        "open",
    )
    mail.outbox.clear()

    settle(complaint, second_moderator)

    listing.refresh_from_db()
    statement.refresh_from_db()
    complaint.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.events.latest("id").from_status == ListingStatus.SUSPENDED
    assert statement.reversed_at is not None
    assert complaint.status == ComplaintStatus.UPHELD and complaint.decided_by == second_moderator
    assert not complaint.decided_by_original_decider
    assert [(e.from_status, e.to_status) for e in complaint.events.all()] == [
        ("", "open"),
        ("open", "upheld"),
    ]
    assert [m.to for m in mail.outbox if "Complaint decided" in m.subject] == [
        [creator.email],
        [buyer.email],
    ]
    assert Notification.objects.filter(user=buyer, ref=f"complaint:{complaint.pk}").count() == 1


def test_a_rejected_complaint_leaves_the_restriction(
    buyer, creator, moderator, second_moderator, listing
):
    statement = suspended(listing, buyer, moderator)
    complaint = complaint_lodge(token=token(statement=statement), reason=REASON, user=creator)

    settle(complaint, second_moderator, outcome="rejected", note="It is the banned symbol.")

    listing.refresh_from_db()
    statement.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED and statement.reversed_at is None
    assert Complaint.objects.get().status == ComplaintStatus.REJECTED


def test_the_original_decider_may_not_decide_while_another_moderator_exists(
    buyer, creator, moderator, second_moderator, listing
):
    statement = suspended(listing, buyer, moderator)
    complaint = complaint_lodge(token=token(statement=statement), reason=REASON, user=creator)
    with pytest.raises(PermissionDeniedError, match="Another moderator"):
        settle(complaint, moderator)
    second_moderator.is_active = False
    second_moderator.save(update_fields=["is_active"])

    settle(complaint, moderator)  # now the only active moderator: allowed, and recorded

    complaint.refresh_from_db()
    assert complaint.decided_by == moderator and complaint.decided_by_original_decider


def test_one_complaint_per_decision_within_the_window(buyer, creator, moderator, listing, settings):
    statement = suspended(listing, buyer, moderator)
    complaint_lodge(token=token(statement=statement), reason=REASON, user=creator)
    with pytest.raises(ApplicationError, match="already lodged"):
        complaint_lodge(token=token(statement=statement), reason=REASON, user=creator)

    other = make_listing(creator, title="Second", publish=True)
    late = suspended(other, buyer, moderator)
    StatementOfReasons.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - timedelta(days=settings.COMPLAINT_WINDOW_DAYS + 1)
    )
    with pytest.raises(ApplicationError, match="accepted for 182 days"):
        complaint_lodge(token=token(statement=late), reason=REASON, user=creator)
    assert Complaint.objects.count() == 1


def test_only_the_affected_person_and_a_real_link_may_complain(buyer, creator, moderator, listing):
    statement = suspended(listing, buyer, moderator)
    with pytest.raises(PermissionDeniedError):
        complaint_lodge(token=token(statement=statement), reason=REASON, user=buyer)
    with pytest.raises(ApplicationError, match="not valid"):
        complaint_lodge(token="forged:token", reason=REASON, user=creator)
    with pytest.raises(ApplicationError) as short:
        complaint_lodge(token=token(statement=statement), reason="no", user=creator)
    assert short.value.field == "reason"
    assert Complaint.objects.count() == 0


def test_an_anonymous_reporter_complains_and_the_notice_is_reopened(
    buyer, creator, moderator, second_moderator, listing
):
    anonymous = report(None, listing, email="anon@example.org")
    notice_confirm(token=notice_confirm_path(anonymous.pk).split("/")[-2])
    notice = decide(anonymous, moderator, action="none")
    complaint = complaint_lodge(token=token(notice=notice), reason=REASON)  # the link only
    assert (complaint.complainant, complaint.complainant_email) == (None, "anon@example.org")
    mail.outbox.clear()

    settle(complaint, second_moderator, note="It deserves a second decision.")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN and notice.decided_by is None
    assert notice.events.latest("id").note.startswith("Reopened on complaint")
    assert Notification.objects.filter(user=creator, ref=f"complaint:{complaint.pk}").count() == 1
    assert [m.to for m in mail.outbox if "Complaint decided" in m.subject][0] == [
        "anon@example.org"
    ]


def test_upheld_complaints_undo_style_and_account_restrictions(
    buyer, creator, moderator, second_moderator
):
    style = make_style(creator)
    decide(report(buyer, style, kind="style"), moderator, action="style_withdrawn")
    decide(
        report(buyer, None, kind="storefront", target_id=creator.pk),
        moderator,
        action="account_suspended",
    )
    creator.refresh_from_db()
    assert not creator.is_active
    for statement in StatementOfReasons.objects.order_by("created_at"):
        # A suspended account cannot sign in: the mailed link works without it.
        settle(complaint_lodge(token=token(statement=statement), reason=REASON), second_moderator)

    style.refresh_from_db()
    creator.refresh_from_db()
    assert style.status == StyleStatus.PUBLISHED and creator.is_active
    assert AccountEvent.objects.filter(user=creator, kind="reinstated").count() == 1
    assert StatementOfReasons.objects.filter(reversed_at__isnull=True).count() == 0


def test_a_complaint_about_a_dispute_remedy_tells_the_claimant(
    buyer, creator, moderator, second_moderator, listing
):
    dispute = dispute_file(
        claimant=buyer,
        kind="infringement",
        statement="This listing copies my published work exactly.",
        listing=listing,
    )
    remedy_listing_suspend(dispute=dispute, actor=moderator, note="Copies the claimant's work.")
    statement = StatementOfReasons.objects.get(dispute=dispute)
    complaint = complaint_lodge(token=token(statement=statement), reason=REASON, user=creator)

    settle(complaint, second_moderator, outcome="rejected", note="The copy is evident.")

    assert Notification.objects.filter(user=buyer, ref=f"complaint:{complaint.pk}").count() == 1
    assert Notification.objects.filter(user=creator, ref=f"complaint:{complaint.pk}").count() == 1
