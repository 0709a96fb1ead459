"""Request rate limits per token and per person, as fixed one-minute windows in the shared
cache (Redis in production, so every web process counts together).

A window's counter is created with `add` and bumped with `incr`, both atomic in Redis, so
concurrent requests cannot both take the last slot. A fixed window lets a burst of up to
twice the limit straddle a boundary; that is the usual trade for one round trip per check.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.errors import QuotaExceededError

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimits:
    per_token: int
    per_user: int
    window_seconds: int = WINDOW_SECONDS


def rate_limits() -> RateLimits:
    return RateLimits(
        per_token=settings.API_RATE_LIMIT_PER_TOKEN, per_user=settings.API_RATE_LIMIT_PER_USER
    )


def _take(key: str) -> int:
    """This window's count after taking one slot."""
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def rate_limit_take(*, user_id, token_id=None, now: float | None = None) -> None:
    """Count one request for the person and, with a token, for the token; raise
    QuotaExceededError (→ 429 with Retry-After) when either is over its limit."""
    now = time.time() if now is None else now
    window_start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    retry_after = max(1, int(window_start + WINDOW_SECONDS - now))
    limits = rate_limits()
    if token_id is not None:
        used = _take(f"api-rate:token:{token_id}:{window_start}")
        if used > limits.per_token:
            raise QuotaExceededError(
                f"This token may make {limits.per_token} requests a minute.",
                retry_after=retry_after,
            )
    used = _take(f"api-rate:user:{user_id}:{window_start}")
    if used > limits.per_user:
        raise QuotaExceededError(
            f"Your account may make {limits.per_user} API requests a minute, across all "
            "tokens and the site.",
            retry_after=retry_after,
        )
