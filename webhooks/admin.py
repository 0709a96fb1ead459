from django.contrib import admin

from core.admin import ReadOnlyAdmin
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "status_code", "error", "duration_ms")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """For support: what a person registered; the signing secret is not shown."""

    list_display = ("pk", "owner", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "owner__email")
    fields = ("owner", "url", "description", "events", "is_active", "created_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Deliveries change only through the sender; the attempts are their history."""

    list_display = ("event_id", "endpoint", "event_type", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "endpoint__url")
    inlines = [AttemptInline]


@admin.register(WebhookEndpointEvent)
class WebhookEndpointEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "owner", "url", "from_status", "to_status", "actor")
    list_filter = ("to_status",)
    search_fields = ("url", "owner__email")
