"""Celery entry points. Thin: they take ids and call services; the job row holds the state."""

import logging
import os
import socket

from celery import shared_task
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from django.conf import settings
from django.utils import timezone

from generation.services.batch import batch_run
from generation.services.worker import jobs_sweep
from generation.services.workers import (
    EngineLoadReport,
    HeartbeatThread,
    WorkerIdentity,
    worker_engines_load,
    worker_mark_stopped,
    worker_start_serving,
)

logger = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@shared_task(name="generation.tasks.run_generation", acks_late=True)
def run_generation(job_id: str) -> None:
    outcome = batch_run(job_id=job_id, worker=worker_name())
    if outcome.jobs:
        logger.info("Job %s: %s", job_id, outcome)


@shared_task(name="generation.tasks.sweep_jobs")
def sweep_jobs() -> None:
    result = jobs_sweep()
    if any(vars(result).values()):
        logger.warning("Sweeper: %s", result)


def worker_engine_names() -> list[str]:
    """The engines this worker process serves (GENERATION_WORKER_ENGINES, default all)."""
    return list(getattr(settings, "GENERATION_WORKER_ENGINES", settings.GENERATION_ENGINES))


def preload_engines() -> EngineLoadReport:
    """Load (and compile, when configured) this worker's engines once, before the first job.

    A missing or corrupt checkpoint is reported here, loudly, at worker start, and only that
    engine is left unserved: its queue is not consumed, so its jobs wait for a worker that
    can run them (the job page says so) instead of failing on this one.
    """
    return worker_engines_load(names=worker_engine_names())


# The heartbeat threads this process started, by worker name, stopped at shutdown.
_heartbeats: dict[str, HeartbeatThread] = {}


@worker_process_init.connect
def _preload_in_pool_process(**kwargs) -> None:
    preload_engines()


@worker_ready.connect
def _start_serving(sender=None, **kwargs) -> None:
    """`sender` is the worker's Consumer. The solo and thread pools run jobs in this process,
    so engines load here and only those that loaded get their queue. Prefork children load
    their own (worker_process_init), which this process cannot see: it consumes every engine
    it was given, and a child fails jobs for one it could not load (so run GPU workers with
    `--pool solo`, one per GPU)."""
    pool = getattr(sender, "pool", None)
    if pool is not None and type(pool).__module__.rsplit(".", 1)[-1] in {"solo", "thread"}:
        report = preload_engines()
    else:
        report = EngineLoadReport(served=tuple(worker_engine_names()))
    worker = WorkerIdentity(
        name=sender.hostname,
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=timezone.now(),
    )
    _heartbeats[worker.name] = worker_start_serving(
        consumer=sender,
        report=report,
        worker=worker,
        interval=float(getattr(settings, "GENERATION_WORKER_HEARTBEAT_SECONDS", 15)),
    )


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:
    for name, thread in list(_heartbeats.items()):
        thread.stop()
        worker_mark_stopped(name=name)
        del _heartbeats[name]
