"""`/healthz`: is the database, the Celery broker and object storage reachable? Then the
sections higher floors registered in `core.health` (facts that never fail the probe)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from core import health


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_storage() -> None:
    for alias in ("default", "previews"):
        storages[alias].exists("healthz-probe")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "broker": _check_broker,
    "storage": _check_storage,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a health probe reports every failure kind
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


@never_cache
@require_GET
def healthz(request):
    checks = run_checks()
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks, **health.sections()},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def livez(request):
    """Liveness: this process still answers requests. It touches no database, broker or
    storage (that is `/healthz`, the readiness probe), so their outage takes web pods out of
    the Service instead of restarting all of them."""
    return JsonResponse({"status": "alive"})
