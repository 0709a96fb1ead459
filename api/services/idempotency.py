"""Idempotent POSTs: one `Idempotency-Key` makes at most one job, whatever the retries.

The record is committed before the operation runs, so a concurrent request with the same
key meets the unique constraint and is told to wait instead of running it a second time.
Only a success is remembered: a refused request (bad input, a quota) deletes its record,
so the client may fix it or wait and send the same key again. Records expire after a day.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import IdempotencyRecord
from core.errors import ApplicationError

MAX_KEY_LENGTH = 255
RECORD_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    replayed: bool = False


def request_fingerprint(*, operation: str, body: bytes) -> str:
    """The same JSON, whatever its key order or spacing, gives the same fingerprint."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def _check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApplicationError(
            f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} printable ASCII characters.",
            field="Idempotency-Key",
        )
    return key


def _existing_answer(*, user, key: str, fingerprint: str) -> Answer:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:  # the other request failed and let the key go: the client may retry
        raise ApplicationError(
            "A request with this Idempotency-Key just failed; send it again.", code="conflict"
        )
    if record.request_sha256 != fingerprint:
        raise ApplicationError(
            "This Idempotency-Key was used with a different request.",
            field="Idempotency-Key",
            code="idempotency_conflict",
        )
    if record.status != IdempotencyRecord.Status.DONE:
        raise ApplicationError(
            "A request with this Idempotency-Key is still being processed.", code="conflict"
        )
    return Answer(status=record.response_status, body=record.response_body, replayed=True)


def idempotent(
    *, user, key: str, operation: str, body: bytes, run: Callable[[], tuple[int, dict]]
) -> Answer:
    """Run `run` once per (user, key): later calls with the same body replay its answer."""
    key = _check_key(key)
    fingerprint = request_fingerprint(operation=operation, body=body)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, operation=operation, request_sha256=fingerprint
            )
    except IntegrityError:
        return _existing_answer(user=user, key=key, fingerprint=fingerprint)
    try:
        status, answer = run()
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    answer = json.loads(json.dumps(answer, cls=DjangoJSONEncoder))  # as a replay will read it
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=IdempotencyRecord.Status.DONE, response_status=status, response_body=answer
    )
    return Answer(status=status, body=answer)


def idempotency_records_expire(*, now=None) -> int:
    """Forget keys older than a day (a periodic task); how many were removed."""
    cutoff = (now or timezone.now()) - RECORD_LIFETIME
    removed, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return removed
