"""Input shape for listings: the create/edit form and the browse FilterSet."""

import re
from decimal import Decimal

import django_filters
from django import forms

from core.forms import MoneyField, minor_units
from generation.services.engines import engine_config
from marketplace.hooks import listings_offering_tier, tier_choices
from marketplace.models import (
    MAX_PIECES_PER_LISTING,
    MAX_PRICE_MINOR,
    MAX_TAGS_PER_LISTING,
    MIN_PRICE_MINOR,
    Currency,
    Listing,
    ListingCategory,
    Orientation,
)
from marketplace.selectors.listings import SORTS, listings_search, listings_sort

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
MAX_QUERY_CHARS = 200


def parse_tags(raw: str) -> list[str]:
    """ "Sunset, Oil painting" → ["sunset", "oil-painting"]; raises ValidationError."""
    names: list[str] = []
    for part in raw.split(","):
        name = re.sub(r"\s+", "-", part.strip().lower())
        if not name:
            continue
        if not TAG_RE.match(name):
            raise forms.ValidationError(
                f"“{part.strip()[:40]}” is not a valid tag: use letters, digits, spaces or "
                "hyphens, at most 30 characters."
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS_PER_LISTING:
        raise forms.ValidationError(f"Use at most {MAX_TAGS_PER_LISTING} tags.")
    return names


class PieceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"Seed {obj.seed}, {obj.width} × {obj.height}: {obj.job.prompt[:60]}"


class ListingForm(forms.Form):
    pieces = PieceChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Your pieces not yet in a listing; up to {MAX_PIECES_PER_LISTING}. "
        "The first one is the cover.",
    )
    title = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    tags = forms.CharField(
        max_length=400,
        required=False,
        help_text=f"Comma-separated, up to {MAX_TAGS_PER_LISTING}: e.g. sunset, watercolour.",
    )
    category = forms.ChoiceField(choices=ListingCategory.choices)
    price = MoneyField(
        min_value=Decimal(MIN_PRICE_MINOR).scaleb(-2),
        max_value=Decimal(MAX_PRICE_MINOR).scaleb(-2),
        help_text="The licence price buyers pay (licence tiers come later).",
    )
    currency = forms.ChoiceField(choices=Currency.choices, initial=Currency.USD)

    def __init__(self, *args, pieces_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pieces_queryset is None:
            del self.fields["pieces"]
        else:
            self.fields["pieces"].queryset = pieces_queryset

    @classmethod
    def initial_for(cls, listing: Listing) -> dict:
        return {
            "pieces": [row.piece_id for row in listing.listing_pieces.all()],
            "title": listing.title,
            "description": listing.description,
            "tags": ", ".join(tag.name for tag in listing.tags.all()),
            "category": listing.category,
            "price": Decimal(listing.price_amount) / 100,
            "currency": listing.currency,
        }

    def clean_pieces(self):
        pieces = list(self.cleaned_data["pieces"])
        if len(pieces) > MAX_PIECES_PER_LISTING:
            raise forms.ValidationError(f"A listing holds at most {MAX_PIECES_PER_LISTING} pieces.")
        return pieces

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data["tags"])

    def listing_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "title": data["title"],
            "description": data["description"],
            "tags": data["tags"],
            "category": data["category"],
            "price_amount": minor_units(data["price"]),
            "currency": data["currency"],
        }
        if "pieces" in self.fields:
            kwargs["pieces"] = data["pieces"]
        return kwargs


class BrowseForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The minimum price is above the maximum price.")
        return data


SORT_LABELS = {
    "newest": "Newest",
    "popular": "Popular",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}
SORT_CHOICES = [("relevance", "Best match"), *((key, SORT_LABELS[key]) for key in SORTS)]


class ListingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label="Search", max_length=MAX_QUERY_CHARS
    )
    category = django_filters.ChoiceFilter(
        choices=ListingCategory.choices, empty_label="Any category"
    )
    tag = django_filters.CharFilter(method="filter_tag", label="Tag", max_length=30)
    min_price = django_filters.NumberFilter(
        method="filter_min_price", label="Min price", min_value=0, max_digits=9, decimal_places=2
    )
    max_price = django_filters.NumberFilter(
        method="filter_max_price", label="Max price", min_value=0, max_digits=9, decimal_places=2
    )
    tier = django_filters.ChoiceFilter(
        choices=(), method="filter_tier", empty_label="Any licence", label="Licence"
    )
    engine = django_filters.ChoiceFilter(choices=(), empty_label="Any engine")
    orientation = django_filters.ChoiceFilter(
        choices=Orientation.choices, empty_label="Any orientation"
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_noop", empty_label=None, label="Sort by"
    )

    class Meta:
        model = Listing
        fields = [
            "q",
            "category",
            "tag",
            "min_price",
            "max_price",
            "tier",
            "engine",
            "orientation",
        ]
        form = BrowseForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted(engine_config())
        self.filters["engine"].extra["choices"] = [(name, name.title()) for name in names]
        self.filters["tier"].extra["choices"] = tier_choices()

    def filter_search(self, queryset, name, value):
        return listings_search(queryset, value)

    def filter_tag(self, queryset, name, value):
        tag = re.sub(r"\s+", "-", value.strip().lower())
        return queryset.filter(tags__name=tag) if tag else queryset

    def _bound(self, name: str) -> int | None:
        value = self.form.cleaned_data.get(name)
        return None if value is None else int(value * 100)

    def filter_tier(self, queryset, name, value):
        """With a tier chosen, the price range applies to that tier's price."""
        return listings_offering_tier(
            queryset,
            tier_code=value,
            min_price=self._bound("min_price"),
            max_price=self._bound("max_price"),
        )

    def filter_min_price(self, queryset, name, value):
        if self.form.cleaned_data.get("tier"):
            return queryset  # applied to the tier's own price in filter_tier
        return queryset.filter(price_amount__gte=self._bound(name))

    def filter_max_price(self, queryset, name, value):
        if self.form.cleaned_data.get("tier"):
            return queryset
        return queryset.filter(price_amount__lte=self._bound(name))

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        searching = bool((data.get("q") or "").strip())
        return listings_sort(queryset, sort=data.get("sort") or "", searching=searching)
