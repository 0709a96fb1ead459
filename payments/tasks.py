"""Celery entry points for payments; each takes ids and calls a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from payments.gateway import GatewayError
from payments.models import Order
from payments.services.payouts import transfer_earnings, transfers_requeue_owed
from payments.services.refunds import refund_owed_issue, refunds_requeue_owed
from payments.services.webhook_handlers import EventOutOfOrder
from payments.services.webhooks import webhook_process, webhooks_requeue_stale


@shared_task(
    name="payments.process_webhook_event",
    # A database blip, a provider call that failed or an event ahead of its payment: try
    # again shortly; the stored event is the source of truth and processing is idempotent.
    # The event counts its own attempts and is failed after WEBHOOK_MAX_ATTEMPTS, whoever
    # woke it.
    autoretry_for=(EventOutOfOrder, GatewayError, OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=8,
)
def process_webhook_event(webhook_event_id: int) -> None:
    webhook_process(webhook_event_id=webhook_event_id)


@shared_task(name="payments.refund_line", max_retries=5, default_retry_delay=30)
def refund_line(line_id: int, reason: str = "") -> None:
    refund_owed_issue(line_id=line_id, reason=reason)


@shared_task(name="payments.transfer_creator_earnings", max_retries=5, default_retry_delay=60)
def transfer_creator_earnings(order_id: str) -> None:
    transfer_earnings(order=Order.objects.get(pk=order_id))


@shared_task(name="payments.requeue_stale_webhooks")
def requeue_stale_webhooks() -> None:
    webhooks_requeue_stale()


@shared_task(name="payments.requeue_owed_money")
def requeue_owed_money() -> None:
    """Owed refunds and creator transfers whose wake-up was lost get a new one."""
    refunds_requeue_owed()
    transfers_requeue_owed()
