"""The worker's use cases, run synchronously: claiming, batching, progress, cancel, retries."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image

from generation.models import GenerationJob, JobStatus, Piece
from generation.services.batch import batch_run
from generation.services.worker import (
    job_attempt_failed,
    job_claim_batch,
    job_complete,
    jobs_sweep,
)
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db
W = "worker-a:1"


def statuses(*jobs):
    return [GenerationJob.objects.get(pk=job.pk).status for job in jobs]


def test_claim_batches_compatible_jobs_up_to_the_image_limit():
    lead = GenerationJobFactory(count=2)
    same = GenerationJobFactory(count=3)
    too_big = GenerationJobFactory(count=4)
    other_size = GenerationJobFactory(width=512, height=512)
    other_steps = GenerationJobFactory(steps=8, progress_total=8)

    batch = job_claim_batch(job_id=lead.pk, worker=W, max_images=6)

    assert [job.pk for job in batch] == [lead.pk, same.pk]
    assert statuses(lead, same, too_big, other_size, other_steps) == [
        "running",
        "running",
        "queued",
        "queued",
        "queued",
    ]
    lead.refresh_from_db()
    assert lead.attempts == 1 and lead.worker == W and lead.lease_expires_at > timezone.now()


def test_claim_is_a_no_op_for_a_job_that_is_not_queued():
    job = GenerationJobFactory()
    assert job_claim_batch(job_id=job.pk, worker=W, max_images=8)

    assert job_claim_batch(job_id=job.pk, worker="worker-b:2", max_images=8) == []
    job.refresh_from_db()
    assert job.worker == W and job.attempts == 1


def test_batch_run_stores_pieces_and_reports_progress(scripted_engine, buyer):
    job = GenerationJobFactory(owner=buyer, count=3, seed=10)

    outcome = batch_run(job_id=job.pk, worker=W)

    assert (outcome.jobs, outcome.images, outcome.succeeded) == (1, 3, 1)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_step, job.progress_total, job.engine_version) == (4, 4, "test-1")
    pieces = list(job.pieces.order_by("index"))
    assert [p.seed for p in pieces] == [10, 11, 12]
    assert all(p.owner == buyer for p in pieces)
    with storages["default"].open(pieces[0].original.name) as original:
        assert Image.open(original).size == (256, 256)
    assert storages["previews"].exists(pieces[0].preview.name)
    assert [e.to_status for e in job.events.all()] == ["running", "succeeded"]


def test_every_stored_piece_carries_a_provenance_record_and_ledger_entry(scripted_engine, buyer):
    job = GenerationJobFactory(owner=buyer, count=2, prompt="violet harbour at dawn")

    batch_run(job_id=job.pk, worker=W)

    for piece in job.pieces.all():
        record = piece.provenance
        assert (record.creator, record.prompt, record.seed) == (buyer, job.prompt, piece.seed)
        assert (record.engine_name, record.engine_version) == ("scripted", "test-1")
        assert record.sha256 == piece.sha256
        with storages["default"].open(piece.original.name) as original:
            assert hashlib.sha256(original.read()).hexdigest() == piece.sha256
        assert [entry.kind for entry in piece.ledger_entries.all()] == ["created"]


def test_one_batch_serves_several_jobs_and_their_own_messages_become_no_ops(scripted_engine):
    first, second = GenerationJobFactory(), GenerationJobFactory()

    batch_run(job_id=first.pk, worker=W)
    redelivered = batch_run(job_id=second.pk, worker=W)

    assert len(scripted_engine.calls) == 1 and len(scripted_engine.calls[0]) == 2
    assert statuses(first, second) == ["succeeded", "succeeded"]
    assert redelivered.jobs == 0
    assert Piece.objects.count() == 2


def test_engine_failure_is_retried_then_fails_with_the_error(scripted_engine):
    job = GenerationJobFactory(max_attempts=2)
    scripted_engine.fail_next = [RuntimeError("CUDA out of memory"), RuntimeError("again")]

    batch_run(job_id=job.pk, worker=W)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.attempts == 1

    batch_run(job_id=job.pk, worker=W)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: again"
    assert not job.pieces.exists()


def test_engine_value_error_fails_without_retry(scripted_engine):
    job = GenerationJobFactory()
    scripted_engine.fail_next = [ValueError("bad size")]

    batch_run(job_id=job.pk, worker=W)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert "bad size" in job.error


def test_unknown_engine_fails_the_job_clearly():
    job = GenerationJobFactory(engine="removed-engine")

    batch_run(job_id=job.pk, worker=W)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Engine 'removed-engine' is unavailable" in job.error


def test_cancel_requested_during_the_run_discards_outputs(scripted_engine):
    cancelled, kept = GenerationJobFactory(), GenerationJobFactory()
    GenerationJob.objects.filter(pk=cancelled.pk).update(cancel_requested=True)

    outcome = batch_run(job_id=cancelled.pk, worker=W)

    assert (outcome.succeeded, outcome.cancelled) == (1, 1)
    assert statuses(cancelled, kept) == ["cancelled", "succeeded"]
    assert not Piece.objects.filter(job=cancelled).exists()


def test_batch_stops_early_when_every_job_is_cancelled(scripted_engine, settings):
    settings.GENERATION_PROGRESS_INTERVAL = 0
    job = GenerationJobFactory(steps=20, progress_total=20)
    GenerationJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    outcome = batch_run(job_id=job.pk, worker=W)

    job.refresh_from_db()
    assert outcome.cancelled == 1 and job.status == JobStatus.CANCELLED
    assert job.progress_step == 1


def test_completion_by_a_worker_that_lost_its_lease_is_discarded():
    job = GenerationJobFactory()
    job_claim_batch(job_id=job.pk, worker=W, max_images=1)
    GenerationJob.objects.filter(pk=job.pk).update(worker="worker-b:2")

    assert job_complete(job_id=job.pk, worker=W, engine_version="1", images=[]) is None
    assert job_attempt_failed(job_id=job.pk, worker=W, error="x", retryable=True) is None
    assert statuses(job) == ["running"]


def test_sweeper_requeues_expired_leases_and_fails_exhausted_jobs(scripted_engine):
    retry = GenerationJobFactory()
    exhausted = GenerationJobFactory(max_attempts=1)
    healthy = GenerationJobFactory()
    for job in (retry, exhausted, healthy):
        job_claim_batch(job_id=job.pk, worker=W, max_images=1)
    past = timezone.now() - timedelta(seconds=1)
    GenerationJob.objects.filter(pk__in=[retry.pk, exhausted.pk]).update(lease_expires_at=past)

    result = jobs_sweep()

    assert (result.requeued, result.failed) == (1, 1)
    assert statuses(retry, exhausted, healthy) == ["queued", "failed", "running"]
    assert "stopped responding 1 times" in GenerationJob.objects.get(pk=exhausted.pk).error
    assert jobs_sweep().requeued == 0


def test_sweeper_rewakes_queued_jobs_whose_message_may_be_lost(
    scripted_engine, generation_wakeups, django_capture_on_commit_callbacks
):
    stale = GenerationJobFactory(enqueued_at=timezone.now() - timedelta(hours=1))
    GenerationJobFactory(enqueued_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        result = jobs_sweep()

    assert result.rewoken == 1 and generation_wakeups == [(str(stale.pk), "gpu.scripted")]
    stale.refresh_from_db()
    assert stale.enqueued_at > timezone.now() - timedelta(minutes=1)


def test_same_seed_gives_identical_pixels_alone_or_in_a_batch():
    spec = {"engine": "embedded", "width": 256, "height": 256, "steps": 3}
    alone = GenerationJobFactory(**spec, seed=99, prompt="red fox in snow")
    batch_run(job_id=alone.pk, worker=W)
    twin = GenerationJobFactory(**spec, seed=99, prompt="red fox in snow")
    GenerationJobFactory(**spec, prompt="neon city", count=2)
    GenerationJobFactory(**spec, prompt="ocean")

    outcome = batch_run(job_id=twin.pk, worker=W)

    assert outcome.jobs == 3
    # Stored files differ (each carries its own watermark id and signed manifest); the
    # engine's pixels, recorded before stamping, must not.
    twin_record, alone_record = twin.pieces.get().provenance, alone.pieces.get().provenance
    assert twin_record.output_sha256 == alone_record.output_sha256
    assert twin_record.watermark_id != alone_record.watermark_id


def test_sweeper_fails_queued_jobs_whose_engine_was_removed(
    scripted_engine, generation_wakeups, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(hours=1)
    running = GenerationJobFactory(engine="sdxl")
    job_claim_batch(job_id=running.pk, worker=W, max_images=1)  # the fair head: the only one
    gone = GenerationJobFactory(engine="sdxl", enqueued_at=old)
    served = GenerationJobFactory(engine="scripted", enqueued_at=old)

    with django_capture_on_commit_callbacks(execute=True):
        result = jobs_sweep()

    assert (result.engine_removed, result.rewoken) == (1, 1)
    assert generation_wakeups == [(str(served.pk), "gpu.scripted")]
    assert statuses(gone, served, running) == ["failed", "queued", "running"]
    gone.refresh_from_db()
    assert gone.error == (
        "Model sdxl is no longer offered on Promptfolio, so this job cannot run. "
        "Nothing was charged for it. Commission it again with another model."
    )
    event = gone.events.last()
    assert (event.from_status, event.to_status, event.source) == ("queued", "failed", "sweeper")
    assert event.message == gone.error
    assert jobs_sweep().engine_removed == 0


def test_a_removed_engines_styled_job_says_a_paid_commission_is_refunded(
    scripted_engine, creator, settings, generation_wakeups
):
    from generation.services.styles import style_create
    from tests.generation.factories import split_recipe

    recipe = {"prompt_template": "{prompt}, impasto", "width": 256, "height": 256}
    style = style_create(
        creator=creator,
        title="Impasto",
        price_amount=700,
        sample_prompts=["a pear"],
        **split_recipe({**recipe, "steps": 2, "engine": "scripted"}),
    )
    settings.GENERATION_ENGINES = {
        name: entry for name, entry in settings.GENERATION_ENGINES.items() if name != "scripted"
    }

    assert jobs_sweep().engine_removed == 1

    sample = GenerationJob.objects.get(style_version=style.current_version)
    assert sample.status == JobStatus.FAILED
    assert sample.error == (
        "Model scripted is no longer offered on Promptfolio, so this job cannot run. "
        "If it was a paid commission, the payment is refunded automatically. "
        "Commission it again with another model."
    )
