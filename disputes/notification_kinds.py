"""Disputes' kinds of notification (registered in DisputesConfig.ready). The law obliges us
to deliver two of them, so nobody can turn those off."""

from core.notifications import register_notification_kind

DISPUTES = "disputes"
COPYRIGHT_TAKEDOWNS = "copyright_takedowns"
MODERATION_DECISIONS = "moderation_decisions"


def register() -> None:
    register_notification_kind(DISPUTES, "Disputes and artist claims")
    register_notification_kind(
        COPYRIGHT_TAKEDOWNS,
        "Copyright takedowns and counter-notices",
        required=True,
        reason="US copyright law (17 U.S.C. §512) has us tell both sides of a takedown.",
    )
    register_notification_kind(
        MODERATION_DECISIONS,
        "Statements of reasons and decisions on reports and complaints",
        required=True,
        reason="The EU Digital Services Act (Art. 16, 17 and 20) requires us to send them.",
    )
