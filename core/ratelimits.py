"""Fixed-window request limits in the shared cache (Redis in production, so every web
process counts together), for any key: a token, a person, a client address.

A window's counter is created with `add` and bumped with `incr`, both atomic in Redis, so
concurrent requests cannot both take the last slot. A fixed window lets a burst of up to
twice the limit straddle a boundary: the usual trade for one round trip per check.
A view that raises `RateLimited` answers 429 with Retry-After and a page that says when to
try again (`core.middleware.RateLimitedMiddleware`).
"""

import time
from dataclasses import dataclass

from django.core.cache import cache

from core.errors import QuotaExceededError


class RateLimited(QuotaExceededError):
    """Too many requests for one key in its window; try again after `retry_after` s."""


@dataclass(frozen=True)
class Limit:
    """`count` requests per `seconds` for one key of the `scope` (e.g. "verify:client")."""

    scope: str
    count: int
    seconds: int = 60


def cache_count(key: str, *, timeout: int) -> int:
    """Add one to the counter at `key` (created for `timeout` s) and return it; atomic in
    Redis, so concurrent callers are all counted."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=timeout)
        return 1


def rate_limit_take(limit: Limit, key: object, *, message: str, now: float | None = None) -> None:
    """Count one request for `key` under `limit`; raise RateLimited when it is over."""
    now = time.time() if now is None else now
    window_start = int(now // limit.seconds) * limit.seconds
    used = cache_count(f"rate:{limit.scope}:{key}:{window_start}", timeout=limit.seconds * 2)
    if used > limit.count:
        raise RateLimited(message, retry_after=max(1, int(window_start + limit.seconds - now)))
