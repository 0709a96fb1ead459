"""Personal access tokens: shown once, stored hashed, scoped, revocable, managed on the profile."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.services.tokens import token_authenticate, token_create, token_revoke
from core.errors import ApplicationError
from generation.models import GenerationJob
from tests.api.conftest import post
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generation_wakeups")]

JOB = {"prompt": "a lighthouse at dusk", "width": 256, "height": 256}


def test_a_token_is_stored_only_as_a_hash_with_a_recognisable_prefix(buyer):
    issued = token_create(user=buyer, name="laptop", scopes=["read"])

    tag, prefix, secret = issued.plaintext.split("_", 2)
    row = ApiToken.objects.get()
    assert (tag, prefix) == ("pf", row.prefix)
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    assert token_authenticate(raw=issued.plaintext) == row


@pytest.mark.parametrize(
    "raw",
    ["", "pf_", "pf_deadbeef_", "nonsense", "pf_00000000_wrong-secret"],
)
def test_malformed_or_unknown_tokens_authenticate_nobody(buyer, raw):
    token_create(user=buyer, name="laptop", scopes=["read"])
    assert token_authenticate(raw=raw) is None


def test_a_right_prefix_with_a_wrong_secret_is_refused(buyer):
    issued = token_create(user=buyer, name="laptop", scopes=["read"])
    assert token_authenticate(raw=issued.plaintext[:-2] + "zz") is None


def test_scopes_and_name_are_checked(buyer):
    with pytest.raises(ApplicationError, match="at least one scope"):
        token_create(user=buyer, name="x", scopes=[])
    with pytest.raises(ApplicationError, match="at least one scope"):
        token_create(user=buyer, name="x", scopes=["admin"])
    with pytest.raises(ApplicationError, match="name"):
        token_create(user=buyer, name="  ", scopes=["read"])
    assert not ApiToken.objects.exists()


def test_active_tokens_per_person_are_capped(buyer, settings):
    settings.API_MAX_TOKENS_PER_USER = 2
    first = token_create(user=buyer, name="a", scopes=["read"]).token
    token_create(user=buyer, name="b", scopes=["read"])
    with pytest.raises(ApplicationError, match="revoke one first"):
        token_create(user=buyer, name="c", scopes=["read"])
    token_revoke(token=first, actor=buyer)
    assert token_create(user=buyer, name="c", scopes=["read"]).token.is_active


def test_last_used_is_recorded_at_most_once_a_minute(buyer):
    issued = token_create(user=buyer, name="laptop", scopes=["read"])
    start = timezone.now()
    token_authenticate(raw=issued.plaintext, now=start)
    token_authenticate(raw=issued.plaintext, now=start + timedelta(seconds=30))
    assert ApiToken.objects.get().last_used_at == start
    later = start + timedelta(minutes=2)
    token_authenticate(raw=issued.plaintext, now=later)
    assert ApiToken.objects.get().last_used_at == later


def test_a_read_token_cannot_queue_gpu_work(buyer, issue_token, api_client):
    client = api_client(issue_token(buyer, scopes=["read"]))

    response = post(client, "/api/v1/jobs", JOB)

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert client.get("/api/v1/jobs").status_code == 200
    assert not GenerationJob.objects.filter(owner=buyer).exists()


def test_a_generate_only_token_cannot_read(buyer, issue_token, api_client):
    client = api_client(issue_token(buyer, scopes=["generate"]))
    assert client.get("/api/v1/jobs").json()["code"] == "insufficient_scope"
    assert post(client, "/api/v1/jobs", JOB).status_code == 201


def test_a_revoked_token_stops_working_at_once(buyer, issue_token, api_client):
    plaintext = issue_token(buyer)
    client = api_client(plaintext)
    assert client.get("/api/v1/jobs").status_code == 200

    token_revoke(token=ApiToken.objects.get(), actor=buyer)
    response = client.get("/api/v1/jobs")

    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated",
        "message": response.json()["message"],
        "field": None,
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_account_s_tokens_stop_working(buyer, issue_token, api_client):
    client = api_client(issue_token(buyer))
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    assert client.get("/api/v1/jobs").status_code == 401


def test_the_site_session_also_works_for_the_api(buyer):
    client = Client()
    client.force_login(buyer)
    assert client.get("/api/v1/jobs").status_code == 200


def test_profile_creates_shows_once_and_revokes_tokens(buyer):
    client = Client()
    client.force_login(buyer)

    created = client.post("/accounts/tokens/", {"name": "render box", "scopes": ["read"]})

    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    plaintext = created.context["plaintext"]
    assert plaintext in created.content.decode()
    profile = client.get("/accounts/profile/").content.decode()
    token = ApiToken.objects.get()
    assert "render box" in profile and f"pf_{token.prefix}_" in profile
    assert plaintext not in profile

    client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert ApiToken.objects.get().revoked_at is not None
    assert token_authenticate(raw=plaintext) is None


def test_a_bad_token_form_says_why_and_creates_nothing(buyer):
    client = Client()
    client.force_login(buyer)
    response = client.post("/accounts/tokens/", {"name": "x"}, follow=True)
    assert "Token not created" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_else_can_revoke_your_token(buyer, issue_token):
    issue_token(buyer)
    other = Client()
    other.force_login(UserFactory())
    token = ApiToken.objects.get()
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().is_active
