"""Takedown notices through the real services: filing disables the listing, the counter-notice
schedules its return in business days, court action keeps it down, restoration is idempotent,
every step is a history row, a ledger entry and a notification to both parties."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from disputes.models import TakedownNotice, TakedownStatus
from disputes.services.takedowns import (
    add_business_days,
    restore_business_days,
    takedown_counter_notify,
    takedown_file,
    takedown_moderate,
    takedown_report_court_action,
    takedown_restore_due,
    takedown_withdraw,
)
from disputes.tasks import restore_countered_listings
from marketplace.models import ListingStatus
from marketplace.services.suspensions import listing_suspend, listing_unsuspend
from provenance.models import LedgerEntry
from tests.disputes.takedown_helpers import COUNTER, NOTICE, actions
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db

# A Wednesday: ten business days later is the Wednesday two weeks on (two weekends skipped).
WEDNESDAY = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def ledger_steps(listing):
    piece = listing.pieces.get()
    entries = LedgerEntry.objects.filter(piece=piece, kind="disputed").order_by("seq")
    return [entry.data["step"] for entry in entries]


def countered(notice, creator, *, at=WEDNESDAY):
    return takedown_counter_notify(notice=notice, actor=creator, statements=COUNTER, now=at)


def test_business_days_skip_weekends():
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert add_business_days(friday, 1) == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # Monday
    assert add_business_days(WEDNESDAY, 10) == datetime(2026, 12, 16, 9, 30, tzinfo=UTC)
    saturday = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert add_business_days(saturday, 10) == datetime(2026, 12, 18, 8, 0, tzinfo=UTC)
    assert add_business_days(friday, 14) == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", [9, 15])
def test_restore_days_outside_the_statutory_range_are_refused(settings, days):
    settings.TAKEDOWN_RESTORE_BUSINESS_DAYS = days
    with pytest.raises(ImproperlyConfigured):
        restore_business_days()


def test_filing_disables_the_listing_and_tells_both_parties(
    holder, creator, listing, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = takedown_file(claimant=holder, listing=listing, statements=NOTICE)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    assert notice.status == TakedownStatus.DISABLED
    assert notice.respondent == creator
    assert actions(notice) == ["filed", "listing_disabled"]
    assert ledger_steps(listing) == ["filed", "listing_disabled"]
    suspension = listing.events.get(to_status=ListingStatus.SUSPENDED)
    assert suspension.data == {"notice": f"takedown:{notice.pk}"}
    assert suspension.actor == holder
    for user in (holder, creator):
        note = Notification.objects.get(user=user, ref=f"takedown:{notice.pk}")
        assert note.url == notice.get_absolute_url()
    assert {m.to[0] for m in mailoutbox} >= {holder.email, creator.email}


@pytest.mark.parametrize(
    "missing",
    [
        "work_description",
        "infringing_material",
        "contact_address",
        "good_faith_statement",
        "accuracy_statement",
        "authority_statement",
        "signature",
    ],
)
def test_a_missing_statement_stores_nothing(holder, listing, missing):
    blank = False if isinstance(getattr(NOTICE, missing), bool) else "  "
    with pytest.raises(ApplicationError) as refused:
        takedown_file(
            claimant=holder, listing=listing, statements=replace(NOTICE, **{missing: blank})
        )
    assert refused.value.field == missing
    assert not TakedownNotice.objects.exists()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


def test_a_malformed_email_is_a_field_error(holder, listing):
    with pytest.raises(ApplicationError) as refused:
        takedown_file(
            claimant=holder, listing=listing, statements=replace(NOTICE, contact_email="nope")
        )
    assert refused.value.field == "contact_email"
    assert not TakedownNotice.objects.exists()


def test_no_notice_against_own_listing_or_twice(holder, creator, listing, notice):
    with pytest.raises(ApplicationError, match="already have a notice"):
        takedown_file(claimant=holder, listing=listing, statements=NOTICE)
    other = make_listing(creator, publish=True, title="Another")
    with pytest.raises(ApplicationError, match="your own listing"):
        takedown_file(claimant=creator, listing=other, statements=NOTICE)
    assert TakedownNotice.objects.count() == 1


def test_counter_notice_schedules_restoration_ten_business_days_later(notice, creator, holder):
    notice = countered(notice, creator)
    assert notice.status == TakedownStatus.COUNTERED
    assert notice.restore_due_at == datetime(2026, 12, 16, 9, 30, tzinfo=UTC)
    assert actions(notice)[-1] == "counter_notice"
    assert ledger_steps(notice.listing)[-1] == "counter_notice"
    assert Notification.objects.filter(user=holder, subject__startswith="Counter-notice").exists()


def test_only_the_creator_counter_notifies_and_needs_every_statement(notice, holder, creator):
    with pytest.raises(PermissionDeniedError):
        takedown_counter_notify(notice=notice, actor=holder, statements=COUNTER, now=WEDNESDAY)
    bad = replace(COUNTER, counter_jurisdiction_consent=False)
    with pytest.raises(ApplicationError) as refused:
        takedown_counter_notify(notice=notice, actor=creator, statements=bad, now=WEDNESDAY)
    assert refused.value.field == "counter_jurisdiction_consent"
    notice.refresh_from_db()
    assert notice.status == TakedownStatus.DISABLED
    assert notice.countered_at is None
    assert actions(notice) == ["filed", "listing_disabled"]


def test_restoration_waits_for_the_due_time_and_runs_once(notice, creator, holder):
    notice = countered(notice, creator)
    just_before = datetime(2026, 12, 16, 9, 29, tzinfo=UTC)
    assert takedown_restore_due(now=just_before) == []
    notice.listing.refresh_from_db()
    assert notice.listing.status == ListingStatus.SUSPENDED

    due = datetime(2026, 12, 16, 9, 30, tzinfo=UTC)
    assert [n.pk for n in takedown_restore_due(now=due)] == [notice.pk]
    assert takedown_restore_due(now=due) == []  # the second run finds nothing to do
    notice.refresh_from_db()
    notice.listing.refresh_from_db()
    assert notice.status == TakedownStatus.RESTORED
    assert notice.listing.status == ListingStatus.PUBLISHED
    assert actions(notice).count("restored") == 1
    assert ledger_steps(notice.listing)[-2:] == ["restored", "listing_restored"]
    assert Notification.objects.filter(user=creator, subject__contains="restored").count() == 1


def test_court_action_keeps_the_listing_down_past_the_due_date(notice, creator, holder):
    notice = countered(notice, creator)
    with pytest.raises(PermissionDeniedError):
        takedown_report_court_action(notice=notice, actor=creator, case_reference="X")
    with pytest.raises(ApplicationError):
        takedown_report_court_action(notice=notice, actor=holder, case_reference=" ")
    notice = takedown_report_court_action(
        notice=notice, actor=holder, case_reference="N.D. Cal. 3:26-cv-01234"
    )
    assert takedown_restore_due(now=datetime(2027, 1, 30, tzinfo=UTC)) == []
    notice.refresh_from_db()
    notice.listing.refresh_from_db()
    assert notice.status == TakedownStatus.COURT_ACTION
    assert notice.listing.status == ListingStatus.SUSPENDED
    assert actions(notice)[-1] == "court_action_reported"
    assert ledger_steps(notice.listing)[-1] == "court_action_reported"
    assert Notification.objects.filter(user=creator, subject__startswith="Court action").exists()


def test_moderator_keeps_it_down_or_restores(notice, creator, holder, moderator, listing):
    with pytest.raises(PermissionDeniedError):
        takedown_moderate(notice=notice, moderator=holder, decision="restore", note="x")
    with pytest.raises(ApplicationError):
        takedown_moderate(notice=notice, moderator=moderator, decision="restore", note="")
    kept = takedown_moderate(
        notice=notice, moderator=moderator, decision="keep_down", note="Court order received."
    )
    assert kept.status == TakedownStatus.UPHELD
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    other = make_listing(creator, publish=True, title="Second")
    second = takedown_file(claimant=holder, listing=other, statements=NOTICE)
    takedown_moderate(notice=second, moderator=moderator, decision="restore", note="Invalid.")
    other.refresh_from_db()
    assert other.status == ListingStatus.PUBLISHED
    assert actions(second)[-2:] == ["restored_by_moderator", "listing_restored"]


def test_withdrawal_restores_the_listing(notice, holder, creator, listing):
    with pytest.raises(PermissionDeniedError):
        takedown_withdraw(notice=notice, actor=creator)
    notice = takedown_withdraw(notice=notice, actor=holder, note="Settled.")
    listing.refresh_from_db()
    assert notice.status == TakedownStatus.WITHDRAWN
    assert listing.status == ListingStatus.PUBLISHED
    assert actions(notice)[-2:] == ["withdrawn", "listing_restored"]
    assert ledger_steps(listing)[-2:] == ["withdrawn", "listing_restored"]
    with pytest.raises(ApplicationError):
        takedown_withdraw(notice=notice, actor=holder)


def test_restoration_leaves_a_later_moderator_suspension_alone(notice, creator, moderator):
    notice = countered(notice, creator)
    listing = notice.listing
    listing_unsuspend(listing=listing, actor=moderator, reason="Reviewed.")
    listing_suspend(listing=listing, actor=moderator, reason="A fraud report.")
    restored = takedown_restore_due(now=datetime(2027, 1, 1, tzinfo=UTC))
    assert [n.pk for n in restored] == [notice.pk]
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED  # the moderator's suspension stands
    assert "listing_restored" not in actions(notice)


def test_the_periodic_task_restores_due_listings(notice, creator, settings):
    notice = countered(notice, creator, at=datetime(2020, 1, 1, tzinfo=UTC))
    assert restore_countered_listings() == 1
    assert restore_countered_listings() == 0
    notice.refresh_from_db()
    assert notice.status == TakedownStatus.RESTORED
    assert "takedown-restorations" in settings.CELERY_BEAT_SCHEDULE
    assert (
        settings.CELERY_BEAT_SCHEDULE["takedown-restorations"]["task"]
        == restore_countered_listings.name
    )
