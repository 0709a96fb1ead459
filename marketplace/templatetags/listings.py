from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(amount_minor, currency="USD"):
    """12550, "USD" → "$125.50" (minor units to a display string)."""
    try:
        amount = int(amount_minor)
    except (TypeError, ValueError):
        return ""
    symbol = SYMBOLS.get(currency, "")
    text = f"{amount // 100:,}.{amount % 100:02d}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def _card(listing, favourites) -> str:
    cover = listing.cover
    image = (
        format_html(
            '<img src="{}" alt="AI-generated artwork: {}" width="{}" height="{}" loading="lazy">',
            cover.preview.url,
            listing.title,
            cover.width,
            cover.height,
        )
        if cover is not None
        else ""
    )
    favourite = (
        format_html('<span class="fav" aria-label="In your favourites">♥</span>')
        if listing.pk in favourites
        else ""
    )
    return format_html(
        '<li class="listing-card"><a href="{}" class="listing-link">{}'
        '<span class="listing-title">{}</span></a><div class="listing-meta">'
        '<span class="price">{}</span> <a href="{}" class="muted">{}</a>{}</div></li>\n',
        reverse("listing_detail", args=[listing.pk]),
        image,
        listing.title,
        money(listing.price_amount, listing.currency),
        reverse("storefront", args=[listing.creator_id]),
        listing.creator.public_name,
        favourite,
    )


@register.simple_tag
def listing_cards(listings, favourites=()):
    """The grid's cards, rendered in Python: a 24-card page costs ~1 ms instead of ~10 ms
    through an included template per card."""
    favourites = favourites or ()
    return format_html_join("", "{}", ((_card(listing, favourites),) for listing in listings))
