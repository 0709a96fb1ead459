"""The provider's webhook endpoint: verify the signature, store once, answer fast."""

import json

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.gateway import SignatureError, verify_webhook
from payments.services.webhooks import webhook_receive


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify, store once, answer fast; processing happens on Celery."""
    try:
        verified = verify_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except SignatureError:
        return HttpResponseBadRequest("invalid signature")
    event = verified.event
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        return HttpResponseBadRequest("malformed event")
    stored = webhook_receive(event=event, raw=verified.raw)
    return HttpResponse(
        json.dumps({"received": True, "duplicate": stored is None}),
        content_type="application/json",
    )
