"""payments 0005: events stored as parsed JSON before it keep their payload, as text, and a
status that says whether they were processed. 0007: payout accounts get a history."""

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


@pytest.mark.django_db(transaction=True)
def test_payout_accounts_start_their_history_with_the_state_they_had(django_user_model):
    before = [("payments", "0006_order_checkout_expectations_and_flags")]
    after = [("payments", "0007_payout_account_history")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("payments", "PayoutAccount")
    users = [django_user_model.objects.create(email=f"c{n}@example.com") for n in range(2)]
    old.objects.create(creator_id=users[0].pk, stripe_account_id="acct_on", payouts_enabled=True)
    old.objects.create(creator_id=users[1].pk, stripe_account_id="acct_new")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    accounts = apps.get_model("payments", "PayoutAccount").objects.order_by("stripe_account_id")
    history = apps.get_model("payments", "PayoutAccountEvent").objects.order_by("to_status")

    assert [(a.stripe_account_id, a.details_submitted) for a in accounts] == [
        ("acct_new", False),
        ("acct_on", True),
    ]
    assert [(e.payout_account.stripe_account_id, e.to_status) for e in history] == [
        ("acct_on", "enabled"),
        ("acct_new", "onboarding"),
    ]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
