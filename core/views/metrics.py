"""`/metrics`: the Prometheus scrape, behind a bearer token (docs/metrics.md).

No METRICS_TOKEN configured: 404, as if the path did not exist (off by default). A missing
or wrong token: 403. The token is compared in constant time.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from core.metrics import scrape_collector


def bearer_token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        raise Http404("Metrics are not enabled.")
    if not bearer_token_matches(request, token):
        return HttpResponse(
            "A valid metrics token is required.\n", status=403, content_type="text/plain"
        )
    return HttpResponse(generate_latest(scrape_collector()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
