"""Reads about live GPU workers: who serves which engine, and which jobs wait for one."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from generation.models import GenerationJob, JobStatus, WorkerHeartbeat
from generation.services.engines import engine_config, engine_spec


def stale_seconds() -> int:
    return int(getattr(settings, "GENERATION_WORKER_STALE_SECONDS", 60))


def live_since(*, now: datetime | None = None) -> datetime:
    """Heartbeats after this moment count as live."""
    return (now or timezone.now()) - timedelta(seconds=stale_seconds())


def live_workers() -> QuerySet[WorkerHeartbeat]:
    """Workers that have not stopped and whose last heartbeat is within the stale window."""
    return WorkerHeartbeat.objects.filter(stopped_at__isnull=True, last_seen__gte=live_since())


def worker_is_live(*, heartbeat: WorkerHeartbeat) -> bool:
    return heartbeat.stopped_at is None and heartbeat.last_seen >= live_since()


def engines_with_live_workers() -> set[str]:
    served = live_workers().values_list("engines", flat=True)
    return {name for engines in served for name in engines}


def engine_label(name: str) -> str:
    """The engine's display name; its bare name once it left the registry."""
    return engine_spec(name).label if name in engine_config() else name


def job_waiting_for_worker(*, job: GenerationJob) -> str | None:
    """What to tell the owner of a queued job no live worker can run; None otherwise."""
    if job.status != JobStatus.QUEUED or job.engine in engines_with_live_workers():
        return None
    return (
        f"Waiting for a worker for model {engine_label(job.engine)}: none is running right "
        "now. Your job stays in the queue and starts when one is."
    )


def workers_health() -> dict:
    """The /healthz section: live workers, their engines and last heartbeat, and the
    configured engines nobody serves. Facts for the operator, never a failed probe."""
    workers = [
        {
            "name": heartbeat.name,
            "host": heartbeat.host,
            "engines": heartbeat.engines,
            "unavailable": heartbeat.unavailable,
            "device": heartbeat.device,
            "last_seen": heartbeat.last_seen.isoformat(),
        }
        for heartbeat in live_workers()
    ]
    served = {name for worker in workers for name in worker["engines"]}
    return {"live": workers, "unserved_engines": sorted(set(engine_config()) - served)}
