"""Error pages that are views rather than exceptions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.ratelimits import allauth_refusal


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's refusals (signup, password reset, login per client): the same 429 page and
    Retry-After header as `core.ratelimits.RateLimited`, with the wait the tripped limit
    actually has left."""
    retry_after = allauth_refusal(request)
    context = {"message": "Too many attempts from your connection.", "retry_after": retry_after}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
