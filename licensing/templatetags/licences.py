"""`{% licence_panel listing user as panel %}`: what the listing page's licence box shows."""

from dataclasses import dataclass, field

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from licensing.models import ExclusiveHold, ListingOffer
from licensing.selectors.grants import listing_offers
from marketplace.models import ListingStatus

register = template.Library()


@dataclass(frozen=True)
class LicencePanel:
    offers: list[ListingOffer] = field(default_factory=list)
    buy_url: str = ""  # empty until payments' checkout URL exists
    can_buy: bool = False
    is_owner: bool = False
    exclusive_held: bool = False


def _checkout_url(listing) -> str:
    try:
        return reverse("checkout_start", args=[listing.pk])
    except NoReverseMatch:
        return ""


@register.simple_tag
def licence_panel(listing, user) -> LicencePanel:
    if listing.status != ListingStatus.PUBLISHED:
        return LicencePanel(is_owner=getattr(user, "pk", None) == listing.creator_id)
    is_owner = getattr(user, "pk", None) == listing.creator_id
    offers = listing_offers(listing=listing)
    held = False
    if any(offer.tier.exclusive for offer in offers):
        holds = ExclusiveHold.objects.filter(listing=listing, expires_at__gt=timezone.now())
        if getattr(user, "is_authenticated", False):
            holds = holds.exclude(buyer=user)
        held = holds.exists()
    return LicencePanel(
        offers=offers,
        buy_url=_checkout_url(listing),
        can_buy=getattr(user, "is_authenticated", False) and not is_owner,
        is_owner=is_owner,
        exclusive_held=held,
    )
