"""Who renders next: owners take turns image by image, priority first, the message only wakes.

The claim (`job_claim_batch`) and the queue position (`job_queue_state`) read one fair order
(`generation.selectors.queue.fair_queue`); these tests drive both through the worker's own
use cases, completing each claimed batch the way a worker would.
"""

import pytest

from generation.models import GenerationJob, JobEvent, JobStatus
from generation.selectors.jobs import DEFAULT_SECONDS_PER_IMAGE, job_queue_state
from generation.selectors.queue import fair_queue
from generation.services.worker import job_claim_batch, job_complete
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db
W = "worker-a:1"
MAX_BATCH = 16


def queue(owner, *counts, **fields):
    """Queue one job per count for `owner`, oldest first."""
    return [GenerationJobFactory(owner=owner, count=count, **fields) for count in counts]


def claim_and_finish(*, message, max_images=MAX_BATCH):
    """One worker turn woken by `message`: claim a batch, complete every job in it."""
    batch = job_claim_batch(job_id=message.pk, worker=W, max_images=max_images)
    for job in batch:
        job_complete(job_id=job.pk, worker=W, engine_version="test-1", images=[])
    return [job.pk for job in batch]


def drain(*, message, max_images=MAX_BATCH):
    """Run worker turns until nothing is queued; the batches in the order they ran."""
    batches = []
    while batch := claim_and_finish(message=message, max_images=max_images):
        batches.append(batch)
    return batches


def test_eighty_queued_images_delay_another_users_single_image_by_one_batch_at_most():
    heavy = queue(UserFactory(), *[8] * 10)  # 80 images, queued first
    single = GenerationJobFactory(owner=UserFactory())

    batches = drain(message=heavy[0])

    first_with_single = next(i for i, batch in enumerate(batches) if single.pk in batch)
    assert first_with_single <= 1, batches
    assert batches[0] == [heavy[0].pk, single.pk]
    assert sum(len(batch) for batch in batches) == 11  # each job claimed exactly once
    assert not GenerationJob.objects.filter(status=JobStatus.QUEUED).exists()


@pytest.mark.parametrize(
    ("max_images", "single_fields"),
    [(8, {}), (MAX_BATCH, {"width": 512, "height": 512})],
    ids=["no-room-beside-the-heavy-job", "another-size"],
)
def test_a_single_image_that_cannot_share_the_batch_leads_the_next_one(max_images, single_fields):
    heavy = queue(UserFactory(), *[8] * 10)
    single = GenerationJobFactory(owner=UserFactory(), **single_fields)

    batches = drain(message=heavy[0], max_images=max_images)

    assert batches[1] == [single.pk], batches  # the heavy owner was served; the other was not


def test_three_owners_take_turns_image_by_image():
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    a1, a2 = queue(ann, 2, 2)
    b1, b2, b3, b4 = queue(bob, 1, 1, 1, 1)
    (c1,) = queue(cat, 3)

    order = [job.pk for job in fair_queue(engine="scripted")]

    # ranks: ann 0, 2; bob 0, 1, 2, 3; cat 0 — equal ranks go oldest first
    assert order == [a1.pk, b1.pk, c1.pk, b2.pk, a2.pk, b3.pk, b4.pk]
    # one job per batch: the turns hold while the queue drains
    assert drain(message=c1, max_images=1) == [[pk] for pk in order]


def test_priority_beats_fairness_and_paid_jobs_still_take_turns():
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    free = queue(ann, 1)
    bob_paid = queue(bob, 4, 4, priority=10)
    cat_paid = queue(cat, 1, priority=10)

    order = [job.pk for job in fair_queue(engine="scripted")]

    assert order == [bob_paid[0].pk, cat_paid[0].pk, bob_paid[1].pk, free[0].pk]
    assert claim_and_finish(message=free[0], max_images=4) == [bob_paid[0].pk]


def test_the_leader_is_the_fair_head_whatever_job_the_message_names():
    ann, bob = UserFactory(), UserFactory()
    heavy = queue(ann, 8, 8, 8)
    single = GenerationJobFactory(owner=bob)
    other_size = GenerationJobFactory(owner=bob, width=512, height=512)

    batch = job_claim_batch(job_id=other_size.pk, worker=W, max_images=MAX_BATCH)

    assert [job.pk for job in batch] == [heavy[0].pk, single.pk]
    assert GenerationJob.objects.get(pk=other_size.pk).status == JobStatus.QUEUED
    assert GenerationJob.objects.get(pk=heavy[2].pk).status == JobStatus.QUEUED


def test_only_the_named_jobs_engine_is_looked_at():
    elsewhere = GenerationJobFactory(engine="embedded")
    job = GenerationJobFactory()

    assert [j.pk for j in job_claim_batch(job_id=job.pk, worker=W, max_images=8)] == [job.pk]
    assert GenerationJob.objects.get(pk=elsewhere.pk).status == JobStatus.QUEUED


def test_a_duplicate_message_with_nothing_queued_is_a_no_op():
    job = GenerationJobFactory()
    assert claim_and_finish(message=job) == [job.pk]
    events = JobEvent.objects.count()

    assert job_claim_batch(job_id=job.pk, worker="worker-b:2", max_images=8) == []
    assert job_claim_batch(job_id=GenerationJobFactory.build().pk, worker=W, max_images=8) == []
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == (JobStatus.SUCCEEDED, W, 1)
    assert JobEvent.objects.count() == events


def test_queue_position_and_eta_follow_the_fair_order():
    heavy = queue(UserFactory(), *[8] * 10)
    single = GenerationJobFactory(owner=UserFactory())
    GenerationJobFactory(engine="embedded", count=8)  # another engine's queue: not ahead

    last = job_queue_state(job=heavy[-1])
    first = job_queue_state(job=single)

    assert (last.position, last.images_ahead) == (11, 9 * 8 + 1)  # the single image is ahead
    assert (first.position, first.images_ahead) == (2, 8)
    assert first.images_ahead <= MAX_BATCH
    assert first.eta_seconds == round((8 + 1) * DEFAULT_SECONDS_PER_IMAGE)


def test_running_jobs_of_the_same_engine_count_as_ahead():
    running = GenerationJobFactory(count=3)
    job_claim_batch(job_id=running.pk, worker=W, max_images=3)
    job = GenerationJobFactory()

    state = job_queue_state(job=job)

    assert (state.position, state.images_ahead) == (1, 3)
