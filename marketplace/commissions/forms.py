"""Input shape for commissions; the rules live in the services."""

from django import forms

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


class BriefForm(forms.Form):
    brief = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    deadline = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="When you need the work by.",
    )
    budget = forms.DecimalField(min_value=0, max_digits=9, decimal_places=2)
    references = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text="Optional reference images (PNG, JPEG, WebP, GIF; up to 4).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["references"].widget.allow_multiple_selected = True
        self.fields["references"].widget.attrs["multiple"] = True

    def clean_references(self):
        return None  # the view passes every uploaded file to the service, which checks them

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "brief": data["brief"],
            "deadline": data["deadline"],
            "budget_amount": int(data["budget"] * 100),
        }
