"""The API's request rates: per token, and per person across all tokens and the site
(fixed one-minute windows, `core.ratelimits`)."""

from dataclasses import dataclass

from django.conf import settings

from core.ratelimits import Limit, rate_limit_take

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


def api_rate_take(*, user_id, token_id=None, now: float | None = None) -> None:
    """Count one request for the person and, with a token, for the token; raise
    RateLimited (→ 429 with Retry-After) when either is over its limit."""
    limits = rate_limits()
    if token_id is not None:
        rate_limit_take(
            Limit("api:token", limits.per_token, WINDOW_SECONDS),
            token_id,
            message=f"This token may make {limits.per_token} requests a minute.",
            now=now,
        )
    rate_limit_take(
        Limit("api:user", limits.per_user, WINDOW_SECONDS),
        user_id,
        message=(
            f"Your account may make {limits.per_user} API requests a minute, across all "
            "tokens and the site."
        ),
        now=now,
    )
