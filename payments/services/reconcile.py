"""Compare our orders with what the payment provider says happened."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from payments.gateway import GatewayError, get_gateway
from payments.models import Gateway, Order, OrderStatus

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
    for order in orders:
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
