"""What the metrics scrape reads from generation's rows (generation/metrics.py turns it into
series): jobs by state, how long the oldest queued job waits, live workers per engine."""

from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from generation.models import FINISHED_STATUSES, GenerationJob, JobStatus
from generation.selectors.workers import live_workers
from generation.services.engines import engine_config

# Finished jobs are counted over a window: all of them would be a full count of the largest
# table on every scrape. Only jobs created within CREATED_BOUND are looked at, so the count
# reads a range of the created_at index (finished_at has none); a job that waited longer
# than that before finishing is left out of the window.
FINISHED_WINDOW = timedelta(hours=1)
CREATED_BOUND = timedelta(days=1)


def jobs_by_state(*, now: datetime) -> dict[tuple[str, str], int]:
    """{(state, engine): jobs}: every queued and running job, and those that finished in the
    last FINISHED_WINDOW (created within CREATED_BOUND). Every state of every configured
    engine is present (0 when none)."""
    counts = dict.fromkeys(
        ((state, engine) for state in JobStatus.values for engine in engine_config()), 0
    )
    recent = Q(
        status__in=FINISHED_STATUSES,
        finished_at__gte=now - FINISHED_WINDOW,
        created_at__gte=now - CREATED_BOUND,
    )
    rows = (
        GenerationJob.objects.filter(Q(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)) | recent)
        .order_by()
        .values_list("status", "engine")
        .annotate(jobs=Count("pk"))
    )
    for state, engine, jobs in rows:
        counts[(state, engine)] = jobs
    return counts


def oldest_queued_age_seconds(*, now: datetime) -> dict[str, float]:
    """{engine: seconds the longest-waiting queued job has existed}, 0 for an empty queue."""
    ages = dict.fromkeys(engine_config(), 0.0)
    rows = (
        GenerationJob.objects.filter(status=JobStatus.QUEUED)
        .order_by()
        .values_list("engine")
        .annotate(oldest=Min("created_at"))
    )
    for engine, oldest in rows:
        ages[engine] = max(0.0, (now - oldest).total_seconds())
    return ages


def live_workers_by_engine() -> dict[str, int]:
    """{engine: live workers serving it}, 0 for a configured engine nobody serves."""
    served = dict.fromkeys(engine_config(), 0)
    for engines in live_workers().values_list("engines", flat=True):
        for engine in engines:
            served[engine] = served.get(engine, 0) + 1
    return served
