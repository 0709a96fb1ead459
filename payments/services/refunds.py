"""Money back: buyer requests, decisions, automatic refunds of lost exclusive races.

A refund calls the provider first (with an idempotency key per line, so retries are safe),
reverses the creator's transfer if one was made, then records it and revokes the licence
in one transaction. An automatic refund is first recorded on its line as owed
(`refund_requested_at`, in the transaction that decided it); the task woken after commit,
or the sweeper when that message is lost, issues it.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.wakeups import wake_named, wake_named_after_commit
from licensing.models import LicenceGrant
from licensing.services.grants import licence_grant_revoke
from payments.gateway import GatewayError, get_gateway
from payments.hooks import OrderLineRefunded, order_line_refunded
from payments.models import (
    Gateway,
    LineKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    RefundRequest,
    RefundRequestStatus,
)
from payments.services.credit import credit_refund_line
from payments.services.orders import order_lock, order_set_status

User = get_user_model()

REFUNDABLE = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
# What an automatic refund may also return: a held payment (it did not match its order).
AUTO_REFUNDABLE = (*REFUNDABLE, OrderStatus.HELD)


def queue_automatic_refund(*, line: OrderLine, reason: str) -> None:
    """Record that `line` is owed its money back, in the caller's transaction, and wake the
    refund task after commit. The row is the truth: `refunds_requeue_owed` (beat) wakes it
    again if the message is lost. A line already owed or refunded is left as it is."""

    reason = reason[:500]
    owed = OrderLine.objects.filter(
        pk=line.pk, refunded_at__isnull=True, refund_requested_at__isnull=True
    ).update(refund_requested_at=timezone.now(), refund_reason=reason)
    if not owed:
        return
    order = Order.objects.get(pk=line.order_id)
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        source="system",
        message=f"Automatic refund owed for {line.description}: {reason}",
    )
    wake_named_after_commit("payments.refund_line", line.pk)


def refund_owed_issue(*, line_id: int, reason: str = "") -> OrderLine:
    """What the refund task runs: issue the refund recorded on the line (idempotent);
    `reason` only stands in for a line recorded before reasons were stored."""
    line = OrderLine.objects.get(pk=line_id)
    if line.refunded_at is not None:
        return line
    return refund_issue(line=line, reason=line.refund_reason or reason or "Automatic refund")


def refunds_owed() -> QuerySet[OrderLine]:
    """Automatic refunds recorded and not issued yet: the record of a refund owed."""
    return OrderLine.objects.filter(
        refunded_at__isnull=True,
        refund_requested_at__isnull=False,
        order__status__in=AUTO_REFUNDABLE,
    )


def refunds_requeue_owed(*, older_than_seconds: int = 120, limit: int = 200) -> int:
    """Wake the refund task again for owed refunds older than the grace period (a lost
    message, a failed attempt). The provider call's idempotency key `refund-line-<id>`
    and the `refunded_at` check make a duplicate wake-up harmless."""

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        refunds_owed()
        .filter(refund_requested_at__lt=cutoff)
        .order_by("refund_requested_at")
        .values_list("pk", flat=True)[:limit]
    )
    for line_id in ids:
        wake_named("payments.refund_line", line_id)
    return len(ids)


def refund_issue(*, line: OrderLine, reason: str, actor: User | None = None) -> OrderLine:
    """Refund one line in full. Idempotent: a refunded line is returned unchanged."""
    line = OrderLine.objects.select_related("order").get(pk=line.pk)
    if line.refunded_at is not None:
        return line
    held = line.order.status == OrderStatus.HELD
    if line.order.status not in REFUNDABLE and not (held and line.refund_requested_at):
        raise ApplicationError("Only paid orders can be refunded.")
    if line.kind == LineKind.CREDIT and not held:
        raise ApplicationError("Bought credit is not refunded; spend it on commissions.")
    gateway = get_gateway()
    try:
        if line.order.gateway != Gateway.CREDIT:  # credit-paid: the money goes back to credit
            gateway.create_refund(
                payment_intent_id=line.order.payment_intent_id,
                # A held order (single-line) returns exactly what the buyer paid, even in
                # another currency or amount than the order's.
                amount=line.order.paid_amount if held else line.amount,
                idempotency_key=f"refund-line-{line.pk}",
            )
        if line.transfer_id and not line.transfer_reversed:
            gateway.reverse_transfer(
                transfer_id=line.transfer_id,
                amount=line.creator_amount,
                idempotency_key=f"reverse-line-{line.pk}",
            )
    except GatewayError as error:
        raise ApplicationError(f"The refund could not be made: {error}") from error
    return _record_refund(line_id=line.pk, reason=reason, actor=actor)


@transaction.atomic
def _record_refund(*, line_id: int, reason: str, actor: User | None) -> OrderLine:
    line = OrderLine.objects.select_related("order").get(pk=line_id)
    order = order_lock(line.order_id)
    line = OrderLine.objects.select_for_update().get(pk=line_id)
    if line.refunded_at is not None:
        return line
    line.refunded_at = timezone.now()
    line.transfer_reversed = bool(line.transfer_id)
    line.save(update_fields=["refunded_at", "transfer_reversed"])
    order.refunded_amount = min(order.total_amount, order.refunded_amount + line.amount)
    status = (
        OrderStatus.REFUNDED
        if order.refunded_amount >= order.total_amount
        else OrderStatus.PARTIALLY_REFUNDED
    )
    order_set_status(
        order=order,
        status=status,
        source="user" if actor else "system",
        actor=actor,
        message=f"Refunded {line.description}: {reason}",
        fields=("refunded_amount",),
    )
    grant = LicenceGrant.objects.filter(order_line=line).first()
    if grant is not None:
        licence_grant_revoke(grant=grant, reason=reason, actor=actor, refunded=True)
    if order.gateway == Gateway.CREDIT:
        credit_refund_line(line=line, reason=reason)
    if line.kind == LineKind.COMMISSION:  # the commission ends as refunded
        _announce_refunded(line, reason=reason, actor=actor)
    return line


def _announce_refunded(line: OrderLine, *, reason: str, actor: User | None) -> None:
    order_line_refunded.call(
        OrderLineRefunded(order_line=line, kind=line.kind, reason=reason, actor=actor)
    )


@transaction.atomic
def order_apply_provider_refund(*, order: Order, amount_refunded: int, source: str) -> Order:
    """Reconcile with a refund total reported by the provider (ours or made elsewhere)."""
    order = order_lock(order.pk)
    if amount_refunded <= order.refunded_amount:
        return order  # already recorded (our own refund, or a redelivery)
    order.refunded_amount = min(amount_refunded, order.total_amount)
    full = order.refunded_amount >= order.total_amount
    if full:
        now = timezone.now()
        for line in order.lines.filter(refunded_at__isnull=True):
            line.refunded_at = now
            line.save(update_fields=["refunded_at"])
            grant = LicenceGrant.objects.filter(order_line=line).first()
            if grant is not None:
                licence_grant_revoke(grant=grant, reason="Refunded at the provider", refunded=True)
            if line.kind == LineKind.COMMISSION:
                _announce_refunded(line, reason="Refunded at the provider", actor=None)
    return order_set_status(
        order=order,
        status=OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED,
        source=source,
        message="Refund reported by the payment provider.",
        fields=("refunded_amount",),
    )


@transaction.atomic(durable=True)
def refund_request_create(*, line: OrderLine, buyer: User, reason: str) -> RefundRequest:
    line = OrderLine.objects.select_related("order").get(pk=line.pk)
    if line.order.buyer_id != buyer.pk:
        raise PermissionDeniedError("This is not your order.")
    if (
        line.order.status not in REFUNDABLE
        or line.refunded_at is not None
        or line.kind == LineKind.CREDIT
    ):
        raise ApplicationError("This purchase cannot be refunded.")
    if not reason.strip():
        raise ApplicationError("Tell the creator why you want a refund.", field="reason")
    if line.refund_requests.filter(status=RefundRequestStatus.PENDING).exists():
        raise ApplicationError("You already asked for a refund of this purchase.")
    return RefundRequest.objects.create(line=line, requested_by=buyer, reason=reason.strip())


def refund_request_decide(
    *, request: RefundRequest, actor: User, approve: bool, note: str = ""
) -> RefundRequest:
    """The line's creator or a moderator approves (the refund is issued) or rejects."""
    with transaction.atomic():
        request = (
            RefundRequest.objects.select_for_update().select_related("line").get(pk=request.pk)
        )
        if not (actor.is_moderator or request.line.creator_id == actor.pk):
            raise PermissionDeniedError("Only the creator or a moderator can decide this.")
        if request.status != RefundRequestStatus.PENDING:
            raise ApplicationError("This request was already decided.")
    if approve:
        refund_issue(line=request.line, reason=request.reason, actor=actor)
    with transaction.atomic():
        request = RefundRequest.objects.select_for_update().get(pk=request.pk)
        request.status = RefundRequestStatus.APPROVED if approve else RefundRequestStatus.REJECTED
        request.decided_by = actor
        request.decision_note = note.strip()
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decision_note", "decided_at"])
    return request
