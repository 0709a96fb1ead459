"""Webhooks' answers to the hooks of the floors below (connected in WebhooksConfig.ready).

Each handler only writes delivery rows in the caller's transaction; the HTTP requests happen
in the `webhooks.deliver` task after commit, so a slow receiver never slows the caller.
"""

from django.conf import settings
from django.urls import reverse

from commissions.hooks import CommissionStatusChanged, commission_status_changed
from generation.hooks import JobFinished, job_finished
from generation.models import GenerationJob
from licensing.hooks import LicenceGranted, licence_granted
from licensing.models import LicenceGrant
from marketplace.hooks import AccountData, account_erase, account_export_sections
from webhooks.models import EventType
from webhooks.selectors.endpoints import endpoints_export_data
from webhooks.services.deliveries import event_emit
from webhooks.services.endpoints import endpoints_erase

JOB_EVENTS = {
    "succeeded": EventType.JOB_SUCCEEDED,
    "failed": EventType.JOB_FAILED,
    "cancelled": EventType.JOB_CANCELLED,
}


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def job_finished_event(event: JobFinished) -> None:
    job = GenerationJob.objects.get(pk=event.job_id)
    data = {
        "job_id": str(job.pk),
        "status": job.status,
        "piece_ids": [str(pk) for pk in job.pieces.order_by("index").values_list("pk", flat=True)],
        "error": job.error,
        "url": _link(reverse("job_detail", kwargs={"job_id": job.pk})),
    }
    event_emit(user_id=job.owner_id, event_type=JOB_EVENTS[event.status], data=data)


def licence_granted_event(event: LicenceGranted) -> None:
    grant = LicenceGrant.objects.select_related("tier", "certificate").get(pk=event.grant_id)
    data = {
        "grant_id": str(grant.pk),
        "listing_id": str(grant.listing_id) if grant.listing_id else None,
        "tier": grant.tier.code,
        "piece_ids": sorted(str(pk) for pk in grant.pieces.values_list("pk", flat=True)),
        "certificate_url": _link(grant.certificate.get_absolute_url()),
    }
    event_emit(user_id=event.licensee_id, event_type=EventType.LICENCE_GRANTED, data=data)


def commission_updated_event(event: CommissionStatusChanged) -> None:
    url = reverse("commissions:detail", kwargs={"commission_id": event.commission_id})
    data = {
        "commission_id": str(event.commission_id),
        "from_status": event.from_status,
        "status": event.to_status,
        "url": _link(url),
    }
    for user_id in dict.fromkeys((event.buyer_id, event.creator_id)):
        event_emit(user_id=user_id, event_type=EventType.COMMISSION_UPDATED, data=data)


def export_endpoints(event: AccountData) -> dict:
    return {"webhook_endpoints": endpoints_export_data(user=event.user)}


def erase_endpoints(event: AccountData) -> None:
    endpoints_erase(user=event.user)


def connect() -> None:
    account_export_sections.register(export_endpoints)
    account_erase.register(erase_endpoints)
    job_finished.register(job_finished_event)
    licence_granted.register(licence_granted_event)
    commission_status_changed.register(commission_updated_event)
