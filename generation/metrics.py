"""Generation's Prometheus series (docs/metrics.md).

Events, counted where they happen (the GPU worker, served on WORKER_METRICS_PORT): how long
a job waited and ran, images stored per worker host and engine, the stamping stage's steps.
Each is observed after the transaction that made it true commits. State, read from the rows
at scrape time by `GenerationCollector` (registered in GenerationConfig.ready()): jobs by
state, the oldest queued job, live workers per engine.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from generation.models import GenerationJob
from generation.selectors.metrics import (
    jobs_by_state,
    live_workers_by_engine,
    oldest_queued_age_seconds,
)

JOB_SECONDS_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600)
STEP_SECONDS_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

JOB_QUEUED_SECONDS = Histogram(
    "promptfolio_job_queued_seconds",
    "Seconds from a job's creation to its first start on a worker (queued -> started).",
    ["engine"],
    buckets=JOB_SECONDS_BUCKETS,
)
JOB_RUN_SECONDS = Histogram(
    "promptfolio_job_run_seconds",
    "Seconds from a job's first start to its pieces being stored (started -> stored).",
    ["engine"],
    buckets=JOB_SECONDS_BUCKETS,
)
IMAGES_STORED = Counter(
    "promptfolio_images_generated",
    "Images rendered, stamped and stored, by worker host and engine (rate() = images/s).",
    ["worker", "engine"],
)
STAGE_STEP_SECONDS = Histogram(
    "promptfolio_stage_step_seconds",
    "Seconds per step of the worker's pipeline: render (per batch), "
    "engine_waited_for_stage (per batch), order, stamp_<step>, upload (per image), "
    "complete (per job).",
    ["step"],
    buckets=STEP_SECONDS_BUCKETS,
)
STAMPING_BATCH_SECONDS = Histogram(
    "promptfolio_stamping_batch_seconds",
    "Seconds a rendered batch spends in the stamping stage (stamp, store, complete).",
    buckets=STEP_SECONDS_BUCKETS,
)


def worker_host(worker: str) -> str:
    """The host of a worker name ("host:pid"): pids change on every restart, hosts do not."""
    return worker.rsplit(":", 1)[0]


def jobs_started_observe(jobs: list[GenerationJob]) -> None:
    """After the claim commits: the queue wait of each job on its first attempt (a retry's
    second wait would count the first one twice)."""
    waits = [
        (job.engine, (job.started_at - job.created_at).total_seconds())
        for job in jobs
        if job.attempts == 1 and job.started_at and job.created_at
    ]

    def observe() -> None:
        for engine, seconds in waits:
            JOB_QUEUED_SECONDS.labels(engine=engine).observe(max(0.0, seconds))

    transaction.on_commit(observe)


def job_stored_observe(job: GenerationJob, *, worker: str, images: int) -> None:
    """After the completion commits: the job's run time and its stored images."""
    seconds = (job.finished_at - job.started_at).total_seconds() if job.started_at else None
    engine, host = job.engine, worker_host(worker)

    def observe() -> None:
        if seconds is not None:
            JOB_RUN_SECONDS.labels(engine=engine).observe(max(0.0, seconds))
        IMAGES_STORED.labels(worker=host, engine=engine).inc(images)

    transaction.on_commit(observe)


def stage_step_observe(step: str, ms: float) -> None:
    STAGE_STEP_SECONDS.labels(step=step).observe(ms / 1000)


def stamping_batch_observe(seconds: float) -> None:
    STAMPING_BATCH_SECONDS.observe(seconds)


class GenerationCollector:
    """Scrape-time state from the job and heartbeat rows."""

    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        jobs = GaugeMetricFamily(
            "promptfolio_jobs",
            "Jobs queued or running now, and jobs that finished in the last hour, by state "
            "and engine.",
            labels=["state", "engine"],
        )
        for (state, engine), count in sorted(jobs_by_state(now=now).items()):
            jobs.add_metric([state, engine], count)
        oldest = GaugeMetricFamily(
            "promptfolio_job_oldest_queued_seconds",
            "Age of the longest-waiting queued job, by engine (0: none queued).",
            labels=["engine"],
        )
        for engine, seconds in sorted(oldest_queued_age_seconds(now=now).items()):
            oldest.add_metric([engine], seconds)
        workers = GaugeMetricFamily(
            "promptfolio_workers_live",
            "Live GPU workers (recent heartbeat, not stopped) serving each engine.",
            labels=["engine"],
        )
        for engine, count in sorted(live_workers_by_engine().items()):
            workers.add_metric([engine], count)
        yield from (jobs, oldest, workers)
