"""Celery entry points for commissions; each takes ids and calls a service."""

from celery import shared_task

from commissions.services.brief import briefs_auto_accept
from commissions.services.payment import (
    commission_settle_job,
    commissions_settle_finished_jobs,
)


@shared_task(name="commissions.settle_job", max_retries=5, default_retry_delay=30)
def settle_commission_job(job_id: str) -> None:
    commission_settle_job(job_id=job_id)


@shared_task(name="commissions.sweep")
def sweep_commissions() -> None:
    commissions_settle_finished_jobs()
    briefs_auto_accept()
