from django.contrib import admin

from core.admin import ReadOnlyAdmin
from payments.models import (
    CreditAccount,
    CreditEntry,
    Order,
    OrderEvent,
    OrderLine,
    PayoutAccount,
    PayoutAccountEvent,
    RefundRequest,
    WebhookEvent,
    WebhookEventHistory,
)
from payments.services.mismatches import order_flag_review
from payments.services.webhooks import webhook_retry


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
    """Read-only: money moves only through services (refunds from the refund queue). Orders
    an event did not match are flagged (filter "Flagged at: Not empty") for review."""

    list_display = (
        "pk",
        "buyer",
        "status",
        "total_amount",
        "currency",
        "gateway",
        "flagged_at",
        "created_at",
    )
    list_filter = ("status", ("flagged_at", admin.EmptyFieldListFilter), "gateway")
    search_fields = ("pk", "buyer__email", "checkout_session_id", "payment_intent_id")
    inlines = [OrderLineInline, OrderEventInline]
    actions = ["mark_reviewed"]

    def has_change_permission(self, request, obj=None):
        # The list (for its actions), never the form: rows change only through services.
        return obj is None and request.user.has_perm("payments.change_order")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark the selected flagged orders reviewed")
    def mark_reviewed(self, request, queryset):
        reviewed = sum(order_flag_review(order=order, actor=request.user) for order in queryset)
        self.message_user(request, f"{reviewed} flagged order(s) marked reviewed.")


class WebhookEventHistoryInline(ReadOnlyInline):
    model = WebhookEventHistory


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """Events change only through the webhook services; a failed one can be retried."""

    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("event_id",)
    inlines = [WebhookEventHistoryInline]
    actions = ["retry_failed"]

    def has_change_permission(self, request, obj=None):
        # The list (for its actions), never the form: rows change only through services.
        return obj is None and request.user.has_perm("payments.change_webhookevent")

    @admin.action(description="Retry the selected failed events")
    def retry_failed(self, request, queryset):
        retried = sum(webhook_retry(webhook_event=event, actor=request.user) for event in queryset)
        skipped = queryset.count() - retried
        self.message_user(
            request, f"{retried} event(s) queued again; {skipped} not failed, left as they were."
        )


class PayoutAccountEventInline(ReadOnlyInline):
    model = PayoutAccountEvent
    fields = ("created_at", "from_status", "to_status", "source", "actor", "message")
    readonly_fields = fields


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    """Read-only: the flags follow Stripe (account.updated), so each change has its row."""

    list_display = ("stripe_account_id", "creator", "payouts_enabled", "created_at")
    inlines = [PayoutAccountEventInline]


admin.site.register(RefundRequest)


class CreditEntryInline(ReadOnlyInline):
    model = CreditEntry
    fields = ("created_at", "kind", "amount", "balance_after", "order", "order_line", "note")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    show_change_link = True


@admin.register(CreditAccount)
# Credit moves only through payments.services.credit (under the account lock, one append-only
# entry per movement): the admin shows it and changes nothing.
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ("pk", "user", "currency", "balance", "updated_at")
    list_filter = ("currency",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    inlines = [CreditEntryInline]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "account", "kind", "amount", "balance_after", "order", "created_at")
    list_filter = ("kind", "account__currency")
    search_fields = ("account__user__email", "order__id", "note")
    list_select_related = ("account__user", "order")
    date_hierarchy = "created_at"
