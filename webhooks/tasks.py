"""Celery entry points for webhooks; each takes ids and calls a service."""

from celery import shared_task

from webhooks.services.deliveries import deliveries_sweep, delivery_attempt


@shared_task(name="webhooks.deliver")
def deliver(delivery_id: int) -> None:
    """One try of a delivery; a duplicate or early wake-up does nothing (the row decides)."""
    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.sweep_deliveries")
def sweep_deliveries() -> None:
    """Due retries, and deliveries whose wake-up was lost, get a wake-up."""
    deliveries_sweep()
