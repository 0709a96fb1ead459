"""Thin views for listings: browse, detail, create/edit, publish/unpublish, favourites."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from core.pagecache import anonymous_page_cache
from marketplace.decorators import verified_email_required
from marketplace.forms.listings import ListingFilter, ListingForm
from marketplace.hooks import withheld_reason
from marketplace.models import ListingStatus
from marketplace.selectors.collections import collection_choices
from marketplace.selectors.derivatives import listing_credits
from marketplace.selectors.listings import (
    cached_count,
    favourite_ids,
    listing_detail,
    listing_for_creator,
    listing_suspended,
    listings_public,
    more_like_this,
    pieces_available_for_listing,
    public_prompt,
    user_favourites,
)
from marketplace.services.engagement import (
    favourite_toggle,
    listing_count_view,
    listing_record_view,
)
from marketplace.services.listings import (
    listing_create,
    listing_publish,
    listing_unpublish,
    listing_update,
)

PAGE_SIZE = 24


class CachedCountPaginator(Paginator):
    """Browse pages count matches once per filter state per COUNT_CACHE_SECONDS, not per
    request (every page and sort order of one search shares the count)."""

    def __init__(self, object_list, per_page, *, count_key: str):
        super().__init__(object_list, per_page)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list, key=self.count_key)


def _status(request, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _creator_or_403(request):
    if not request.user.is_creator:
        messages.info(request, "Set up your creator profile to list and sell work.")
        return redirect("creator_onboarding")
    return None


@require_GET
@anonymous_page_cache()
def browse(request):
    filterset = ListingFilter(request.GET, queryset=listings_public())
    valid = filterset.is_valid()
    if valid:
        listings = filterset.qs
        filters = {k: v for k, v in filterset.form.cleaned_data.items() if k != "sort"}
        paginator = CachedCountPaginator(
            listings, PAGE_SIZE, count_key=repr(sorted(filters.items()))
        )
    else:
        paginator = Paginator(listings_public().none(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "favourites": favourite_ids(user=request.user, listings=page.object_list),
        "query": query.urlencode(),
        "unknown_filters": sorted(set(query) - set(filterset.filters))[:10],
    }
    return render(request, "marketplace/browse.html", context, status=200 if valid else 400)


def _detail_or_404(request, listing_id):
    listing = listing_detail(listing_id=listing_id, viewer=request.user)
    if listing is None:
        raise Http404("No such listing.")
    return listing


def _withheld(request, listing_id):
    """451 with the public reason when a suspended listing is withheld for a legal notice."""
    listing = listing_suspended(listing_id=listing_id)
    reason = withheld_reason(listing) if listing is not None else None
    if reason is None:
        raise Http404("No such listing.")
    context = {"listing": listing, "reason": reason}
    return render(request, "marketplace/listing_unavailable.html", context, status=451)


def commission_similar_url(listing, prompt: str) -> str:
    cover = listing.cover
    params = {
        "prompt": prompt or f"{listing.title}, {', '.join(t.name for t in listing.tags.all())}",
        "from_listing": str(listing.pk),
    }
    if cover is not None:
        params["size"] = f"{cover.width}x{cover.height}"
    return reverse("commission") + "?" + urlencode(params)


def _count_cached_view(request, listing_id) -> None:
    listing_count_view(listing_id=listing_id)


@require_GET
@anonymous_page_cache(on_hit=_count_cached_view)
def detail(request, listing_id):
    listing = listing_detail(listing_id=listing_id, viewer=request.user)
    if listing is None:
        return _withheld(request, listing_id)
    if listing.is_public:
        listing_record_view(listing=listing, viewer=request.user)
    prompt = public_prompt(listing)
    context = {
        "listing": listing,
        "prompt": prompt,
        "is_owner": request.user.is_authenticated and request.user.pk == listing.creator_id,
        "is_favourite": bool(favourite_ids(user=request.user, listings=[listing])),
        "commission_url": commission_similar_url(listing, prompt),
        "derived_from": listing_credits(listing=listing),
        "collections": _collections_for(request, listing),
    }
    return render(request, "marketplace/listing_detail.html", context)


def _collections_for(request, listing) -> list:
    """The viewer's collections for the "Add to collection" control (published listings)."""
    if listing.status != ListingStatus.PUBLISHED:
        return []
    return list(collection_choices(owner=request.user))


