"""Reads for takedown notices and artist claims: who may see one, the moderators' queue,
what a listing's or a style's page says about them."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from disputes.models import (
    ACTIVE_TAKEDOWN_STATUSES,
    ArtistClaim,
    ArtistClaimStatus,
    TakedownNotice,
    TakedownStatus,
    VerifiedArtist,
)
from disputes.services.takedowns import PUBLIC_REASON
from generation.models import Piece, Style, StyleStatus
from marketplace.hooks import export_rows
from marketplace.models import Listing, ListingStatus


def _visible(queryset: QuerySet, *, pk, user):
    """The row if `user` is a party or a moderator, else None (the view answers 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = queryset.filter(pk=pk).first()
    if row is None:
        return None
    if user.is_moderator or user.pk in (row.claimant_id, row.respondent_id):
        return row
    return None


def listing_for_takedown(*, listing_id) -> Listing | None:
    """A listing on sale, which a rights holder may send a notice about."""
    return (
        Listing.objects.select_related("creator")
        .filter(pk=listing_id, status=ListingStatus.PUBLISHED)
        .first()
    )


def artist_claim_target(*, style_id=None, piece_id=None) -> tuple[Style | None, Piece | None]:
    """The public style or the piece an artist may claim about; (None, None) if neither."""
    if style_id is not None:
        style = Style.objects.exclude(status=StyleStatus.DRAFT).filter(pk=style_id).first()
        if style is not None:
            return style, None
    if piece_id is not None:
        return None, Piece.objects.filter(pk=piece_id).first()
    return None, None


def takedown_visible(*, takedown_id, user) -> TakedownNotice | None:
    queryset = TakedownNotice.objects.select_related("listing", "claimant", "respondent")
    return _visible(queryset, pk=takedown_id, user=user)


def takedown_events(*, notice: TakedownNotice) -> QuerySet:
    return notice.events.select_related("actor")


def takedowns_for_moderation() -> QuerySet[TakedownNotice]:
    """Reported court actions first, then the newest notices."""
    return TakedownNotice.objects.select_related("listing", "claimant", "respondent").order_by(
        F("court_action_at").desc(nulls_last=True), "-created_at"
    )


def takedown_pending_for_listing(*, listing_id) -> TakedownNotice | None:
    return (
        TakedownNotice.objects.filter(listing_id=listing_id, status__in=ACTIVE_TAKEDOWN_STATUSES)
        .order_by("created_at")
        .first()
    )


def takedown_withheld_reason(*, listing_id) -> str | None:
    """What the public reads on a listing a notice took down, or None."""
    latest = TakedownNotice.objects.filter(listing_id=listing_id).order_by("-created_at").first()
    if latest is None:
        return None
    if latest.is_active:
        return PUBLIC_REASON
    if latest.status == TakedownStatus.UPHELD:
        return "removed after a copyright notice"
    return None


def takedowns_for_user(*, user) -> QuerySet[TakedownNotice]:
    """Notices the user filed or received, newest first."""
    return (
        TakedownNotice.objects.filter(Q(claimant=user) | Q(respondent=user))
        .select_related("listing")
        .order_by("-created_at")
    )


def artist_claims_for_user(*, user) -> QuerySet[ArtistClaim]:
    return (
        ArtistClaim.objects.filter(Q(claimant=user) | Q(respondent=user))
        .select_related("style")
        .order_by("-created_at")
    )


def artist_claim_visible(*, claim_id, user) -> ArtistClaim | None:
    queryset = ArtistClaim.objects.select_related("claimant", "respondent", "style", "piece")
    return _visible(queryset, pk=claim_id, user=user)


def artist_claims_open() -> QuerySet[ArtistClaim]:
    return ArtistClaim.objects.filter(status=ArtistClaimStatus.OPEN).select_related(
        "claimant", "style", "piece"
    )


def style_banners(*, style_id) -> list[str]:
    """The public banners moderators put on a style, oldest first."""
    return list(
        ArtistClaim.objects.filter(style_id=style_id)
        .exclude(banner_text="")
        .order_by("created_at")
        .values_list("banner_text", flat=True)
    )


def verified_artist(*, user) -> VerifiedArtist | None:
    return VerifiedArtist.objects.filter(user_id=getattr(user, "pk", None)).first()


def takedowns_export_data(*, user) -> dict[str, list[dict]]:
    """A user's notices (filed or received) and artist claims, for their data export."""
    parties = Q(claimant=user) | Q(respondent=user)
    notices, claims = TakedownNotice.objects.filter(parties), ArtistClaim.objects.filter(parties)
    return {
        "takedown_notices": export_rows(
            notices.order_by("created_at"),
            "id",
            "status",
            "listing_id",
            "claimant_id",
            "respondent_id",
            "work_description",
            "infringing_material",
            "counter_material",
            "court_case_reference",
            "created_at",
            "countered_at",
            "restore_due_at",
            "closed_at",
        ),
        "artist_claims": export_rows(
            claims.order_by("created_at"),
            "id",
            "kind",
            "status",
            "style_id",
            "piece_id",
            "artist_name",
            "statement",
            "evidence_links",
            "banner_text",
            "created_at",
        ),
    }
