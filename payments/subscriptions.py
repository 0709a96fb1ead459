"""Payments' answers to hooks (connected in PaymentsConfig.ready): the floors below ask for
account data; its own order_line_paid settles the line kinds payments owns."""

from marketplace.hooks import AccountData, account_erase_check, account_export_sections
from payments.hooks import OrderLinePaid, order_line_paid
from payments.models import LineKind
from payments.services.credit import credit_line_paid
from payments.services.licence_lines import licence_line_paid
from payments.services.privacy import (
    account_delete_credit_check,
    credit_export_data,
    orders_export_data,
)


def export_orders_and_credit(event: AccountData) -> dict:
    return {
        "orders": orders_export_data(user=event.user),
        "credit_accounts": credit_export_data(user=event.user),
    }


def refuse_erase_with_credit(event: AccountData) -> None:
    account_delete_credit_check(user=event.user)


def grant_paid_licence(event: OrderLinePaid) -> None:
    if event.kind == LineKind.LICENCE:
        licence_line_paid(order_line=event.order_line)


def add_paid_credit(event: OrderLinePaid) -> None:
    if event.kind == LineKind.CREDIT:  # prepaid credit: the balance grows, once
        credit_line_paid(order_line=event.order_line, source=event.source)


def connect() -> None:
    order_line_paid.register(grant_paid_licence)
    order_line_paid.register(add_paid_credit)
    account_export_sections.register(export_orders_and_credit)
    account_erase_check.register(refuse_erase_with_credit)
