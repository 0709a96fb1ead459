"""The public transparency report: figures for a period (aggregate queries), the default
last full month, clear errors for bad ranges, and a CSV with the same figures."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from disputes.forms.notices import last_full_month
from disputes.models import Notice, StatementOfReasons
from disputes.selectors.transparency import transparency_report
from disputes.services.complaints import complaint_decide, complaint_lodge
from disputes.services.tokens import complaint_path
from tests.disputes.notice_helpers import decide, report
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db
MAY = datetime(2026, 5, 10, 12, tzinfo=UTC)


@pytest.fixture
def may_figures(settings, creator, buyer, moderator):
    """Three notices decided in May 2026 (1 h, 3 h and 8 h after confirmation), one
    automated warning, and one complaint upheld; one notice from today stays out."""
    settings.MISUSE_WARN_AFTER = 1
    settings.MISUSE_SUSPEND_AFTER = 100
    listing = make_listing(creator, publish=True)
    other = make_listing(creator, title="Second", publish=True)
    notices = [
        decide(report(buyer, listing, category="hate"), moderator),
        decide(report(buyer, other, category="fraud"), moderator, action="none"),
        decide(report(UserFactory(), other, category="hate"), moderator, action="none"),
    ]
    statement = StatementOfReasons.objects.get(kind="listing_suspended")
    complaint = complaint_lodge(
        token=complaint_path(statement_id=statement.pk).split("/")[-2],
        reason="The symbol is a historical flag.",
        user=creator,
    )
    complaint_decide(
        complaint=complaint, moderator=UserFactory(moderator=True), outcome="upheld", note="Ok"
    )
    for notice, hours in zip(notices, (1, 3, 8), strict=True):
        Notice.objects.filter(pk=notice.pk).update(
            confirmed_at=MAY, decided_at=MAY + timedelta(hours=hours)
        )
    StatementOfReasons.objects.update(created_at=MAY)
    type(complaint).objects.update(created_at=MAY, decided_at=MAY)
    report(UserFactory(), listing, category="privacy")  # today: outside May
    return listing


def test_the_report_counts_the_period_only(may_figures, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        report_ = transparency_report(start=date(2026, 5, 1), end=date(2026, 5, 31))

    assert dict(report_.notices_by_category) == {
        "Illegal content": 0,
        "Intellectual property infringement": 0,
        "Privacy violation": 0,
        "Hate speech or symbols": 2,
        "Child safety": 0,
        "Fraud or scam": 1,
        "Other": 0,
    }
    actions = dict(report_.actions_by_kind)
    assert (actions["Listing suspended"], actions["Account warned"]) == (1, 1)
    assert (report_.actions_total, report_.actions_automated, report_.automated_percent) == (
        2,
        1,
        50.0,
    )
    assert (report_.decisions, report_.median_decision) == (3, timedelta(hours=3))
    assert (report_.complaints, report_.complaints_upheld, report_.complaints_rejected) == (
        1,
        1,
        0,
    )


def test_an_even_count_takes_the_mean_of_the_middle_two(may_figures):
    Notice.objects.filter(decided_at=MAY + timedelta(hours=8)).update(decided_at=None)
    report_ = transparency_report(start=date(2026, 5, 1), end=date(2026, 5, 31))
    assert (report_.decisions, report_.median_decision) == (2, timedelta(hours=2))


def test_an_empty_period_has_no_median(db):
    report_ = transparency_report(start=date(2020, 1, 1), end=date(2020, 1, 31))
    assert report_.decisions == 0 and report_.median_decision is None
    assert report_.automated_percent == 0.0


def test_the_page_defaults_to_the_last_full_month(client, db):
    start, end = last_full_month()
    assert start.day == 1 and end.month == start.month and (end + timedelta(days=1)).day == 1
    page = client.get(reverse("disputes:transparency"))
    assert page.status_code == 200
    assert f'value="{start.isoformat()}"' in page.content.decode()
    assert f"?start={start.isoformat()}&amp;end={end.isoformat()}" in page.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "2026-05-31", "end": "2026-05-01"}, "must not be before"),
        ({"start": "2000-01-01", "end": "2026-01-01"}, "at most ten years"),
        ({"start": "2999-01-01", "end": "2999-01-02"}, "today or earlier"),
        ({"start": "not a date", "end": "2026-05-01"}, "Enter a valid date"),
        ({"start": "2026-05-01"}, "This field is required"),
    ],
)
def test_bad_ranges_get_a_clear_error(client, db, query, message):
    page = client.get(reverse("disputes:transparency"), query)
    assert page.status_code == 400 and message in page.content.decode()
    export = client.get(reverse("disputes:transparency_csv"), query)
    assert export.status_code == 400 and message in export.content.decode()


def test_the_csv_carries_the_same_figures(client, may_figures):
    query = {"start": "2026-05-01", "end": "2026-05-31"}
    page = client.get(reverse("disputes:transparency"), query)
    export = client.get(reverse("disputes:transparency_csv"), query)

    assert page.status_code == export.status_code == 200
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert "transparency-2026-05-01-2026-05-31.csv" in export["Content-Disposition"]
    rows = {(r["section"], r["item"]): r["value"] for r in csv.DictReader(io.StringIO(export.text))}
    assert rows[("notices by category", "Hate speech or symbols")] == "2"
    assert rows[("actions", "automated percent")] == "50.0"
    assert rows[("notice decisions", "median hours to decision")] == "3.0"
    assert rows[("complaints", "upheld (decision reversed)")] == "1"
    assert "3.0 hours" in page.content.decode() and "1 (50.0%)" in page.content.decode()
