"""End to end through the real broker and a real Celery worker."""

import time

import pytest

from generation.models import GenerationJob, JobStatus
from generation.services.jobs import JobSpec, job_cancel, job_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")


def finished(job_ids):
    def check():
        jobs = list(GenerationJob.objects.filter(pk__in=job_ids))
        return jobs if all(job.is_finished for job in jobs) else None

    return check


def test_jobs_commissioned_through_services_are_run_by_the_worker(celery_worker):
    owner = UserFactory()
    jobs = [
        job_create(
            owner=owner, spec=JobSpec(prompt=prompt, width=256, height=256, steps=2, count=2)
        )
        for prompt in ("misty forest at dawn", "neon city at night", "calm ocean, watercolor")
    ]

    done = wait_for(finished([job.pk for job in jobs]))

    assert {job.status for job in done} == {JobStatus.SUCCEEDED}
    for job in done:
        assert job.pieces.count() == 2
        assert len(set(job.pieces.values_list("sha256", flat=True))) == 2
        assert [e.to_status for e in job.events.all()] == ["queued", "running", "succeeded"]


def test_a_running_job_can_be_cancelled(celery_worker, scripted_engine, settings):
    settings.GENERATION_PROGRESS_INTERVAL = 0
    settings.GENERATION_ENGINES["scripted"]["options"] = {"step_delay": 0.05}
    owner = UserFactory()
    job = job_create(
        owner=owner,
        spec=JobSpec(prompt="slow one", width=256, height=256, steps=50, engine="scripted"),
    )
    wait_for(lambda: GenerationJob.objects.get(pk=job.pk).progress_step >= 2)

    job_cancel(job=job, actor=owner)
    job = wait_for(finished([job.pk]))[0]

    assert job.status == JobStatus.CANCELLED
    assert 2 <= job.progress_step < 50
    assert not job.pieces.exists()
