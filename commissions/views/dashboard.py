"""The creator dashboard: listings, sales, open commissions and earnings per style."""

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from commissions.selectors import commissions_in_progress, earnings_per_style
from marketplace.selectors.listings import dashboard_listings, dashboard_stats
from payments.selectors import creator_sales_summary

PAGE_SIZE = 24


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
    return render(request, "commissions/dashboard.html", context)
