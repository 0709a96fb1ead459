"""Cursor pagination: newest first, keyed on (timestamp, id), stable while rows are added.

A cursor is the last row's key, base64url JSON: opaque to clients, cheap to seek (an
index range, not an OFFSET that rescans every earlier page).
"""

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from core.errors import ApplicationError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def _encode(moment: datetime, pk) -> str:
    raw = json.dumps({"t": moment.isoformat(), "id": str(pk)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(data["t"])
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, uuid.UUID(data["id"])
    except (ValueError, KeyError, TypeError, UnicodeError) as error:
        raise ApplicationError("This cursor is not one we gave out.", field="cursor") from error


def paginate(queryset: QuerySet, *, cursor: str | None, limit: int, field: str) -> Page:
    """One page of `queryset` ordered by `field` then id, both descending."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ApplicationError(f"limit must be 1–{MAX_LIMIT}.", field="limit")
    queryset = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        moment, pk = _decode(cursor)
        queryset = queryset.filter(
            Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk})
        )
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode(getattr(rows[-1], field), rows[-1].pk) if more else None
    return Page(items=rows, next_cursor=next_cursor)
