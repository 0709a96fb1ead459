import time
import uuid
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

from core.logcontext import REQUEST_ID_PATTERN, log_context, user_pseudonym
from core.metrics import request_observe
from core.ratelimits import RateLimited


class RequestMetricsMiddleware:
    """Counts every response by URL name and status and times it (core.metrics). First in
    the stack, so what the other middleware answer (400, 429, redirects) counts too. A URL
    that matched nothing is "unmatched": raw paths would make the label set unbounded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        request_observe(
            view=(match.view_name if match else "") or "unmatched",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


class RequestContextMiddleware:
    """Gives every request an id for its log lines (core.logcontext) and its response's
    X-Request-ID: the proxy's own id when it sent a plain token, otherwise a new one. Log
    lines carry the user's pseudonym once something loaded the user; this never loads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        with log_context(request_id=request_id, user=lambda: _loaded_user_pseudonym(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _loaded_user_pseudonym(request) -> str | None:
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is None or not user.is_authenticated:
        return None
    return user_pseudonym(user.pk)


class BoundedParametersMiddleware:
    """Parses the query string and a urlencoded body before any view runs, so a request over
    DATA_UPLOAD_MAX_NUMBER_FIELDS answers 400 on every path, not only on those whose view
    reads its parameters (Django raises TooManyFieldsSent → 400). Multipart bodies are left
    to the view: parsing one here would stream it away from views that read request.body
    (the Stripe webhook, the API), and Django bounds their fields and files when read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 (parsing is the point)
            if request.content_type == "application/x-www-form-urlencoded":
                request.POST  # noqa: B018
        except TooManyFieldsSent:
            # Django's 400 pages (the DEBUG one too) read request.GET again: give them an
            # empty one, or the second parse would turn the 400 into a 500.
            request.GET = QueryDict()
            raise
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Sends one strict CSP header: our pages load scripts and styles only from 'self'."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RateLimitedMiddleware:
    """A view that raised `core.ratelimits.RateLimited` answers 429 with Retry-After and a
    page saying when to try again (htmx requests get the same page as a fragment)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        context = {"message": exception.message, "retry_after": exception.retry_after}
        response = render(request, "429.html", context, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response


def session_used_mfa(request) -> bool:
    """Did this session (not merely this account) pass a second factor? allauth records every
    method a session authenticated with; a passkey sign-in is recorded as "mfa" too."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class ModeratorMfaMiddleware:
    """Moderators decide on other people's money and work, so their sessions need a second
    factor: a moderator without one reaches only allauth's own pages (set one up, verify an
    email, sign out) until they add it, and one whose session signed in without it (a
    password-only session from before the factor was added, say) must confirm it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.headers.get("If-None-Match") and getattr(
            view_func, "repeat_poll_skips_user_checks", False
        ):
            # A repeat poll of a live fragment (core.watch) must not load the user: its
            # first poll passed this check, and what it can show is the person's own object.
            return None
        user = request.user
        if not (user.is_authenticated and getattr(user, "is_moderator", False)):
            return None
        if view_func.__module__.startswith("allauth."):
            return None
        if not is_mfa_enabled(user):
            messages.warning(
                request, "Moderators need two-factor authentication: set it up to continue."
            )
            return redirect("mfa_index")
        if session_used_mfa(request):
            return None
        messages.info(request, "Moderators confirm their second factor to continue.")
        back = request.get_full_path() if request.method == "GET" else ""
        target = reverse("mfa_reauthenticate")
        return redirect(f"{target}?{urlencode({'next': back})}" if back else target)
