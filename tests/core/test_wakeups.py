"""core.wakeups: a wake-up on a named queue, and a broker outage left to the sweeper."""

import logging

from core.wakeups import wake_on_queue
from generation.tasks import run_generation


def test_wake_on_queue_sends_to_that_queue(monkeypatch):
    sent = []
    monkeypatch.setattr(
        run_generation, "apply_async", lambda args, **options: sent.append((args, options))
    )

    assert wake_on_queue(run_generation, "gpu.sdxl", "job-1") is True
    assert sent == [(("job-1",), {"queue": "gpu.sdxl"})]


def test_wake_on_queue_logs_a_broker_outage_instead_of_raising(broker_down, caplog):
    with broker_down(), caplog.at_level(logging.WARNING, logger="core.wakeups"):
        assert wake_on_queue(run_generation, "gpu.sdxl", "job-1") is False

    assert "waits for its sweeper" in caplog.text
