"""The Celery application. Configuration lives in Django settings under the CELERY_ prefix."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, worker_ready
from django.conf import settings

from core.metrics import worker_metrics_serve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("promptfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _serve_worker_metrics(**kwargs) -> None:
    """Each worker serves its own Prometheus series on WORKER_METRICS_PORT (docs/metrics.md)."""
    worker_metrics_serve()


@setup_logging.connect
def _logging_from_settings(**kwargs) -> None:
    """Workers and beat log like the web process (settings.LOGGING: JSON or text lines with
    the request, user, job and task ids) instead of Celery's own format."""
    logging.config.dictConfig(settings.LOGGING)
