"""Reads for listings: browse (filters, sort, search), detail, storefront, dashboard, "more
like this". Every list is built with a fixed number of queries, whatever its length."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from generation.models import Piece
from marketplace.models import Favourite, Listing, ListingPiece, ListingStatus, User
from marketplace.search import search_filter, uses_postgres
from marketplace.vectors import bytes_to_vector

SIMILAR_CANDIDATES = 500
SIMILAR_CACHE_SECONDS = 300
SIMILAR_MATRIX_SECONDS = 60
COUNT_CACHE_SECONDS = 30

SORTS = {
    "newest": ("-published_at", "-created_at"),
    "popular": ("-favourite_count", "-view_count", "-published_at"),
    "price_asc": ("price_amount", "-published_at"),
    "price_desc": ("-price_amount", "-published_at"),
}


def _card_queryset() -> QuerySet[Listing]:
    """What a grid card needs: the listing, its cover preview and its creator, one query."""
    return Listing.objects.select_related("creator", "cover").defer(
        "embedding", "search_document", "search_vector", "description"
    )


# What a grid card shows (marketplace.templatetags.listings); loading nothing else keeps a
# 24-card page from parsing ~150 unused columns (timestamps, counters) per request.
CARD_FIELDS = (
    "title",
    "price_amount",
    "currency",
    "creator__display_name",
    "creator__email",
    "cover__preview",
    "cover__width",
    "cover__height",
)


def listings_public() -> QuerySet[Listing]:
    """Published listings as grid cards (only CARD_FIELDS are loaded)."""
    return (
        Listing.objects.select_related("creator", "cover")
        .only(*CARD_FIELDS)
        .filter(status=ListingStatus.PUBLISHED)
    )


def listings_published_full() -> QuerySet[Listing]:
    """Published listings with every public field, creator, cover and tags (the API's
    catalogue, which shows more than a grid card)."""
    return (
        Listing.objects.select_related("creator", "cover")
        .prefetch_related("tags")
        .defer("embedding", "search_document", "search_vector")
        .filter(status=ListingStatus.PUBLISHED)
    )


def listings_newest(*, limit: int = 8) -> list[Listing]:
    return list(listings_public().order_by(*SORTS["newest"])[:limit])


def uses_postgres_search() -> bool:
    return uses_postgres()


def listings_search(queryset: QuerySet[Listing], text: str) -> QuerySet[Listing]:
    """Full-text on PostgreSQL (stored tsvector, GIN index, ranked); on SQLite every word must
    appear somewhere in title, description, tags or public prompt."""
    return search_filter(queryset, text)


def cached_count(queryset: QuerySet, *, key: str, seconds: int = COUNT_CACHE_SECONDS) -> int:
    """COUNT(*) of a list query, cached briefly under `key` (what selects the rows, e.g. the
    cleaned filters): on a 10k-row catalogue the count is the costliest query of a browse
    page, and a slightly stale total is harmless."""
    cache_key = "listing-count:" + hashlib.sha256(key.encode()).hexdigest()
    count = cache.get(cache_key)
    if count is None:
        count = queryset.count()
        cache.set(cache_key, count, seconds)
    return count


def listings_sort(queryset: QuerySet[Listing], *, sort: str, searching: bool) -> QuerySet:
    if sort == "relevance" or (not sort and searching):
        if searching and uses_postgres_search():
            return queryset.order_by("-rank", *SORTS["newest"])
        sort = "newest"
    return queryset.order_by(*SORTS.get(sort, SORTS["newest"]))


def favourite_ids(*, user, listings) -> set:
    """Which of these listings the user has favourited: one query for a whole page."""
    if not getattr(user, "is_authenticated", False):
        return set()
    ids = [listing.pk for listing in listings]
    return set(
        Favourite.objects.filter(user=user, listing_id__in=ids).values_list("listing_id", flat=True)
    )


def _detail_queryset() -> QuerySet[Listing]:
    pieces = ListingPiece.objects.select_related("piece__job", "piece__provenance").order_by(
        "position"
    )
    return (
        Listing.objects.select_related("creator", "cover__job")
        .defer("embedding", "search_vector")
        .prefetch_related(Prefetch("listing_pieces", queryset=pieces), "tags")
    )


def listing_detail(*, listing_id, viewer) -> Listing | None:
    """Public listings for everyone; drafts and suspended ones for their creator and
    moderators only (anyone else gets None, i.e. a 404)."""
    listing = _detail_queryset().filter(pk=listing_id).first()
    if listing is None or listing.is_public:
        return listing
    if getattr(viewer, "is_authenticated", False) and (
        viewer.pk == listing.creator_id or viewer.is_moderator
    ):
        return listing
    return None


def listing_suspended(*, listing_id) -> Listing | None:
    """A suspended listing, for the page that says why it is withheld (nothing else of it)."""
    return Listing.objects.filter(pk=listing_id, status=ListingStatus.SUSPENDED).first()


def listing_for_creator(*, creator: User, listing_id) -> Listing | None:
    """A creator's own listing (for edit/publish); another's looks like it does not exist."""
    if not getattr(creator, "is_authenticated", False):
        return None
    return _detail_queryset().filter(pk=listing_id, creator=creator).first()


def public_prompt(listing: Listing) -> str:
    """The cover's prompt when its creator made it public, else ""."""
    for row in listing.listing_pieces.all():
        record = getattr(row.piece, "provenance", None)
        if record is not None and record.prompt_public:
            return record.prompt
    return ""


