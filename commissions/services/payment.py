"""Money side of commissions: what a paid line starts, and settling delivered work.

`commission_line_paid` runs inside `order_mark_paid` (the webhook's transaction); the
licence and the creator's transfer follow only from delivered work (`commission_settle_*`).
Each step checks the commission's status under its row lock, so a redelivered webhook or a
repeated task finds the step done and does nothing: money never moves twice.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commissions.models import Commission, CommissionKind, CommissionStatus
from commissions.services.status import commission_lock, commission_set_status
from core.errors import ApplicationError
from generation.models import GenerationJob, JobStatus
from generation.services.jobs import JobSpec, job_create
from licensing.services.commission_grants import licence_grant_issue_commission
from licensing.services.grants import LicenceNotIssuable
from payments.models import Order, OrderLine
from payments.services.orders import order_with_line_create, platform_fee
from payments.services.payouts import queue_creator_transfers
from payments.services.refunds import queue_automatic_refund

logger = logging.getLogger(__name__)


# Ended without ever being paid for: a payment arriving now is refunded, not kept.
UNPAYABLE_STATUSES = (
    CommissionStatus.DECLINED,
    CommissionStatus.CANCELLED,
    CommissionStatus.FAILED,
    CommissionStatus.REFUNDED,
)

# A paid instant commission's job renders ahead of unpaid work (see "Who renders next" in
# docs/architecture.md); paid jobs still take turns fairly among their owners.
PAID_JOB_PRIORITY = 10


def commission_order_create(*, commission: Commission, amount: int, description: str) -> Order:
    """A pending order with one escrowed line (the creator's transfer waits for delivery)."""
    order, line = order_with_line_create(
        buyer=commission.buyer,
        currency=commission.currency,
        amount=amount,
        platform_fee_amount=platform_fee(amount),
        tier_code=commission.tier_code,
        description=description[:200],
        creator=commission.creator,
        transfer_held=True,
    )
    commission.order_line = line
    return order


def commission_line_paid(*, order_line: OrderLine, source: str) -> Commission | None:
    """Paid: an instant commission's job is queued; a brief's work may start."""
    commission = Commission.objects.filter(order_line=order_line).first()
    if commission is None:
        logger.error("%s: paid commission line %s has no commission", source, order_line.pk)
        queue_automatic_refund(line=order_line, reason="Unknown commission.")
        return None
    commission = commission_lock(commission)
    if commission.status in UNPAYABLE_STATUSES:
        # The money arrived after the commission ended (e.g. a checkout completed after it
        # was cancelled): nothing will be delivered for it, so it goes straight back.
        queue_automatic_refund(
            line=order_line,
            reason=f"Paid after the commission was {commission.get_status_display().lower()}.",
        )
        return commission
    if commission.status != CommissionStatus.AWAITING_PAYMENT:
        return commission  # already started by this payment
    if commission.kind == CommissionKind.BRIEF:
        return commission_set_status(
            commission=commission,
            status=CommissionStatus.IN_PROGRESS,
            source=source,
            message="Paid into escrow; the creator can start.",
        )
    version = commission.style_version
    try:
        with transaction.atomic():
            job = job_create(
                owner=commission.buyer,
                spec=JobSpec.in_style(
                    version,
                    prompt=commission.prompt,
                    negative_prompt=commission.negative_prompt,
                    count=commission.count,
                ),
                priority=PAID_JOB_PRIORITY,
            )
    except ApplicationError as error:
        queue_automatic_refund(line=order_line, reason=f"The job could not start: {error.message}")
        return commission_set_status(
            commission=commission,
            status=CommissionStatus.FAILED,
            source=source,
            message=f"The job could not start ({error.message}); refunded.",
        )
    commission.job = job
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.IN_PROGRESS,
        source=source,
        message=f"Job {job.pk} queued.",
        fields=("job",),
    )


