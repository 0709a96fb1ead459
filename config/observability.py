"""Logging and error reporting, set up once from the settings (docs/logging.md).

`logging_config` builds LOGGING: one console handler, JSON lines or readable text, every
record carrying the request id, user pseudonym, job id and task id (core.logcontext).
`sentry_init` turns on Sentry when SENTRY_DSN is set; `scrub_event` removes personal data
from every event before it leaves the process, keeping only the user's pseudonym.
"""

from __future__ import annotations

import re
from typing import Any

import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from core.logcontext import log_context_current

LOG_FORMATS = ("json", "text")
# Level, logger and message, a UTC ISO 8601 "time"; the context fields follow.
_JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dict for `log_format` ("json" or "text") at `level`."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {log_format!r}")
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": _JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            # Celery passes each task's arguments as extra "data": they stay out of the logs.
            "reserved_attrs": [*RESERVED_ATTRS, "data"],
        },
        "text": {"()": "core.logcontext.ContextTextFormatter", "format": _TEXT_FORMAT},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logcontext.ContextFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["context"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # faiss reports which CPU build it tried at every import (provenance.keypoints).
            "faiss.loader": {"level": "WARNING"},
        },
    }


# An address as typed, or percent-encoded in a query string.
EMAIL = re.compile(r"[\w.+-]+(@|%40)[\w-]+(\.[\w-]+)+")
FILTERED = "[Filtered]"
# Request headers that identify or authenticate the person.
_PERSONAL_HEADERS = {
    "authorization",
    "cookie",
    "set-cookie",
    "x-csrftoken",
    "x-forwarded-for",
    "x-real-ip",
}


def _scrub_value(value: Any) -> Any:
    """Every email address in strings, however deep, becomes [Filtered]."""
    if isinstance(value, str):
        return EMAIL.sub(FILTERED, value)
    if isinstance(value, dict):
        return {key: _scrub_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(item) for item in value]
    return value


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    request = {key: value for key, value in request.items() if key not in ("cookies", "data")}
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: value for name, value in headers.items() if name.lower() not in _PERSONAL_HEADERS
        }
    env = request.get("env")
    if isinstance(env, dict):
        request["env"] = {name: value for name, value in env.items() if name != "REMOTE_ADDR"}
    return request


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send: no cookies, request bodies, identifying headers or email
    addresses anywhere; the user is only the pseudonym, and the log context becomes tags."""
    event = dict(event)
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    context = log_context_current()
    event.pop("user", None)
    if context["user"]:
        event["user"] = {"id": context["user"]}
    tags = {name: value for name, value in context.items() if value and name != "user"}
    if tags:
        event["tags"] = {**(event.get("tags") or {}), **tags}
    return _scrub_value(event)


def sentry_init(
    *, dsn: str, environment: str, traces_sample_rate: float, transport: Any = None
) -> bool:
    """Report errors to Sentry (Django and Celery integrations) when `dsn` is set; False
    when it is not, and nothing is initialised. `transport` replaces the network (tests)."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # What sentry-sdk 2.75 calls data collection (it supersedes send_default_pii): no
        # user details, cookies, bodies, task arguments or SQL parameters.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "queues": False,
            "database_query_data": False,
        },
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,  # traced requests carry request data too
        transport=transport,
    )
    return True
