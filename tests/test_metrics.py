"""Prometheus metrics: the token-guarded /metrics, the series each floor exports, and the
dashboard and alert rules under deploy/ naming only series the code exports."""

import json
import re
import socket
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from celery import current_app
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from core import metrics
from core.ratelimits import Limit, RateLimited, allauth_refusal, rate_limit_take
from generation.models import JobStatus, WorkerHeartbeat
from generation.services.batch import batch_run
from marketplace.services.login_throttle import login_attempt_start
from payments.models import Order, OrderLine, OrderStatus, PayoutAccount, WebhookEvent
from tests.generation.factories import GenerationJobFactory
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order
from webhooks.models import WebhookDelivery, WebhookEndpoint

TOKEN = "s3cret-metrics-token"
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one authorised scrape."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(name: str, **labels) -> float:
    """A sample of this process's registry (0 when not observed yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- The endpoint ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_off_without_a_configured_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer pässwört", "Bearer"],
)
def test_a_missing_or_wrong_token_is_refused(client, token, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/metrics", **extra)
    assert response.status_code == 403
    assert b"promptfolio_" not in response.content


@pytest.mark.django_db
def test_the_right_token_gets_the_scrape(client, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    for family in ("http_requests_total", "jobs", "workers_live", "money_owed_rows"):
        assert f"# TYPE promptfolio_{family}" in body
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_and_timed(client, token):
    before_404 = value("promptfolio_http_requests_total", view="unmatched", status="404")
    before_403 = value("promptfolio_http_requests_total", view="metrics", status="403")
    before_timed = value("promptfolio_http_request_duration_seconds_count", view="unmatched")

    client.get("/no-such-page/")
    client.get("/no-such-page/either/")
    client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    samples = scrape(client)

    key = ("promptfolio_http_requests_total", (("status", "404"), ("view", "unmatched")))
    assert samples[key] == before_404 + 2
    key = ("promptfolio_http_requests_total", (("status", "403"), ("view", "metrics")))
    assert samples[key] == before_403 + 1
    key = ("promptfolio_http_request_duration_seconds_count", (("view", "unmatched"),))
    assert samples[key] == before_timed + 2


@pytest.mark.django_db
def test_a_failing_collector_is_reported_and_the_rest_still_scraped(client, token, monkeypatch):
    class Broken:
        def collect(self):
            raise RuntimeError("database is away")

    monkeypatch.setitem(metrics._scrape_collectors, "broken", Broken())

    samples = scrape(client)

    assert samples[("promptfolio_scrape_collector_up", (("collector", "broken"),))] == 0
    assert samples[("promptfolio_scrape_collector_up", (("collector", "generation"),))] == 1
    assert ("promptfolio_money_owed_rows", (("kind", "refund"),)) in samples


# --- Rate limits ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_kind_of_refusal_is_counted_by_its_limit():
    limit = Limit(scope="test:metrics", count=1, seconds=60)
    before = value("promptfolio_rate_limit_refusals_total", limit="test:metrics")

    rate_limit_take(limit, "client-a", message="Slow down.", now=1000.0)
    assert value("promptfolio_rate_limit_refusals_total", limit="test:metrics") == before
    with pytest.raises(RateLimited):
        rate_limit_take(limit, "client-a", message="Slow down.", now=1001.0)
    assert value("promptfolio_rate_limit_refusals_total", limit="test:metrics") == before + 1

    signup = RequestFactory().post("/accounts/signup/")
    signup.resolver_match = resolve("/accounts/signup/")
    before_allauth = value("promptfolio_rate_limit_refusals_total", limit="allauth:signup")
    assert allauth_refusal(signup) >= 1
    assert value("promptfolio_rate_limit_refusals_total", limit="allauth:signup") == (
        before_allauth + 1
    )


@pytest.mark.django_db
def test_a_login_delay_counts_as_a_refusal(settings):
    settings.LOGIN_FREE_FAILURES = 1
    before = value("promptfolio_rate_limit_refusals_total", limit="login:delay")
    login_attempt_start(email="victim@example.com", ip="192.0.2.9", now=1000.0)
    with pytest.raises(RateLimited):
        login_attempt_start(email="victim@example.com", ip="192.0.2.9", now=1000.5)
    assert value("promptfolio_rate_limit_refusals_total", limit="login:delay") == before + 1


# --- State read at scrape time -------------------------------------------------------------


@pytest.mark.django_db
def test_jobs_by_state_counts_active_jobs_and_those_finished_in_the_last_hour(client, token):
    now = timezone.now()
    GenerationJobFactory.create_batch(2)
    GenerationJobFactory(status=JobStatus.RUNNING, lease_expires_at=now + timedelta(minutes=1))
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED):
        GenerationJobFactory(status=status, finished_at=now - timedelta(minutes=5))
    GenerationJobFactory(status=JobStatus.SUCCEEDED, finished_at=now - timedelta(hours=2))

    samples = scrape(client)

    def jobs(state):
        return samples[("promptfolio_jobs", (("engine", "scripted"), ("state", state)))]

    assert [jobs(state) for state in JobStatus.values] == [2, 1, 1, 1, 1]
    assert samples[("promptfolio_jobs", (("engine", "embedded"), ("state", "queued")))] == 0
    oldest = samples[("promptfolio_job_oldest_queued_seconds", (("engine", "scripted"),))]
    assert 0 <= oldest < 60


@pytest.mark.django_db
def test_live_workers_per_engine(client, token):
    now = timezone.now()
    for name, seen in (("gpu@a", now), ("gpu@b", now - timedelta(hours=1))):
        WorkerHeartbeat.objects.create(
            name=name, host="a", pid=1, engines=["embedded"], started_at=now, last_seen=seen
        )

    samples = scrape(client)

    assert samples[("promptfolio_workers_live", (("engine", "embedded"),))] == 1


@pytest.mark.django_db
def test_owed_money_rows_and_the_age_of_the_oldest(client, token, buyer, creator):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_metrics")
    listing = make_listing(creator, publish=True)
    paid = make_order(buyer=buyer, listing=listing)
    Order.objects.filter(pk=paid.pk).update(
        status=OrderStatus.PAID, paid_at=timezone.now() - timedelta(hours=2)
    )
    held = make_order(buyer=buyer, listing=listing)
    Order.objects.filter(pk=held.pk).update(status=OrderStatus.HELD)
    OrderLine.objects.filter(order=held).update(
        refund_requested_at=timezone.now() - timedelta(minutes=30)
    )

    samples = scrape(client)

    assert samples[("promptfolio_money_owed_rows", (("kind", "transfer"),))] == 1
    assert samples[("promptfolio_money_owed_rows", (("kind", "refund"),))] == 1
    transfer_age = samples[("promptfolio_money_owed_oldest_seconds", (("kind", "transfer"),))]
    refund_age = samples[("promptfolio_money_owed_oldest_seconds", (("kind", "refund"),))]
    assert 2 * 3600 <= transfer_age < 2 * 3600 + 60
    assert 30 * 60 <= refund_age < 31 * 60


@pytest.mark.django_db
def test_webhook_backlogs_and_lag_in_both_directions(client, token, buyer):
    stored = WebhookEvent.objects.create(event_id="evt_metrics", type="x", raw_payload="{}")
    WebhookEvent.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=10)
    )
    WebhookEvent.objects.create(event_id="evt_done", type="x", raw_payload="{}", status="processed")
    endpoint = WebhookEndpoint.objects.create(owner=buyer, url="https://example.com/hook")
    now = timezone.now()
    for minutes in (-5, 30):  # one 5 min overdue, one waiting out its backoff
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="job.finished",
            payload={},
            next_attempt_at=now + timedelta(minutes=minutes),
        )

    samples = scrape(client)

    assert samples[("promptfolio_provider_webhook_backlog", ())] == 1
    assert 600 <= samples[("promptfolio_provider_webhook_lag_seconds", ())] < 660
    assert samples[("promptfolio_webhook_deliveries_pending", ())] == 2
    assert samples[("promptfolio_webhook_deliveries_due", ())] == 1
    assert 300 <= samples[("promptfolio_webhook_delivery_lag_seconds", ())] < 360


@pytest.mark.django_db
def test_queue_depth_is_read_from_the_broker(client, token, settings):
    settings.CELERY_TASK_ROUTES = {**settings.CELERY_TASK_ROUTES, "x": {"queue": "metrics-test"}}
    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("metrics-test")
        try:
            for _ in range(3):
                current_app.send_task("nothing", queue="metrics-test", connection=connection)
            samples = scrape(client)
        finally:
            connection.default_channel.queue_purge("metrics-test")

    assert samples[("promptfolio_celery_queue_depth", (("queue", "metrics-test"),))] == 3
    assert ("promptfolio_celery_queue_depth", (("queue", "gpu.embedded"),)) in samples
    assert ("promptfolio_celery_queue_depth", (("queue", "default"),)) in samples


# --- Events from the worker ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_stored_batch_observes_latencies_images_and_stamping(
    scripted_engine, buyer, django_capture_on_commit_callbacks
):
    job = GenerationJobFactory(owner=buyer, count=3)
    engine = {"engine": "scripted"}
    images = {"worker": "worker-a", **engine}
    before = {
        "queued": value("promptfolio_job_queued_seconds_count", **engine),
        "run": value("promptfolio_job_run_seconds_count", **engine),
        "images": value("promptfolio_images_generated_total", **images),
        "upload": value("promptfolio_stage_step_seconds_count", step="upload"),
        "batch": value("promptfolio_stamping_batch_seconds_count"),
    }

    with django_capture_on_commit_callbacks(execute=True):
        assert batch_run(job_id=job.pk, worker="worker-a:41").succeeded == 1

    assert value("promptfolio_job_queued_seconds_count", **engine) == before["queued"] + 1
    assert value("promptfolio_job_run_seconds_count", **engine) == before["run"] + 1
    assert value("promptfolio_images_generated_total", **images) == before["images"] + 3
    assert value("promptfolio_stage_step_seconds_count", step="upload") == before["upload"] + 3
    assert value("promptfolio_stamping_batch_seconds_count") == before["batch"] + 1


@pytest.mark.django_db
def test_a_claim_not_committed_observes_nothing(scripted_engine, buyer):
    job = GenerationJobFactory(owner=buyer)
    before = value("promptfolio_job_queued_seconds_count", engine="scripted")

    batch_run(job_id=job.pk, worker="worker-a:41")  # inside the test transaction: no commit

    assert value("promptfolio_job_queued_seconds_count", engine="scripted") == before


def test_multiprocess_mode_merges_what_other_processes_wrote(settings, tmp_path):
    """A gunicorn worker's counts reach the scrape through the shared folder."""
    child = (
        "from prometheus_client import Counter\n"
        "Counter('promptfolio_http_requests', 'x', ['view', 'status'])"
        ".labels(view='home', status='200').inc(7)\n"
    )
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": ""}
    subprocess.run([sys.executable, "-c", child], env=environment, check=True, timeout=30)
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)

    merged = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in metrics.event_collector().collect()
        for sample in family.samples
    }

    assert merged[("promptfolio_http_requests_total", (("status", "200"), ("view", "home")))] == 7


