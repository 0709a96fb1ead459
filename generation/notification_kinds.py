"""Generation's kinds of notification (registered in GenerationConfig.ready)."""

from core.notifications import register_notification_kind

PROMPT_REVIEWS = "prompt_reviews"


def register() -> None:
    register_notification_kind(PROMPT_REVIEWS, "Prompt reviews and appeals")
