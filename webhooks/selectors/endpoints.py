"""Reads for the webhook pages: only the owner ever sees an endpoint."""

from django.db.models import Count, Prefetch, QuerySet

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

LOG_SIZE = 50


def endpoints_for_owner(*, owner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(owner=owner).annotate(delivery_count=Count("deliveries"))


def endpoint_of_owner(*, owner, endpoint_id: int) -> WebhookEndpoint | None:
    """The endpoint if `owner` registered it, else None (the view answers 404)."""
    return WebhookEndpoint.objects.filter(owner=owner, pk=endpoint_id).first()


def endpoint_log(*, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The latest deliveries, newest first, each with its attempts in order (two queries)."""
    attempts = Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("created_at", "id"))
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
    return list(deliveries.prefetch_related(attempts)[:LOG_SIZE])


def endpoints_export_data(*, user) -> list[dict]:
    """A person's endpoints for their data export (the signing secret stays out)."""
    endpoints = WebhookEndpoint.objects.filter(owner=user).order_by("created_at", "id")
    return list(endpoints.values("url", "description", "events", "is_active", "created_at"))
