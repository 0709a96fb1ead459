"""Compare our orders with what the payment provider says happened, and list what waits for
a moderator: orders flagged because an event did not match them, events that failed."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from payments.gateway import GatewayError, get_gateway
from payments.models import Gateway, Order, OrderStatus, WebhookEvent, WebhookEventStatus

PAID_LOCALLY = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class Mismatch:
    order_id: str
    local_status: str
    provider_status: str
    note: str


def orders_reconcile(*, days: int = 7) -> list[Mismatch]:
    """Orders of the last `days` whose local state disagrees with the provider's."""
    gateway = get_gateway()
    if gateway.name != Gateway.STRIPE:
        return []
    since = timezone.now() - timedelta(days=days)
    orders = Order.objects.filter(
        gateway=Gateway.STRIPE, created_at__gte=since, checkout_session_id__isnull=False
    ).order_by("created_at")
    mismatches = []
    for order in orders.filter(flagged_at__isnull=True):  # flagged ones: `orders_flagged`
        try:
            remote = gateway.retrieve_checkout_session(order.checkout_session_id)
        except GatewayError as error:
            mismatches.append(Mismatch(str(order.pk), order.status, "unknown", str(error)))
            continue
        paid_remotely = remote["payment_status"] in ("paid", "no_payment_required")
        paid_locally = order.status in PAID_LOCALLY
        if paid_remotely and not paid_locally:
            note = "paid at the provider but not here: a webhook was lost or failed"
        elif paid_locally and not paid_remotely:
            note = "paid here but not at the provider"
        else:
            continue
        mismatches.append(Mismatch(str(order.pk), order.status, remote["payment_status"], note))
    return mismatches


def orders_flagged() -> QuerySet[Order]:
    """Orders an event did not match, not yet reviewed (oldest first)."""
    return Order.objects.filter(flagged_at__isnull=False).order_by("flagged_at")


def webhook_events_failed() -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(status=WebhookEventStatus.FAILED).order_by("failed_at")
