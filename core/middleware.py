from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from django.shortcuts import redirect, render

from core.ratelimits import RateLimited


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


class ModeratorMfaMiddleware:
    """Moderators decide on other people's money and work, so their accounts need a second
    factor: a moderator without one reaches only allauth's own pages (set one up, verify an
    email, sign out) until they add it."""

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
        if view_func.__module__.startswith("allauth.") or is_mfa_enabled(user):
            return None
        messages.warning(
            request, "Moderators need two-factor authentication: set it up to continue."
        )
        return redirect("mfa_index")
