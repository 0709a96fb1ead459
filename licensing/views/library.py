"""The buyer's library: every licence they hold, with its download and certificate."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from licensing.selectors.library import library_for_buyer


@login_required
@require_GET
def library(request):
    return render(
        request, "licensing/library.html", {"items": library_for_buyer(buyer=request.user)}
    )
