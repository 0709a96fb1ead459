"""docker-compose.yml cannot run here (no Docker engine), so we check its shape by reading it."""

from pathlib import Path

import yaml

COMPOSE = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
)
SERVICES = COMPOSE["services"]


def test_production_shape_services_exist():
    assert {"postgres", "redis", "s3", "web", "worker", "beat", "migrate"} <= set(SERVICES)


def test_images_are_pinned_and_not_minio():
    for name, service in SERVICES.items():
        image = service.get("image", "")
        assert ":" in image and not image.endswith(":latest") or image == "promptfolio:latest", name
        assert "minio" not in image.lower(), name


def test_worker_adds_its_engine_queues_itself_with_a_gpu_reservation():
    """Engine queues (gpu.<engine>) are added at start for the engines that loaded, so the
    command names none: a broken checkpoint must not be consumed."""
    worker = SERVICES["worker"]
    command = worker["command"]
    assert command[command.index("-Q") + 1] == "gpu"
    assert not [arg for arg in command if "gpu." in arg]
    assert command[command.index("--pool") + 1] == "solo"
    assert "GENERATION_WORKER_ENGINES" in worker["environment"]
    assert "GENERATION_ENGINES_FILE" in SERVICES["web"]["environment"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def test_the_local_worker_serves_default_and_adds_its_engine_queues():
    run = (Path(__file__).resolve().parent.parent / "bin" / "run").read_text()
    worker = next(line for line in run.splitlines() if line.startswith("celery -A config worker"))
    assert worker.split("-Q ")[1].split()[0] == "default"


def test_stateful_services_have_healthchecks_and_app_waits_for_them():
    for name in ("postgres", "redis", "s3", "web"):
        assert "healthcheck" in SERVICES[name], name
    migrate_deps = SERVICES["migrate"]["depends_on"]
    assert migrate_deps["postgres"]["condition"] == "service_healthy"
    assert migrate_deps["s3-init"]["condition"] == "service_completed_successfully"


def test_app_env_selects_real_services():
    env = SERVICES["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://")
    assert env["S3_ENDPOINT_URL"] == "http://s3:8333"
    assert env["DJANGO_ENV"] == "production"


def test_web_trusts_exactly_the_one_tls_proxy_in_front_of_it():
    assert SERVICES["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
