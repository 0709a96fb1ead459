"""Kill -9 a real Celery worker in the middle of its batches, several times: every job still
ends succeeded exactly once (no lost jobs, no duplicate pieces).

The workers are separate processes (`celery -A config worker`, with their stamping process
pool) on the configured broker (filesystem locally, Redis in CI) and the test database; the
sweeper re-queues jobs whose worker lease expired, as beat would.
"""

import time
from collections.abc import Callable

import pytest
from django.core.files.storage import storages
from django.db.models import F

from generation.models import GenerationJob, JobStatus, Piece
from generation.services.jobs import JobSpec, job_create
from generation.services.worker import jobs_sweep
from provenance import xmp
from tests.factories import UserFactory
from tests.faults.workers import kill
from tests.faults.workers import start_worker as start_worker_process
from tests.storage import stored_names

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 4
KILLS = 3
IMAGES_PER_JOB = 4


def start_worker(log):
    return start_worker_process(log, lease_seconds=LEASE_SECONDS, stamp_processes=2)


def running_job_exists() -> bool:
    return GenerationJob.objects.filter(status=JobStatus.RUNNING).exists()


def stamping_job_exists() -> bool:
    """A job whose pixels are rendered and which is not finished sits in the stamping stage."""
    return GenerationJob.objects.filter(
        status=JobStatus.RUNNING, progress_total__gt=0, progress_step__gte=F("progress_total")
    ).exists()


def piece_files() -> list[str]:
    return stored_names("pieces")


def commission(count: int, size: int, steps: int) -> list[GenerationJob]:
    owner = UserFactory()
    jobs = [
        job_create(
            owner=owner,
            spec=JobSpec(
                prompt=f"storm over the sea number {i}, oil painting",
                width=size,
                height=size,
                steps=steps,
                count=IMAGES_PER_JOB,
            ),
        )
        for i in range(count)
    ]
    # A dead worker costs every job in its batch one attempt; after max_attempts a job is
    # failed on purpose (a job that kills its worker must not loop forever).
    GenerationJob.objects.update(max_attempts=KILLS + 2)
    return jobs


def kill_while(in_window: Callable[[], bool], jobs, log, settle: float) -> int:
    """Kill the worker KILLS times while `in_window()` holds; then let a last one finish."""
    kills = 0
    deadline = time.monotonic() + 300
    worker = start_worker(log)
    try:
        while kills < KILLS and time.monotonic() < deadline:
            while not in_window() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(settle)
            if not in_window():
                continue
            kill(worker)
            kills += 1
            # The sweeper (beat, in production) re-queues once the dead worker's lease lapses.
            sweep_until = time.monotonic() + LEASE_SECONDS * 5
            while running_job_exists() and time.monotonic() < sweep_until:
                time.sleep(0.5)
                jobs_sweep(stale_queue_seconds=1)
            worker = start_worker(log)
        while time.monotonic() < deadline:
            jobs_sweep(stale_queue_seconds=5)
            if all(
                job.is_finished for job in GenerationJob.objects.filter(pk__in=[j.pk for j in jobs])
            ):
                break
            time.sleep(0.5)
    finally:
        kill(worker)
    return kills


def assert_each_job_succeeded_exactly_once(jobs, log) -> list[GenerationJob]:
    done = list(GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]))
    assert {job.status for job in done} == {JobStatus.SUCCEEDED}, [job.error for job in done]
    for job in done:
        assert sorted(job.pieces.values_list("index", flat=True)) == list(range(IMAGES_PER_JOB))
    assert Piece.objects.count() == len(jobs) * IMAGES_PER_JOB
    requeued = sum(
        job.events.filter(from_status="running", to_status="queued").count() for job in done
    )
    assert requeued >= 1, log.read_text()[-3000:]  # a kill interrupted a batch that ran again
    return done


def test_killing_workers_mid_batch_loses_and_duplicates_nothing(tmp_path):
    jobs = commission(count=6, size=768, steps=50)
    log = tmp_path / "workers.log"

    kills = kill_while(running_job_exists, jobs, log, settle=0.5)

    assert kills == KILLS, log.read_text()[-3000:]
    assert_each_job_succeeded_exactly_once(jobs, log)


def test_killing_workers_while_they_stamp_loses_and_duplicates_nothing(tmp_path):
    """Rendering is quick here and stamping 1024² originals is not: the kills land while
    batches sit in the stamping stage (rendered, not yet completed)."""
    jobs = commission(count=6, size=1024, steps=2)
    log = tmp_path / "workers.log"
    before = set(piece_files())

    kills = kill_while(stamping_job_exists, jobs, log, settle=0.05)

    assert kills == KILLS, log.read_text()[-3000:]
    assert_each_job_succeeded_exactly_once(jobs, log)
    # Killed attempts may leave files behind, but only stamped ones: unmarked pixels never
    # reach storage.
    names = set(piece_files()) - before
    assert len(names) >= len(jobs) * IMAGES_PER_JOB
    for name in names:
        with storages["default"].open(f"pieces/{name}") as original:
            packet = xmp.read_packet(original.read())
        assert packet is not None and "trainedAlgorithmicMedia" in packet, name
