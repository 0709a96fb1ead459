"""A paid licence line: grant its licence, or refund it when the grant can no longer be
made (an exclusive sold a moment earlier, rights revoked). Runs inside `order_mark_paid`."""

from django.db import transaction

from licensing.services.grants import (
    LicenceNotIssuable,
    exclusive_hold_release,
    licence_grant_issue,
)
from payments.models import OrderLine
from payments.services.refunds import queue_automatic_refund


def licence_line_paid(*, order_line: OrderLine) -> None:
    order = order_line.order
    try:
        with transaction.atomic():
            licence_grant_issue(order_line=order_line, licensee=order.buyer)
    except LicenceNotIssuable as error:
        queue_automatic_refund(line=order_line, reason=error.message)
    if order_line.tier_code == "exclusive":
        exclusive_hold_release(listing=order_line.listing, order_ref=str(order.pk))
