"""Celery entry points. Thin: they take ids and call services; the job row holds the state."""

import logging
import os
import socket

from celery import shared_task
from celery.signals import (
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from django.conf import settings
from django.utils import timezone

from core.logcontext import log_context
from generation.services.batch import batch_render
from generation.services.stamping import StampingStage, worker_stage, worker_stage_close
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


@shared_task(name="generation.tasks.run_generation", acks_late=True, bind=True)
def run_generation(self, job_id: str) -> None:
    """Render one batch and return to the broker for the next while the stage stamps and
    stores this one; the message is only a wake-up, the job rows carry the state. Run
    eagerly (tests, inline tasks) the whole batch finishes before the call returns."""
    stage = StampingStage.inline() if self.request.is_eager else worker_stage()
    with log_context(job_id=str(job_id)):  # the job that woke it; batch-mates log their own
        finished = batch_render(job_id=job_id, worker=worker_name(), stage=stage)
    finished.add_done_callback(_log_outcome)


def _log_outcome(finished) -> None:
    if finished.exception() is None and finished.result().jobs:
        logger.info("Batch finished: %s", finished.result())


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
    # Warm shutdown: finish the batches already rendered, then say this worker has stopped.
    worker_stage_close()
    for name, thread in list(_heartbeats.items()):
        thread.stop()
        worker_mark_stopped(name=name)
        del _heartbeats[name]


@worker_process_shutdown.connect
def _drain_stage(**kwargs) -> None:
    """A prefork child finishes the batches already rendered before it exits."""
    worker_stage_close()
