"""Periodic licensing work; thin wrappers around services."""

from celery import shared_task

from licensing.services.disputes import dispute_send_reminders


@shared_task(name="licensing.send_dispute_reminders")
def send_dispute_reminders() -> None:
    dispute_send_reminders()
