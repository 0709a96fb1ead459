"""Fixed-window limits per key, and the 429 page a limited view answers with."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from core.middleware import RateLimitedMiddleware
from core.ratelimits import Limit, RateLimited, rate_limit_take

LIMIT = Limit("test:client", count=2, seconds=60)


def test_the_limit_refuses_the_next_request_until_the_window_ends():
    rate_limit_take(LIMIT, "1.2.3.4", message="slow down", now=600.0)
    rate_limit_take(LIMIT, "1.2.3.4", message="slow down", now=610.0)

    with pytest.raises(RateLimited) as refused:
        rate_limit_take(LIMIT, "1.2.3.4", message="slow down", now=615.0)

    assert refused.value.retry_after == 45 and refused.value.message == "slow down"
    rate_limit_take(LIMIT, "5.6.7.8", message="slow down", now=615.0)  # another key
    rate_limit_take(LIMIT, "1.2.3.4", message="slow down", now=660.0)  # next window


@pytest.mark.django_db
def test_a_limited_view_answers_a_429_page_with_retry_after():
    def view(request):
        rate_limit_take(Limit("test:view", count=0), "k", message="Too many uploads.")
        return HttpResponse("done")

    middleware = RateLimitedMiddleware(view)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    try:
        view(request)
    except RateLimited as error:
        response = middleware.process_exception(request, error)

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many uploads." in response.content.decode()
    assert middleware.process_exception(request, ValueError()) is None
