import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_dependency_ok(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert "Error" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True


def test_livez_answers_without_touching_a_dependency(client, settings, django_assert_num_queries):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # /healthz would be 503 now

    with django_assert_num_queries(0):
        response = client.get(reverse("livez"))

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert "no-cache" in response["Cache-Control"]


def test_security_headers_on_pages(client):
    response = client.get(reverse("home"))

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_healthz_without_gpu_workers_is_still_ok_and_says_which_engines_nobody_serves(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["workers"] == {"live": [], "unserved_engines": ["embedded"]}


def test_healthz_lists_live_workers_their_engines_and_last_heartbeat(client):
    from django.utils import timezone

    from generation.services.workers import EngineLoadReport, WorkerIdentity, worker_heartbeat

    report = EngineLoadReport(
        served=("embedded",), unavailable={"sdxl": "not found"}, devices=("cuda",)
    )
    row = worker_heartbeat(
        worker=WorkerIdentity("gpu@a", "host-a", 7, timezone.now()), report=report
    )

    body = client.get(reverse("healthz")).json()

    assert body["workers"] == {
        "live": [
            {
                "name": "gpu@a",
                "host": "host-a",
                "engines": ["embedded"],
                "unavailable": {"sdxl": "not found"},
                "device": "cuda",
                "last_seen": row.last_seen.isoformat(),
            }
        ],
        "unserved_engines": [],
    }
