"""Kill -9 a real Celery worker in the middle of its batches, several times: every job still
ends succeeded exactly once (no lost jobs, no duplicate pieces).

The workers are separate processes (`celery -A config worker`) on the configured broker
(filesystem locally, Redis in CI) and the test database; the sweeper re-queues jobs whose
worker lease expired, as beat would.
"""

import time

import pytest

from generation.models import GenerationJob, JobStatus, Piece
from generation.services.jobs import JobSpec, job_create
from generation.services.worker import jobs_sweep
from tests.factories import UserFactory
from tests.faults.workers import kill
from tests.faults.workers import start_worker as start_worker_process

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 4
KILLS = 3


def start_worker(log):
    return start_worker_process(log, lease_seconds=LEASE_SECONDS)


def running_job_exists() -> bool:
    return GenerationJob.objects.filter(status=JobStatus.RUNNING).exists()


def test_killing_workers_mid_batch_loses_and_duplicates_nothing(tmp_path):
    owner = UserFactory()
    jobs = [
        job_create(
            owner=owner,
            spec=JobSpec(
                prompt=f"storm over the sea number {i}, oil painting",
                width=768,
                height=768,
                steps=50,
                count=4,
            ),
        )
        for i in range(6)
    ]
    # A dead worker costs every job in its batch one attempt; after max_attempts a job is
    # failed on purpose (a job that kills its worker must not loop forever).
    GenerationJob.objects.update(max_attempts=KILLS + 2)
    log = tmp_path / "workers.log"
    kills = 0
    deadline = time.monotonic() + 300
    worker = start_worker(log)
    try:
        while kills < KILLS and time.monotonic() < deadline:
            while not running_job_exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)  # inside a batch: rendering or stamping
            if not running_job_exists():
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

    assert kills == KILLS, log.read_text()[-3000:]
    done = list(GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]))
    assert {job.status for job in done} == {JobStatus.SUCCEEDED}, [job.error for job in done]
    for job in done:
        assert sorted(job.pieces.values_list("index", flat=True)) == [0, 1, 2, 3]
    assert Piece.objects.count() == 6 * 4
    requeued = sum(
        job.events.filter(from_status="running", to_status="queued").count() for job in done
    )
    assert requeued >= 1  # at least one kill interrupted a batch that then ran again
