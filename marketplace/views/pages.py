from django.shortcuts import render

from marketplace.selectors.listings import listings_newest

HOME_LISTINGS = 8


def home(request):
    return render(request, "home.html", {"newest": listings_newest(limit=HOME_LISTINGS)})
