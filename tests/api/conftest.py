import pytest
from django.test import Client

from api.services.tokens import token_create
from tests.marketplace.fixtures import no_embedding_tasks  # noqa: F401
from tests.provenance.fixtures import provenance_settings  # noqa: F401


@pytest.fixture
def issue_token(db):
    """`issue_token(user, scopes=("read", "generate"))` → the plaintext a client sends."""

    def issue(user, scopes=("read", "generate"), name="script"):
        return token_create(user=user, name=name, scopes=list(scopes)).plaintext

    return issue


@pytest.fixture
def api_client():
    """`api_client(token)` → a test client sending `Authorization: Bearer <token>`."""
    return lambda token: Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def as_buyer(buyer, issue_token, api_client):
    return api_client(issue_token(buyer))


def post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", headers=headers)
