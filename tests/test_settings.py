"""The settings contract: embedded defaults, env-selected services, a clean deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.storage import local_storages, storages_from_env
from provenance.identity import init_signing_identity

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Nothing of this process's service settings (CI sets DATABASE_URL, the broker…) leaks in.
    service = ("DJANGO_", "S3_", "DATABASE_", "CELERY_", "CACHE_", "EMAIL_", "STRIPE_", "PAYMENTS_")
    base = {k: v for k, v in os.environ.items() if not k.startswith((*service, "PROVENANCE_"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run(["manage.py", *args], env=env)


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The production shape with every guardrail satisfied (servers named, never reached)."""
    signing = tmp_path / "signing"
    if not signing.exists():
        init_signing_identity(signing)
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "x" * 64 + "-production-secret-with-entropy-123456",
        "DJANGO_ALLOWED_HOSTS": "art.example.com",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://promptfolio:secret@db.internal:5432/promptfolio",
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "CACHE_URL": "redis://redis.internal:6379/1",
        "EMAIL_PROVIDER": "smtp",
        "EMAIL_HOST": "smtp.example.com",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_example",
        "PROVENANCE_SIGNING_DIR": str(signing),
    }
    return {**env, **overrides}


def test_check_deploy_is_clean_with_production_env(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_names_every_embedded_default_it_refuses(tmp_path):
    env = _production_env(tmp_path, STRIPE_WEBHOOK_SECRET="")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_PROVIDER"):
        del env[name]
    env["PROVENANCE_SIGNING_DIR"] = str(tmp_path / "no-keys-here")

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "refuses to start with 6 unsafe setting(s)" in result.stderr
    for fix in (
        "DATABASE_URL: the database is SQLite",
        "CELERY_BROKER_URL: the broker is the filesystem broker",
        "CACHE_URL: the cache is local memory",
        "EMAIL_PROVIDER: email goes to the console backend",
        "STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY is set without it",
        "PROVENANCE_SIGNING_DIR: the signing keys are missing",
    ):
        assert fix in result.stderr


@pytest.mark.parametrize(
    "entry_point",
    [
        ["-c", "import config.wsgi"],  # what gunicorn loads
        ["-m", "celery", "-A", "config", "worker", "--pool", "solo"],
        ["-m", "celery", "-A", "config", "beat"],
        ["manage.py", "runserver", "--noreload", "127.0.0.1:0"],
    ],
    ids=["gunicorn", "celery-worker", "celery-beat", "runserver"],
)
def test_every_entry_point_refuses_an_unsafe_production_start(tmp_path, entry_point):
    env = _production_env(tmp_path, CACHE_URL="")

    result = _run(entry_point, env=env)

    assert result.returncode != 0
    assert "CACHE_URL: the cache is local memory" in result.stderr
    assert "DATABASE_URL" not in result.stderr  # only what is wrong is named


def test_a_stripe_key_alone_is_refused(tmp_path):
    without_secret = _manage("check", env=_production_env(tmp_path, STRIPE_WEBHOOK_SECRET=""))

    assert without_secret.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET" in without_secret.stderr


def test_no_stripe_is_refused_unless_payments_are_declared_off(tmp_path):
    no_stripe = {"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
    silent = _manage("check", env=_production_env(tmp_path, **no_stripe))
    declared = _manage(
        "check", env=_production_env(tmp_path, **no_stripe, PAYMENTS_DISABLED="true")
    )

    assert silent.returncode != 0
    assert "refuses to start with 1 unsafe setting(s)" in silent.stderr
    assert "STRIPE_SECRET_KEY: no Stripe key, so checkout would fall back to the local" in (
        silent.stderr
    )
    assert "or PAYMENTS_DISABLED=true to run without payments" in silent.stderr
    assert declared.returncode == 0, declared.stderr


def test_init_signing_may_start_without_keys_and_makes_the_next_start_safe(tmp_path):
    keys = tmp_path / "fresh-keys"
    env = _production_env(tmp_path, PROVENANCE_SIGNING_DIR=str(keys))

    refused = _manage("check", env=env)
    created = _manage("init_signing", env=env)
    started = _manage("check", env=env)

    assert refused.returncode != 0 and "PROVENANCE_SIGNING_DIR" in refused.stderr
    assert created.returncode == 0, created.stderr
    assert started.returncode == 0, started.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(
        "check",
        env={
            "DJANGO_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "VAR_DIR": str(tmp_path),
        },
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_storage_defaults_to_local_folders_and_s3_when_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("S3_ENDPOINT_URL", raising=False)
    assert storages_from_env(tmp_path) == local_storages(tmp_path)

    monkeypatch.setenv("S3_ENDPOINT_URL", "http://s3:8333")
    monkeypatch.setenv("S3_PUBLIC_ENDPOINT_URL", "http://localhost:8333")
    configured = storages_from_env(tmp_path)
    assert configured["default"]["OPTIONS"]["default_acl"] == "private"
    assert configured["default"]["OPTIONS"]["querystring_expire"] == 300
    assert configured["default"]["OPTIONS"]["public_endpoint_url"] == "http://localhost:8333"
    assert configured["previews"]["OPTIONS"]["querystring_auth"] is False


@pytest.mark.parametrize("days", ["9", "15"])
def test_a_takedown_waiting_period_outside_10_to_14_business_days_refuses_to_start(days):
    result = _manage("check", env={"TAKEDOWN_RESTORE_BUSINESS_DAYS": days})
    assert result.returncode != 0
    assert "TAKEDOWN_RESTORE_BUSINESS_DAYS must be 10 to 14" in result.stderr
    assert _manage("check", env={"TAKEDOWN_RESTORE_BUSINESS_DAYS": "14"}).returncode == 0


@pytest.mark.parametrize("url", ["ftp://tsa.example.com", "tsa.example.com", "https://"])
def test_a_timestamp_authority_that_is_not_an_http_url_refuses_to_start(url):
    result = _manage("check", env={"PROVENANCE_TSA_URL": url})
    assert result.returncode != 0
    assert "PROVENANCE_TSA_URL must be an http(s) URL" in result.stderr
    assert repr(url) in result.stderr


def test_a_timestamp_authority_url_or_none_starts():
    configured = {"PROVENANCE_TSA_URL": "http://timestamp.example.com:8080/tsr"}
    assert _manage("check", env=configured).returncode == 0
    assert _manage("check", env={"PROVENANCE_TSA_URL": ""}).returncode == 0


def test_an_unknown_email_provider_stops_the_start(tmp_path):
    result = _manage("check", env={"VAR_DIR": str(tmp_path), "EMAIL_PROVIDER": "mailgnu"})

    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_PROVIDER must be one of" in result.stderr
