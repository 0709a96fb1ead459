"""core.health: sections a higher floor adds to /healthz inform and never fail the probe."""

import pytest
from django.urls import reverse

from core import health


@pytest.fixture
def isolated_sections(monkeypatch):
    monkeypatch.setattr(health, "_sections", dict(health._sections))


@pytest.mark.django_db
def test_a_failing_section_shows_its_error_and_the_probe_stays_ok(client, isolated_sections):
    def broken():
        raise RuntimeError("no idea")

    health.register("broken", broken)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broken"] == {"error": "RuntimeError: no idea"}


def test_a_section_cannot_replace_the_probes_own_keys(isolated_sections):
    with pytest.raises(ValueError, match="part of the /healthz body"):
        health.register("checks", dict)
