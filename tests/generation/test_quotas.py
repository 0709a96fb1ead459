"""Each person's GPU allowance: concurrent jobs and images per day, for every way a job is
queued, and without a race between concurrent submissions."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import QuotaExceededError
from generation.models import GenerationJob, JobStatus
from generation.selectors.quotas import quota_usage
from generation.services.jobs import JobSpec, job_create, job_retry
from tests.concurrency import run_in_threads
from tests.generation.factories import GenerationJobFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generation_wakeups")]


def create(owner, count=1):
    spec = JobSpec(prompt="misty forest, watercolor", width=256, height=256, count=count)
    return job_create(owner=owner, spec=spec)


def test_active_jobs_limit_refuses_with_a_retry_after(buyer, settings):
    settings.GENERATION_MAX_ACTIVE_JOBS = 2
    GenerationJobFactory.create_batch(2, owner=buyer, engine="embedded")

    with pytest.raises(QuotaExceededError, match="wait for one to finish") as error:
        create(buyer)

    assert error.value.retry_after > 0 and error.value.code == "quota_exceeded"
    assert GenerationJob.objects.filter(owner=buyer).count() == 2


def test_finished_jobs_free_their_active_slot(buyer, settings):
    settings.GENERATION_MAX_ACTIVE_JOBS = 1
    GenerationJobFactory(owner=buyer, status=JobStatus.SUCCEEDED)

    assert create(buyer).status == JobStatus.QUEUED


def test_daily_images_count_what_was_queued_today(buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 5
    create(buyer, count=4)

    with pytest.raises(QuotaExceededError, match="1 left") as error:
        create(buyer, count=2)

    assert error.value.field == "count"
    midnight = quota_usage(user_id=buyer.pk).resets_at
    assert abs(error.value.retry_after - (midnight - timezone.now()).total_seconds()) < 5
    assert create(buyer, count=1).count == 1  # exactly up to the allowance


def test_failed_and_never_started_jobs_give_their_images_back(buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 4
    GenerationJobFactory(owner=buyer, count=4, status=JobStatus.FAILED)
    GenerationJobFactory(owner=buyer, count=4, status=JobStatus.CANCELLED)
    started = timezone.now()
    GenerationJobFactory(owner=buyer, count=1, status=JobStatus.CANCELLED, started_at=started)

    assert quota_usage(user_id=buyer.pk).images_today == 1
    assert create(buyer, count=3).count == 3


def test_yesterdays_images_do_not_count(buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 2
    old = GenerationJobFactory(owner=buyer, count=2, status=JobStatus.SUCCEEDED)
    yesterday = quota_usage(user_id=buyer.pk).resets_at - dt.timedelta(days=1, seconds=1)
    GenerationJob.objects.filter(pk=old.pk).update(created_at=yesterday)

    assert create(buyer, count=2).count == 2


def test_retry_counts_against_the_allowance(buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 3
    failed = GenerationJobFactory(owner=buyer, engine="embedded", count=2, status="failed")
    create(buyer, count=2)

    with pytest.raises(QuotaExceededError):
        job_retry(job=failed, actor=buyer)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks (CI runs this on PostgreSQL)",
)
def test_concurrent_submissions_cannot_both_take_the_last_slot(buyer, settings):
    settings.GENERATION_MAX_ACTIVE_JOBS = 3
    GenerationJobFactory.create_batch(2, owner=buyer, engine="embedded")

    results = run_in_threads(lambda i: create(buyer), 6)

    made = [r for r in results if isinstance(r, GenerationJob)]
    refused = [r for r in results if isinstance(r, QuotaExceededError)]
    assert (len(made), len(refused)) == (1, 5), results
    assert GenerationJob.objects.filter(owner=buyer, status=JobStatus.QUEUED).count() == 3


def test_profile_page_shows_limits_and_todays_usage(client, buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 50
    settings.GENERATION_MAX_ACTIVE_JOBS = 7
    GenerationJobFactory(owner=buyer, count=3)
    GenerationJobFactory(owner=buyer, count=4, status=JobStatus.FAILED)
    client.force_login(buyer)

    page = client.get("/accounts/profile/").content.decode()

    assert "1 of 7 at a time" in page
    assert "3 of 50 (47 left)" in page
