"""Growing delays after failed logins, so guessing slows down without locking anyone out.

Failures are counted per (account, client address) and per client address (core.clients,
the same address every other limit uses). After a few free failures each further one
doubles the wait, up to a cap; the counters forget after a quiet window. There is no
per-account lock shared by everyone: an attacker hammering victim@ from one client only
slows that client down, and the owner still signs in from their own. A success clears only
its own (account, client) counter, never the client's, so logging into one's own account
between guesses buys an attacker nothing. Counters live in the cache (Redis in production).
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from core.ratelimits import cache_count


def _keys(*, email: str, ip: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"login-delay:account:{digest}:{ip}", f"login-delay:client:{ip}"


def _delay(failures: int, *, free: int) -> int:
    """Seconds to wait after `failures` failures: none while free, then doubling to the cap."""
    if failures < free:
        return 0
    doublings = min(failures - free, 32)
    return min(settings.LOGIN_MAX_DELAY_SECONDS, settings.LOGIN_FIRST_DELAY_SECONDS << doublings)


def login_retry_after(*, email: str, ip: str, now: float | None = None) -> int:
    """Seconds before this client may try this account again (0: it may try now)."""
    now = time.time() if now is None else now
    account_key, client_key = _keys(email=email, ip=ip)
    names = [f"{key}:{part}" for key in (account_key, client_key) for part in ("n", "at")]
    records = cache.get_many(names)
    waits = [0]
    for key, free in (
        (account_key, settings.LOGIN_FREE_FAILURES),
        (client_key, settings.LOGIN_CLIENT_FREE_FAILURES),
    ):
        failures, last = records.get(f"{key}:n", 0), records.get(f"{key}:at", 0.0)
        waits.append(math.ceil(last + _delay(failures, free=free) - now))
    return max(waits)


def login_failed(*, email: str, ip: str, now: float | None = None) -> None:
    """Count one failed attempt against the account from this client, and the client
    (atomically, so concurrent failures are all counted)."""
    now = time.time() if now is None else now
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(email=email, ip=ip):
        cache_count(f"{key}:n", timeout=window)
        cache.touch(f"{key}:n", timeout=window)
        cache.set(f"{key}:at", now, timeout=window)


def login_succeeded(*, email: str, ip: str) -> None:
    """The right password from this client: forget its failures on this account only."""
    account_key = _keys(email=email, ip=ip)[0]
    cache.delete_many([f"{account_key}:n", f"{account_key}:at"])
