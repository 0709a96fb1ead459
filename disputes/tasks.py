"""Periodic dispute work; thin wrappers around services."""

from celery import shared_task

from disputes.services.filing import dispute_send_reminders
from disputes.services.takedowns import takedown_restore_due


@shared_task(name="disputes.send_dispute_reminders")
def send_dispute_reminders() -> None:
    dispute_send_reminders()


@shared_task(name="disputes.restore_countered_listings")
def restore_countered_listings() -> int:
    return len(takedown_restore_due())
