"""Input shape of image-to-image from an uploaded picture; the rules are the service's
(generation.services.uploads)."""

from django import forms

from generation.engines import parse_size
from generation.forms.jobs import CommissionForm
from generation.services.uploads import UploadSpec

AUTO_SIZE = ""


class UploadCommissionForm(CommissionForm):
    """The commission form without a count (one image per upload), with the picture and how
    far to move from it; the size may follow the picture's shape."""

    image = forms.FileField(
        label="Your picture",
        help_text="PNG, JPEG or WebP, up to 8 MB and 4096 × 4096 pixels. It is scaled to cover "
        "the chosen size and cropped around its centre.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    strength = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=0.6,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="0 keeps your picture, 1 repaints it completely.",
    )

    field_order = ["image", "prompt", "strength", "negative_prompt", "engine", "size"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["count"]
        size = self.fields["size"]
        size.required = False
        size.choices = [(AUTO_SIZE, "Closest to the picture's shape"), *size.choices]
        size.initial = AUTO_SIZE
        size.help_text = "Width × height in pixels of the new image."
        self.fields["prompt"].help_text = "Describe what the picture should become."

    def clean_size(self) -> tuple[int, int] | None:
        value = self.cleaned_data["size"]
        if value == AUTO_SIZE:
            return None
        try:
            return parse_size(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def upload_spec(self) -> UploadSpec:
        data = self.cleaned_data
        return UploadSpec(
            prompt=data["prompt"],
            negative_prompt=data["negative_prompt"],
            strength=data["strength"],
            engine=data["engine"],
            size=data["size"],
            steps=data["steps"],
            seed=data["seed"],
        )
