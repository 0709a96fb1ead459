"""A user's orders and prepaid credit in their data export, and the credit rule of account
deletion (through marketplace's privacy hooks). Every money row is kept."""

from __future__ import annotations

from typing import Any

from core.errors import ApplicationError
from payments.models import CreditAccount, CreditEntry, Order


def credit_export_data(*, user) -> list[dict[str, Any]]:
    """Each credit account with its whole append-only history (oldest first)."""
    accounts = CreditAccount.objects.filter(user=user).order_by("currency")
    entries: dict[int, list] = {}
    for entry in CreditEntry.objects.filter(account__user=user).order_by("created_at", "id"):
        entries.setdefault(entry.account_id, []).append(
            {
                "kind": entry.kind,
                "amount": entry.amount,
                "balance_after": entry.balance_after,
                "order_id": entry.order_id,
                "order_line_id": entry.order_line_id,
                "note": entry.note,
                "created_at": entry.created_at,
            }
        )
    return [
        {
            "currency": account.currency,
            "balance": account.balance,
            "updated_at": account.updated_at,
            "entries": entries.get(account.pk, []),
        }
        for account in accounts
    ]


def account_delete_credit_check(*, user) -> None:
    """Refuse to close an account that still holds prepaid credit (nothing is written).

    Prepaid credit is not refundable (see payments.services.refunds), so closing the account
    would silently forfeit it: the user is told the balance and asked to spend it first.
    """
    balances = [
        f"{account.balance / 100:.2f} {account.currency}"
        for account in CreditAccount.objects.filter(user=user, balance__gt=0).order_by("currency")
    ]
    if balances:
        raise ApplicationError(
            f"You still have {' and '.join(balances)} of prepaid credit, which cannot be "
            "refunded. Spend it on commissions before closing your account; closing it now "
            "would lose that money.",
            code="credit_balance",
        )


def orders_export_data(*, user) -> list[dict[str, Any]]:
    orders = []
    for order in Order.objects.filter(buyer=user).prefetch_related("lines"):
        orders.append(
            {
                "id": order.pk,
                "status": order.status,
                "currency": order.currency,
                "total_amount": order.total_amount,
                "refunded_amount": order.refunded_amount,
                "created_at": order.created_at,
                "paid_at": order.paid_at,
                "lines": [
                    {"description": line.description, "amount": line.amount}
                    for line in order.lines.all()
                ],
            }
        )
    return orders
