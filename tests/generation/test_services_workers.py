"""Worker start and heartbeats: each engine loads on its own, only loaded engines get their
queue, and the heartbeat row tells the site which engines live workers serve."""

import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from generation.engines import clear_cache
from generation.models import WorkerHeartbeat
from generation.selectors.workers import engines_with_live_workers, live_workers
from generation.services.workers import (
    EngineLoadReport,
    HeartbeatThread,
    WorkerIdentity,
    worker_engines_load,
    worker_heartbeat,
    worker_mark_stopped,
    worker_start_serving,
)

DIFFUSERS = "generation.engines.diffusers_engine.DiffusersEngine"


class FakeConsumer:
    """The two calls of Celery's Consumer that pick queues, recorded."""

    def __init__(self):
        self.added, self.cancelled = [], []

    def add_task_queue(self, queue):
        self.added.append(queue)

    def cancel_task_queue(self, queue):
        self.cancelled.append(queue)


def identity(name="gpu@host-a", **overrides) -> WorkerIdentity:
    values = {"name": name, "host": "host-a", "pid": 41, "started_at": timezone.now()}
    return WorkerIdentity(**{**values, **overrides})


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
def pool_engines(settings, tiny_pipeline_dir: Path, tmp_path: Path):
    """A good tiny checkpoint, a corrupt copy and a missing one, as three registry entries."""
    corrupt = tmp_path / "corrupt"
    shutil.copytree(tiny_pipeline_dir, corrupt)
    weights = next(corrupt.rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])
    options = {"sizes": ["64x64"], "device": "cpu"}
    settings.GENERATION_ENGINES = {
        "tiny": {"class": DIFFUSERS, "options": {**options, "checkpoint": str(tiny_pipeline_dir)}},
        "broken": {"class": DIFFUSERS, "options": {**options, "checkpoint": str(corrupt)}},
        "absent": {"class": DIFFUSERS, "options": {**options, "checkpoint": str(tmp_path / "no")}},
    }
    clear_cache()
    yield
    clear_cache()


@pytest.mark.django_db(transaction=True)
def test_worker_start_serves_the_good_engine_and_records_why_the_others_are_not(pool_engines):
    report = worker_engines_load(names=["tiny", "broken", "absent", "unknown"])
    consumer = FakeConsumer()

    thread = worker_start_serving(
        consumer=consumer, report=report, worker=identity(), interval=0.05
    )
    try:
        row = wait_for(lambda: WorkerHeartbeat.objects.filter(name="gpu@host-a").first())
    finally:
        thread.stop()

    assert report.served == ("tiny",) and report.devices == ("cpu",)
    assert consumer.added == ["gpu.tiny"]
    assert consumer.cancelled == ["gpu.broken", "gpu.absent", "gpu.unknown"]
    assert row.engines == ["tiny"] and row.device == "cpu"
    assert set(row.unavailable) == {"broken", "absent", "unknown"}
    assert "Could not load diffusers checkpoint" in row.unavailable["broken"]
    assert "checkpoint directory not found" in row.unavailable["absent"]
    assert "Unknown engine 'unknown'" in row.unavailable["unknown"]
    assert engines_with_live_workers() == {"tiny"}


def test_registry_options_the_engine_does_not_take_make_it_unavailable(settings):
    settings.GENERATION_ENGINES = {
        "odd": {"class": "generation.engines.embedded.EmbeddedEngine", "options": {"x": 1}}
    }
    clear_cache()

    report = worker_engines_load(names=["odd"])

    assert report.served == () and "unexpected keyword argument 'x'" in report.unavailable["odd"]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_every_interval_until_stopped():
    report = EngineLoadReport(served=("embedded",), devices=("cpu",))
    worker = identity()
    thread = HeartbeatThread(
        beat=lambda: worker_heartbeat(worker=worker, report=report), interval=0.05
    )
    thread.start()
    first = wait_for(lambda: WorkerHeartbeat.objects.filter(name=worker.name).first()).last_seen
    wait_for(lambda: WorkerHeartbeat.objects.get(name=worker.name).last_seen > first)
    thread.stop()

    assert not thread.is_alive()
    assert worker_mark_stopped(name=worker.name) == 1
    assert engines_with_live_workers() == set()


@pytest.mark.django_db
def test_a_restarted_worker_reuses_its_row_and_is_live_again():
    report = EngineLoadReport(served=("embedded",))
    worker_heartbeat(worker=identity(pid=1), report=report)
    worker_mark_stopped(name="gpu@host-a")

    row = worker_heartbeat(worker=identity(pid=2), report=report)

    assert WorkerHeartbeat.objects.count() == 1
    assert (row.pid, row.stopped_at) == (2, None)
    assert list(live_workers()) == [row]


@pytest.mark.django_db
def test_a_worker_silent_for_the_stale_window_is_no_longer_live(settings):
    settings.GENERATION_WORKER_STALE_SECONDS = 60
    report = EngineLoadReport(served=("embedded",))
    worker_heartbeat(worker=identity("gpu@fresh"), report=report)
    worker_heartbeat(worker=identity("gpu@silent"), report=EngineLoadReport(served=("sdxl",)))
    WorkerHeartbeat.objects.filter(name="gpu@silent").update(
        last_seen=timezone.now() - timedelta(seconds=61)
    )

    assert [worker.name for worker in live_workers()] == ["gpu@fresh"]
    assert engines_with_live_workers() == {"embedded"}
    settings.GENERATION_WORKER_STALE_SECONDS = 120
    assert engines_with_live_workers() == {"embedded", "sdxl"}


@pytest.mark.django_db(transaction=True)
def test_worker_ready_and_shutdown_signals_serve_and_then_retire_the_worker(settings):
    from generation import tasks

    settings.GENERATION_WORKER_ENGINES = ["embedded", "sdxl"]
    settings.GENERATION_WORKER_HEARTBEAT_SECONDS = 0.05
    consumer = FakeConsumer()
    consumer.hostname = "gpu@signals"
    consumer.pool = type("TaskPool", (), {"__module__": "celery.concurrency.solo"})()

    tasks._start_serving(sender=consumer)
    row = wait_for(lambda: WorkerHeartbeat.objects.filter(name="gpu@signals").first())
    tasks._stop_heartbeat()

    assert consumer.added == ["gpu.embedded"] and consumer.cancelled == ["gpu.sdxl"]
    assert row.engines == ["embedded"] and "Unknown engine 'sdxl'" in row.unavailable["sdxl"]
    row.refresh_from_db()
    assert row.stopped_at is not None and tasks._heartbeats == {}
    assert engines_with_live_workers() == set()
