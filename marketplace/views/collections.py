"""Thin views for collections: your collections, a collection's page (public ones shareable
by URL; a private one is a 404 to everyone but its owner), create/edit/delete, add a listing
from its page (htmx fragment or a redirect without JS), remove and reorder items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from core.ratelimits import RateLimited
from marketplace.forms.collections import (
    CollectionAddForm,
    CollectionForm,
    CollectionMoveForm,
    CollectionOrderForm,
)
from marketplace.models import ListingStatus
from marketplace.selectors.collections import (
    collection_choices,
    collection_items,
    collection_owned,
    collection_visible,
    collections_of,
    listing_for_collecting,
)
from marketplace.services.collections import (
    collection_add_listing,
    collection_create,
    collection_delete,
    collection_move_item,
    collection_remove_item,
    collection_reorder,
    collection_update,
)

PAGE_SIZE = 48
PUBLISHED = ListingStatus.PUBLISHED


def _owned_or_404(request, collection_id):
    collection = collection_owned(collection_id=collection_id, owner=request.user)
    if collection is None:
        raise Http404("No such collection.")
    return collection


def _status(request, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


@login_required
@require_GET
def mine(request):
    context = {"collections": collections_of(owner=request.user)}
    return render(request, "marketplace/collection_list.html", context)


def _first_listing(request, form):
    """The listing to add first (the form's hidden `listing`), or None; a form error when
    it names one the visitor cannot see."""
    listing_id = form.cleaned_data.get("listing")
    if listing_id is None:
        return None
    listing = listing_for_collecting(listing_id=listing_id, viewer=request.user)
    if listing is None:
        raise ApplicationError("That listing is not available.", field="title")
    return listing


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    initial = {"listing": request.GET.get("listing", "")}
    form = CollectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            collection = collection_create(
                owner=request.user,
                listing=_first_listing(request, form),
                **form.collection_kwargs(),
            )
        except RateLimited:
            raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"Collection “{collection.title}” created.")
            return redirect("collection_detail", collection_id=collection.pk)
    context = {"form": form, "creating": True}
    return render(
        request, "marketplace/collection_form.html", context, status=_status(request, form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, collection_id):
    collection = _owned_or_404(request, collection_id)
    initial = {name: getattr(collection, name) for name in CollectionForm.Meta.fields}
    form = CollectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            collection_update(collection=collection, actor=request.user, **form.collection_kwargs())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Collection saved.")
            return redirect("collection_detail", collection_id=collection.pk)
    context = {"form": form, "collection": collection}
    return render(
        request, "marketplace/collection_form.html", context, status=_status(request, form)
    )


@login_required
@require_POST
def delete(request, collection_id):
    collection = _owned_or_404(request, collection_id)
    collection_delete(collection=collection, actor=request.user)
    messages.success(request, f"Collection “{collection.title}” deleted.")
    return redirect("collections_mine")


def _detail(request, collection, *, error: str = "", status: int = 200):
    is_owner = request.user.is_authenticated and request.user.pk == collection.owner_id
    items = collection_items(collection=collection, include_hidden=is_owner)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "collection": collection,
        "page": page,
        "listings": [item.listing for item in page if item.listing.status == PUBLISHED],
        "is_owner": is_owner,
        "share_url": request.build_absolute_uri(reverse("collection_detail", args=[collection.pk])),
        "error": error,
    }
    return render(request, "marketplace/collection_detail.html", context, status=status)


@require_GET
def detail(request, collection_id):
    collection = collection_visible(collection_id=collection_id, viewer=request.user)
    if collection is None:
        raise Http404("No such collection.")
    return _detail(request, collection)


def _back(collection, request):
    page = request.POST.get("page", "")
    url = reverse("collection_detail", args=[collection.pk])
    return redirect(f"{url}?page={page}" if page.isascii() and page.isdigit() else url)


@login_required
@require_POST
def item_remove(request, collection_id, item_id):
    collection = _owned_or_404(request, collection_id)
    try:
        collection_remove_item(collection=collection, actor=request.user, item_id=item_id)
    except ApplicationError as error:
        raise Http404(error.message) from None
    messages.success(request, "Removed from the collection.")
    return _back(collection, request)


@login_required
@require_POST
def item_move(request, collection_id, item_id):
    collection = _owned_or_404(request, collection_id)
    form = CollectionMoveForm(request.POST)
    if not form.is_valid():
        return _detail(request, collection, error="Move an item up or down.", status=400)
    try:
        collection_move_item(
            collection=collection,
            actor=request.user,
            item_id=item_id,
            direction=form.cleaned_data["direction"],
        )
    except ApplicationError as error:
        raise Http404(error.message) from None
    return _back(collection, request)


@login_required
@require_POST
def reorder(request, collection_id):
    """Set the whole order at once (`items` repeated, first to last): for scripts and
    drag-and-drop clients; the page itself moves one item at a time."""
    collection = _owned_or_404(request, collection_id)
    form = CollectionOrderForm(request.POST)
    if not form.is_valid():
        error = " ".join(message for errors in form.errors.values() for message in errors)
        return _detail(request, collection, error=f"Order not saved: {error}", status=400)
    try:
        collection_reorder(
            collection=collection, actor=request.user, item_ids=form.cleaned_data["items"]
        )
    except ApplicationError as error:
        return _detail(request, collection, error=f"Order not saved: {error.message}", status=400)
    messages.success(request, "Order saved.")
    return _back(collection, request)


@login_required
@require_POST
def listing_add(request, listing_id):
    """Add a listing to one of your collections, from the listing's page."""
    listing = listing_for_collecting(listing_id=listing_id, viewer=request.user)
    if listing is None:
        raise Http404("No such listing.")
    collections = collection_choices(owner=request.user)
    form = CollectionAddForm(request.POST, collections=collections)
    added = None
    if form.is_valid():
        collection = form.cleaned_data["collection"]
        try:
            collection_add_listing(collection=collection, actor=request.user, listing=listing)
        except RateLimited:
            raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            added = collection
    htmx = bool(request.headers.get("HX-Request"))
    if added is not None and not htmx:
        messages.success(request, f"Added to “{added.title}”.")
        return redirect("listing_detail", listing_id=listing.pk)
    context = {"listing": listing, "collections": collections, "add_form": form, "added": added}
    if htmx:  # htmx swaps 2xx answers only: the fragment carries the error itself
        return render(request, "marketplace/_collection_add.html", context)
    return render(request, "marketplace/collection_add.html", context, status=400)
