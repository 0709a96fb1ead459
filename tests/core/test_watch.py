"""Conditional polling (core.watch) through the job status fragment: 304 without a query,
a bump makes the next poll render, ETags are per viewer, a flushed cache renders."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.watch import watch_bump, watch_etag, watch_version
from generation.models import JobStatus
from generation.services.jobs import job_cancel
from generation.services.worker import job_report_progress
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true"}


@pytest.fixture
def running_job(buyer):
    return GenerationJobFactory(
        owner=buyer,
        status=JobStatus.RUNNING,
        worker="w",
        lease_expires_at=timezone.now() + timezone.timedelta(minutes=5),
        progress_step=1,
        progress_total=8,
    )


def status_url(job) -> str:
    return reverse("job_status", kwargs={"job_id": job.pk})


def poll(client, job, etag=None):
    headers = {**POLL, "If-None-Match": etag} if etag else POLL
    return client.get(status_url(job), headers=headers)


def test_an_unchanged_job_answers_304_without_a_query(
    client, buyer, running_job, django_assert_num_queries
):
    client.force_login(buyer)
    first = poll(client, running_job)
    assert first.status_code == 200 and "Step 1 of 8" in first.content.decode()
    assert first["Cache-Control"] == "private, no-cache"
    assert re.fullmatch(r'"[0-9a-f]{16}\.[0-9a-f]{16}\.[0-9a-f]{20}"', first["ETag"])

    with django_assert_num_queries(0):
        second = poll(client, running_job, first["ETag"])

    assert second.status_code == 304 and second.content == b""
    assert second["ETag"] == first["ETag"]


def test_progress_makes_the_next_poll_render_with_a_new_etag(
    client, buyer, running_job, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    first = poll(client, running_job)

    with django_capture_on_commit_callbacks(execute=True):
        job_report_progress(job_ids=[running_job.pk], worker="w", step=5, total=8)
    after = poll(client, running_job, first["ETag"])

    assert after.status_code == 200 and "Step 5 of 8" in after.content.decode()
    assert after["ETag"] != first["ETag"]
    assert poll(client, running_job, after["ETag"]).status_code == 304


def test_every_progress_report_is_a_new_version_and_a_change_of_state_too(
    buyer, running_job, django_capture_on_commit_callbacks
):
    """Reports are never dropped (a dropped one would leave a viewer a window behind)."""
    seen = set()
    for step in (2, 3, 4):
        with django_capture_on_commit_callbacks(execute=True):
            job_report_progress(job_ids=[running_job.pk], worker="w", step=step, total=8)
        seen.add(watch_version("job", running_job.pk))
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=running_job, actor=buyer)
    seen.add(watch_version("job", running_job.pk))

    assert None not in seen and len(seen) == 4


def test_a_cancel_request_is_a_change_too(
    client, buyer, running_job, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    first = poll(client, running_job)

    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=running_job, actor=buyer)

    after = poll(client, running_job, first["ETag"])
    assert after.status_code == 200 and "Stopping at the next step" in after.content.decode()


def test_another_persons_etag_opens_nothing(client, buyer, running_job):
    client.force_login(buyer)
    etag = poll(client, running_job)["ETag"]
    client.force_login(UserFactory())

    assert poll(client, running_job, etag).status_code == 404


def test_the_same_person_in_a_new_session_gets_a_full_render(client, buyer, running_job):
    client.force_login(buyer)
    etag = poll(client, running_job)["ETag"]
    client.logout()
    client.force_login(buyer)

    again = poll(client, running_job, etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_a_forged_session_cookie_is_sent_to_log_in(client, buyer, running_job):
    client.cookies["sessionid"] = "not-a-session"
    etag = watch_etag("job", running_job.pk, "not-a-session", scope=status_url(running_job))

    response = poll(client, running_job, etag or '"x"')

    assert response.status_code == 302 and reverse("account_login") in response.url


def test_a_flushed_cache_renders_instead_of_a_stale_304(client, buyer, running_job):
    client.force_login(buyer)
    etag = poll(client, running_job)["ETag"]

    cache.clear()

    again = poll(client, running_job, etag)
    assert again.status_code == 200 and again["ETag"] != etag
    assert watch_version("job", running_job.pk) is not None


def test_full_pages_and_queued_jobs_carry_no_etag(client, buyer, running_job):
    client.force_login(buyer)
    queued = GenerationJobFactory(owner=buyer)

    assert not client.get(status_url(running_job)).has_header("ETag")
    page = client.get(reverse("job_detail", kwargs={"job_id": running_job.pk}))
    assert not page.has_header("ETag")
    # Its place in the queue moves with other people's jobs, which bump nothing of its own.
    assert not poll(client, queued).has_header("ETag")


def test_without_a_shared_cache_every_poll_renders(client, buyer, running_job, settings):
    settings.WATCH_ETAGS = False
    client.force_login(buyer)

    assert not poll(client, running_job).has_header("ETag")


def test_etags_differ_by_viewer_and_version_and_need_a_version(django_capture_on_commit_callbacks):
    assert watch_etag("job", 1, "a") is None
    version = watch_version("job", 1, create=True)
    first = watch_etag("job", 1, "a")

    assert first == watch_etag("job", 1, "a", version=version)
    assert first != watch_etag("job", 1, "b")
    assert first != watch_etag("job", 2, "a", version=version)
    with django_capture_on_commit_callbacks(execute=True):
        watch_bump("job", 1)
    assert watch_etag("job", 1, "a") != first


def test_job_page_loads_the_watcher_and_has_no_inline_script(client, buyer, running_job):
    client.force_login(buyer)

    page = client.get(reverse("job_detail", kwargs={"job_id": running_job.pk})).content.decode()

    assert f'data-watch-url="{status_url(running_job)}"' in page
    assert 'data-watch-interval="1"' in page and "hx-trigger" not in page
    assert "/static/js/watch.js" in page
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page) == []
