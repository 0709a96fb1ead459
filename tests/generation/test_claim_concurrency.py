"""Workers racing for one queue never claim a job twice.

Every worker reads the same fair order, so they all want the same head; skip_locked and the
status re-check make the losers move on to the next rows. On PostgreSQL the claims truly
overlap (row locks, skip_locked); SQLite runs them one at a time (its write lock), which
still checks that every job is claimed exactly once.
"""

import pytest

from generation.models import GenerationJob, JobEvent, JobStatus
from generation.services.worker import job_claim_batch, job_complete
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db(transaction=True)
WORKERS = 6


def test_racing_claims_never_take_the_same_job_twice():
    owners = [UserFactory() for _ in range(4)]
    jobs = [GenerationJobFactory(owner=owners[i % 4], count=1 + i % 3) for i in range(24)]

    batches = run_in_threads(
        lambda i: job_claim_batch(job_id=jobs[i].pk, worker=f"w{i}", max_images=4),
        WORKERS,
        atomic=False,
    )

    assert not [b for b in batches if isinstance(b, Exception)], batches
    claimed = [job.pk for batch in batches for job in batch]
    assert len(claimed) == len(set(claimed))
    assert all(sum(job.count for job in batch) <= 4 for batch in batches if len(batch) > 1)
    running = GenerationJob.objects.filter(status=JobStatus.RUNNING)
    assert set(running.values_list("pk", flat=True)) == set(claimed)
    assert JobEvent.objects.filter(to_status=JobStatus.RUNNING).count() == len(claimed)


def test_workers_draining_one_queue_run_every_job_exactly_once():
    owners = [UserFactory() for _ in range(3)]
    jobs = [GenerationJobFactory(owner=owners[i % 3], count=1 + i % 4) for i in range(30)]

    def work(i):
        claimed = []
        while batch := job_claim_batch(job_id=jobs[i].pk, worker=f"w{i}", max_images=6):
            for job in batch:
                job_complete(job_id=job.pk, worker=f"w{i}", engine_version="1", images=[])
            claimed += [job.pk for job in batch]
        return claimed

    results = run_in_threads(work, WORKERS, atomic=False)

    assert not [r for r in results if isinstance(r, Exception)], results
    claimed = [pk for result in results for pk in result]
    assert sorted(claimed) == sorted(job.pk for job in jobs)
    assert set(GenerationJob.objects.values_list("status", flat=True)) == {JobStatus.SUCCEEDED}
    assert JobEvent.objects.filter(to_status=JobStatus.RUNNING).count() == len(jobs)
