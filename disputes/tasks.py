"""Periodic dispute work; thin wrappers around services."""

from celery import shared_task

from disputes.services.filing import dispute_send_reminders


@shared_task(name="disputes.send_dispute_reminders")
def send_dispute_reminders() -> None:
    dispute_send_reminders()
