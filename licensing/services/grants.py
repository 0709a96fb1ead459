"""What a buyer buys: purchase checks, exclusive holds, grant issue and revocation, offers.

Called by payments in this order:

    offer = licence_offer_for_purchase(listing=..., tier_code=..., buyer=...)  # before payment
    exclusive_hold_acquire(listing=..., buyer=..., order_ref=str(order.pk))   # exclusive only
    ... the buyer pays ...
    licence_grant_issue(order_line=line, licensee=order.buyer)  # webhook, inside its atomic
    exclusive_hold_release(listing=..., order_ref=...)

Every grant issue takes a row lock on the listing first, so two payments for one exclusive
are serialised: the second finds the first's active grant and raises ExclusiveAlreadySold
(payments refunds it). A partial unique index (one active exclusive grant per listing) backs this
up at the database.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.pagecache import catalogue_changed
from generation.models import Piece
from licensing.hooks import LicenceGranted, licence_granted
from licensing.models import (
    Certificate,
    ExclusiveHold,
    GrantEvent,
    GrantStatus,
    LicenceGrant,
    ListingOffer,
    TermsVersion,
    Tier,
)
from licensing.selectors.grants import exclusive_grant_active, listing_offers
from licensing.services.terms import terms_current
from marketplace.models import MAX_PRICE_MINOR, MIN_PRICE_MINOR, Listing, ListingStatus
from marketplace.services.listings import listing_mark_sold_exclusive
from provenance.models import LedgerEntry, LedgerKind, ProvenanceRecord
from provenance.services.ledger import ledger_append

User = get_user_model()

EXCLUSIVE = "exclusive"
MAX_HOLD_MINUTES = 24 * 60


class LicenceNotIssuable(ApplicationError):
    """Payment succeeded but the licence cannot be granted: the payment must be refunded."""

    def __init__(self, message: str, *, code: str = "not_issuable"):
        super().__init__(message, code=code)


class ExclusiveAlreadySold(LicenceNotIssuable):
    """Another buyer holds (or has just been granted) this listing's exclusive licence."""

    def __init__(
        self,
        message: str = "This work has been sold exclusively to another buyer.",
        *,
        code: str = "exclusive_sold",
    ):
        super().__init__(message, code=code)


class ExclusiveHeld(ApplicationError):
    """Another buyer is paying for this exclusive right now."""

    def __init__(self) -> None:
        super().__init__(
            "Another buyer is completing the exclusive purchase of this work. "
            "Try again in a while, or choose a non-exclusive licence.",
            code="exclusive_held",
        )


def _lock_listing(listing: Listing) -> Listing:
    return Listing.objects.select_for_update().get(pk=listing.pk)


def _require_available(listing: Listing) -> None:
    if listing.status == ListingStatus.SOLD_EXCLUSIVE:
        raise ExclusiveAlreadySold()
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError("This listing is not for sale right now.", code="not_for_sale")


def _live_hold(listing: Listing) -> ExclusiveHold | None:
    return ExclusiveHold.objects.filter(listing=listing, expires_at__gt=timezone.now()).first()


def _rights_revoked(listing: Listing) -> bool:
    """A piece-wide revocation in the ledger (not one licence's revocation)."""
    return (
        LedgerEntry.objects.filter(piece__listing_piece__listing=listing, kind=LedgerKind.REVOKED)
        .exclude(data__has_key="grant")
        .exists()
    )


