"""Your pieces, the public catalogue, and your licences (read scope)."""

import uuid

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Status

from api.auth import require_scope
from api.errors import ERRORS
from api.models import SCOPE_READ
from api.pagination import DEFAULT_LIMIT, paginate
from api.presenters import absolute, piece_out
from api.schemas import LicencePage, ListingPage, PiecePage
from generation.models import Piece
from generation.selectors.pieces import pieces_for_owner
from licensing.selectors.grants import grant_for_licensee, grants_for_licensee
from licensing.services.certificates import certificate_pdf, certificate_verify_url
from marketplace.models import ListingCategory
from marketplace.selectors.listings import listings_published_full, listings_search

router = Router(tags=["catalogue"])


@router.get("/pieces", response={200: PiecePage, **ERRORS}, summary="List your pieces")
def list_pieces(
    request: HttpRequest,
    job: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    """Your images, newest first: preview links, and signed original links (minutes)."""
    require_scope(request, SCOPE_READ)
    pieces = pieces_for_owner(owner=request.user)
    if job is not None:
        pieces = pieces.filter(job_id=job)
    page = paginate(pieces, cursor=cursor, limit=limit, field="created_at")
    items = [piece_out(request, piece, entitled=True) for piece in page.items]
    return Status(200, {"items": items, "next_cursor": page.next_cursor})


def _listing_out(request: HttpRequest, listing) -> dict:
    cover = listing.cover
    return {
        "id": listing.pk,
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "orientation": listing.orientation,
        "engine": listing.engine,
        "tags": [tag.name for tag in listing.tags.all()],
        "creator": listing.creator.public_name,
        "price_amount": listing.price_amount,
        "currency": listing.currency,
        "published_at": listing.published_at,
        "cover_preview_url": absolute(request, cover.preview.url) if cover else None,
        "web_url": absolute(request, reverse("listing_detail", args=[listing.pk])),
    }


@router.get("/listings", response={200: ListingPage, **ERRORS}, summary="Browse listings")
def list_listings(
    request: HttpRequest,
    q: str | None = None,
    category: ListingCategory | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    """Published listings, newest first; `q` searches titles, descriptions, tags and prompts."""
    require_scope(request, SCOPE_READ)
    listings = listings_published_full()
    if category:
        listings = listings.filter(category=category)
    if q and q.strip():
        listings = listings_search(listings, q.strip()[:200])
    page = paginate(listings, cursor=cursor, limit=limit, field="published_at")
    items = [_listing_out(request, listing) for listing in page.items]
    return Status(200, {"items": items, "next_cursor": page.next_cursor})


def _licence_out(request: HttpRequest, grant) -> dict:
    active = grant.status == "active"
    return {
        "id": grant.pk,
        "status": grant.status,
        "tier": grant.tier.code,
        "exclusive": grant.exclusive,
        "terms_version": grant.terms_version,
        "price_amount": grant.price_amount,
        "currency": grant.currency,
        "issued_at": grant.issued_at,
        "listing": grant.listing_id,
        "pieces": [piece_out(request, piece, entitled=active) for piece in grant.pieces.all()],
        "certificate_pdf_url": absolute(
            request, reverse("api-1:licence_certificate", args=[grant.pk])
        ),
        "certificate_verify_url": absolute(request, certificate_verify_url(grant.certificate.pk)),
    }


@router.get("/licences", response={200: LicencePage, **ERRORS}, summary="List your licences")
def list_licences(request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT):
    require_scope(request, SCOPE_READ)
    grants = grants_for_licensee(user=request.user).prefetch_related(
        Prefetch("pieces", queryset=Piece.objects.order_by("index"))
    )
    page = paginate(grants, cursor=cursor, limit=limit, field="issued_at")
    items = [_licence_out(request, grant) for grant in page.items]
    return Status(200, {"items": items, "next_cursor": page.next_cursor})


@router.get(
    "/licences/{grant_id}/certificate.pdf",
    response={200: None, **ERRORS},
    url_name="licence_certificate",
    summary="Download a licence certificate (PDF)",
)
def licence_certificate(request: HttpRequest, grant_id: uuid.UUID):
    require_scope(request, SCOPE_READ)
    grant = grant_for_licensee(grant_id=grant_id, user=request.user)
    if grant is None:
        raise Http404("No such licence.")
    response = HttpResponse(certificate_pdf(grant=grant), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{grant.certificate.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
