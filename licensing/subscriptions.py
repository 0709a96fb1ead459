"""Licensing's answers to the hooks of the floors below (connected in LicensingConfig.ready)."""

from core.errors import ApplicationError
from generation.hooks import (
    DeriveRequested,
    OriginalRequested,
    StyleTierChosen,
    may_derive,
    original_requested,
    style_tier_chosen,
)
from licensing.models import Tier
from licensing.selectors.grants import (
    licensee_holds_piece,
    licensee_may_derive,
    listings_offering_tier,
    tier_choices,
)
from licensing.services.privacy import licences_export_data
from marketplace.hooks import (
    AccountData,
    DerivativeResaleRequested,
    TierChoices,
    TierFilter,
    account_export_sections,
    listing_tier_choices,
    listing_tier_filter,
    may_resell_derivative,
)


def refuse_unsellable_style_tier(event: StyleTierChosen) -> None:
    tier = Tier.objects.filter(code=event.tier_code, is_active=True).first()
    if tier is None:
        raise ApplicationError(f"Unknown licence tier {event.tier_code!r}.", field="tier_code")
    if tier.exclusive:
        raise ApplicationError(
            "A style sells many images; it cannot include an exclusive licence.",
            field="tier_code",
        )


def licensee_may_download(event: OriginalRequested) -> bool:
    return licensee_holds_piece(user=event.user, piece_id=event.piece_id)


def licensee_may_edit(event: DeriveRequested) -> bool:
    return licensee_may_derive(user=event.user, piece_id=event.piece_id)


def licensee_may_sell_edits(event: DerivativeResaleRequested) -> bool:
    return licensee_may_derive(user=event.user, piece_id=event.piece_id, resale=True)


def offered_tiers(_: TierChoices) -> list[tuple[str, str]]:
    return tier_choices()


def listings_with_tier(event: TierFilter):
    return listings_offering_tier(
        event.queryset,
        tier_code=event.tier_code,
        min_price=event.min_price,
        max_price=event.max_price,
    )


def export_licences(event: AccountData) -> dict:
    return licences_export_data(user=event.user)


def connect() -> None:
    account_export_sections.register(export_licences)
    listing_tier_choices.register(offered_tiers)
    listing_tier_filter.register(listings_with_tier)
    style_tier_chosen.register(refuse_unsellable_style_tier)
    original_requested.register(licensee_may_download)
    may_derive.register(licensee_may_edit)
    may_resell_derivative.register(licensee_may_sell_edits)
