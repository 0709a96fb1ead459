"""Reads for order, refund and payout pages."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum

from licensing.models import LicenceGrant
from payments.models import (
    CreditAccount,
    CreditEntry,
    Order,
    OrderLine,
    OrderStatus,
    PayoutAccount,
    RefundRequest,
    RefundRequestStatus,
)

User = get_user_model()

EARNING_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


def order_for_buyer(*, buyer: User, order_id) -> Order | None:
    return Order.objects.filter(pk=order_id, buyer=buyer).first()


def orders_for_buyer(*, buyer: User) -> QuerySet[Order]:
    return Order.objects.filter(buyer=buyer).prefetch_related("lines").order_by("-created_at")


def order_lines_with_grants(*, order: Order) -> list[tuple[OrderLine, LicenceGrant | None]]:
    lines = list(order.lines.select_related("listing").order_by("pk"))
    grants = {g.order_line_id: g for g in LicenceGrant.objects.filter(order_line__in=lines)}
    return [(line, grants.get(line.pk)) for line in lines]


def refund_requests_for_reviewer(*, user: User) -> QuerySet[RefundRequest]:
    """Moderators see every pending request; creators see those about their own sales."""
    pending = RefundRequest.objects.filter(status=RefundRequestStatus.PENDING).select_related(
        "line__order", "line__listing", "requested_by"
    )
    return pending if user.is_moderator else pending.filter(line__creator=user)


def creator_sales_summary(*, creator: User) -> dict:
    """Sales count, earned (creator share, refunds and refunds owed excluded) and paid-out
    totals: one query."""
    live = OrderLine.objects.filter(
        creator=creator,
        order__status__in=EARNING_STATUSES,
        refunded_at__isnull=True,
        refund_requested_at__isnull=True,
    )
    totals = live.aggregate(
        sales=Count("pk"),
        earned=Sum("creator_amount"),
        paid_out=Sum("creator_amount", filter=~Q(transfer_id="")),
    )
    earned, paid_out = totals["earned"] or 0, totals["paid_out"] or 0
    return {
        "sales": totals["sales"],
        "earned": earned,
        "paid_out": paid_out,
        "owed": earned - paid_out,
    }


def creator_earnings(*, creator: User) -> dict:
    """Everything the payouts page shows."""
    history = (
        OrderLine.objects.filter(creator=creator, order__status__in=EARNING_STATUSES)
        .select_related("order", "listing")
        .order_by("-order__paid_at")[:50]
    )
    return {
        **creator_sales_summary(creator=creator),
        "account": PayoutAccount.objects.filter(creator=creator).first(),
        "history": history,
    }


def credit_balance(*, user: User, currency: str) -> int:
    """The buyer's prepaid balance in `currency` (0 without an account)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    account = CreditAccount.objects.filter(user=user, currency=currency).first()
    return account.balance if account else 0


def credit_summary(*, user: User, limit: int = 50) -> dict:
    """The credit page: every balance and the latest entries (two queries)."""
    return {
        "accounts": list(CreditAccount.objects.filter(user=user).order_by("currency")),
        "entries": list(
            CreditEntry.objects.filter(account__user=user)
            .select_related("account", "order")
            .order_by("-created_at", "-id")[:limit]
        ),
    }
