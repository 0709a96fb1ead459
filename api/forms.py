from django import forms

from api.models import SCOPE_CHOICES, SCOPE_READ


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="Where you will use it, e.g. “render script on my laptop”."
    )
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=[SCOPE_READ]
    )