def storefront_listings(*, creator: User) -> QuerySet[Listing]:
    return listings_public().filter(creator=creator).order_by(*SORTS["newest"])


def storefront_creator(*, creator_id) -> User | None:
    return User.objects.filter(pk=creator_id, is_creator=True, is_active=True).first()


def dashboard_listings(*, creator: User) -> QuerySet[Listing]:
    return _card_queryset().filter(creator=creator).order_by("-updated_at", "-created_at")


@dataclass(frozen=True)
class DashboardStats:
    listings: int
    published: int
    drafts: int
    suspended: int
    views: int
    favourites: int
    sales: int | None = None  # filled by the dashboard view from payments
    earnings_minor: int | None = None  # likewise


def dashboard_stats(*, creator: User) -> DashboardStats:
    row = Listing.objects.filter(creator=creator).aggregate(
        listings=Count("pk"),
        published=Count("pk", filter=Q(status=ListingStatus.PUBLISHED)),
        drafts=Count("pk", filter=Q(status=ListingStatus.DRAFT)),
        suspended=Count("pk", filter=Q(status=ListingStatus.SUSPENDED)),
        views=Sum("view_count"),
        favourites=Sum("favourite_count"),
    )
    return DashboardStats(
        listings=row["listings"],
        published=row["published"],
        drafts=row["drafts"],
        suspended=row["suspended"],
        views=row["views"] or 0,
        favourites=row["favourites"] or 0,
    )


def pieces_available_for_listing(
    *, creator: User, listing: Listing | None = None, limit: int = 100
) -> QuerySet[Piece]:
    """The creator's most recent pieces in no listing yet, plus (when editing) the pieces
    already in `listing`."""
    recent = (
        Piece.objects.filter(owner=creator, listing_piece__isnull=True)
        .order_by("-created_at")
        .values("pk")[:limit]
    )
    condition = Q(pk__in=recent)
    if listing is not None:
        condition |= Q(listing_piece__listing=listing)
    return (
        Piece.objects.filter(condition, owner=creator).select_related("job").order_by("-created_at")
    )


def user_favourites(*, user: User) -> QuerySet[Listing]:
    return listings_public().filter(favourites__user=user).order_by("-favourites__created_at")


class _CandidateMatrices:
    """Per process: each category's most recent published embeddings as one float32 matrix,
    reloaded after SIMILAR_MATRIX_SECONDS, so an uncached "more like this" is a matrix-vector
    product instead of fetching ~750 kB of vectors from the database."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, list, np.ndarray]] = {}

    def get(self, category: str, dims: int) -> tuple[list, np.ndarray]:
        entry = self._entries.get(category)
        stale = entry is None or time.monotonic() - entry[0] > SIMILAR_MATRIX_SECONDS
        if stale or entry[2].shape[1] != dims:
            entry = (time.monotonic(), *self._load(category, dims))
            self._entries[category] = entry
        return entry[1], entry[2]

    def _load(self, category: str, dims: int) -> tuple[list, np.ndarray]:
        rows = list(
            Listing.objects.filter(
                status=ListingStatus.PUBLISHED, category=category, embedding__isnull=False
            )
            .order_by(*SORTS["newest"])
            .values_list("pk", "embedding")[:SIMILAR_CANDIDATES]
        )
        rows = [(pk, bytes(vec)) for pk, vec in rows if len(vec) == dims * 4]
        matrix = np.frombuffer(b"".join(vec for _, vec in rows), dtype=np.float32)
        return [pk for pk, _ in rows], matrix.reshape(len(rows), dims)

    def clear(self) -> None:
        self._entries.clear()


candidate_matrices = _CandidateMatrices()


def _cosine_ranked(listing: Listing, embedding: bytes, limit: int) -> list:
    query = bytes_to_vector(embedding)
    ids, matrix = candidate_matrices.get(listing.category, dims=query.shape[0])
    if not ids:
        return []
    scores = matrix @ query
    order = np.argsort(-scores, kind="stable")
    return [ids[i] for i in order if ids[i] != listing.pk][:limit]


def _tag_overlap_ranked(listing: Listing, limit: int, exclude: list) -> list:
    candidates = Listing.objects.filter(status=ListingStatus.PUBLISHED).exclude(
        pk__in=[listing.pk, *exclude]
    )
    tag_ids = list(listing.tags.values_list("pk", flat=True))
    if tag_ids:
        candidates = (
            candidates.filter(tags__in=tag_ids)
            .annotate(shared=Count("tags"))
            .order_by("-shared", *SORTS["newest"])
        )
    else:
        candidates = candidates.filter(category=listing.category).order_by(*SORTS["newest"])
    return list(candidates.values_list("pk", flat=True)[:limit])


def more_like_this(*, listing: Listing, limit: int = 6) -> list[Listing]:
    """Nearest published listings by MiniLM cosine within the category (bounded candidate
    set); tag overlap fills in when embeddings are missing. Ranked ids are cached briefly."""
    key = f"listing-similar:{listing.pk}:{limit}"
    ids = cache.get(key)
    if ids is None:
        embedding = (
            Listing.objects.filter(pk=listing.pk).values_list("embedding", flat=True).first()
        )
        ids = _cosine_ranked(listing, embedding, limit) if embedding else []
        if len(ids) < limit:
            ids += _tag_overlap_ranked(listing, limit - len(ids), ids)
        cache.set(key, ids, SIMILAR_CACHE_SECONDS if embedding else SIMILAR_CACHE_SECONDS // 10)
    rows = listings_public().in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]
