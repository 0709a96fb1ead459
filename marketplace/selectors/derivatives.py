"""Listed edits: whose piece an edit came from (the credit a listing shows), and whether its
lister may sell it (asked of licensing through `marketplace.hooks.may_resell_derivative`).

The chain is the one our provenance records declare (`provenance_ancestors`): an edit's
record names its parent, itself perhaps an edit. Edits of one's own pieces need no credit
and no licence; the first ancestor held by someone else decides both. Held, not made: an
upheld infringement claim moves a record to the claimant (disputes' rights transfer), who
is then the one credited and whose licence an edit needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from generation.models import Piece
from marketplace.hooks import DerivativeResaleRequested, may_resell_derivative
from marketplace.models import Listing, ListingPiece, ListingStatus, User
from provenance.selectors.edits import provenance_ancestors

PUBLIC_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.SOLD_EXCLUSIVE)


@dataclass(frozen=True)
class DerivedFrom:
    """Another person's piece a listed piece was edited from, and who holds its record."""

    piece_id: uuid.UUID
    holder: User
    listing: Listing | None  # the public listing holding that piece, if any


def derived_from(*, piece: Piece) -> DerivedFrom | None:
    """The first piece up `piece`'s edit chain held by someone other than `piece`'s owner;
    None for a piece made from text or edited only from pieces its owner holds."""
    for step in provenance_ancestors(piece_id=piece.pk):
        if step.holder_id == piece.owner_id:
            continue
        holder = (
            ListingPiece.objects.select_related("listing")
            .filter(piece_id=step.piece_id, listing__status__in=PUBLIC_STATUSES)
            .only("listing__id", "listing__title", "listing__status")
            .first()
        )
        return DerivedFrom(
            piece_id=step.piece_id,
            holder=User.objects.get(pk=step.holder_id),
            listing=holder.listing if holder else None,
        )
    return None


def listing_credits(*, listing: Listing) -> list[DerivedFrom]:
    """The credits a listing shows: one per other creator's piece its pieces derive from."""
    credits: dict[uuid.UUID, DerivedFrom] = {}
    for row in listing.listing_pieces.all():
        credit = derived_from(piece=row.piece)
        if credit is not None:
            credits.setdefault(credit.piece_id, credit)
    return list(credits.values())


def derivative_resale_allowed(*, user, credit: DerivedFrom) -> bool:
    """Whether a floor above (licensing: an active grant whose terms allow derivative
    resale) lets `user` sell edits of the credited piece."""
    request = DerivativeResaleRequested(user=user, piece_id=credit.piece_id)
    return any(may_resell_derivative.call(request))
