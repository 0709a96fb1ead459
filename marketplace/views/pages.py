from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.pagecache import anonymous_page_cache
from marketplace.selectors.listings import listings_newest

HOME_LISTINGS = 8


@require_GET
@anonymous_page_cache()
def home(request):
    return render(request, "home.html", {"newest": listings_newest(limit=HOME_LISTINGS)})
