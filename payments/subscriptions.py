"""Payments' answers to the hooks of the floors below (connected in PaymentsConfig.ready)."""

from marketplace.hooks import AccountData, account_erase_check, account_export_sections
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


def connect() -> None:
    account_export_sections.register(export_orders_and_credit)
    account_erase_check.register(refuse_erase_with_credit)