@require_GET
@anonymous_page_cache()
def similar(request, listing_id):
    """ "More like this": an htmx fragment on the detail page, a page of its own without JS."""
    listing = _detail_or_404(request, listing_id)
    context = {"listing": listing, "similar": more_like_this(listing=listing)}
    if request.headers.get("HX-Request"):
        return render(request, "marketplace/_similar.html", context)
    return render(request, "marketplace/listing_similar.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if (response := _creator_or_403(request)) is not None:
        return response
    available = pieces_available_for_listing(creator=request.user)
    initial = {}
    wanted = request.GET.get("piece", "")
    if wanted:
        if _is_uuid(wanted) and available.filter(pk=wanted).exists():
            initial["pieces"] = [wanted]
        else:
            messages.warning(request, "That piece is not yours or is already in a listing.")
    form = ListingForm(request.POST or None, pieces_queryset=available, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            listing = listing_create(creator=request.user, **form.listing_kwargs())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Draft saved. Publish it when you are ready.")
            return redirect("listing_edit", listing_id=listing.pk)
    context = {"form": form, "creating": True}
    return render(request, "marketplace/listing_form.html", context, status=_status(request, form))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _own_listing_or_404(request, listing_id):
    listing = listing_for_creator(creator=request.user, listing_id=listing_id)
    if listing is None:
        raise Http404("No such listing.")
    return listing


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, listing_id):
    listing = _own_listing_or_404(request, listing_id)
    pieces = None
    if not listing.pieces_locked:
        pieces = pieces_available_for_listing(creator=request.user, listing=listing)
    form = ListingForm(
        request.POST or None, pieces_queryset=pieces, initial=ListingForm.initial_for(listing)
    )
    if request.method == "POST" and form.is_valid():
        try:
            listing = listing_update(listing=listing, actor=request.user, **form.listing_kwargs())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Listing saved.")
            return redirect("listing_edit", listing_id=listing.pk)
    context = {"form": form, "listing": listing, "events": listing.events.select_related("actor")}
    return render(request, "marketplace/listing_form.html", context, status=_status(request, form))


@verified_email_required
@require_POST
def publish(request, listing_id):
    listing = _own_listing_or_404(request, listing_id)
    try:
        listing = listing_publish(listing=listing, actor=request.user)
    except ApplicationError as error:
        messages.error(request, f"Not published: {error.message}")
        return redirect("listing_edit", listing_id=listing.pk)
    messages.success(request, "Published: buyers can now find this listing.")
    return redirect("listing_detail", listing_id=listing.pk)


@login_required
@require_POST
def unpublish(request, listing_id):
    listing = _own_listing_or_404(request, listing_id)
    try:
        listing_unpublish(
            listing=listing, actor=request.user, reason=request.POST.get("reason", "")[:1000]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Unpublished: the listing is a draft again.")
    return redirect("listing_edit", listing_id=listing.pk)


@login_required
@require_POST
def favourite(request, listing_id):
    listing = _detail_or_404(request, listing_id)
    try:
        state = favourite_toggle(user=request.user, listing=listing)
    except ApplicationError as error:
        raise Http404(error.message) from None
    if request.headers.get("HX-Request"):
        context = {"listing": listing, "is_favourite": state}
        return render(request, "marketplace/_favourite_button.html", context)
    messages.success(request, "Saved to favourites." if state else "Removed from favourites.")
    return redirect("listing_detail", listing_id=listing.pk)


@login_required
@require_GET
def favourites(request):
    page = Paginator(user_favourites(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "favourites": {listing.pk for listing in page.object_list}}
    return render(request, "marketplace/favourites.html", context)
