"""Conditional polling of live fragments: a 304 with no database query while nothing changed.

Job, order and commission pages poll a fragment of themselves (static/js/watch.js). Every
watched object has a *version* in the shared cache; the services that change what its
fragment shows call `watch_bump(kind, pk)`, which sets a new random version once the
transaction commits. A poll that sends back the ETag of its last 200 gets `304 Not
Modified` while the version is the same, answered from one cache read: no session row, no
User row, no query at all (see `conditional_watch` for why that is safe).

The version lives in the cache, so every process must share it (Redis, `CACHE_URL`): with
the per-process local-memory cache a worker's bump would never reach the web process and a
poll would see 304 for ever. `WATCH_ETAGS` is therefore on only with a shared cache (and in
the tests, which run the worker in-process); without it polls always render, and watch.js
still backs off while the fragment stays the same.
"""

from __future__ import annotations

import functools
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags

# Long enough to outlive any watch; an evicted version only costs one full 200.
VERSION_SECONDS = 24 * 60 * 60


def _version_key(kind: str, pk) -> str:
    return f"watch:{kind}:{pk}"


def _new_version() -> str:
    # Random, not a counter: a version re-created after a cache flush never repeats an old
    # one, so an ETag issued before the flush cannot match again.
    return secrets.token_hex(8)


def watch_bump(kind: str, pk, *, at_most_every: int = 0) -> None:
    """Give the object a new version once the current transaction commits (at once outside
    one), so the next poll of every viewer renders the committed state.

    `at_most_every` seconds (whole) skips a bump that follows another within that time: a
    worker reports progress 4x a second, and a version per report would make every poll a
    full render; a later report, or the status change that ends the job, shows the rest."""
    key = _version_key(kind, pk)

    def bump() -> None:
        if at_most_every and not cache.add(f"{key}:recent", 1, at_most_every):
            return
        cache.set(key, _new_version(), VERSION_SECONDS)

    transaction.on_commit(bump)


def watch_version(kind: str, pk, *, create: bool = False) -> str | None:
    """The object's current version; None when the cache has none (and `create` is off)."""
    key = _version_key(kind, pk)
    version = cache.get(key)
    if version is None and create:
        cache.add(key, _new_version(), VERSION_SECONDS)
        version = cache.get(key)
    return version


def watch_etag(kind: str, pk, viewer_id: str, *, version: str | None = None, scope: str = ""):
    """A short HMAC over kind, pk, viewer, `scope` (the URL polled) and the version, quoted as
    an HTTP entity tag; None when there is no version. Bound to the viewer, so an ETag seen by
    one person never opens a 304 for another."""
    version = version if version is not None else watch_version(kind, pk)
    if version is None:
        return None
    message = f"{kind}|{pk}|{viewer_id}|{scope}|{version}"
    digest = salted_hmac("core.watch", message, algorithm="sha256").hexdigest()[:20]
    return f'"{digest}"'


def _viewer_id(request: HttpRequest) -> str | None:
    """The session key from the cookie, read without loading the session or its user."""
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME) or None


def _conditional(request: HttpRequest) -> bool:
    # Only the poller's requests: a full page carries flash messages and must never be
    # replayed from a browser's cache.
    polling = request.method == "GET" and bool(request.headers.get("HX-Request"))
    return settings.WATCH_ETAGS and polling


def conditional_watch(kind: str, pk_kwarg: str):
    """Answer a poll with 304 when its If-None-Match is this viewer's ETag for the current
    version of `kind` `view_kwargs[pk_kwarg]`; otherwise run the view and tag its 200.

    Put it *outside* `login_required`: the 304 path must not touch the session or the user.
    It may skip them because the ETag can only come from an earlier 200 of this very view
    for this session key, and that 200 ran the full check (signed in, owner or party); the
    HMAC (keyed by SECRET_KEY) binds the ETag to that session key, so another person's
    session, or a new one after logging in again, gets a full 200 or 404. A 304 carries no
    content, only "nothing changed since what you were shown". The version is read before
    the view runs, so a change that commits while it renders makes the next poll a 200
    rather than hiding behind a stale ETag; no version in the cache (flushed, evicted)
    always means a full 200.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            viewer = _viewer_id(request)
            if viewer is None or not _conditional(request):
                return view(request, *args, **kwargs)
            pk = kwargs[pk_kwarg]
            sent = request.headers.get("If-None-Match")
            if sent:
                current = watch_etag(kind, pk, viewer, scope=request.path)
                if current is not None and current in parse_etags(sent):
                    return _not_modified(current)
            version = watch_version(kind, pk, create=True)
            response = view(request, *args, **kwargs)
            tag = not getattr(response, "watch_untagged", False)
            if response.status_code == 200 and version is not None and tag:
                response["ETag"] = watch_etag(kind, pk, viewer, version=version, scope=request.path)
                _mark_private(response)
            return response

        wrapper.repeat_poll_skips_user_checks = True  # see ModeratorMfaMiddleware
        return wrapper

    return decorator


def watch_untagged(response: HttpResponse) -> HttpResponse:
    """Leave this 200 without an ETag: it shows something no bump covers (a queued job's
    place in the queue moves with other people's jobs), so each poll must render."""
    response.watch_untagged = True
    return response


def _mark_private(response: HttpResponse) -> None:
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie", "HX-Request"])


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    _mark_private(response)
    return response
