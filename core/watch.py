"""Conditional polling of live fragments: a 304 with no database query while nothing changed.

Job, order and commission pages poll a fragment of themselves (static/js/watch.js). Every
watched object has a *version* in the shared cache; the services that change what its
fragment shows call `watch_bump(kind, pk)`, which sets a new random version once the
transaction commits. A poll that sends back the ETag of its last 200 gets `304 Not
Modified` while the version is the same, answered from one cache read: no session row, no
User row, no query at all (see `conditional_watch` for why that is safe). A change that
only moves a few values (a running job's step) is a *patch*: a poll that saw the last full
render gets those values as JSON from the same cache read, and watch.js writes them into
the fragment, so a page of progress costs no render either.

The version lives in the cache, so every process must share it (Redis, `CACHE_URL`): with
the per-process local-memory cache a worker's bump would never reach the web process and a
poll would see 304 for ever. `WATCH_ETAGS` is therefore on only with a shared cache (and in
the tests, which run the worker in-process); without it polls always render, and watch.js
still backs off while the fragment stays the same.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import parse_etags

# Long enough to outlive any watch; an evicted version only costs one full 200.
VERSION_SECONDS = 24 * 60 * 60


def _version_key(kind: str, pk) -> str:
    return f"watch:{kind}:{pk}"


def _new_version() -> str:
    # Random, not a counter: a version re-created after a cache flush never repeats an old
    # one, so an ETag issued before the flush cannot match again.
    return secrets.token_hex(8)


def watch_bump(kind: str, pk, *, patch: dict | None = None) -> None:
    """Give the object a new version once the current transaction commits (at once outside
    one), so the next poll of every viewer sees the committed state.

    `patch` says the change touches only these fields (JSON values, e.g. a job's step): a
    poll whose last full render is of the same *epoch* (no full bump since) then gets just
    the fields, from the cache, instead of a render. Only the latest patch is kept, so
    every patch of an object carries the same fields, as absolute values. A bump without
    `patch` starts an epoch. A worker's progress (4x a second) bumps with a patch every
    time: answering a patch costs a poll about what a 304 does, and dropping reports would
    leave a viewer up to a whole dropping window behind (ADR 008)."""
    key = _version_key(kind, pk)

    def bump() -> None:
        version = _new_version()
        epoch = cache.get(f"{key}:epoch") if patch is not None else None
        if epoch is None:  # a full change, or the epoch was evicted: everyone renders
            values = {key: version, f"{key}:epoch": version, f"{key}:patch": {}}
        else:
            values = {key: version, f"{key}:patch": {"epoch": epoch, "version": version}}
            values[f"{key}:patch"]["fields"] = patch
        cache.set_many(values, VERSION_SECONDS)

    transaction.on_commit(bump)


@dataclass(frozen=True)
class WatchState:
    """What the cache holds for one watched object, read in one round trip."""

    version: str | None
    epoch: str | None
    patch: dict
    session_cached: bool

    def patch_since(self, epoch: str) -> dict | None:
        """The fields changed since a full render of `epoch`, when only patches followed it."""
        patch = self.patch
        same_epoch = epoch == self.epoch == patch.get("epoch")
        return patch["fields"] if same_epoch and patch.get("version") == self.version else None


def _session_cache_key(session_key: str) -> str | None:
    """The key a cache-backed session engine keeps this session under in the default cache;
    None for engines that keep sessions elsewhere (then no patch is ever served)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    prefix = getattr(store, "cache_key_prefix", None)
    if prefix is None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
        return None
    return prefix + session_key


def watch_state(kind: str, pk, *, session_key: str | None = None) -> WatchState:
    key = _version_key(kind, pk)
    keys = [key, f"{key}:epoch", f"{key}:patch"]
    session = _session_cache_key(session_key) if session_key else None
    found = cache.get_many([*keys, session] if session else keys)
    return WatchState(
        version=found.get(key),
        epoch=found.get(f"{key}:epoch"),
        patch=found.get(f"{key}:patch") or {},
        session_cached=session is not None and found.get(session) is not None,
    )


def watch_version(kind: str, pk, *, create: bool = False) -> str | None:
    """The object's current version; None when the cache has none (and `create` is off).
    A created version starts an epoch of its own."""
    key = _version_key(kind, pk)
    version = cache.get(key)
    if version is None and create:
        fresh = _new_version()
        if cache.add(key, fresh, VERSION_SECONDS):
            cache.set_many({f"{key}:epoch": fresh, f"{key}:patch": {}}, VERSION_SECONDS)
        version = cache.get(key)
    return version


def watch_etag(kind: str, pk, viewer_id: str, *, version=None, epoch=None, scope: str = ""):
    """An HTTP entity tag naming the epoch and version shown, with a short HMAC over kind,
    pk, viewer, `scope` (the URL polled), epoch and version; None when there is no version.
    Bound to the viewer, so an ETag seen by one person never opens a 304 for another."""
    if version is None:
        state = watch_state(kind, pk)
        version, epoch = state.version, state.epoch
    if version is None:
        return None
    epoch = epoch or version
    message = f"{kind}|{pk}|{viewer_id}|{scope}|{epoch}|{version}"
    digest = salted_hmac("core.watch", message, algorithm="sha256").hexdigest()[:20]
    return f'"{epoch}.{version}.{digest}"'


def _sent_etag(request: HttpRequest, kind: str, pk, viewer: str) -> tuple[str, str] | None:
    """(epoch, version) of the If-None-Match ETag when it is genuinely this viewer's."""
    for sent in parse_etags(request.headers.get("If-None-Match", "")):
        parts = sent.strip('"').split(".")
        if len(parts) != 3:
            continue
        epoch, version, _ = parts
        expected = watch_etag(kind, pk, viewer, version=version, epoch=epoch, scope=request.path)
        if constant_time_compare(sent, expected):
            return epoch, version
    return None


def _viewer_id(request: HttpRequest) -> str | None:
    """The session key from the cookie, read without loading the session or its user."""
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME) or None


