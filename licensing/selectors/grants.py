"""Reads for licences: a listing's offers, a buyer's grants, a certificate's grant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from licensing.models import GrantStatus, LicenceGrant, ListingOffer, TermsVersion, Tier
from provenance.models import ProvenanceRecord
from provenance.selectors.edits import contribution_summary

STANDARD = "standard"
TIER_CHOICES_KEY = "licence-tier-choices"
TIER_CHOICES_SECONDS = 300


def listing_offers(*, listing) -> list[ListingOffer]:
    """The tiers a listing offers, by tier rank, each with `current_terms`. One query.

    A listing with no offer rows yet offers the standard tier at the listing's own
    `price_amount` and currency (an unsaved ListingOffer); `licence_offers_set` replaces it.
    """
    offer_rows = ListingOffer.objects.filter(listing=listing, tier=OuterRef("tier"))
    any_offer = ListingOffer.objects.filter(listing=listing)
    terms_rows = (
        TermsVersion.objects.filter(tier__is_active=True)
        .select_related("tier")
        .defer("body")
        .annotate(
            offer_pk=Subquery(offer_rows.values("pk")[:1]),
            offer_price=Subquery(offer_rows.values("price_amount")[:1]),
            offer_currency=Subquery(offer_rows.values("currency")[:1]),
            listing_has_offers=Exists(any_offer),
        )
        .order_by("tier__rank", "-version")
    )
    newest: dict[int, TermsVersion] = {}
    for terms in terms_rows:
        newest.setdefault(terms.tier_id, terms)
    explicit = any(terms.listing_has_offers for terms in newest.values())
    offers = []
    for terms in newest.values():
        if explicit and terms.offer_pk is not None:
            offer = ListingOffer(
                pk=terms.offer_pk,
                listing=listing,
                tier=terms.tier,
                price_amount=terms.offer_price,
                currency=terms.offer_currency,
            )
        elif not explicit and terms.tier.code == STANDARD:
            offer = ListingOffer(
                listing=listing,
                tier=terms.tier,
                price_amount=listing.price_amount,
                currency=listing.currency,
            )
        else:
            continue
        offer.current_terms = terms
        offers.append(offer)
    return offers


def listings_offering_tier(
    queryset: QuerySet,
    *,
    tier_code: str,
    min_price: int | None = None,
    max_price: int | None = None,
) -> QuerySet:
    """Listings that sell a licence in this tier, optionally priced within [min, max] minor
    units for that tier: an explicit offer row, or, for a listing with no offer rows yet, the
    implicit standard tier at the listing's own price (see `listing_offers`)."""
    offers = ListingOffer.objects.filter(listing=OuterRef("pk"))
    priced = offers.filter(tier__code=tier_code, tier__is_active=True)
    implicit = Q()
    if min_price is not None:
        priced = priced.filter(price_amount__gte=min_price)
        implicit &= Q(price_amount__gte=min_price)
    if max_price is not None:
        priced = priced.filter(price_amount__lte=max_price)
        implicit &= Q(price_amount__lte=max_price)
    condition = Exists(priced)
    if tier_code == STANDARD:
        condition |= ~Exists(offers) & implicit
    return queryset.filter(condition)


def tier_choices() -> list[tuple[str, str]]:
    """(code, name) of the tiers creators can offer, for filters; cached, tiers rarely change."""
    choices = cache.get(TIER_CHOICES_KEY)
    if choices is None:
        choices = list(Tier.objects.filter(is_active=True).values_list("code", "name"))
        cache.set(TIER_CHOICES_KEY, choices, TIER_CHOICES_SECONDS)
    return choices


def tiers_offerable() -> list[Tier]:
    """Active tiers by rank, each with `current_terms` (its newest TermsVersion)."""
    tiers = list(Tier.objects.filter(is_active=True).order_by("rank"))
    newest: dict[int, TermsVersion] = {}
    terms_rows = TermsVersion.objects.filter(tier__in=tiers).order_by("tier_id", "-version")
    for terms in terms_rows:
        newest.setdefault(terms.tier_id, terms)
    for tier in tiers:
        tier.current_terms = newest.get(tier.pk)
    return tiers


