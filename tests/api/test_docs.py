"""The OpenAPI document and its docs page: complete, and served offline under our CSP."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_document_describes_every_operation_with_bearer_auth(client):
    document = client.get("/api/v1/openapi.json").json()

    assert document["openapi"].startswith("3.")
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert {
        ("POST", "/api/v1/jobs"),
        ("POST", "/api/v1/jobs/edits"),
        ("GET", "/api/v1/jobs"),
        ("GET", "/api/v1/jobs/{job_id}"),
        ("POST", "/api/v1/jobs/{job_id}/cancel"),
        ("POST", "/api/v1/jobs/{job_id}/retry"),
        ("GET", "/api/v1/pieces"),
        ("GET", "/api/v1/listings"),
        ("GET", "/api/v1/licences"),
        ("GET", "/api/v1/licences/{grant_id}/certificate.pdf"),
    } <= operations
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    create = document["paths"]["/api/v1/jobs"]["post"]
    assert {"400", "401", "403", "409", "429"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])


def test_the_docs_page_loads_only_our_own_files_and_no_inline_code(client):
    response = client.get("/api/v1/docs")
    page = response.content.decode()

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        assert finders.find(url.removeprefix("/static/")), url
    for attributes, _body in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S):
        assert "src=" in attributes or 'type="application/json"' in attributes
