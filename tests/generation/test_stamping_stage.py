"""The pipelined worker: the engine loop hands rendered batches to a bounded stamping stage
and goes on; the stage stamps, stores and completes them, keeping leases and cancels."""

import threading
import time

import pytest
from django.core.files.storage import storages
from PIL import Image

from generation.engines import clear_cache
from generation.models import GenerationJob, JobStatus, Piece
from generation.services.batch import batch_render, batch_run
from generation.services.jobs import job_cancel
from generation.services.stampers import InlineStamper, ProcessStamper
from generation.services.stamping import StampingStage
from generation.services.worker import jobs_sweep
from provenance import watermark
from tests.generation.factories import GenerationJobFactory
from tests.storage import stored_names

pytestmark = pytest.mark.django_db(transaction=True)
W = "worker-stage:1"


class GatedStamper(InlineStamper):
    """Stamps only once the test opens the gate; counts what it was asked to stamp."""

    def __init__(self, fail: Exception | None = None):
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fail = fail
        self.orders = []

    def submit(self, order, image):
        self.orders.append(order)
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        if self.fail is not None:
            raise self.fail
        return super().submit(order, image)


def stage_with(stamper, *, capacity=1, lease_interval=0.05):
    return StampingStage(stamper=stamper, capacity=capacity, lease_interval=lease_interval)


def status(job):
    return GenerationJob.objects.get(pk=job.pk).status


def stored_files():
    return stored_names("pieces")


def test_the_engine_loop_returns_before_stamping_and_the_stage_finishes_the_job(
    scripted_engine,
):
    job = GenerationJobFactory(count=2)
    stamper = GatedStamper()
    stage = stage_with(stamper)
    try:
        finished = batch_render(job_id=job.pk, worker=W, stage=stage)

        assert stamper.entered.wait(10)
        assert not finished.done() and status(job) == JobStatus.RUNNING
        assert len(scripted_engine.calls) == 1  # rendered: the engine is free again
        stamper.gate.set()
        outcome = finished.result(timeout=30)
    finally:
        stage.close()
    assert (outcome.succeeded, outcome.images) == (1, 2)
    assert status(job) == JobStatus.SUCCEEDED
    assert Piece.objects.filter(job=job).count() == 2
    assert stage.stats.images == 2 and stage.stats.per_image()["upload"] >= 0


def test_a_full_stage_stops_the_engine_from_claiming_more_work(scripted_engine):
    # The scripted engine's batch holds 8 images: one job per batch.
    first, second = GenerationJobFactory(count=8), GenerationJobFactory(count=8)
    stamper = GatedStamper()
    stage = stage_with(stamper, capacity=1)
    try:
        held = batch_render(job_id=first.pk, worker=W, stage=stage)
        assert stamper.entered.wait(10)
        loop = threading.Thread(
            target=lambda: batch_render(job_id=second.pk, worker=W, stage=stage).result(30)
        )
        loop.start()
        time.sleep(0.5)
        # The second turn waits for a slot before claiming: its job is still queued and
        # nothing of it was rendered, so no pixels pile up behind the full stage.
        assert status(second) == JobStatus.QUEUED
        assert len(scripted_engine.calls) == 1
        stamper.gate.set()
        held.result(timeout=30)
        loop.join(timeout=30)
    finally:
        stage.close()
    assert [status(first), status(second)] == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED]
    assert len(scripted_engine.calls) == 2


def test_leases_are_renewed_while_a_batch_waits_in_the_stage(scripted_engine, settings):
    settings.GENERATION_LEASE_SECONDS = 1
    job = GenerationJobFactory()
    stamper = GatedStamper()
    stage = stage_with(stamper, lease_interval=0.1)
    try:
        finished = batch_render(job_id=job.pk, worker=W, stage=stage)
        assert stamper.entered.wait(10)
        time.sleep(1.6)  # longer than the lease: only the keeper keeps it alive
        assert jobs_sweep().requeued == 0
        assert status(job) == JobStatus.RUNNING
        stamper.gate.set()
        assert finished.result(timeout=30).succeeded == 1
    finally:
        stage.close()


def test_a_cancel_while_stamping_discards_the_outputs_before_upload(scripted_engine, buyer):
    job = GenerationJobFactory(owner=buyer, count=2)
    before = set(stored_files())
    stamper = GatedStamper()
    stage = stage_with(stamper)
    try:
        finished = batch_render(job_id=job.pk, worker=W, stage=stage)
        assert stamper.entered.wait(10)
        job_cancel(job=GenerationJob.objects.get(pk=job.pk), actor=buyer)
        stamper.gate.set()
        outcome = finished.result(timeout=30)
    finally:
        stage.close()
    assert outcome.cancelled == 1
    assert status(job) == JobStatus.CANCELLED
    assert not Piece.objects.filter(job=job).exists()
    assert set(stored_files()) == before


def test_a_stamping_failure_costs_one_attempt_and_stores_nothing(scripted_engine):
    job = GenerationJobFactory(max_attempts=3)
    before = set(stored_files())
    stamper = GatedStamper(fail=OSError("stamping process died"))
    stamper.gate.set()
    stage = stage_with(stamper)
    try:
        outcome = batch_render(job_id=job.pk, worker=W, stage=stage).result(timeout=30)
    finally:
        stage.close()
    job.refresh_from_db()
    assert outcome.failed == 1
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
    assert "stamping process died" in job.events.order_by("-created_at").first().message
    assert set(stored_files()) == before and not Piece.objects.filter(job=job).exists()


def test_the_process_pool_stamps_pieces_that_verify(scripted_engine):
    job = GenerationJobFactory(count=2, width=512, height=512)
    stage = stage_with(ProcessStamper(1))
    try:
        outcome = batch_render(job_id=job.pk, worker=W, stage=stage).result(timeout=120)
        children = stage.stamper.process_ids()
    finally:
        stage.close()
    assert outcome.succeeded == 1 and children
    for piece in Piece.objects.filter(job=job):
        record = piece.provenance
        with storages["default"].open(piece.original.name) as original:
            assert watermark.decode(Image.open(original)).value == record.watermark_id


@pytest.fixture
def simulated_engine(settings):
    def configure(**options):
        settings.GENERATION_ENGINES = {
            **settings.GENERATION_ENGINES,
            "simulated-gpu": {
                "class": "generation.engines.simulated.SimulatedGpuEngine",
                "options": {"ms_per_batch": 0, **options},
            },
        }
        clear_cache()

    yield configure
    clear_cache()


def test_out_of_memory_splits_the_batch_and_retries_smaller(simulated_engine):
    simulated_engine(max_batch=16, max_fit=4)
    jobs = [
        GenerationJobFactory(engine="simulated-gpu", width=512, height=512, steps=1, count=8)
        for _ in range(2)
    ]

    outcome = batch_run(job_id=jobs[0].pk, worker=W)

    assert (outcome.jobs, outcome.succeeded) == (2, 2)
    assert [status(job) for job in jobs] == [JobStatus.SUCCEEDED] * 2
    pieces = Piece.objects.filter(job__in=jobs)
    assert sorted(p.seed for p in pieces) == sorted(
        job.image_seed(i) for job in jobs for i in range(8)
    )


def test_out_of_memory_for_a_single_image_fails_the_job_clearly(simulated_engine):
    simulated_engine(max_batch=16, max_fit=0)
    job = GenerationJobFactory(engine="simulated-gpu", width=512, height=512, steps=1, count=2)

    batch_run(job_id=job.pk, worker=W)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert "ran out of memory even for a single 512x512 image" in job.error
