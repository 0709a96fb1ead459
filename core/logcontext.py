"""Who and what each log line is about: request id, user pseudonym, job id, Celery task id.

The values live in context variables, so every log line of a request or a task carries them
without being passed around. A web request sets the request id (and, once authentication
loaded the user, the pseudonym); a task published from it carries both in its message
headers to the worker, which sets them again with the task id. `ContextFilter` copies them
onto every log record; the JSON and text formatters write them out (docs/logging.md).

The user is never logged by email or name: `user_pseudonym` is a keyed hash of the id.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.conf import settings

FIELDS = ("request_id", "user", "job_id", "task_id")
# Message headers that carry the web request's context to the worker.
HEADER_PREFIX = "promptfolio_"
# An incoming X-Request-ID is kept only if it is a plain token: it ends up in every log line.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")

# A value, or (for `user`) a callable that resolves it when a line is written: the request's
# user is read only once something else loaded it, so logging never costs a query.
_vars: dict[str, contextvars.ContextVar] = {
    name: contextvars.ContextVar(f"log_{name}", default=None) for name in FIELDS
}
Tokens = dict[str, contextvars.Token]


def user_pseudonym(user_id) -> str:
    """A stable id for one account that reveals nothing: HMAC-SHA256 of the id under
    SECRET_KEY, 16 hex characters. The same account gets the same value in every process."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def log_context_set(**values: str | Callable[[], str | None] | None) -> Tokens:
    """Set some of FIELDS; the tokens undo exactly this with `log_context_reset`."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown log context fields: {sorted(unknown)}")
    return {name: _vars[name].set(value) for name, value in values.items()}


def log_context_reset(tokens: Tokens) -> None:
    for name, token in tokens.items():
        _vars[name].reset(token)


@contextmanager
def log_context(**values: str | Callable[[], str | None] | None) -> Iterator[None]:
    """`with log_context(job_id=str(job.pk)):` every line inside carries the job id."""
    tokens = log_context_set(**values)
    try:
        yield
    finally:
        log_context_reset(tokens)


def log_context_current() -> dict[str, str | None]:
    """The current value of each field (None when unknown)."""
    current = {}
    for name in FIELDS:
        value = _vars[name].get()
        current[name] = value() if callable(value) else value
    return current


class ContextFilter(logging.Filter):
    """Puts each field on the record (None when unknown), so formatters can write them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in log_context_current().items():
            if not hasattr(record, name):  # an explicit extra= wins
                setattr(record, name, value)
        return True


class ContextTextFormatter(logging.Formatter):
    """Readable lines for a terminal: the message, then the known fields as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        known = [
            f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, None)
        ]
        if not known:
            return line
        first, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{first} [{' '.join(known)}]{newline}{rest}"


@before_task_publish.connect
def _context_into_headers(headers=None, **kwargs) -> None:
    """A task published during a request (or another task) carries its request id and user."""
    if headers is None:
        return
    current = log_context_current()
    for name in ("request_id", "user"):
        if current[name]:
            headers.setdefault(f"{HEADER_PREFIX}{name}", current[name])


def _header(request, name: str) -> str | None:
    key = f"{HEADER_PREFIX}{name}"
    value = getattr(request, key, None)  # protocol 2: custom headers become attributes
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(key)  # eager apply(headers=…)
    return value if isinstance(value, str) and REQUEST_ID_PATTERN.fullmatch(value) else None


# Tokens per running task id, a stack (an inline retry runs inside its first attempt, with
# the same id): prerun sets the context, postrun puts the previous one back.
_task_tokens: dict[str, list[Tokens]] = {}


@task_prerun.connect
def _context_from_task(task_id=None, task=None, **kwargs) -> None:
    current = log_context_current()
    request = task.request if task is not None else None
    _task_tokens.setdefault(task_id, []).append(
        log_context_set(
            request_id=_header(request, "request_id") or current["request_id"],
            user=_header(request, "user") or current["user"],
            job_id=current["job_id"],
            task_id=task_id,
        )
    )


@task_postrun.connect
def _context_after_task(task_id=None, **kwargs) -> None:
    stack = _task_tokens.get(task_id)
    if not stack:
        return
    log_context_reset(stack.pop())
    if not stack:
        del _task_tokens[task_id]
