"""Request rates per token and per person, and the GPU allowance, answer 429 + Retry-After."""

import pytest

from api.services.rate_limits import api_rate_take
from core.errors import QuotaExceededError
from generation.models import GenerationJob
from tests.api.conftest import post
from tests.generation.factories import GenerationJobFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generation_wakeups")]

JOB = {"prompt": "a lighthouse at dusk", "width": 256, "height": 256}


def test_a_token_over_its_rate_gets_429_with_retry_after(buyer, issue_token, api_client, settings):
    settings.API_RATE_LIMIT_PER_TOKEN = 3
    client = api_client(issue_token(buyer))

    statuses = [client.get("/api/v1/jobs").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/jobs")
    assert refused.json()["code"] == "quota_exceeded"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_the_person_s_rate_counts_every_token(buyer, issue_token, api_client, settings):
    settings.API_RATE_LIMIT_PER_TOKEN = 100
    settings.API_RATE_LIMIT_PER_USER = 4
    first, second = api_client(issue_token(buyer)), api_client(issue_token(buyer, name="b"))

    statuses = [client.get("/api/v1/jobs").status_code for client in (first, second) * 3]

    assert statuses == [200, 200, 200, 200, 429, 429]
    assert "across all tokens" in second.get("/api/v1/jobs").json()["message"]


def test_a_new_minute_starts_a_new_window(settings):
    settings.API_RATE_LIMIT_PER_USER = 1
    api_rate_take(user_id=1, now=120.0)
    with pytest.raises(QuotaExceededError) as error:
        api_rate_take(user_id=1, now=150.0)
    assert error.value.retry_after == 30
    api_rate_take(user_id=1, now=180.0)


def test_concurrent_jobs_over_the_allowance_are_a_429(buyer, as_buyer, settings):
    settings.GENERATION_MAX_ACTIVE_JOBS = 1
    GenerationJobFactory(owner=buyer, engine="embedded")

    response = post(as_buyer, "/api/v1/jobs", JOB)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["code"] == "quota_exceeded"
    assert GenerationJob.objects.filter(owner=buyer).count() == 1


def test_images_per_day_over_the_allowance_are_a_429(buyer, as_buyer, settings):
    settings.GENERATION_IMAGES_PER_DAY = 3
    assert post(as_buyer, "/api/v1/jobs", {**JOB, "count": 3}).status_code == 201

    response = post(as_buyer, "/api/v1/jobs", JOB)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["field"] == "count"


def test_the_profile_shows_the_api_limits(client, buyer, settings):
    settings.API_RATE_LIMIT_PER_TOKEN = 42
    settings.API_RATE_LIMIT_PER_USER = 99
    client.force_login(buyer)
    page = client.get("/accounts/profile/").content.decode()
    assert "42 per token, 99 for your account in all" in page
