import pytest

from core.errors import ApplicationError, PermissionDeniedError
from generation.models import GenerationJob, JobStatus
from generation.services.jobs import (
    JobSpec,
    job_cancel,
    job_create,
    job_retry,
)
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db


def create(owner, **overrides):
    kwargs = {"prompt": "misty forest, watercolor", "width": 256, "height": 256, "count": 2}
    kwargs.update(overrides)
    return job_create(owner=owner, spec=JobSpec(**kwargs))


def test_job_create_queues_with_a_recorded_seed_and_wakes_a_worker(
    buyer, django_capture_on_commit_callbacks, generation_wakeups
):

    with django_capture_on_commit_callbacks(execute=True):
        job = create(buyer)

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.engine == "embedded" and job.steps == 8 and job.progress_total == 8
    assert 0 <= job.seed < 2**32
    assert job.enqueued_at is not None
    assert generation_wakeups == [(str(job.pk), "gpu.embedded")]
    assert [(e.from_status, e.to_status) for e in job.events.all()] == [("", "queued")]


def test_job_create_keeps_an_explicit_seed(buyer):
    assert create(buyer, seed=42).seed == 42


def test_job_create_stores_the_priority_and_defaults_to_zero(buyer):
    paid = job_create(
        owner=buyer, spec=JobSpec(prompt="harbour", width=256, height=256), priority=10
    )

    assert GenerationJob.objects.get(pk=paid.pk).priority == 10
    assert create(buyer).priority == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": "   "}, "Prompt must not be empty."),
        ({"prompt": "x" * 5000}, "Prompt is 5000 characters; the maximum is 1000."),
        ({"width": 300, "height": 300}, "Size 300x300 is not supported"),
        ({"steps": 0}, "Steps must be between 1 and 50; got 0."),
        ({"steps": 51}, "Steps must be between 1 and 50; got 51."),
        ({"seed": 2**32}, "Seed must be between 0"),
        ({"engine": "dall-e"}, "Unknown engine 'dall-e'; available engines: embedded."),
        ({"count": 9}, "Choose between 1 and 8 images."),
    ],
)
def test_job_create_rejects_bad_input_and_writes_nothing(buyer, overrides, message):
    with pytest.raises(ApplicationError) as error:
        create(buyer, **overrides)

    assert message in error.value.message
    assert not GenerationJob.objects.exists()


def test_cancel_queued_job_is_immediate(buyer):
    job = GenerationJobFactory(owner=buyer)

    job = job_cancel(job=job, actor=buyer)

    assert job.status == JobStatus.CANCELLED and job.finished_at
    assert job.events.last().actor == buyer


def test_cancel_running_job_asks_the_worker(buyer):
    job = GenerationJobFactory(owner=buyer)
    GenerationJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, lease_expires_at="2100-01-01T00:00:00Z"
    )

    job = job_cancel(job=job, actor=buyer)

    assert job.status == JobStatus.RUNNING and job.cancel_requested
    assert not job.can_cancel


def test_cancel_finished_job_is_refused(buyer):
    job = GenerationJobFactory(owner=buyer, status=JobStatus.SUCCEEDED)

    with pytest.raises(ApplicationError, match="already succeeded"):
        job_cancel(job=job, actor=buyer)


def test_only_the_owner_can_cancel_or_retry(buyer):
    job = GenerationJobFactory(owner=buyer, status=JobStatus.FAILED)
    other = UserFactory()

    with pytest.raises(PermissionDeniedError):
        job_cancel(job=job, actor=other)
    with pytest.raises(PermissionDeniedError):
        job_retry(job=job, actor=other)
    assert GenerationJob.objects.count() == 1


def test_retry_creates_a_new_job_with_the_same_settings(buyer, scripted_engine):
    job = GenerationJobFactory(owner=buyer, status=JobStatus.FAILED, seed=7, count=3)

    retry = job_retry(job=job, actor=buyer)

    assert retry.pk != job.pk and retry.retry_of == job
    assert (retry.prompt, retry.seed, retry.count, retry.steps) == (job.prompt, 7, 3, job.steps)
    assert retry.status == JobStatus.QUEUED
    assert retry.priority == 0  # a free retry is not paid work


def test_retry_of_a_succeeded_job_is_refused(buyer):
    job = GenerationJobFactory(owner=buyer, status=JobStatus.SUCCEEDED)

    with pytest.raises(ApplicationError, match="Only failed or cancelled"):
        job_retry(job=job, actor=buyer)


def test_a_job_wakes_a_worker_on_its_own_engines_queue(
    buyer, scripted_engine, django_capture_on_commit_callbacks, generation_wakeups
):
    with django_capture_on_commit_callbacks(execute=True):
        scripted = create(buyer, engine="scripted", steps=4)
        embedded = create(buyer)

    assert generation_wakeups == [
        (str(scripted.pk), "gpu.scripted"),
        (str(embedded.pk), "gpu.embedded"),
    ]
