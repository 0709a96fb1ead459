"""Webhooks' panel on the profile page (registered in WebhooksConfig.ready)."""

from core import panels
from webhooks.models import WebhookEndpoint


def profile_webhooks(request, user) -> dict | None:
    if not request.user.is_authenticated or request.user.pk != user.pk:
        return None
    return {"endpoint_count": WebhookEndpoint.objects.filter(owner=user).count()}


def connect() -> None:
    panels.register("profile", template="webhooks/panels/profile.html", context=profile_webhooks)
