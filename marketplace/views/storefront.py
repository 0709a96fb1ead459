"""Creator storefront (public), creator dashboard and the buyer's library."""

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from commissions.selectors import commissions_in_progress, earnings_per_style
from core.pagecache import anonymous_page_cache
from marketplace.selectors.library import library_for_buyer
from marketplace.selectors.listings import (
    dashboard_listings,
    dashboard_stats,
    favourite_ids,
    storefront_creator,
    storefront_listings,
)
from payments.selectors import creator_sales_summary

PAGE_SIZE = 24


@require_GET
@anonymous_page_cache()
def storefront(request, creator_id):
    creator = storefront_creator(creator_id=creator_id)
    if creator is None:
        raise Http404("No such creator.")
    page = Paginator(storefront_listings(creator=creator), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "creator": creator,
        "page": page,
        "favourites": favourite_ids(user=request.user, listings=page.object_list),
    }
    return render(request, "marketplace/storefront.html", context)


@login_required
@require_GET
def dashboard(request):
    if not request.user.is_creator:
        return redirect("creator_onboarding")
    page = Paginator(dashboard_listings(creator=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    earnings = creator_sales_summary(creator=request.user)
    stats = replace(
        dashboard_stats(creator=request.user),
        sales=earnings["sales"],
        earnings_minor=earnings["earned"],
    )
    context = {
        "page": page,
        "stats": stats,
        "commissions": commissions_in_progress(creator=request.user),
        "style_earnings": earnings_per_style(creator=request.user),
    }
    return render(request, "marketplace/dashboard.html", context)


@login_required
@require_GET
def library(request):
    return render(
        request, "marketplace/library.html", {"items": library_for_buyer(buyer=request.user)}
    )
