from django.conf import settings
from django.shortcuts import render

from core.ratelimits import RateLimited


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
