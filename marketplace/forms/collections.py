"""Input shapes for collections; the rules (limits, duplicates, published only) live in
marketplace.services.collections."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import IdField
from marketplace.models import Collection


class CollectionForm(forms.ModelForm):
    """Create or edit: title, description, visibility. `listing` (hidden) is the listing to
    add first, when the form was opened from a listing's page."""

    listing = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Collection
        fields = ["title", "description", "is_public"]
        labels = {"is_public": "Public: anyone with the link can see it"}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "description": "Optional, up to 1,000 characters.",
            "is_public": "Private collections are visible to you alone.",
        }

    def collection_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "is_public": data["is_public"],
        }


class OwnCollectionField(forms.ModelChoiceField):
    """One of the visitor's collections; a malformed id reads like any other wrong one."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class CollectionAddForm(forms.Form):
    """Which of your collections a listing goes into."""

    collection = OwnCollectionField(
        queryset=Collection.objects.none(),
        empty_label=None,
        label="Add to collection",
        error_messages={"invalid_choice": "Choose one of your collections."},
    )

    def __init__(self, *args, collections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = collections


class CollectionMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class ItemIdsField(forms.Field):
    """Item ids from one repeated name, in the order sent; each a well-formed row id."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, (list, tuple)) else [value] if value else []
        return [IdField().clean(item) for item in values]


class CollectionOrderForm(forms.Form):
    """A full order: every item id of the collection once, first to last."""

    items = ItemIdsField()
