"""Creator payouts through Stripe Connect: onboarding and transfers after payment."""

import logging

from django.db import transaction

from marketplace.models import User
from marketplace.payments.gateway import GatewayError, get_gateway
from marketplace.payments.models import Order, OrderLine, OrderStatus, PayoutAccount

logger = logging.getLogger(__name__)


def payout_onboarding_link(*, creator: User, refresh_url: str, return_url: str) -> str:
    """Create the creator's connected account once, then a fresh onboarding link."""
    gateway = get_gateway()
    account = PayoutAccount.objects.filter(creator=creator).first()
    if account is None:
        account_id = gateway.create_connected_account(email=creator.email)
        account, _ = PayoutAccount.objects.get_or_create(
            creator=creator, defaults={"stripe_account_id": account_id}
        )
    return gateway.create_account_link(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )


def queue_creator_transfers(*, order: Order) -> None:
    from marketplace.payments.tasks import transfer_creator_earnings

    order_id = str(order.pk)
    transaction.on_commit(lambda: transfer_creator_earnings.delay(order_id))


def transfer_earnings(*, order: Order) -> list[OrderLine]:
    """Send each granted line's creator share to the creator's connected account.

    Lines whose creator has no payout account yet stay owed (shown on the dashboard); the
    idempotency key per line makes a retried task safe.
    """
    order = Order.objects.get(pk=order.pk)
    if order.status != OrderStatus.PAID:
        return []
    gateway = get_gateway()
    paid = []
    lines = order.lines.select_related("creator__payout_account").filter(
        transfer_id="", refunded_at__isnull=True, transfer_held=False
    )
    for line in lines:
        account = getattr(line.creator, "payout_account", None)
        if account is None or not line.creator_amount:
            continue
        try:
            transfer_id = gateway.create_transfer(
                amount=line.creator_amount,
                currency=order.currency,
                destination=account.stripe_account_id,
                transfer_group=f"order-{order.pk}",
                idempotency_key=f"transfer-line-{line.pk}",
            )
        except GatewayError:
            logger.exception("Transfer for order line %s failed; it stays owed", line.pk)
            continue
        OrderLine.objects.filter(pk=line.pk, transfer_id="").update(transfer_id=transfer_id)
        paid.append(line)
    return paid
