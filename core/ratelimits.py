"""Fixed-window request limits in the shared cache (Redis in production, so every web
process counts together), for any key: a token, a person, a client address.

A window's counter is created with `add` and bumped with `incr`, both atomic in Redis, so
concurrent requests cannot both take the last slot. A fixed window lets a burst of up to
twice the limit straddle a boundary: the usual trade for one round trip per check.
A view that raises `RateLimited` answers 429 with Retry-After and a page that says when to
try again (`core.middleware.RateLimitedMiddleware`). Every refusal is made by `refusal` (or,
for allauth's own limits, `allauth_refusal`), which counts it in
`promptfolio_rate_limit_refusals_total` by limit.
"""

import math
import time
from dataclasses import dataclass

from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from core.errors import QuotaExceededError
from core.metrics import rate_limit_refused


class RateLimited(QuotaExceededError):
    """Too many requests for one key in its window; try again after `retry_after` s."""


def refusal(limit: str, message: str, *, retry_after: int) -> RateLimited:
    """The error to raise for a refused request, counted under `limit` (a fixed scope such
    as "verify:client", never a key)."""
    rate_limit_refused(limit=limit)
    return RateLimited(message, retry_after=retry_after)


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
        retry_after = max(1, int(window_start + limit.seconds - now))
        raise refusal(limit.scope, message, retry_after=retry_after)


# allauth's limited views (by URL name) and the ACCOUNT_RATE_LIMITS action each consumes.
ALLAUTH_ACTIONS = {
    "account_signup": "signup",
    "account_login": "login",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_confirm_email": "confirm_email",
    "account_change_password": "change_password",
    "account_set_password": "change_password",
    "account_email": "manage_email",
    "account_reauthenticate": "reauthenticate",
    "mfa_reauthenticate": "reauthenticate",
}
ALLAUTH_UNKNOWN_RETRY_AFTER = 60  # a refusal from a view not in ALLAUTH_ACTIONS


def _allauth_action(request: HttpRequest) -> str | None:
    return ALLAUTH_ACTIONS.get(getattr(request.resolver_match, "url_name", None))


def allauth_refusal(request: HttpRequest, *, now: float | None = None) -> int:
    """allauth refused `request` (its handler429): count it under "allauth:<action>" and
    return the seconds to wait (`allauth_retry_after`)."""
    rate_limit_refused(limit=f"allauth:{_allauth_action(request) or 'other'}")
    return allauth_retry_after(request, now=now)


def allauth_retry_after(request: HttpRequest, *, now: float | None = None) -> int:
    """Seconds until the allauth limit that refused `request` lets it through again.

    allauth's RateLimited says nothing, so this reads the hit history allauth keeps per
    rate (newest first, in the cache): a full rate opens when its `amount`-th newest hit
    leaves the window. A rate whose key we cannot rebuild (a per-key rate keyed by
    something the request does not carry) counts with its whole period."""
    action = _allauth_action(request)
    rates = get_rates(app="allauth.account", action=action) if action else []
    if not rates:
        return ALLAUTH_UNKNOWN_RETRY_AFTER
    now = time.time() if now is None else now
    key = request.POST.get("email", "").strip().lower() or None
    waits, unreadable = [], []
    for rate in rates:
        try:
            cache_key = get_cache_key(
                request, app="allauth.account", action=action, rate=rate, key=key
            )
        except ImproperlyConfigured:
            unreadable.append(rate.duration)
            continue
        hits = [hit for hit in cache.get(cache_key, []) if hit > now - rate.duration]
        if len(hits) >= rate.amount:
            waits.append(hits[rate.amount - 1] + rate.duration - now)
    # No full rate we can read: the one that tripped is one we cannot, or it has just
    # emptied; its configured period is the honest answer.
    wait = max(waits) if waits else max(unreadable or [rate.duration for rate in rates])
    return max(1, math.ceil(wait))