@transaction.atomic
def licence_offer_for_purchase(*, listing: Listing, tier_code: str, buyer: User) -> ListingOffer:
    """Everything that can be refused before payment; returns the offer (price, currency)."""
    if not getattr(buyer, "is_authenticated", False):
        raise PermissionDeniedError("Log in to buy a licence.")
    _require_available(listing)
    if listing.creator_id == buyer.pk:
        raise ApplicationError("You cannot buy a licence for your own listing.", code="own_listing")
    offer = next((o for o in listing_offers(listing=listing) if o.tier.code == tier_code), None)
    if offer is None:
        raise ApplicationError(
            "This listing does not offer that licence.", field="tier", code="tier_not_offered"
        )
    if exclusive_grant_active(listing=listing) is not None:
        raise ExclusiveAlreadySold()
    if offer.tier.exclusive:
        hold = _live_hold(listing)
        if hold is not None and hold.buyer_id != buyer.pk:
            raise ExclusiveHeld()
    if LicenceGrant.objects.filter(
        listing=listing, licensee=buyer, tier=offer.tier, status=GrantStatus.ACTIVE
    ).exists():
        raise ApplicationError(
            f"You already hold a {offer.tier.name} licence for this listing.",
            code="already_licensed",
        )
    if _rights_revoked(listing):
        raise ApplicationError("The rights to this work were revoked.", code="revoked")
    return offer


@transaction.atomic
def exclusive_hold_acquire(
    *, listing: Listing, buyer: User, order_ref: str, minutes: int = 30
) -> None:
    """Reserve the exclusive while the buyer pays. One hold row per listing, under the
    listing's row lock; the same buyer or order re-acquiring just extends it."""
    if not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise ApplicationError("A hold lasts between 1 minute and 1 day.", code="invalid_hold")
    listing = _lock_listing(listing)
    _require_available(listing)
    if exclusive_grant_active(listing=listing) is not None:
        raise ExclusiveAlreadySold()
    now = timezone.now()
    hold = ExclusiveHold.objects.select_for_update().filter(listing=listing).first()
    if hold is not None:
        mine = hold.buyer_id == buyer.pk or hold.order_ref == order_ref
        if hold.expires_at > now and not mine:
            raise ExclusiveHeld()
        hold.buyer = buyer
        hold.order_ref = order_ref
        hold.expires_at = now + timedelta(minutes=minutes)
        hold.save(update_fields=["buyer", "order_ref", "expires_at"])
        return
    try:
        with transaction.atomic():
            ExclusiveHold.objects.create(
                listing=listing,
                buyer=buyer,
                order_ref=order_ref,
                expires_at=now + timedelta(minutes=minutes),
            )
    except IntegrityError:  # SQLite has no row locks: a racing insert lost
        raise ExclusiveHeld() from None


@transaction.atomic
def exclusive_hold_release(*, listing: Listing, order_ref: str) -> None:
    """Free the hold if this order still has it (paid, failed, expired or abandoned)."""
    ExclusiveHold.objects.filter(listing=listing, order_ref=order_ref).delete()


def _ledger(piece: Piece, *, kind: str, actor, data: dict) -> None:
    """Record in the provenance ledger when the piece has a provenance record."""
    if not ProvenanceRecord.objects.filter(piece=piece).exists():
        return
    try:
        ledger_append(piece=piece, kind=kind, actor=actor, data=data)
    except ApplicationError as error:
        if error.code == "revoked":
            raise LicenceNotIssuable(
                "The rights to this work were revoked.", code="revoked"
            ) from None
        raise


def _record(grant: LicenceGrant, *, from_status: str, actor, reason: str = "", data=None):
    GrantEvent.objects.create(
        grant=grant,
        from_status=from_status,
        to_status=grant.status,
        actor=actor,
        reason=reason,
        data=data or {},
    )


