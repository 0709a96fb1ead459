"""Marketplace's panels on the pages of lower floors (registered in MarketplaceConfig.ready)."""

from core import panels
from generation.models import StyleStatus
from marketplace.selectors.follows import is_following_style


def style_follow(request, style) -> dict | None:
    """A follow button on a published style's page, for everyone but its creator."""
    if style.status != StyleStatus.PUBLISHED or request.user.pk == style.creator_id:
        return None
    return {
        "style": style,
        "is_following": is_following_style(user=request.user, style_id=style.id),
    }


def connect() -> None:
    panels.register(
        "style_detail", template="marketplace/panels/style_follow.html", context=style_follow
    )
