"""The public transparency report (DSA Art. 15/24) for a period of whole UTC days: notices by
category, actions by kind, the automated share, the median time to a decision, complaints
and reversals. Every figure is an aggregate query; the median reads only the middle rows of
the ordered durations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from disputes.models import (
    Complaint,
    ComplaintStatus,
    Notice,
    NoticeCategory,
    RestrictionKind,
    StatementOfReasons,
)


@dataclass(frozen=True)
class TransparencyReport:
    start: date
    end: date
    notices_by_category: list[tuple[str, int]]
    actions_by_kind: list[tuple[str, int]]
    actions_total: int
    actions_automated: int
    decisions: int
    median_decision: timedelta | None
    complaints: int
    complaints_upheld: int
    complaints_rejected: int

    @property
    def automated_percent(self) -> float:
        return (
            round(100 * self.actions_automated / self.actions_total, 1)
            if self.actions_total
            else 0.0
        )

    @property
    def median_hours(self) -> float | None:
        if self.median_decision is None:
            return None
        return round(self.median_decision.total_seconds() / 3600, 1)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _counts(rows, choices) -> list[tuple[str, int]]:
    found = {row["key"]: row["n"] for row in rows}
    return [(label, found.get(value, 0)) for value, label in choices]


def median_decision_time(*, since: datetime, until: datetime) -> tuple[int, timedelta | None]:
    """How many notices were decided in the period, and the median of confirmed → decided."""
    decided = Notice.objects.filter(
        decided_at__gte=since, decided_at__lt=until, confirmed_at__isnull=False
    )
    count = decided.count()
    if not count:
        return 0, None
    durations = decided.annotate(
        took=ExpressionWrapper(F("decided_at") - F("confirmed_at"), output_field=DurationField())
    ).order_by("took")
    middle = list(durations.values_list("took", flat=True)[(count - 1) // 2 : count // 2 + 1])
    return count, sum(middle, timedelta()) / len(middle)


def transparency_report(*, start: date, end: date) -> TransparencyReport:
    since, until = _bounds(start, end)
    notices = (
        Notice.objects.filter(confirmed_at__gte=since, confirmed_at__lt=until)
        .values(key=F("category"))
        .annotate(n=Count("id"))
    )
    statements = StatementOfReasons.objects.filter(created_at__gte=since, created_at__lt=until)
    by_kind = statements.values(key=F("kind")).annotate(n=Count("id"))
    actions = statements.aggregate(
        total=Count("id"), automated=Count("id", filter=Q(automated_decision=True))
    )
    complaints = Complaint.objects.aggregate(
        lodged=Count("id", filter=Q(created_at__gte=since, created_at__lt=until)),
        upheld=Count(
            "id",
            filter=Q(status=ComplaintStatus.UPHELD, decided_at__gte=since, decided_at__lt=until),
        ),
        rejected=Count(
            "id",
            filter=Q(status=ComplaintStatus.REJECTED, decided_at__gte=since, decided_at__lt=until),
        ),
    )
    decisions, median = median_decision_time(since=since, until=until)
    return TransparencyReport(
        start=start,
        end=end,
        notices_by_category=_counts(notices, NoticeCategory.choices),
        actions_by_kind=_counts(by_kind, RestrictionKind.choices),
        actions_total=actions["total"],
        actions_automated=actions["automated"],
        decisions=decisions,
        median_decision=median,
        complaints=complaints["lodged"],
        complaints_upheld=complaints["upheld"],
        complaints_rejected=complaints["rejected"],
    )


def transparency_rows(report: TransparencyReport) -> list[tuple[str, str, str]]:
    """The same figures as (section, item, value) rows, for the CSV export."""
    rows = [("period", "from", report.start.isoformat()), ("period", "to", report.end.isoformat())]
    rows += [("notices by category", label, str(n)) for label, n in report.notices_by_category]
    rows += [("actions by kind", label, str(n)) for label, n in report.actions_by_kind]
    rows += [
        ("actions", "total", str(report.actions_total)),
        ("actions", "automated", str(report.actions_automated)),
        ("actions", "automated percent", str(report.automated_percent)),
        ("notice decisions", "count", str(report.decisions)),
        (
            "notice decisions",
            "median hours to decision",
            "" if report.median_hours is None else str(report.median_hours),
        ),
        ("complaints", "lodged", str(report.complaints)),
        ("complaints", "upheld (decision reversed)", str(report.complaints_upheld)),
        ("complaints", "rejected", str(report.complaints_rejected)),
    ]
    return rows
