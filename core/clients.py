"""Who is at the other end of a request: the client's address behind our own proxies.

Behind N trusted proxies (`TRUSTED_PROXY_COUNT`), each appends the address it saw to
X-Forwarded-For, so the client is the N-th entry from the right; everything left of it
was written by the client and may be forged. With no proxy (N = 0) the header is ignored
and REMOTE_ADDR is the client. Every limit keyed by client (login throttling, signup,
verify uploads, the API) asks here, so one setting fixes them all.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as our proxies saw it ("unknown" when unreadable)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "unknown"
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < hops:
        # Fewer entries than proxies: a request that skipped a proxy; trust nothing in it.
        return remote
    return _valid(forwarded[-hops]) or remote