def listing_has_explicit_offers(*, listing) -> bool:
    return ListingOffer.objects.filter(listing=listing).exists()


def exclusive_grant_active(*, listing) -> LicenceGrant | None:
    return LicenceGrant.objects.filter(
        listing=listing, exclusive=True, status=GrantStatus.ACTIVE
    ).first()


def grants_for_licensee(*, user) -> QuerySet[LicenceGrant]:
    """The buyer's library: every grant, newest first, with listing, cover preview, tier and
    certificate loaded (`grant.get_certificate_pdf_url()`, `grant.certificate.get_absolute_url()`).
    """
    if not getattr(user, "is_authenticated", False):
        return LicenceGrant.objects.none()
    return (
        LicenceGrant.objects.filter(licensee=user)
        .select_related("listing", "listing__cover", "piece", "tier", "terms", "certificate")
        .order_by("-issued_at")
    )


def grant_for_licensee(*, grant_id: uuid.UUID, user) -> LicenceGrant | None:
    """A grant only its licensee may see (certificate download); None otherwise."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _grant_detail().filter(pk=grant_id, licensee=user).first()


def grant_for_certificate(*, certificate_id: uuid.UUID) -> LicenceGrant | None:
    """The grant behind a public certificate id (for the verify page), or None."""
    return _grant_detail().filter(certificate__pk=certificate_id).first()


@dataclass(frozen=True)
class RecordedPiece:
    """What a licensed piece's provenance record proves about people: who asked the model
    for it (the prompt's author, or the editor of an edit) and what a person contributed."""

    piece_id: uuid.UUID
    person: str
    edited: bool
    contribution: str


def grant_recorded_pieces(*, grant: LicenceGrant) -> list[RecordedPiece]:
    """The grant's pieces with their records (pieces without one are left out). One query."""
    piece_ids = [piece.pk for piece in grant.pieces.all()] or [grant.piece_id]
    records = ProvenanceRecord.objects.filter(pk__in=piece_ids).order_by("created_at")
    return [
        RecordedPiece(
            piece_id=record.piece_id,
            person=record.creator_name,
            edited=bool(record.edit_kind),
            contribution=contribution_summary(record=record),
        )
        for record in records
    ]


def _grant_detail() -> QuerySet[LicenceGrant]:
    return LicenceGrant.objects.select_related(
        "listing", "piece", "tier", "terms", "certificate", "licensee", "order_line__order"
    ).prefetch_related(Prefetch("pieces"))


def licensee_holds_piece(*, user, piece_id) -> bool:
    """Whether `user` holds an active licence covering the piece (they may download it)."""
    if not user.is_authenticated:
        return False
    return LicenceGrant.objects.filter(
        licensee=user, status=GrantStatus.ACTIVE, pieces__pk=piece_id
    ).exists()


def licensee_may_derive(*, user, piece_id, resale: bool = False) -> bool:
    """Whether `user` holds an active licence covering the piece whose terms version allows
    derivatives (the version the grant was sold under, not the tier's current one), and with
    `resale`, allows selling them too (`derivative_resale`)."""
    if not user.is_authenticated:
        return False
    terms = {"terms__derivatives": True}
    if resale:
        terms["terms__derivative_resale"] = True
    return LicenceGrant.objects.filter(
        licensee=user, status=GrantStatus.ACTIVE, pieces__pk=piece_id, **terms
    ).exists()


@dataclass(frozen=True)
class PieceStanding:
    """What the public may know about a piece's licences: counts, never who holds them."""

    active: int
    exclusive: bool


def piece_licence_standing(*, piece_id) -> PieceStanding:
    active = LicenceGrant.objects.filter(status=GrantStatus.ACTIVE, pieces__pk=piece_id)
    return PieceStanding(active=active.count(), exclusive=active.filter(exclusive=True).exists())
