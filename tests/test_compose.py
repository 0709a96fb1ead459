"""docker-compose.yml cannot run here (no Docker engine), so we check its shape by reading it."""

import re
from pathlib import Path

import yaml
from django.conf import settings

from provenance.identity import init_signing_identity
from tests.test_settings import _manage

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


def test_the_local_worker_serves_default_and_lookup_and_adds_its_engine_queues():
    run = (Path(__file__).resolve().parent.parent / "bin" / "run").read_text()
    worker = next(line for line in run.splitlines() if line.startswith("celery -A config worker"))
    lookup = settings.CELERY_TASK_ROUTES["provenance.tasks.match_keypoints"]["queue"]
    assert worker.split("-Q ")[1].split()[0].split(",") == ["default", lookup]


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


# The .env of README's "docker-compose" section.
DOTENV = {
    "DJANGO_SECRET_KEY": "k" * 64 + "-compose-secret-with-entropy-0987654321",
    "POSTGRES_PASSWORD": "pg-secret",
    "S3_ACCESS_KEY": "access",
    "S3_SECRET_KEY": "secret",
    "EMAIL_HOST": "smtp.art.example.com",
    "DJANGO_ALLOWED_HOSTS": "art.example.com",
    "STRIPE_SECRET_KEY": "sk_live_compose",
    "STRIPE_WEBHOOK_SECRET": "whsec_compose",
}


def _interpolate(value: str, dotenv: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against a .env file."""

    def substitute(match: re.Match) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        if dotenv.get(name):
            return dotenv[name]
        assert kind != "?", f"compose would refuse: {rest}"
        return rest or ""

    return re.sub(r"\$\{(\w+)(?::([-?])([^}]*))?\}", substitute, value)


def test_app_services_share_the_signing_identity_that_migrate_creates_first():
    migrate = SERVICES["migrate"]
    assert migrate["command"][-1].startswith("python manage.py init_signing && ")
    assert migrate["volumes"] == ["signing:/app/var/signing"]
    for name in ("web", "worker-default", "worker-lookup", "beat"):
        assert SERVICES[name]["volumes"] == ["signing:/app/var/signing:ro"], name
    assert "signing:/app/var/signing" in SERVICES["worker"]["volumes"]


def _web_env(dotenv: dict[str, str]) -> dict[str, str]:
    return {
        name: _interpolate(str(value), dotenv)
        for name, value in SERVICES["web"]["environment"].items()
    }


def test_the_production_shape_passes_the_guardrails_and_the_deploy_check(tmp_path):
    env = _web_env(DOTENV)
    assert env["EMAIL_PROVIDER"] == "smtp"
    assert env["EMAIL_HOST"] == DOTENV["EMAIL_HOST"]
    # The container's /app/var, here: the volume's identity as `migrate` leaves it.
    init_signing_identity(tmp_path / "signing")
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings.base")

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_shape_without_stripe_starts_only_with_payments_declared_off(tmp_path):
    init_signing_identity(tmp_path / "signing")
    no_stripe = {k: v for k, v in DOTENV.items() if not k.startswith("STRIPE_")}
    place = {"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.base"}

    silent = _manage("check", env={**_web_env(no_stripe), **place})
    declared = _web_env({**no_stripe, "PAYMENTS_DISABLED": "true"})
    started = _manage("check", env={**declared, **place})

    assert silent.returncode != 0 and "STRIPE_SECRET_KEY: no Stripe key" in silent.stderr
    assert declared["PAYMENTS_DISABLED"] == "true"
    assert started.returncode == 0, started.stdout + started.stderr


def test_a_lookup_worker_consumes_the_queue_keypoint_searches_are_routed_to():
    queue = settings.CELERY_TASK_ROUTES["provenance.tasks.match_keypoints"]["queue"]
    command = SERVICES["worker-lookup"]["command"]
    assert command[command.index("-Q") + 1] == queue
    assert command[command.index("--concurrency") + 1] == "1"  # one process holds the index


def test_web_processes_share_a_metrics_folder_emptied_at_each_start():
    web = SERVICES["web"]
    folder = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    shell = web["command"][-1]
    assert shell.startswith(f"rm -rf {folder} && exec gunicorn "), shell
    assert "METRICS_TOKEN" in web["environment"]
