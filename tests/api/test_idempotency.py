"""Idempotency-Key: one key makes at most one job; a different body under it is a 409."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api.models import IdempotencyRecord
from api.services.idempotency import idempotency_records_expire
from generation.models import GenerationJob
from tests.api.conftest import post
from tests.concurrency import run_in_threads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generation_wakeups")]

JOB = {"prompt": "a lighthouse at dusk", "width": 256, "height": 256}


def test_the_same_key_and_body_returns_the_same_job(buyer, as_buyer):
    first = post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "k-1"})
    reordered = {"height": 256, "width": 256, "prompt": "a lighthouse at dusk"}
    second = post(as_buyer, "/api/v1/jobs", reordered, **{"Idempotency-Key": "k-1"})

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert GenerationJob.objects.filter(owner=buyer).count() == 1


def test_the_same_key_with_a_different_body_is_a_409(buyer, as_buyer):
    post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "k-1"})

    response = post(
        as_buyer, "/api/v1/jobs", {**JOB, "prompt": "a fox"}, **{"Idempotency-Key": "k-1"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert response.json()["field"] == "Idempotency-Key"
    assert GenerationJob.objects.filter(owner=buyer).count() == 1


def test_the_same_key_on_another_operation_is_a_409(buyer, as_buyer):
    job = post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "k-1"}).json()
    response = post(as_buyer, f"/api/v1/jobs/{job['id']}/cancel", {}, **{"Idempotency-Key": "k-1"})
    assert response.status_code == 409
    assert GenerationJob.objects.get().status == "queued"


def test_keys_belong_to_one_person(buyer, as_buyer, creator, issue_token, api_client):
    post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "shared"})
    theirs = post(
        api_client(issue_token(creator)), "/api/v1/jobs", JOB, **{"Idempotency-Key": "shared"}
    )
    assert theirs.status_code == 201
    assert GenerationJob.objects.count() == 2


def test_a_refused_request_does_not_burn_its_key(buyer, as_buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 0
    refused = post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "k-1"})
    assert refused.status_code == 429

    settings.GENERATION_IMAGES_PER_DAY = 10
    accepted = post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "k-1"})

    assert accepted.status_code == 201
    assert GenerationJob.objects.filter(owner=buyer).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there"])
def test_a_bad_key_is_a_400(as_buyer, key):
    response = post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": key})
    assert response.status_code == 400 and response.json()["field"] == "Idempotency-Key"
    assert not GenerationJob.objects.exists()


def test_keys_are_forgotten_after_a_day(buyer, as_buyer):
    post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "old"})
    post(as_buyer, "/api/v1/jobs", JOB, **{"Idempotency-Key": "new"})
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert idempotency_records_expire() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL's concurrent unique inserts (CI runs this on PostgreSQL)",
)
def test_concurrent_retries_with_one_key_make_one_job(buyer, issue_token):
    token = issue_token(buyer)

    def submit(index):
        client = Client(headers={"Authorization": f"Bearer {token}"})
        return post(client, "/api/v1/jobs", JOB, **{"Idempotency-Key": "race"}).status_code

    statuses = run_in_threads(submit, 6, atomic=False)

    assert GenerationJob.objects.filter(owner=buyer).count() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
