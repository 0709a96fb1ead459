"""Disputes' panels on the pages of lower floors (registered in DisputesConfig.ready)."""

from core import panels
from disputes.models import Dispute
from disputes.selectors.takedowns import style_banners, takedown_pending_for_listing
from marketplace.models import ListingStatus


def commission_disputes(request, commission) -> dict:
    """Both parties see the commission's cases; the buyer may open one while none is active
    and delivery is still disputable (the dispute service decides for real)."""
    disputes = list(Dispute.objects.filter(commission=commission).order_by("-created_at"))
    is_buyer = commission.buyer_id == request.user.pk
    can_dispute = (
        is_buyer and not any(d.is_active for d in disputes) and commission.delivery_disputable()
    )
    return {"commission": commission, "disputes": disputes, "can_dispute": can_dispute}


def listing_report(request, listing) -> dict | None:
    if request.user.is_authenticated and listing.creator_id == request.user.pk:
        return None
    return {"listing": listing}


def listing_takedown(request, listing) -> dict | None:
    """Anyone but the creator may send a copyright notice about a listing on sale; on a
    suspended one, the creator, the claimant and moderators see the pending notice."""
    user = request.user
    if listing.status == ListingStatus.PUBLISHED:
        return None if user.pk == listing.creator_id else {"listing": listing, "notice": None}
    if listing.status != ListingStatus.SUSPENDED or not user.is_authenticated:
        return None
    notice = takedown_pending_for_listing(listing_id=listing.pk)
    if notice is None:
        return None
    if user.is_moderator or user.pk in (listing.creator_id, notice.claimant_id):
        return {"listing": listing, "notice": notice}
    return None


def style_claims(request, style) -> dict:
    """Moderators' public banners, and a way for an artist to raise a claim."""
    return {"style": style, "banners": style_banners(style_id=style.id)}


def _report(request, *, kind: str, target_id, owner_id, label: str) -> dict | None:
    """A "Report" link for everyone but the owner."""
    if request.user.is_authenticated and owner_id == request.user.pk:
        return None
    return {"kind": kind, "target_id": target_id, "label": label}


def style_report(request, style) -> dict | None:
    if style.status != "published":
        return None
    return _report(
        request, kind="style", target_id=style.id, owner_id=style.creator_id, label="this style"
    )


def piece_report(request, piece) -> dict | None:
    return _report(
        request, kind="piece", target_id=piece.pk, owner_id=piece.owner_id, label="this piece"
    )


def storefront_report(request, creator) -> dict | None:
    return _report(
        request,
        kind="storefront",
        target_id=creator.pk,
        owner_id=creator.pk,
        label="this storefront",
    )


def order_line_report(request, line) -> dict:
    return {"line": line}


def account_disputes(request, user) -> dict | None:
    return {} if request.user.is_authenticated else None


def moderation_back(request, obj) -> dict:
    return {}


def connect() -> None:
    panels.register(
        "commission_detail",
        template="disputes/panels/commission.html",
        context=commission_disputes,
    )
    panels.register(
        "listing_detail", template="disputes/panels/listing_report.html", context=listing_report
    )
    report = "disputes/panels/report_link.html"
    panels.register("style_detail", template=report, context=style_report)
    panels.register("piece_detail", template=report, context=piece_report)
    panels.register("storefront", template=report, context=storefront_report)
    panels.register(
        "listing_detail",
        template="disputes/panels/listing_takedown.html",
        context=listing_takedown,
    )
    panels.register(
        "style_banner", template="disputes/panels/style_claims.html", context=style_claims
    )
    panels.register(
        "order_line", template="disputes/panels/order_line_report.html", context=order_line_report
    )
    panels.register(
        "account_links", template="disputes/panels/account_link.html", context=account_disputes
    )
    panels.register(
        "moderation_nav", template="disputes/panels/moderation_back.html", context=moderation_back
    )
