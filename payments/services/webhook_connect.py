"""Connect events: creator transfers and connected accounts, checked against our rows.
Handlers run inside `webhook_process`'s transaction, like those of `webhook_handlers`.

A transfer we made is recorded when our own call returns; its events confirm it (or record
it, when the process died between Stripe's answer and our write) and report reversals.
A transfer that does not match its line (amount, currency, destination) flags the order.
"""

import uuid
from typing import Any

from payments.models import Order, OrderLine, PayoutAccount
from payments.services.mismatches import order_flag_mismatch
from payments.services.orders import order_lock, order_set_status
from payments.services.payouts import payout_account_update_flags


def _line_for_transfer(transfer: dict[str, Any]) -> OrderLine | None:
    """Our line for this transfer: by its id, else by its group and destination."""
    line = OrderLine.objects.filter(transfer_id=transfer.get("id") or "-").first()
    group = str(transfer.get("transfer_group") or "")
    if line is not None or not group.startswith("order-"):
        return line
    try:
        order_id = uuid.UUID(group.removeprefix("order-"))
    except ValueError:
        return None
    return OrderLine.objects.filter(
        order_id=order_id,
        transfer_id="",
        creator__payout_account__stripe_account_id=transfer.get("destination"),
    ).first()


def _transfer_mismatches(line: OrderLine, transfer: dict[str, Any]) -> list[str]:
    reasons = []
    currency = str(transfer.get("currency") or "").upper()
    if transfer.get("amount") != line.creator_amount or currency != line.order.currency.upper():
        reasons.append(
            f"transfer {transfer.get('id')!r} of {transfer.get('amount')} {currency}, "
            f"the line owes {line.creator_amount} {line.order.currency}"
        )
    account = getattr(line.creator, "payout_account", None)
    if account is None or transfer.get("destination") != account.stripe_account_id:
        reasons.append(f"transfer destination {transfer.get('destination')!r} is not the creator's")
    return reasons


def _transfer_created(transfer: dict[str, Any], *, source: str) -> str | None:
    line = _line_for_transfer(transfer)
    if line is None:
        return f"no order line for transfer {transfer.get('id')!r}"
    reasons = _transfer_mismatches(line, transfer)
    if reasons:
        order_flag_mismatch(order=line.order, reasons=reasons, source=source)
        return "; ".join(reasons)
    if line.transfer_id:
        return None  # our own call recorded it already
    OrderLine.objects.filter(pk=line.pk, transfer_id="").update(transfer_id=transfer["id"])
    _note(line.order, source=source, message=f"Transfer {transfer['id']} recorded from Stripe.")
    return None


def _transfer_reversed(transfer: dict[str, Any], *, source: str) -> str | None:
    line = OrderLine.objects.filter(transfer_id=transfer.get("id") or "-").first()
    if line is None:
        return f"no order line for transfer {transfer.get('id')!r}"
    reversed_amount = transfer.get("amount_reversed")
    if reversed_amount != line.creator_amount:
        reason = (
            f"transfer {transfer['id']} reversed by {reversed_amount}, "
            f"the line paid the creator {line.creator_amount}"
        )
        order_flag_mismatch(order=line.order, reasons=[reason], source=source)
        return reason
    if not line.transfer_reversed:
        OrderLine.objects.filter(pk=line.pk).update(transfer_reversed=True)
        _note(line.order, source=source, message=f"Transfer {transfer['id']} reversed at Stripe.")
    return None


def _note(order: Order, *, source: str, message: str) -> None:
    """An OrderEvent for a change to one of the order's lines (the status stays)."""
    order = order_lock(order.pk)
    order_set_status(order=order, status=order.status, source=source, message=message)


def _account_updated(account: dict[str, Any], *, source: str) -> str | None:
    """Onboarding finished (or Stripe paused payouts): the dashboard follows Stripe, and
    each change is written to the account's history."""
    if type(account.get("payouts_enabled")) is not bool:
        return "payouts_enabled is missing"
    ours = PayoutAccount.objects.filter(stripe_account_id=account.get("id") or "-").first()
    if ours is None:
        return f"no payout account {account.get('id')!r}"
    flags = {name: account[name] for name in PayoutAccount.FLAGS if type(account.get(name)) is bool}
    payout_account_update_flags(account=ours, flags=flags, source=source)
    return None


CONNECT_HANDLERS = {
    "transfer.created": _transfer_created,
    "transfer.reversed": _transfer_reversed,
    "account.updated": _account_updated,
}
