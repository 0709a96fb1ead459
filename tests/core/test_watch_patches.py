"""Patches (core.watch): a running job's progress reaches a poller that saw the last full
render as a few JSON values from the cache, while its session is still cached; anything
else (a change of state, an older epoch, a forged tag, a logged-out session) renders."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.watch import WatchState, watch_bump, watch_etag, watch_state
from generation.models import JobStatus
from generation.services.jobs import job_cancel
from generation.services.worker import job_report_progress
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true"}
CACHED_SESSIONS = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def running_job(buyer):
    return GenerationJobFactory(
        owner=buyer,
        status=JobStatus.RUNNING,
        worker="w",
        lease_expires_at=timezone.now() + timezone.timedelta(minutes=5),
        progress_step=1,
        progress_total=8,
        count=2,
    )


@pytest.fixture
def watcher(client, buyer, settings):
    """A signed-in client whose session lives in the cache-backed session store."""
    settings.SESSION_ENGINE = CACHED_SESSIONS
    client.force_login(buyer)
    return client


def poll(client, job, etag=None):
    headers = {**POLL, "If-None-Match": etag} if etag else POLL
    return client.get(reverse("job_status", kwargs={"job_id": job.pk}), headers=headers)


def progress(job, step, capture):
    with capture(execute=True):
        job_report_progress(job_ids=[job.pk], worker="w", step=step, total=8)


def test_progress_is_patched_in_without_a_query(
    watcher, running_job, django_capture_on_commit_callbacks, django_assert_num_queries
):
    first = poll(watcher, running_job)
    assert first.status_code == 200 and "Step 1 of 8" in first.content.decode()
    progress(running_job, 5, django_capture_on_commit_callbacks)

    with django_assert_num_queries(0):
        patched = poll(watcher, running_job, first["ETag"])

    assert patched.status_code == 200 and patched["X-Watch-Patch"] == "1"
    fields = patched.json()
    assert {k: fields[k] for k in ("label", "step", "total", "percent")} == {
        "label": "Step 5 of 8",
        "step": 5,
        "total": 8,
        "percent": 62,
    }
    assert isinstance(fields["eta_seconds"], int) and fields["eta_seconds"] >= 0
    assert patched["ETag"] != first["ETag"]
    assert patched["Cache-Control"] == "private, no-cache"
    with django_assert_num_queries(0):
        assert poll(watcher, running_job, patched["ETag"]).status_code == 304


def test_the_patch_matches_what_a_full_render_shows(
    watcher, running_job, django_capture_on_commit_callbacks
):
    first = poll(watcher, running_job)
    progress(running_job, 6, django_capture_on_commit_callbacks)
    fields = poll(watcher, running_job, first["ETag"]).json()

    rendered = poll(watcher, running_job).content.decode()

    assert f'data-watch-text="label">{fields["label"]}</label>' in rendered
    assert f'value="{fields["step"]}" data-watch-value="step"' in rendered
    assert f'<span data-watch-text="eta_seconds">{fields["eta_seconds"]}</span>' in rendered


def test_several_patches_since_a_render_send_the_latest(
    watcher, running_job, django_capture_on_commit_callbacks
):
    first = poll(watcher, running_job)
    progress(running_job, 3, django_capture_on_commit_callbacks)
    progress(running_job, 7, django_capture_on_commit_callbacks)

    assert poll(watcher, running_job, first["ETag"]).json()["step"] == 7


def test_a_change_of_state_after_patches_renders_in_full(
    watcher, buyer, running_job, django_capture_on_commit_callbacks
):
    first = poll(watcher, running_job)
    progress(running_job, 4, django_capture_on_commit_callbacks)
    patched = poll(watcher, running_job, first["ETag"])
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=running_job, actor=buyer)

    for etag in (first["ETag"], patched["ETag"]):
        after = poll(watcher, running_job, etag)
        assert not after.has_header("X-Watch-Patch")
        assert "Stopping at the next step" in after.content.decode()


def test_a_logged_out_session_gets_no_patch(
    watcher, running_job, django_capture_on_commit_callbacks
):
    first = poll(watcher, running_job)
    session_cookie = watcher.cookies["sessionid"].value
    progress(running_job, 5, django_capture_on_commit_callbacks)
    watcher.logout()
    watcher.cookies["sessionid"] = session_cookie  # someone kept the old cookie

    response = poll(watcher, running_job, first["ETag"])

    assert response.status_code == 302 and reverse("account_login") in response.url


def test_database_sessions_get_full_renders_not_patches(
    client, buyer, running_job, settings, django_capture_on_commit_callbacks
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client.force_login(buyer)
    first = poll(client, running_job)
    progress(running_job, 5, django_capture_on_commit_callbacks)

    after = poll(client, running_job, first["ETag"])

    assert not after.has_header("X-Watch-Patch") and "Step 5 of 8" in after.content.decode()


def test_a_forged_or_foreign_tag_renders(watcher, running_job, django_capture_on_commit_callbacks):
    first = poll(watcher, running_job)
    progress(running_job, 5, django_capture_on_commit_callbacks)
    epoch, _, digest = first["ETag"].strip('"').split(".")
    state = watch_state("job", running_job.pk)
    forged = f'"{epoch}.{state.version}.{digest}"'  # claims the current version, old HMAC
    someone_else = watch_etag(
        "job", running_job.pk, "another-session", version=state.version, epoch=state.epoch
    )

    for etag in (forged, someone_else, '"garbage"'):
        response = poll(watcher, running_job, etag)
        assert response.status_code == 200 and not response.has_header("X-Watch-Patch")


def test_a_patch_written_against_an_older_epoch_is_never_served():
    """A progress bump that read the epoch just before a change of state started a new one
    leaves a patch of the old epoch: nobody may be patched from it."""
    state = WatchState(
        version="v3",
        epoch="e2",
        patch={"epoch": "e1", "version": "v3", "fields": {}},
        session_cached=True,
    )

    assert state.patch_since("e1") is None
    assert state.patch_since("e2") is None
    fresh = WatchState(
        version="v3",
        epoch="e2",
        patch={"epoch": "e2", "version": "v3", "fields": {"a": 1}},
        session_cached=True,
    )
    assert fresh.patch_since("e2") == {"a": 1}


def test_an_evicted_epoch_turns_a_patch_into_a_full_change(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        watch_bump("job", 9, patch={"step": 1})

    state = watch_state("job", 9)
    assert state.version is not None and state.epoch == state.version and state.patch == {}
