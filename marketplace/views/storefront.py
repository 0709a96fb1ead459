"""Creator storefront (public)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.pagecache import anonymous_page_cache
from marketplace.selectors.follows import is_following_creator
from marketplace.selectors.listings import (
    favourite_ids,
    storefront_creator,
    storefront_listings,
)

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
        "is_following": is_following_creator(user=request.user, creator_id=creator.pk),
    }
    return render(request, "marketplace/storefront.html", context)