def _grant_insert(
    *,
    order_line,
    licensee: User,
    tier: Tier,
    terms: TermsVersion,
    pieces: list[Piece],
    piece_id,
    listing: Listing | None = None,
    style_version=None,
    transfer_from: int | None = None,
    event_data: dict | None = None,
    ledger_data: dict | None = None,
    race_error: type[LicenceNotIssuable] | None = None,
) -> tuple[LicenceGrant, bool]:
    """The insert both kinds of grant share (callers check and lock first): the grant over
    `pieces` with the terms' version and sha256, its certificate, its first GrantEvent, a
    LICENSED ledger entry per piece (then TRANSFERRED when `transfer_from` is set and the
    terms transfer copyright). Returns (grant, True), or (the line's existing grant, False)
    when a racing insert for the same line won; any other unique-index conflict raises
    `race_error()` when given (one active exclusive per listing), else the IntegrityError."""
    order_ref = str(order_line.order_id)
    grant = LicenceGrant(
        listing=listing,
        style_version=style_version,
        piece_id=piece_id,
        licensee=licensee,
        tier=tier,
        exclusive=tier.exclusive,
        terms=terms,
        terms_version=terms.version,
        terms_sha256=terms.sha256,
        price_amount=order_line.amount,
        currency=order_line.order.currency,
        order_line=order_line,
        order_ref=order_ref,
        issued_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            grant.save(force_insert=True)
    except IntegrityError:
        existing = LicenceGrant.objects.filter(order_line=order_line).first()
        if existing is not None:
            return existing, False
        if race_error is None:
            raise
        raise race_error() from None
    grant.pieces.set(pieces)
    Certificate.objects.create(grant=grant)
    data = {"order": order_ref, "order_line": order_line.pk, "terms_sha256": terms.sha256}
    _record(grant, from_status="", actor=licensee, data={**data, **(event_data or {})})
    entry = {
        "grant": str(grant.pk),
        "tier": tier.code,
        "terms_version": terms.version,
        "terms_sha256": terms.sha256,
        "order": order_ref,
        **(ledger_data or {}),
    }
    for piece in pieces:
        _ledger(piece, kind=LedgerKind.LICENSED, actor=licensee, data=entry)
        if transfer_from is not None and terms.transfers_copyright:
            transfer = {**entry, "from": transfer_from, "to": licensee.pk}
            _ledger(piece, kind=LedgerKind.TRANSFERRED, actor=licensee, data=transfer)
    licence_granted.call(LicenceGranted(grant_id=grant.pk, licensee_id=licensee.pk))
    return grant, True


@transaction.atomic
def licence_grant_issue(*, order_line, licensee: User) -> LicenceGrant:
    """Grant the licence an order line paid for. Idempotent per order line.

    Raises ExclusiveAlreadySold (a LicenceNotIssuable) when the listing's exclusive went to
    another order first: the caller refunds that payment.
    """
    existing = LicenceGrant.objects.filter(order_line=order_line).first()
    if existing is not None:
        return existing
    listing = _lock_listing(order_line.listing)  # serialises every issue for this listing
    existing = LicenceGrant.objects.filter(order_line=order_line).first()
    if existing is not None:
        return existing
    tier = Tier.objects.filter(code=order_line.tier_code).first()
    if tier is None:
        raise LicenceNotIssuable(f"Unknown licence tier {order_line.tier_code!r}.")
    if exclusive_grant_active(listing=listing) is not None:
        raise ExclusiveAlreadySold()
    if tier.exclusive and listing.status != ListingStatus.PUBLISHED:
        raise ExclusiveAlreadySold(
            "This work is no longer offered exclusively.", code="exclusive_unavailable"
        )
    terms = terms_current(tier=tier)
    pieces = list(
        Piece.objects.filter(listing_piece__listing=listing).order_by("listing_piece__position")
    )
    if not pieces:
        raise LicenceNotIssuable("This listing has no pieces to license.")
    grant, created = _grant_insert(
        order_line=order_line,
        licensee=licensee,
        tier=tier,
        terms=terms,
        pieces=pieces,
        piece_id=listing.cover_id or pieces[0].pk,
        listing=listing,
        transfer_from=listing.creator_id if tier.exclusive else None,
        race_error=ExclusiveAlreadySold,  # the partial unique index caught a race
    )
    if not created:
        return grant
    if tier.exclusive:
        listing_mark_sold_exclusive(
            listing=listing,
            actor=None,
            reason=f"Exclusive licence {grant.pk} granted (order {grant.order_ref}).",
        )
        ExclusiveHold.objects.filter(listing=listing).delete()
    return grant


@transaction.atomic
def licence_grant_revoke(
    *, grant: LicenceGrant, reason: str, actor: User | None = None, refunded: bool = False
) -> LicenceGrant:
    """Active → revoked (or refunded). Idempotent; a revoked grant can still become refunded.

    Callers are trusted (admin, payments' refunds); the listing of a revoked exclusive stays
    sold_exclusive until a person decides otherwise.
    """
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why the licence is revoked.", field="reason")
    grant = LicenceGrant.objects.select_for_update().get(pk=grant.pk)
    target = GrantStatus.REFUNDED if refunded else GrantStatus.REVOKED
    if grant.status == GrantStatus.REFUNDED or grant.status == target:
        return grant
    previous = grant.status
    grant.status = target
    grant.reason = reason[:1000]
    fields = ["status", "reason"]
    if previous == GrantStatus.ACTIVE:
        grant.revoked_at = timezone.now()
        fields.append("revoked_at")
    grant.save(update_fields=fields)
    _record(grant, from_status=previous, actor=actor, reason=grant.reason)
    if previous == GrantStatus.ACTIVE:
        data = {"grant": str(grant.pk), "tier": grant.tier.code, "status": grant.status}
        for piece in grant.pieces.all():
            _ledger(piece, kind=LedgerKind.REVOKED, actor=actor, data=data)
    return grant


@transaction.atomic
def licence_offers_set(
    *, listing: Listing, actor: User, offers: dict[str, int | None]
) -> list[ListingOffer]:
    """Set which tiers a listing offers, at what price (minor units). A tier mapped to None
    or left out is not offered; "personal use only" = only the personal tier. The listing's
    `price_amount` becomes the lowest offered price (the "from" price browse sorts by)."""
    if listing.creator_id != actor.pk:
        raise PermissionDeniedError("Only the listing's creator can set its licences.")
    listing = _lock_listing(listing)
    if listing.status not in (ListingStatus.DRAFT, ListingStatus.PUBLISHED):
        raise ApplicationError(
            f"Licences of a {listing.get_status_display().lower()} listing cannot change."
        )
    tiers = {tier.code: tier for tier in Tier.objects.filter(is_active=True)}
    unknown = sorted(set(offers) - set(tiers))
    if unknown:
        raise ApplicationError(f"Unknown licence tier {unknown[0]!r}.", field="tier")
    chosen = {code: price for code, price in offers.items() if price is not None}
    if not chosen:
        raise ApplicationError("Offer at least one licence tier.", code="no_offers")
    for code, price in chosen.items():
        if not MIN_PRICE_MINOR <= price <= MAX_PRICE_MINOR:
            raise ApplicationError(
                f"The {tiers[code].name} price must be between "
                f"{MIN_PRICE_MINOR / 100:.2f} and {MAX_PRICE_MINOR / 100:,.2f}.",
                field=code,
            )
    current = {
        o.tier.code: o for o in ListingOffer.objects.filter(listing=listing).select_related("tier")
    }
    ListingOffer.objects.filter(
        pk__in=[offer.pk for code, offer in current.items() if code not in chosen]
    ).delete()
    for code, price in chosen.items():
        offer = current.get(code)
        if offer is None:
            offer = ListingOffer(
                listing=listing, tier=tiers[code], price_amount=price, currency=listing.currency
            )
            offer.full_clean()
            offer.save(force_insert=True)
        elif (offer.price_amount, offer.currency) != (price, listing.currency):
            offer.price_amount, offer.currency = price, listing.currency
            offer.full_clean()
            offer.save(update_fields=["price_amount", "currency", "updated_at"])
    lowest = min(chosen.values())
    if listing.price_amount != lowest:
        listing.price_amount = lowest
        listing.save(update_fields=["price_amount", "updated_at"])
    catalogue_changed()
    return listing_offers(listing=listing)