def test_worker_serves_its_own_series_on_the_configured_port(settings, caplog):
    settings.WORKER_METRICS_PORT = 0
    assert metrics.worker_metrics_serve() is False
    with socket.socket() as busy:
        busy.bind(("", 0))
        busy.listen()
        settings.WORKER_METRICS_PORT = busy.getsockname()[1]
        assert metrics.worker_metrics_serve() is False
    assert "Worker metrics not served" in caplog.text
    with socket.socket() as probe:
        probe.bind(("", 0))
        settings.WORKER_METRICS_PORT = probe.getsockname()[1]
    assert metrics.worker_metrics_serve() is True
    url = f"http://127.0.0.1:{settings.WORKER_METRICS_PORT}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
        assert b"promptfolio_images_generated_total" in response.read()


# --- deploy/: the dashboard and the alerts name real series ---------------------------------

METRIC_NAME = re.compile(r"\bpromptfolio_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}


def exported_names(client) -> set[str]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    names = set()
    for family in text_string_to_metric_families(response.content.decode()):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "promptfolio.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def alert_rules() -> list[dict]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule for group in rules["groups"] for rule in group["rules"]]


@pytest.mark.django_db
def test_dashboard_and_alerts_reference_only_exported_series(client, token):
    exported = exported_names(client)
    exprs = dashboard_exprs() + [rule["expr"] for rule in alert_rules()]

    referenced = {name for expr in exprs for name in METRIC_NAME.findall(expr)}

    assert len(referenced) >= 12
    assert referenced - exported == set()


def test_the_alert_rules_cover_what_the_operators_are_paged_for():
    rules = alert_rules()
    for rule in rules:
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule)
        assert rule["labels"]["severity"] in {"page", "ticket"}
    exprs = {rule["alert"]: rule["expr"] for rule in rules}
    assert "promptfolio_workers_live" in exprs["QueueGrowingWithoutLiveWorker"]
    assert "3600" in exprs["MoneyOwedOverAnHour"]
    assert "webhook" in exprs["WebhookBacklog"]
    assert 'status=~"5..' in exprs["HighServerErrorRate"]
