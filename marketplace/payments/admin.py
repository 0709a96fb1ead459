from django.contrib import admin

from marketplace.payments.models import (
    Order,
    OrderEvent,
    OrderLine,
    PayoutAccount,
    RefundRequest,
    WebhookEvent,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-only: money moves only through services (refunds from the refund queue)."""

    list_display = ("pk", "buyer", "status", "total_amount", "currency", "gateway", "created_at")
    list_filter = ("status", "gateway")
    search_fields = ("pk", "buyer__email", "checkout_session_id", "payment_intent_id")
    inlines = [OrderLineInline, OrderEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "received_at", "processed_at")
    list_filter = ("type",)
    search_fields = ("event_id",)

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(PayoutAccount)
admin.site.register(RefundRequest)
