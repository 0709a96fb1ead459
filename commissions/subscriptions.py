"""Commissions' answers to the hooks of the floors below (connected in CommissionsConfig.ready)."""

from commissions.services import privacy
from commissions.services.payment import commission_line_paid, commission_line_refunded
from core.wakeups import wake_named_after_commit
from generation.hooks import JobFinished, job_finished
from marketplace.hooks import (
    AccountData,
    account_erase,
    account_erase_check,
    account_export_files,
    account_export_sections,
)
from payments.hooks import OrderLinePaid, OrderLineRefunded, order_line_paid, order_line_refunded
from payments.models import LineKind


def settle_after_styled_job(event: JobFinished) -> None:
    """A styled job may be a paid commission: settle it (grant or refund) after commit. The
    finished job row is the truth: a lost message is settled by the commissions sweep."""
    if event.style_version_id is not None:
        wake_named_after_commit("commissions.settle_job", str(event.job_id))


def start_paid_commission(event: OrderLinePaid) -> None:
    if event.kind == LineKind.COMMISSION:
        commission_line_paid(order_line=event.order_line, source=event.source)


def end_refunded_commission(event: OrderLineRefunded) -> None:
    if event.kind == LineKind.COMMISSION:
        commission_line_refunded(
            order_line=event.order_line, reason=event.reason, actor=event.actor
        )


def export_commissions(event: AccountData) -> dict:
    return {"commissions": privacy.commissions_export_data(user=event.user)}


def export_reference_files(event: AccountData) -> list[tuple[str, str, str]]:
    return [
        ("default", reference.image.name, privacy.reference_arcname(reference))
        for reference in privacy.buyer_references(user=event.user)
    ]


def refuse_erase_with_open_commissions(event: AccountData) -> None:
    privacy.account_delete_check(user=event.user)


def erase_commission_data(event: AccountData) -> None:
    privacy.account_delete_commissions_close(user=event.user)
    privacy.account_delete_references(user=event.user)


def connect() -> None:
    account_export_sections.register(export_commissions)
    account_export_files.register(export_reference_files)
    account_erase_check.register(refuse_erase_with_open_commissions)
    account_erase.register(erase_commission_data)
    job_finished.register(settle_after_styled_job)
    order_line_paid.register(start_paid_commission)
    order_line_refunded.register(end_refunded_commission)
