"""Use cases that write listings. Each is atomic, takes the acting user and writes a
ListingEvent for every status change.

Publishing checks every piece for near-duplicates of other creators' work (provenance), an
edit of another creator's piece for a licence that allows selling it (licensing), and
appends a "listed" entry to the provenance ledger; the MiniLM embedding used by "more like
this" is computed afterwards by a Celery task, never in a web request.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.pagecache import catalogue_changed
from core.wakeups import wake_named_after_commit
from generation.models import Piece
from marketplace.models import (
    MAX_PIECES_PER_LISTING,
    MAX_TAGS_PER_LISTING,
    Listing,
    ListingPiece,
    ListingStatus,
    Orientation,
    Tag,
    User,
)
from marketplace.search import search_vectors_refresh
from marketplace.selectors.derivatives import derivative_resale_allowed, derived_from
from marketplace.services.listing_events import lock_listing, record_listing_event
from provenance.models import LedgerKind, ProvenanceRecord
from provenance.services.ledger import ledger_append
from provenance.services.records import provenance_listing_check

EDITABLE_STATUSES = (ListingStatus.DRAFT, ListingStatus.PUBLISHED)


def _require_creator(user: User) -> None:
    if not user.is_creator:
        raise PermissionDeniedError("Only creators can list work. Become a creator first.")


def _require_owner(listing: Listing, user: User) -> None:
    if listing.creator_id != user.pk:
        raise PermissionDeniedError("Only the listing's creator can change it.")


def _orientation(piece: Piece) -> str:
    if piece.width > piece.height:
        return Orientation.LANDSCAPE
    if piece.height > piece.width:
        return Orientation.PORTRAIT
    return Orientation.SQUARE


def _check_pieces(*, creator: User, pieces: Sequence[Piece], listing: Listing | None) -> None:
    if not pieces:
        raise ApplicationError("Choose at least one piece to list.", field="pieces")
    if len(pieces) > MAX_PIECES_PER_LISTING:
        raise ApplicationError(
            f"A listing holds at most {MAX_PIECES_PER_LISTING} pieces.", field="pieces"
        )
    if len({piece.pk for piece in pieces}) != len(pieces):
        raise ApplicationError("Each piece can appear only once.", field="pieces")
    if any(piece.owner_id != creator.pk for piece in pieces):
        raise PermissionDeniedError("You can only list pieces you made.")
    taken = ListingPiece.objects.filter(piece__in=pieces)
    if listing is not None:
        taken = taken.exclude(listing=listing)
    if taken.exists():
        raise ApplicationError("A piece you chose is already in another listing.", field="pieces")
    for position, piece in enumerate(pieces, start=1):
        _derivative_check(creator, piece, position)
        _near_duplicate_check(piece, position)


def _derivative_check(creator: User, piece: Piece, position: int) -> None:
    """An edit of another creator's piece is listed only under a licence that allows selling
    derivatives of it (ADR 006)."""
    credit = derived_from(piece=piece)
    if credit is None or derivative_resale_allowed(user=creator, credit=credit):
        return
    raise ApplicationError(
        f"Piece {position} (seed {piece.seed}) is an edit of {credit.holder.public_name}'s "
        "piece, and you hold no licence for that piece that allows selling edits of it, so "
        "it cannot be listed.",
        field="pieces",
        code="derivative_resale",
    )


def _near_duplicate_check(piece: Piece, position: int) -> list:
    try:
        return provenance_listing_check(piece=piece)
    except ApplicationError as error:
        if error.code != "near_duplicate":
            raise
        raise ApplicationError(
            f"Piece {position} (seed {piece.seed}) is nearly identical to another creator's "
            "piece, so it cannot be listed. Remove it from this listing; if you believe it is "
            "your original work, contact support with its provenance page.",
            field="pieces",
            code="near_duplicate",
        ) from None


def tags_normalise(tags: Sequence[str]) -> list[str]:
    """Lower-case, de-duplicated, order kept. Shape errors are the form's job; this guards."""
    seen: list[str] = []
    for tag in tags:
        name = tag.strip().lower()
        if name and name not in seen:
            seen.append(name)
    if len(seen) > MAX_TAGS_PER_LISTING:
        raise ApplicationError(f"Use at most {MAX_TAGS_PER_LISTING} tags.", field="tags")
    return seen


