"""The shared history base: every status table keeps its columns, order and text form."""

import pytest

from commissions.models import CommissionEvent
from generation.models import JobEvent
from marketplace.models import ListingEvent
from payments.models import OrderEvent
from tests.generation.factories import GenerationJobFactory
from webhooks.models import WebhookAttempt, WebhookEndpointEvent

pytestmark = pytest.mark.django_db


def test_job_history_rows_read_and_order_as_before(buyer):
    job = GenerationJobFactory(owner=buyer)
    first = JobEvent.objects.create(job=job, from_status="", to_status="queued", source="user")
    second = JobEvent.objects.create(
        job=job, from_status="queued", to_status="running", actor=buyer, source="worker:1"
    )

    assert list(job.events.filter(pk__in=[first.pk, second.pk])) == [first, second]
    assert str(first) == f"{job.pk}: ∅ → queued"
    assert str(second) == f"{job.pk}: queued → running"
    assert second.actor == buyer and second.created_at >= first.created_at


@pytest.mark.parametrize(
    "model",
    [JobEvent, ListingEvent, OrderEvent, CommissionEvent, WebhookAttempt, WebhookEndpointEvent],
)
def test_every_history_table_has_the_shared_columns(model):
    names = {field.name for field in model._meta.get_fields()}

    assert {"from_status", "to_status", "actor", "created_at", model.history_of} <= names
    assert model._meta.ordering == ["created_at", "id"]
