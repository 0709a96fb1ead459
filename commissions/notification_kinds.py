"""Commissions' kinds of notification (registered in CommissionsConfig.ready)."""

from core.notifications import register_notification_kind

COMMISSIONS = "commissions"


def register() -> None:
    register_notification_kind(COMMISSIONS, "Commissions and briefs")
