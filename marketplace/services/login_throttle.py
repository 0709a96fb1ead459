"""Growing delays after failed logins, so guessing slows down without locking anyone out.

Attempts are counted per (account, client address) and per client address (core.clients,
the same address every other limit uses). After a few free attempts each further one must
wait twice as long after the previous one, up to a cap; the counters forget after a quiet
window. There is no per-account lock shared by everyone: an attacker hammering victim@ from
one client only slows that client down, and the owner still signs in from their own.

Counting and checking are one step: `login_attempt_start` bumps the counters atomically
(`core.ratelimits.cache_count`) and judges the attempt by the number it drew, so N parallel
guesses draw N different numbers and only one of them can be the next one allowed. An
attempt past the free ones also needs its predecessor's start on record; one still in flight
has none yet, so its rivals are refused. A refused attempt gives its number back. A success
clears only its own (account, client) counter and gives the client back its number, never
the client's earlier failures, so logging into one's own account between guesses buys an
attacker nothing. Counters live in the cache (Redis in production).
"""

import contextlib
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from core.ratelimits import cache_count, refusal

TOO_MANY_FAILURES = (
    "Too many failed sign-in attempts from your connection. Wait a moment, or reset your "
    "password if you have forgotten it."
)


def _keys(*, email: str, ip: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"login-delay:account:{digest}:{ip}", f"login-delay:client:{ip}"


def _delay(failures: int, *, free: int) -> int:
    """Seconds to wait after `failures` failures: none while free, then doubling to the cap."""
    if failures < free:
        return 0
    doublings = min(failures - free, 32)
    return min(settings.LOGIN_MAX_DELAY_SECONDS, settings.LOGIN_FIRST_DELAY_SECONDS << doublings)


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing left to give back
        cache.decr(f"{key}:n")


def _claim(key: str, *, free: int, now: float) -> tuple[int, int]:
    """Draw this attempt's number under `key`; return (number, seconds still to wait)."""
    number = cache_count(f"{key}:n", timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if number <= free:
        return number, 0
    delay = _delay(number - 1, free=free)
    previous = cache.get(f"{key}:at")
    if previous is None or previous[0] < number - 1:
        return number, delay  # the attempt before this one has not started yet
    return number, max(0, math.ceil(previous[1] + delay - now))


def login_attempt_start(*, email: str, ip: str, now: float | None = None) -> None:
    """Count one sign-in attempt for this account from this client (a failure until
    `login_succeeded` says otherwise); raise RateLimited when it must wait."""
    now = time.time() if now is None else now
    account_key, client_key = _keys(email=email, ip=ip)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    claims = {
        account_key: _claim(account_key, free=settings.LOGIN_FREE_FAILURES, now=now),
        client_key: _claim(client_key, free=settings.LOGIN_CLIENT_FREE_FAILURES, now=now),
    }
    wait = max(claimed_wait for _, claimed_wait in claims.values())
    if wait > 0:
        for key in claims:
            _give_back(key)
        raise refusal("login:delay", TOO_MANY_FAILURES, retry_after=wait)
    for key, (number, _) in claims.items():
        cache.touch(f"{key}:n", timeout=window)
        cache.set(f"{key}:at", (number, now), timeout=window)


def login_succeeded(*, email: str, ip: str) -> None:
    """The right password from this client: forget its failures on this account, and give
    the client back the number this attempt drew (its earlier failures stay)."""
    account_key, client_key = _keys(email=email, ip=ip)
    cache.delete_many([f"{account_key}:n", f"{account_key}:at"])
    _give_back(client_key)


TOO_MANY_CODES = "Too many wrong codes for this account. Wait a moment before trying the next one."


def _code_key(user_id) -> str:
    return f"mfa-code-delay:user:{user_id}"


def code_attempt_start(*, user_id, now: float | None = None) -> None:
    """Count one second-factor code for this account, the same growing delays as passwords
    (one step, atomic); raise RateLimited when it must wait. Per account and not per
    client: whoever sends codes has the password, and rotating addresses must not help."""
    now = time.time() if now is None else now
    key = _code_key(user_id)
    number, wait = _claim(key, free=settings.LOGIN_FREE_FAILURES, now=now)
    if wait > 0:
        _give_back(key)
        raise refusal("mfa:delay", TOO_MANY_CODES, retry_after=wait)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    cache.touch(f"{key}:n", timeout=window)
    cache.set(f"{key}:at", (number, now), timeout=window)


def code_succeeded(*, user_id) -> None:
    key = _code_key(user_id)
    cache.delete_many([f"{key}:n", f"{key}:at"])
