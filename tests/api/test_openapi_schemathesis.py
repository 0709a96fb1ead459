"""schemathesis against our own OpenAPI document: for every operation, generated requests
(valid and invalid) never get a 5xx, and every answer matches the documented status codes,
content types and response schemas."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services.tokens import token_create
from config.wsgi import application
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The document as the WSGI app serves it; generated requests go to that app in-process.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def in_process(db, settings, generation_wakeups):
    """As Django's test client does, keep the test's database connection across requests."""
    settings.API_RATE_LIMIT_PER_TOKEN = settings.API_RATE_LIMIT_PER_USER = 100_000
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(in_process):
    owner = UserFactory()
    GenerationJobFactory(owner=owner, engine="embedded", width=256, height=256)
    token = token_create(user=owner, name="fuzz", scopes=["read", "generate"]).plaintext
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_5xx_and_answers_match_the_document(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
