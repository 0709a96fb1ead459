"""A short-lived cache of whole public pages, for signed-out visitors only.

Browse, search and listing pages look the same to every signed-out visitor, and rendering one
costs ~10 ms of Python; serving it from the cache costs well under 1 ms. Anyone with a session
(signed in, or carrying flash messages) always gets a fresh render, so favourite markers, owner
controls and CSRF tokens are never shared. Keys carry a catalogue version that listing changes
bump after commit, so an unpublished or suspended listing leaves every cached page at once
(across processes when the cache is Redis; per process with the local-memory cache, where the
TTL bounds staleness instead).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

VERSION_KEY = "page-cache:catalogue-version"


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # The page rendered a CSRF token: it belongs to this visitor alone.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _key(request: HttpRequest, version: int) -> str:
    fragment = "1" if request.headers.get("HX-Request") else "0"
    raw = f"{version}|{fragment}|{request.get_full_path()}"
    return "page-cache:" + hashlib.sha256(raw.encode()).hexdigest()


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def catalogue_changed() -> None:
    """Drop every cached public page, once the current transaction commits."""

    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet: nothing cached under one either
            cache.add(VERSION_KEY, 1, timeout=None)

    transaction.on_commit(bump)


def anonymous_page_cache(on_hit: Callable[..., None] | None = None):
    """Cache a GET view's 200 responses for signed-out visitors for PAGE_CACHE_SECONDS.

    `on_hit(request, **view_kwargs)` runs for every response served from the cache, for side
    effects the page must keep (the detail page's view counter)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            key = _key(request, _version())
            cached = cache.get(key)
            if cached is not None:
                content, content_type = cached
                if on_hit is not None:
                    on_hit(request, *args, **kwargs)
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
            else:
                response = view(request, *args, **kwargs)
                if _cacheable_response(request, response):
                    value = (response.content, response["Content-Type"])
                    cache.set(key, value, settings.PAGE_CACHE_SECONDS)
                    response["X-Page-Cache"] = "miss"
            patch_vary_headers(response, ["Cookie"])
            return response

        return wrapper

    return decorator
