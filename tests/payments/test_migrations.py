"""payments 0005: events stored as parsed JSON before it keep their payload, as text, and a
status that says whether they were processed."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("payments", "0004_automatic_refund_owed")]
AFTER = [("payments", "0005_webhook_event_raw_payload_and_failures")]


@pytest.mark.django_db(transaction=True)
def test_stored_events_keep_their_payload_as_text_and_their_status():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("payments", "WebhookEvent")
    payload = {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"amount": 5}}}
    old.objects.create(event_id="evt_1", type="charge.refunded", payload=payload)
    old.objects.create(
        event_id="evt_2", type="customer.created", payload={}, processed_at=timezone.now()
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("payments", "WebhookEvent")

    rows = list(new.objects.order_by("event_id").values("raw_payload", "status", "attempts"))
    assert [json.loads(row["raw_payload"]) for row in rows] == [payload, {}]
    assert [(row["status"], row["attempts"]) for row in rows] == [("received", 0), ("processed", 0)]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
