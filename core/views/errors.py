"""Error pages that are views rather than exceptions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ALLAUTH_RETRY_AFTER = 60  # allauth does not say when its window ends; a minute is the norm


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's refusals (signup, password reset, login per client): the same 429 page and
    Retry-After header as `core.ratelimits.RateLimited`."""
    context = {
        "message": "Too many attempts from your connection.",
        "retry_after": ALLAUTH_RETRY_AFTER,
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(ALLAUTH_RETRY_AFTER)
    return response