def _set_tags(listing: Listing, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    listing.tags.set([existing[name] for name in names])


def _set_pieces(listing: Listing, pieces: Sequence[Piece]) -> None:
    listing.listing_pieces.all().delete()
    try:
        with transaction.atomic():
            ListingPiece.objects.bulk_create(
                ListingPiece(listing=listing, piece=piece, position=position)
                for position, piece in enumerate(pieces)
            )
    except IntegrityError:
        # Another listing took one of these pieces between the check and the insert.
        raise ApplicationError(
            "A piece you chose is already in another listing.", field="pieces"
        ) from None
    cover = pieces[0]
    listing.cover = cover
    listing.orientation = _orientation(cover)
    listing.engine = cover.job.engine


def search_document(listing: Listing) -> str:
    """Title, description, tags and the prompts the creator made public."""
    prompts = ProvenanceRecord.objects.filter(
        piece__listing_piece__listing=listing, prompt_public=True
    ).values_list("prompt", flat=True)
    tags = listing.tags.values_list("name", flat=True)
    parts = [listing.title, listing.description, " ".join(tags), *sorted(set(prompts))]
    return "\n".join(part for part in parts if part)


def _refresh_search(listing: Listing) -> None:
    listing.search_document = search_document(listing)
    listing.save(update_fields=["search_document", "updated_at"])
    search_vectors_refresh(Listing.objects.filter(pk=listing.pk))


def _enqueue_embedding(listing: Listing) -> None:

    wake_named_after_commit("marketplace.tasks.listing_embed", str(listing.pk))


@transaction.atomic
def listing_create(
    *,
    creator: User,
    pieces: Sequence[Piece],
    title: str,
    description: str = "",
    tags: Sequence[str] = (),
    category: str,
    price_amount: int,
    currency: str = "USD",
) -> Listing:
    """A draft listing of the creator's own, not yet listed pieces."""
    _require_creator(creator)
    pieces = list(pieces)
    _check_pieces(creator=creator, pieces=pieces, listing=None)
    listing = Listing(
        creator=creator,
        title=title.strip(),
        description=description.strip(),
        category=category,
        price_amount=price_amount,
        currency=currency,
        orientation=_orientation(pieces[0]),
        engine=pieces[0].job.engine,
        cover=pieces[0],
    )
    listing.full_clean(exclude=["cover"])
    listing.save(force_insert=True)
    _set_pieces(listing, pieces)
    _set_tags(listing, tags_normalise(tags))
    _refresh_search(listing)
    record_listing_event(listing, actor=creator, from_status="")
    return listing


@transaction.atomic(durable=True)
def listing_update(
    *,
    listing: Listing,
    actor: User,
    title: str,
    description: str,
    tags: Sequence[str],
    category: str,
    price_amount: int,
    currency: str,
    pieces: Sequence[Piece] | None = None,
) -> Listing:
    """Edit a draft or published listing; pieces change only before first publication."""
    _require_owner(listing, actor)
    listing = lock_listing(listing)
    if listing.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            f"This listing is {listing.get_status_display().lower()} and cannot be edited."
        )
    fields = ["title", "description", "category", "price_amount", "currency", "updated_at"]
    if pieces is not None:
        pieces = list(pieces)
        current = list(listing.listing_pieces.values_list("piece_id", flat=True))
        if [piece.pk for piece in pieces] != current:
            if listing.pieces_locked:
                raise ApplicationError(
                    "Pieces cannot change once a listing has been published.", field="pieces"
                )
            _check_pieces(creator=actor, pieces=pieces, listing=listing)
            _set_pieces(listing, pieces)
            fields += ["cover", "orientation", "engine"]
    listing.title = title.strip()
    listing.description = description.strip()
    listing.category = category
    listing.price_amount = price_amount
    listing.currency = currency
    listing.full_clean()
    listing.save(update_fields=fields)
    _set_tags(listing, tags_normalise(tags))
    _refresh_search(listing)
    if listing.status == ListingStatus.PUBLISHED:
        _enqueue_embedding(listing)
        catalogue_changed()
    return listing


