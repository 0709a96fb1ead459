"""Reads for styles. Public reads return only what buyers may see (never the recipe)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from generation.models import JobStatus, Piece, Style, StyleStatus

User = get_user_model()


@dataclass(frozen=True)
class PublicStyle:
    """What a buyer sees: no template, negative prompt, steps or guidance."""

    id: object
    title: str
    description: str
    creator_name: str
    creator_id: int
    price_amount: int
    currency: str
    tier_code: str
    status: str
    size: str
    samples: list


def styles_published() -> QuerySet[Style]:
    return Style.objects.filter(status=StyleStatus.PUBLISHED).select_related("creator")


def styles_for_creator(*, creator: User) -> QuerySet[Style]:
    return Style.objects.filter(creator=creator).prefetch_related("versions")


def style_for_creator(*, creator: User, style_id) -> Style | None:
    return Style.objects.filter(creator=creator, pk=style_id).first()


def style_samples(*, style: Style, limit: int = 8) -> list[Piece]:
    """The gallery: pieces of the creator's own sample jobs in any version of this style."""
    return list(
        Piece.objects.filter(
            job__style_version__style=style,
            job__owner_id=style.creator_id,
            job__status=JobStatus.SUCCEEDED,
            hidden_at__isnull=True,
        ).order_by("-created_at")[:limit]
    )


def style_public(*, style_id) -> PublicStyle | None:
    """A published or withdrawn style as buyers see it (drafts are the creator's only)."""
    style = (
        Style.objects.filter(pk=style_id)
        .exclude(status=StyleStatus.DRAFT)
        .select_related("creator")
        .first()
    )
    if style is None:
        return None
    version = style.current_version
    return PublicStyle(
        id=style.pk,
        title=style.title,
        description=style.description,
        creator_name=style.creator.public_name,
        creator_id=style.creator_id,
        price_amount=style.price_amount,
        currency=style.currency,
        tier_code=style.tier_code,
        status=style.status,
        size=f"{version.width}×{version.height}" if version else "",
        samples=style_samples(style=style),
    )