def commission_release_and_grant(commission: Commission, pieces: list, *, actor) -> None:
    """Grant the included licence over `pieces` and release the creator's escrowed share."""
    line = (
        OrderLine.objects.select_for_update()
        .select_related("order")
        .get(pk=commission.order_line_id)
    )
    if line.refunded_at is not None:
        raise LicenceNotIssuable("This commission was refunded.", code="refunded")
    licence_grant_issue_commission(
        order_line=line,
        licensee=commission.buyer,
        pieces=pieces,
        style_version=commission.style_version,
    )
    if line.transfer_held:
        line.transfer_held = False
        line.save(update_fields=["transfer_held"])
        queue_creator_transfers(order=line.order)


@transaction.atomic(durable=True)
def commission_settle_job(*, job_id) -> Commission | None:
    """An instant commission's job finished: grant + pay the creator, or refund the buyer."""
    commission = Commission.objects.filter(job_id=job_id).first()
    if commission is None:
        return None  # a style's sample job, or an ordinary one
    commission = commission_lock(commission)
    if commission.status != CommissionStatus.IN_PROGRESS:
        return commission
    job = GenerationJob.objects.get(pk=job_id)
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return commission
    if job.status == JobStatus.SUCCEEDED:
        pieces = list(job.pieces.order_by("index"))
        try:
            with transaction.atomic():
                commission_release_and_grant(commission, pieces, actor=None)
        except LicenceNotIssuable as error:
            return commission_set_status(
                commission=commission,
                status=CommissionStatus.FAILED,
                source="worker",
                message=error.message,
            )
        commission.delivered_pieces.set(pieces)
        return commission_set_status(
            commission=commission,
            status=CommissionStatus.COMPLETED,
            source="worker",
            message=f"{len(pieces)} image(s) delivered; licence granted.",
        )
    line = OrderLine.objects.get(pk=commission.order_line_id)
    reason = f"The generation job {job.get_status_display().lower()}: {job.error or 'no output'}"
    queue_automatic_refund(line=line, reason=reason[:500])
    return commission_set_status(
        commission=commission, status=CommissionStatus.FAILED, source="worker", message=reason
    )


def commissions_settle_finished_jobs(*, older_than_seconds: int = 60, limit: int = 200) -> int:
    """Safety net for a lost settle message: settle instant commissions whose job ended
    longer ago than the grace period. The settle owed is derived from the rows (an
    in-progress commission whose job finished); settling is idempotent under the lock."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Commission.objects.filter(
            kind=CommissionKind.INSTANT,
            status=CommissionStatus.IN_PROGRESS,
            job__status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED),
        )
        .filter(Q(job__finished_at__lt=cutoff) | Q(job__finished_at__isnull=True))
        .order_by("job__finished_at")
        .values_list("job_id", flat=True)[:limit]
    )
    for job_id in ids:
        commission_settle_job(job_id=job_id)
    return len(ids)


# Refunded work: nothing more may be delivered, accepted or paid out on it.
_REFUND_ENDS = (
    CommissionStatus.AWAITING_PAYMENT,
    CommissionStatus.IN_PROGRESS,
    CommissionStatus.DELIVERED,
    CommissionStatus.REVISION_REQUESTED,
    CommissionStatus.COMPLETED,
)


def commission_line_refunded(
    *, order_line: OrderLine, reason: str, actor=None
) -> Commission | None:
    """A commission's line was refunded (moderator remedy, approved request, provider):
    the commission ends as refunded. Runs inside the refund's transaction; a commission
    that already failed (and was refunded for it) keeps its status."""
    commission = Commission.objects.filter(order_line=order_line).first()
    if commission is None:
        return None
    commission = commission_lock(commission)
    if commission.status not in _REFUND_ENDS:
        return commission
    commission.review_deadline = None
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.REFUNDED,
        source="user" if actor else "system",
        actor=actor,
        message=reason,
        fields=("review_deadline",),
    )
