"""What a GPU worker does at start and while it runs: load its engines, consume the queues of
those that loaded, and keep a heartbeat row so the site knows which engines are served.

A missing or corrupt checkpoint costs only its own engine: the reason is logged and kept in
the heartbeat for the operator, and the other engines keep serving their queues.
"""

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from generation.engines import EngineError
from generation.models import WorkerHeartbeat
from generation.services.engines import configured_engine, engine_queue

logger = logging.getLogger(__name__)

MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class EngineLoadReport:
    """Which of a worker's engines loaded, and why the others did not."""

    served: tuple[str, ...]
    unavailable: dict[str, str] = field(default_factory=dict)
    devices: tuple[str, ...] = ()


def worker_engines_load(*, names: Iterable[str]) -> EngineLoadReport:
    """Load (and compile, when configured) each engine once, before the first job arrives."""
    served, unavailable, devices = [], {}, []
    for name in names:
        try:
            engine = configured_engine(name)
        # TypeError: registry options the engine class does not take.
        except (EngineError, ValueError, TypeError) as error:
            logger.critical("Engine %r cannot be loaded on this worker: %s", name, error)
            unavailable[name] = str(error)[:MAX_REASON_CHARS]
        else:
            logger.info("Engine %s %s ready (max batch %d)", name, engine.version, engine.max_batch)
            served.append(name)
            if engine.device not in devices:
                devices.append(engine.device)
    return EngineLoadReport(served=tuple(served), unavailable=unavailable, devices=tuple(devices))


class TaskConsumer(Protocol):
    """The part of Celery's worker Consumer (worker_ready's sender) that picks queues."""

    def add_task_queue(self, queue: str) -> None: ...

    def cancel_task_queue(self, queue: str) -> None: ...


def worker_consume_engine_queues(*, consumer: TaskConsumer, report: EngineLoadReport) -> None:
    """Consume gpu.<engine> for the engines that loaded, and not for those that did not (even
    if the command line named them): their jobs wait for a worker that can run them."""
    for name in report.served:
        consumer.add_task_queue(engine_queue(name))
    for name in report.unavailable:
        consumer.cancel_task_queue(engine_queue(name))


@dataclass(frozen=True)
class WorkerIdentity:
    name: str
    host: str
    pid: int
    started_at: datetime


@transaction.atomic
def worker_heartbeat(*, worker: WorkerIdentity, report: EngineLoadReport) -> WorkerHeartbeat:
    """Upsert the worker's row with what it serves now; a restarted worker is live again."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=worker.name,
        defaults={
            "host": worker.host,
            "pid": worker.pid,
            "engines": list(report.served),
            "unavailable": dict(report.unavailable),
            "device": ", ".join(report.devices),
            "started_at": worker.started_at,
            "last_seen": timezone.now(),
            "stopped_at": None,
        },
    )
    return heartbeat


def worker_mark_stopped(*, name: str) -> int:
    """At shutdown: the worker is gone at once, not only after the stale window."""
    now = timezone.now()
    return WorkerHeartbeat.objects.filter(name=name, stopped_at__isnull=True).update(
        stopped_at=now, last_seen=now
    )


class HeartbeatThread(threading.Thread):
    """Calls `beat` every `interval` seconds until stopped. A daemon: a worker that dies
    without stopping it simply goes silent and turns stale."""

    def __init__(self, *, beat: Callable[[], object], interval: float) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.beat = beat
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        """One beat at once (the worker is live as soon as it serves), then every interval."""
        while True:
            try:
                self.beat()
            except DatabaseError as error:  # a database blip skips a beat, never the thread
                logger.warning("Worker heartbeat not written: %s", error)
            finally:
                connection.close()  # this thread's own connection; Django opens one per thread
            if self._stopping.wait(self.interval):
                return

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


def worker_start_serving(
    *, consumer: TaskConsumer, report: EngineLoadReport, worker: WorkerIdentity, interval: float
) -> HeartbeatThread:
    """At worker start: consume the queues of the engines that loaded, then keep the
    heartbeat that tells the site (job pages, /healthz, the admin) what this worker serves."""
    worker_consume_engine_queues(consumer=consumer, report=report)
    thread = HeartbeatThread(
        beat=functools.partial(worker_heartbeat, worker=worker, report=report), interval=interval
    )
    thread.start()
    return thread
