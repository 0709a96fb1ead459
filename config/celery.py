"""The Celery application. Configuration lives in Django settings under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import worker_ready

from core.metrics import worker_metrics_serve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("promptfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _serve_worker_metrics(**kwargs) -> None:
    """Each worker serves its own Prometheus series on WORKER_METRICS_PORT (docs/metrics.md)."""
    worker_metrics_serve()
