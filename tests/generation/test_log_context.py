"""A worker's log lines name the job they are about (core.logcontext)."""

import pytest

from generation.tasks import run_generation
from tests.generation.factories import GenerationJobFactory
from tests.logcapture import records_of

pytestmark = pytest.mark.django_db


def test_an_engine_failure_is_logged_with_the_job_and_task_ids(scripted_engine, generation_wakeups):
    job = GenerationJobFactory(engine="scripted")
    scripted_engine.fail_next.append(RuntimeError("the GPU fell over"))
    with records_of("generation") as records:
        result = run_generation.apply(args=[str(job.pk)])

    (failure,) = [r for r in records if r.getMessage().startswith("Engine scripted failed")]
    assert (failure.job_id, failure.task_id) == (str(job.pk), result.id)
    job.refresh_from_db()
    assert job.status == "queued"  # the failure cost an attempt; the job waits for a retry
