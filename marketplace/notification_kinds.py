"""Marketplace's kinds of notification (registered in MarketplaceConfig.ready)."""

from core.notifications import register_notification_kind

NEW_WORKS = "new_works"


def register() -> None:
    register_notification_kind(NEW_WORKS, "New works from creators and styles you follow")
