"""Restart Redis mid-run, losing everything in it (`SHUTDOWN NOSAVE`, then start it again on
the same port): every job still succeeds exactly once and the web stays up meanwhile.

The broker is a private redis-server this test starts (never the shared one); the worker is
a real `celery -A config worker` process on it and the test database. Messages queued
before the restart are lost with it; the sweeper (beat, in production) re-wakes the queued
rows, which are the truth.
"""

import time

import pytest
from django.urls import reverse

from generation.models import GenerationJob, JobEvent, JobStatus, Piece
from generation.services.jobs import JobSpec, job_create
from generation.services.worker import jobs_sweep
from licensing.models import LicenceGrant
from payments.models import OrderStatus, WebhookEvent
from payments.services.webhooks import webhooks_requeue_stale
from tests.factories import UserFactory
from tests.faults.workers import kill, start_worker
from tests.marketplace.factories import make_listing
from tests.payments.conftest import post_event, session_completed
from tests.payments.factories import make_order

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

COUNT = 2  # images per job
DEADLINE_SECONDS = 300


def commission(owner, steps: int) -> GenerationJob:
    # Distinct step counts keep each job in its own batch, so some wait in the queue.
    return job_create(
        owner=owner,
        spec=JobSpec(
            prompt=f"harbour lights at dusk, {steps} steps, watercolor",
            width=512,
            height=512,
            steps=steps,
            count=COUNT,
            seed=steps,
        ),
    )


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()["checks"]


def test_redis_restart_mid_run_loses_no_job_and_the_web_stays_up(client, tmp_path, redis_broker):
    owner = UserFactory()
    client.force_login(owner)
    assert health(client)[0] == 200
    before = [commission(owner, steps) for steps in (10, 12, 14, 16)]
    log = tmp_path / "worker.log"
    worker = start_worker(log, broker_url=redis_broker.url)
    try:
        running = wait_for(
            lambda: GenerationJob.objects.filter(status=JobStatus.RUNNING).exists(), 120
        )
        assert running, log.read_text()[-3000:]
        queued_when_lost = GenerationJob.objects.filter(status=JobStatus.QUEUED).count()

        redis_broker.shutdown_nosave()

        # The web keeps answering while the broker is gone, and says so honestly.
        status, checks = health(client)
        assert status == 503
        assert checks["broker"]["ok"] is False and checks["database"]["ok"] is True
        assert client.get(reverse("job_list")).status_code == 200
        during = []
        for steps in (18, 20):
            response = client.post(
                reverse("commission"),
                {
                    "prompt": f"harbour lights at dusk, {steps} steps, watercolor",
                    "engine": "embedded",
                    "size": "512x512",
                    "count": COUNT,
                    "steps": steps,
                    "seed": steps,
                },
            )
            assert response.status_code == 302, response.content.decode()[-2000:]
            during.append(GenerationJob.objects.get(steps=steps))
        assert client.get(response.url).status_code == 200  # the job page, still queued

        redis_broker.start()  # same port, empty
        assert wait_for(lambda: health(client)[0] == 200, 10)
        after = [commission(owner, steps) for steps in (22, 24)]
        jobs = before + during + after

        def all_finished() -> bool:
            jobs_sweep(stale_queue_seconds=5)  # what beat runs every 30 s in production
            return all(
                job.is_finished for job in GenerationJob.objects.filter(pk__in=[j.pk for j in jobs])
            )

        finished = wait_for(all_finished, DEADLINE_SECONDS, interval=1)
        assert finished, log.read_text()[-3000:]
    finally:
        kill(worker)

    assert queued_when_lost >= 1  # the restart really lost queued messages
    done = list(GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]))
    assert {job.status for job in done} == {JobStatus.SUCCEEDED}, [job.error for job in done]
    for job in done:
        assert sorted(job.pieces.values_list("index", flat=True)) == list(range(COUNT))
        succeeded = JobEvent.objects.filter(job=job, to_status=JobStatus.SUCCEEDED).count()
        assert succeeded == 1
    assert Piece.objects.count() == len(jobs) * COUNT
    assert health(client)[0] == 200


def test_a_payment_event_during_the_outage_is_kept_and_granted_after_the_restart(
    client, redis_broker, stripe_settings, run_tasks_inline, creator, buyer
):
    order = make_order(buyer=buyer, listing=make_listing(creator, publish=True))
    redis_broker.shutdown_nosave()

    response = post_event(client, session_completed(order))

    # Stored (the event is the truth) and acknowledged, though it could not be queued.
    assert response.status_code == 200 and response.json()["duplicate"] is False
    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None and not LicenceGrant.objects.exists()

    redis_broker.start()
    with run_tasks_inline():  # what the beat task does once a minute
        assert webhooks_requeue_stale(older_than_seconds=0) == 1

    stored.refresh_from_db()
    order.refresh_from_db()
    assert stored.processed_at is not None and order.status == OrderStatus.PAID
    assert LicenceGrant.objects.filter(order_line__order=order).count() == 1