@transaction.atomic
def listing_publish(*, listing: Listing, actor: User) -> Listing:
    """Draft → published, after the near-duplicate check; appends "listed" to the ledger."""
    _require_owner(listing, actor)
    listing = lock_listing(listing)
    if listing.status == ListingStatus.PUBLISHED:
        return listing
    if listing.status != ListingStatus.DRAFT:
        raise ApplicationError(
            f"A {listing.get_status_display().lower()} listing cannot be published."
        )
    pieces = [
        row.piece
        for row in listing.listing_pieces.select_related("piece__job").order_by("position")
    ]
    if not pieces:
        raise ApplicationError("Add at least one piece before publishing.", field="pieces")
    warnings = {}
    for position, piece in enumerate(pieces, start=1):
        _derivative_check(actor, piece, position)
        matches = _near_duplicate_check(piece, position)
        if matches:
            warnings[str(piece.pk)] = [str(match.piece_id) for match in matches]
        try:
            ledger_append(
                piece=piece,
                kind=LedgerKind.LISTED,
                actor=actor,
                data={"listing": str(listing.pk)},
            )
        except ApplicationError as error:
            raise ApplicationError(
                f"Piece {position} cannot be listed: {error.message}", code=error.code
            ) from None
    previous = listing.status
    listing.status = ListingStatus.PUBLISHED
    listing.published_at = timezone.now()
    listing.save(update_fields=["status", "published_at", "updated_at"])
    data = {"near_duplicates": warnings} if warnings else {}
    record_listing_event(listing, actor=actor, from_status=previous, data=data)
    _enqueue_embedding(listing)
    # Followers hear of it from a task (batched; each follower once per listing).
    wake_named_after_commit("marketplace.tasks.notify_followers", str(listing.pk))
    return listing


@transaction.atomic
def listing_unpublish(*, listing: Listing, actor: User, reason: str = "") -> Listing:
    """Published → draft: hidden from browse; licences already sold stay valid."""
    _require_owner(listing, actor)
    listing = lock_listing(listing)
    if listing.status == ListingStatus.DRAFT:
        return listing
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError(
            f"A {listing.get_status_display().lower()} listing cannot be unpublished."
        )
    listing.status = ListingStatus.DRAFT
    listing.save(update_fields=["status", "updated_at"])
    record_listing_event(
        listing, actor=actor, from_status=ListingStatus.PUBLISHED, reason=reason.strip()
    )
    return listing


@transaction.atomic
def listing_mark_sold_exclusive(*, listing: Listing, actor=None, reason: str = "") -> Listing:
    """Called by the licensing flow when an exclusive licence is granted."""
    listing = lock_listing(listing)
    if listing.status == ListingStatus.SOLD_EXCLUSIVE:
        return listing
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError("Only a published listing can be sold exclusively.")
    listing.status = ListingStatus.SOLD_EXCLUSIVE
    listing.save(update_fields=["status", "updated_at"])
    record_listing_event(listing, actor=actor, from_status=ListingStatus.PUBLISHED, reason=reason)
    return listing


@transaction.atomic
def listing_set_embedding(*, listing_id, vector: bytes, document: str) -> bool:
    """Store the embedding unless the listing's text changed since it was computed."""
    updated = Listing.objects.filter(pk=listing_id, search_document=document).update(
        embedding=vector
    )
    return bool(updated)
