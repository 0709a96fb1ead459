"""The admin's worker page: read-only, live or stale, engines and why others are missing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from generation.models import WorkerHeartbeat
from generation.services.workers import EngineLoadReport, WorkerIdentity, worker_heartbeat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_see_live_and_stale_workers_with_engines_and_reasons(client, settings):
    settings.GENERATION_WORKER_STALE_SECONDS = 60
    report = EngineLoadReport(served=("embedded",), unavailable={"sdxl": "checkpoint not found"})
    live = worker_heartbeat(
        worker=WorkerIdentity("gpu@live", "a", 1, timezone.now()), report=report
    )
    stale = worker_heartbeat(
        worker=WorkerIdentity("gpu@stale", "b", 2, timezone.now()),
        report=EngineLoadReport(served=("sd15",)),
    )
    WorkerHeartbeat.objects.filter(pk=stale.pk).update(
        last_seen=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:generation_workerheartbeat_changelist"))
    detail = client.get(reverse("admin:generation_workerheartbeat_change", args=[live.pk]))

    assert page.status_code == 200 and detail.status_code == 200
    html = page.content.decode()
    assert "gpu@live" in html and "gpu@stale" in html
    assert "sdxl: checkpoint not found" in html and "sd15" in html
    assert html.count('alt="True"') == 1 and html.count('alt="False"') == 1
    assert client.get(reverse("admin:generation_workerheartbeat_add")).status_code == 403


def test_non_staff_cannot_open_it(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("admin:generation_workerheartbeat_changelist"))

    assert response.status_code == 302 and reverse("admin:login") in response.url
