from celery import shared_task

from api.services.idempotency import idempotency_records_expire


@shared_task(name="api.tasks.expire_idempotency_records")
def expire_idempotency_records() -> int:
    return idempotency_records_expire()
