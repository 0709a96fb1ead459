from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.pagecache import anonymous_page_cache
from marketplace.selectors.follows import feed_for
from marketplace.selectors.listings import favourite_ids, listings_newest

HOME_LISTINGS = 8


@require_GET
@anonymous_page_cache()
def home(request):
    """Signed out: the newest listings. Signed in: the feed of whom one follows (a page per
    `cursor`), or what is popular while it is empty."""
    if not request.user.is_authenticated:
        return render(request, "home.html", {"newest": listings_newest(limit=HOME_LISTINGS)})
    feed = feed_for(request.user, cursor=request.GET.get("cursor"))
    context = {
        "feed": feed,
        "favourites": favourite_ids(user=request.user, listings=feed.listings),
        "cursor": request.GET.get("cursor", ""),
    }
    return render(request, "home.html", context)
