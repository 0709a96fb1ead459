"""Input shape for commissions; the rules live in the services."""

from django import forms

from core.forms import MoneyField, UUIDListField, minor_units
from generation.engines.base import MAX_NEGATIVE_PROMPT_CHARS, MAX_PROMPT_CHARS
from generation.models import MAX_IMAGES_PER_JOB


class InstantCommissionForm(forms.Form):
    prompt = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "a lighthouse on a cliff"}),
        help_text="What to depict; the creator's style decides how it looks.",
    )
    negative_prompt = forms.CharField(
        max_length=MAX_NEGATIVE_PROMPT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    count = forms.IntegerField(min_value=1, max_value=MAX_IMAGES_PER_JOB, initial=1)
    pay_with = forms.ChoiceField(
        label="Pay with",
        choices=[("card", "Card (checkout)"), ("credit", "Prepaid credit")],
        initial="card",
        required=False,  # card unless credit is chosen
        widget=forms.RadioSelect,
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("prompt", "negative_prompt", "count")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each must be non-empty.
    What a file really is gets checked by the service (sniffed, bounded, re-encoded)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class BriefForm(forms.Form):
    brief = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    deadline = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="When you need the work by.",
    )
    budget = MoneyField()
    references = MultipleFileField(
        required=False,
        help_text="Optional reference images (PNG, JPEG, WebP, GIF; up to 4, 8 MB each). "
        "Only you and the creator can see them.",
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "brief": data["brief"],
            "deadline": data["deadline"],
            "budget_amount": minor_units(data["budget"]),
            "references": data["references"],
        }


class BriefActionForm(forms.Form):
    """What a brief's action buttons post: a quote in major units, the creator's own pieces
    to deliver, a note. Which of them an action needs is the service's rule."""

    quote = MoneyField(required=False)
    pieces = UUIDListField(required=False)
    note = forms.CharField(required=False, max_length=2000)

    def quote_amount(self) -> int | None:
        quote = self.cleaned_data["quote"]
        return None if quote is None else minor_units(quote)
