"""Slow down password guessing: after a few failures for one email (or from one address),
refuse further attempts for a while. Counters live in the cache (Redis in production)."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(*, email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{digest}", f"login-fail:ip:{ip}"]


def login_locked(*, email: str, ip: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    email_key, ip_key = _keys(email=email, ip=ip)
    counts = cache.get_many([email_key, ip_key])
    return counts.get(email_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 4


def login_failed(*, email: str, ip: str) -> None:
    for key in _keys(email=email, ip=ip):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def login_succeeded(*, email: str, ip: str) -> None:
    cache.delete(_keys(email=email, ip=ip)[0])
