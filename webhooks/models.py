"""Outbound webhooks: a user's endpoints, one delivery per (endpoint, event), one row per try.

A `WebhookDelivery` is the truth about an event owed to an endpoint; the Celery message only
wakes the sender, and a sweeper finds due rows whose wake-up was lost. Each try writes a
`WebhookAttempt` (the delivery log and the delivery's status history); each change to an
endpoint writes a `WebhookEndpointEvent`.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models

from core.models import StatusHistory

MAX_ENDPOINTS_PER_USER = 10
RESPONSE_EXCERPT_CHARS = 2000
SECRET_PREFIX = "whsec_"


class EventType(models.TextChoices):
    JOB_SUCCEEDED = "job.succeeded", "A generation job succeeded"
    JOB_FAILED = "job.failed", "A generation job failed"
    JOB_CANCELLED = "job.cancelled", "A generation job was cancelled"
    LICENCE_GRANTED = "licence.granted", "A licence was granted to you"
    COMMISSION_UPDATED = "commission.updated", "A commission you are part of changed status"


TEST_EVENT = "test"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL a user asked us to POST their events to, signed with `secret`."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="subscribed event types")
    secret = models.CharField(max_length=80, default=new_secret)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class EndpointStatus(models.TextChoices):
    """The states an endpoint's history moves through (the row has only `is_active`)."""

    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    DELETED = "deleted", "Deleted"


class WebhookEndpointEvent(StatusHistory):
    """Append-only: an endpoint added, paused, resumed or deleted, with its URL at the time.
    Outlives the endpoint (the owner can see what was deleted); erased with the account."""

    history_of = "endpoint"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="history"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Given up"


class WebhookDelivery(models.Model):
    """One event owed to one endpoint; `event_id` stays the same across retries."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(max_length=RESPONSE_EXCERPT_CHARS, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="pending") | models.Q(next_attempt_at__isnull=False),
                name="webhook_pending_has_next_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"


class WebhookAttempt(StatusHistory):
    """One HTTP try of a delivery: what came back, how long it took, and the status it left
    the delivery in (from_status → to_status)."""

    history_of = "delivery"

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
