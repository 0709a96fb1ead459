"""Creator payouts through Stripe Connect: onboarding and transfers after payment."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.wakeups import wake_named, wake_named_after_commit
from payments.gateway import GatewayError, get_gateway
from payments.models import Order, OrderLine, OrderStatus, PayoutAccount, PayoutAccountEvent

User = get_user_model()

logger = logging.getLogger(__name__)


def payout_onboarding_link(*, creator: User, refresh_url: str, return_url: str) -> str:
    """Create the creator's connected account once, then a fresh onboarding link."""
    gateway = get_gateway()
    account = PayoutAccount.objects.filter(creator=creator).first()
    if account is None:
        account_id = gateway.create_connected_account(email=creator.email)
        account = _payout_account_create(creator=creator, stripe_account_id=account_id)
    return gateway.create_account_link(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )


@transaction.atomic
def _payout_account_create(*, creator: User, stripe_account_id: str) -> PayoutAccount:
    """The account row and the first line of its history (a concurrent request that made
    it first wins, and its row is returned)."""
    account, created = PayoutAccount.objects.get_or_create(
        creator=creator, defaults={"stripe_account_id": stripe_account_id}
    )
    if created:
        PayoutAccountEvent.objects.create(
            payout_account=account,
            to_status=account.status,
            actor=creator,
            source="user",
            message=f"Connected account {stripe_account_id} created for onboarding.",
        )
    return account


@transaction.atomic
def payout_account_update_flags(
    *, account: PayoutAccount, flags: dict[str, bool], source: str
) -> PayoutAccount:
    """Follow Stripe's flags (`PayoutAccount.FLAGS`; others are ignored) and write one
    history row naming each flag that changed; nothing when none did (a redelivery)."""
    account = PayoutAccount.objects.select_for_update().get(pk=account.pk)
    previous = account.status
    changed = [
        name
        for name in PayoutAccount.FLAGS
        if name in flags and flags[name] != getattr(account, name)
    ]
    if not changed:
        return account
    for name in changed:
        setattr(account, name, flags[name])
    account.save(update_fields=changed)
    PayoutAccountEvent.objects.create(
        payout_account=account,
        from_status=previous,
        to_status=account.status,
        source=source,
        message="; ".join(f"{name} {not flags[name]} → {flags[name]}" for name in changed),
    )
    return account


def transfers_owed() -> QuerySet[OrderLine]:
    """Lines whose creator share is owed and payable now: the order is paid, the line is
    not refunded nor owed a refund, escrow (if any) is released, the creator has a payout
    account and no transfer was made yet. This is the record of a transfer owed."""
    return OrderLine.objects.filter(
        order__status=OrderStatus.PAID,
        transfer_id="",
        transfer_held=False,
        refunded_at__isnull=True,
        refund_requested_at__isnull=True,
        creator_amount__gt=0,
        creator__payout_account__isnull=False,
    )


def queue_creator_transfers(*, order: Order) -> None:
    """Wake the transfer task after commit; a lost message is found by
    `transfers_requeue_owed`, since what is owed is derived from the lines themselves."""

    wake_named_after_commit("payments.transfer_creator_earnings", str(order.pk))


def transfer_earnings(*, order: Order) -> list[OrderLine]:
    """Send each owed line's creator share to the creator's connected account.

    Lines whose creator has no payout account yet stay owed (shown on the dashboard); the
    idempotency key per line makes a retried task safe.
    """
    order = Order.objects.get(pk=order.pk)
    gateway = get_gateway()
    paid = []
    lines = transfers_owed().filter(order=order).select_related("creator__payout_account")
    for line in lines.order_by("pk"):
        try:
            transfer_id = gateway.create_transfer(
                amount=line.creator_amount,
                currency=order.currency,
                destination=line.creator.payout_account.stripe_account_id,
                transfer_group=f"order-{order.pk}",
                idempotency_key=f"transfer-line-{line.pk}",
            )
        except GatewayError:
            logger.exception("Transfer for order line %s failed; it stays owed", line.pk)
            continue
        OrderLine.objects.filter(pk=line.pk, transfer_id="").update(transfer_id=transfer_id)
        paid.append(line)
    return paid


def transfers_requeue_owed(*, older_than_seconds: int = 120, limit: int = 200) -> int:
    """Wake the transfer task for orders paid longer ago than the grace period that still
    owe a creator share (a lost message, a failed attempt, a creator who has since set up
    payouts). `transfer-line-<id>` idempotency keys make a duplicate wake-up harmless."""

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    order_ids = list(
        transfers_owed()
        .filter(order__paid_at__lt=cutoff)
        .order_by("order__paid_at", "order_id")
        .values_list("order_id", flat=True)
        .distinct()[:limit]
    )
    for order_id in order_ids:
        wake_named("payments.transfer_creator_earnings", str(order_id))
    return len(order_ids)
