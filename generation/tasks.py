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

from generation.engines import EngineError
from generation.services.batch import batch_render
from generation.services.engines import configured_engine
from generation.services.stamping import StampingStage, worker_stage, worker_stage_close
from generation.services.worker import jobs_sweep

logger = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@shared_task(name="generation.tasks.run_generation", acks_late=True, bind=True)
def run_generation(self, job_id: str) -> None:
    """Render one batch and return to the broker for the next while the stage stamps and
    stores this one; the message is only a wake-up, the job rows carry the state. Run
    eagerly (tests, inline tasks) the whole batch finishes before the call returns."""
    stage = StampingStage.inline() if self.request.is_eager else worker_stage()
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


def preload_engines() -> None:
    """Load (and compile, when configured) every engine once, before the first job arrives.

    A missing or corrupt checkpoint is reported here, loudly, at worker start; jobs for that
    engine then fail with the same clear message instead of crashing the worker.
    """
    for name in settings.GENERATION_ENGINES:
        try:
            engine = configured_engine(name)
        except (EngineError, ValueError) as error:
            logger.critical("Engine %r cannot be loaded on this worker: %s", name, error)
        else:
            logger.info("Engine %s %s ready (max batch %d)", name, engine.version, engine.max_batch)


@worker_process_init.connect
def _preload_in_pool_process(**kwargs) -> None:
    preload_engines()


@worker_ready.connect
def _preload_in_solo_worker(sender=None, **kwargs) -> None:
    # Prefork children load engines themselves (worker_process_init); the solo and thread
    # pools run jobs in this process, so load here.
    pool = getattr(sender, "pool", None)
    if pool is not None and type(pool).__module__.rsplit(".", 1)[-1] in {"solo", "thread"}:
        preload_engines()


@worker_shutdown.connect
@worker_process_shutdown.connect
def _drain_stage(**kwargs) -> None:
    """Warm shutdown: finish the batches already rendered before the process exits."""
    worker_stage_close()
