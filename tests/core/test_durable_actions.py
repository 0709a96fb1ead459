"""Top-level actions commit on their own: run inside another transaction they refuse, so a
caller cannot hold their locks open or roll back work whose side effects already left."""

import pytest
from django.db import transaction

from disputes.services.filing import dispute_send_reminders
from generation.services.worker import jobs_sweep
from payments.services.webhooks import webhook_process


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "action",
    [
        lambda: webhook_process(webhook_event_id=1),
        lambda: jobs_sweep(),
        lambda: dispute_send_reminders(),
    ],
    ids=["webhook_process", "jobs_sweep", "dispute_send_reminders"],
)
def test_a_top_level_action_refuses_to_run_inside_another_transaction(action):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        action()


@pytest.mark.django_db(transaction=True)
def test_a_top_level_action_runs_on_its_own():
    assert jobs_sweep().requeued == 0
