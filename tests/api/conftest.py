import pytest

from api.services.tokens import token_create


@pytest.fixture
def issue_token():
    """`issue_token(user, scopes=("read", "generate"))` → the plaintext a client sends."""

    def issue(user, scopes=("read", "generate"), name="script"):
        return token_create(user=user, name=name, scopes=list(scopes)).plaintext

    return issue


@pytest.fixture
def api_client(client):
    """`api_client(token)` → a test client sending `Authorization: Bearer <token>`."""
    from django.test import Client

    return lambda token: Client(headers={"Authorization": f"Bearer {token}"})
