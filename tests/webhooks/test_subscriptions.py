"""Each hook of the floors below writes deliveries for the right people, in its transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissions.hooks import commission_status_changed
from commissions.services import brief
from generation.services.batch import batch_run
from generation.services.jobs import job_cancel
from generation.services.worker import job_attempt_failed, job_claim_batch
from licensing.hooks import licence_granted
from licensing.services.grants import licence_grant_issue, licence_offers_set
from tests.generation.factories import GenerationJobFactory
from tests.licensing.licences import ensure_tiers, paid_line, published_listing
from tests.marketplace.factories import make_piece
from tests.marketplace.fixtures import no_embedding_tasks  # noqa: F401
from tests.provenance.fixtures import provenance_settings  # noqa: F401
from webhooks.models import EventType, WebhookDelivery
from webhooks.services.endpoints import endpoint_create

pytestmark = pytest.mark.django_db
SITE = "https://promptfolio.test"  # provenance_settings' SITE_URL
W = "worker-a:1"


def subscribe(user, *events):
    return endpoint_create(owner=user, url="https://hooks.example.com/in", events=list(events))


def sent(user):
    return [
        (d.event_type, d.payload)
        for d in WebhookDelivery.objects.filter(endpoint__owner=user).order_by("id")
    ]


def test_a_succeeded_job_is_sent_to_its_owner_with_its_pieces(scripted_engine, buyer):
    subscribe(buyer, EventType.JOB_SUCCEEDED)
    job = GenerationJobFactory(owner=buyer, count=2)

    batch_run(job_id=job.pk, worker=W)

    pieces = [str(pk) for pk in job.pieces.order_by("index").values_list("pk", flat=True)]
    assert len(pieces) == 2
    assert sent(buyer) == [
        (
            "job.succeeded",
            {
                "job_id": str(job.pk),
                "status": "succeeded",
                "piece_ids": pieces,
                "error": "",
                "url": f"{SITE}/jobs/{job.pk}/",
            },
        )
    ]


def test_a_failed_job_is_sent_and_unsubscribed_events_are_not(buyer):
    subscribe(buyer, EventType.JOB_FAILED)
    other = subscribe(buyer, EventType.JOB_SUCCEEDED)
    job = GenerationJobFactory(owner=buyer)
    job_claim_batch(job_id=job.pk, worker=W, max_images=4)

    job_attempt_failed(job_id=job.pk, worker=W, error="out of paint", retryable=False)

    ((event_type, payload),) = sent(buyer)
    assert event_type == "job.failed"
    assert (payload["status"], payload["error"], payload["piece_ids"]) == (
        "failed",
        "out of paint",
        [],
    )
    assert not other.deliveries.exists()


def test_a_queued_job_cancelled_by_its_owner_is_sent(buyer):
    subscribe(buyer, EventType.JOB_CANCELLED)
    job = GenerationJobFactory(owner=buyer)

    job_cancel(job=job, actor=buyer)

    assert [event_type for event_type, _ in sent(buyer)] == ["job.cancelled"]


def test_jobs_of_people_without_endpoints_or_with_inactive_ones_send_nothing(buyer):
    endpoint = subscribe(buyer, EventType.JOB_CANCELLED)
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])

    job_cancel(job=GenerationJobFactory(owner=buyer), actor=buyer)
    job_cancel(job=(job := GenerationJobFactory()), actor=job.owner)

    assert not WebhookDelivery.objects.exists()


@pytest.fixture
def listing(creator, no_embedding_tasks):  # noqa: F811
    ensure_tiers()
    listing = published_listing(creator, pieces=[make_piece(creator)], price_amount=1500)
    licence_offers_set(listing=listing, actor=creator, offers={"standard": 1500})
    return listing


def test_a_licence_grant_is_sent_to_the_licensee_only(listing, buyer, creator):
    subscribe(buyer, EventType.LICENCE_GRANTED)
    subscribe(creator, EventType.LICENCE_GRANTED)

    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)

    piece_ids = [str(pk) for pk in grant.pieces.values_list("pk", flat=True)]
    assert sent(buyer) == [
        (
            "licence.granted",
            {
                "grant_id": str(grant.pk),
                "listing_id": str(listing.pk),
                "tier": "standard",
                "piece_ids": piece_ids,
                "certificate_url": f"{SITE}/certificates/{grant.certificate.pk}/",
            },
        )
    ]
    assert sent(creator) == []
    # A repeated issue for the same line (a redelivered payment event) sends nothing more.
    licence_grant_issue(order_line=grant.order_line, licensee=buyer)
    assert len(sent(buyer)) == 1


def test_commission_status_changes_are_sent_to_buyer_and_creator(buyer, creator):
    subscribe(buyer, EventType.COMMISSION_UPDATED)
    subscribe(creator, EventType.COMMISSION_UPDATED)
    deadline = timezone.now() + timedelta(days=5)
    commission = brief.commission_brief_create(
        buyer=buyer, creator=creator, brief="A fox in snow", deadline=deadline, budget_amount=5000
    )

    brief.commission_brief_decline(commission=commission, actor=creator, reason="Booked")

    url = f"{SITE}/commissions/{commission.pk}/"
    expected = [
        (
            "commission.updated",
            {"commission_id": str(commission.pk), "from_status": a, "status": b, "url": url},
        )
        for a, b in [("", "requested"), ("requested", "declined")]
    ]
    assert sent(buyer) == expected
    assert sent(creator) == expected


def test_a_failing_emission_fails_the_callers_transaction(buyer, monkeypatch):
    """A hook is part of the use case: if writing the deliveries fails, the cancel does too."""
    subscribe(buyer, EventType.JOB_CANCELLED)
    job = GenerationJobFactory(owner=buyer)

    def broken(**kwargs):
        raise RuntimeError("database full")

    monkeypatch.setattr("webhooks.subscriptions.event_emit", broken)
    with pytest.raises(RuntimeError):
        job_cancel(job=job, actor=buyer)

    job.refresh_from_db()
    assert job.status == "queued"


def test_the_new_hooks_do_nothing_without_subscribers(listing, buyer, creator, monkeypatch):
    subscribe(buyer, EventType.LICENCE_GRANTED, EventType.COMMISSION_UPDATED)
    monkeypatch.setattr(licence_granted, "handlers", [])
    monkeypatch.setattr(commission_status_changed, "handlers", [])

    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)
    commission = brief.commission_brief_create(
        buyer=buyer,
        creator=creator,
        brief="A fox in snow",
        deadline=timezone.now() + timedelta(days=5),
        budget_amount=5000,
    )

    assert grant.certificate.pk and commission.status == "requested"
    assert not WebhookDelivery.objects.exists()
