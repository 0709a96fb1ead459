"""The settings contract: embedded defaults, env-selected services, a clean deploy check."""

import os
import subprocess
import sys
from pathlib import Path

from config.settings.storage import local_storages, storages_from_env

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "S3_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_env(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_SECRET_KEY": "x" * 64 + "-production-secret-with-entropy-123456",
            "DJANGO_ALLOWED_HOSTS": "art.example.com",
            "VAR_DIR": str(tmp_path),
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


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
