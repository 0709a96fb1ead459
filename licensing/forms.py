"""Input shapes: creator licence offers, admin revocation."""

from decimal import Decimal

from django import forms

from core.forms import MoneyField, minor_units
from marketplace.models import MAX_PRICE_MINOR, MIN_PRICE_MINOR


class LicenceOffersForm(forms.Form):
    """One optional price per active tier, in major units (blank = not offered)."""

    def __init__(self, *args, offers, tiers, **kwargs):
        initial = {offer.tier.code: Decimal(offer.price_amount).scaleb(-2) for offer in offers}
        super().__init__(*args, initial=initial, **kwargs)
        self.tiers = list(tiers)
        for tier in self.tiers:
            self.fields[tier.code] = MoneyField(
                label=f"{tier.name} price",
                required=False,
                min_value=Decimal(MIN_PRICE_MINOR).scaleb(-2),
                max_value=Decimal(MAX_PRICE_MINOR).scaleb(-2),
                help_text=getattr(getattr(tier, "current_terms", None), "summary", ""),
            )

    def clean(self):
        data = super().clean()
        if self.tiers and all(data.get(tier.code) is None for tier in self.tiers):
            raise forms.ValidationError("Offer at least one licence tier (set its price).")
        return data

    def offers_minor(self) -> dict[str, int | None]:
        return {
            tier.code: (
                None
                if self.cleaned_data.get(tier.code) is None
                else minor_units(self.cleaned_data[tier.code])
            )
            for tier in self.tiers
        }


class GrantRevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), label="Reason"
    )