def _conditional(request: HttpRequest) -> bool:
    # Only the poller's requests: a full page carries flash messages and must never be
    # replayed from a browser's cache.
    polling = request.method == "GET" and bool(request.headers.get("HX-Request"))
    return settings.WATCH_ETAGS and polling


def _answer_from_cache(request, kind: str, pk, viewer: str, state: WatchState):
    """A 304 or a patch when the poller's ETag allows one; None means render."""
    sent = _sent_etag(request, kind, pk, viewer)
    if sent is None or state.version is None:
        return None
    etag = watch_etag(
        kind, pk, viewer, version=state.version, epoch=state.epoch, scope=request.path
    )
    if sent[1] == state.version:
        return _not_modified(etag)
    fields = state.patch_since(sent[0])
    if fields is None or not state.session_cached:
        return None
    response = JsonResponse(fields)
    response["ETag"], response["X-Watch-Patch"] = etag, "1"
    _mark_private(response)
    return response


def conditional_watch(kind: str, pk_kwarg: str):
    """Answer a poll from the cache when its If-None-Match is this viewer's ETag: 304 for the
    current version, or just the patched fields (JSON, `X-Watch-Patch: 1`) when only patches
    followed the full render it names; otherwise run the view and tag its 200.

    Put it *outside* `login_required`: the cache path must not touch the database. It may
    skip the session row and the user because the ETag can only come from an earlier 200 of
    this very view for this session key, and that 200 ran the full check (signed in, owner
    or party); the HMAC (keyed by SECRET_KEY) binds the ETag to that session key, so another
    person's session, or a new one after logging in again, gets a full 200 or 404. A 304
    says only "nothing changed since what you were shown"; a patch (a job's step) is served
    only while the session is still in the cache-backed session store, so logging out ends
    it. The state is read before the view runs, so a change that commits while it renders
    makes the next poll a 200 rather than hiding behind a stale ETag; no version in the
    cache (flushed, evicted) always means a full 200.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            viewer = _viewer_id(request)
            if viewer is None or not _conditional(request):
                return view(request, *args, **kwargs)
            pk = kwargs[pk_kwarg]
            state = watch_state(kind, pk, session_key=viewer)
            answer = _answer_from_cache(request, kind, pk, viewer, state)
            if answer is not None:
                return answer
            if state.version is None:
                watch_version(kind, pk, create=True)
                state = watch_state(kind, pk)
            response = view(request, *args, **kwargs)
            tag = not getattr(response, "watch_untagged", False)
            if response.status_code == 200 and state.version is not None and tag:
                response["ETag"] = watch_etag(
                    kind, pk, viewer, version=state.version, epoch=state.epoch, scope=request.path
                )
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
