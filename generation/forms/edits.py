"""Input shape of an edit (one form per kind on the piece's edit page); the rules are the
service's (generation.services.edits)."""

import base64
import binascii

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.engines import MAX_PROMPT_CHARS, UPSCALE_FACTORS
from generation.services.edits import MASK_MAX_BYTES

FIELDS = {
    "variation": ("strength",),
    "image": ("strength", "prompt"),
    "inpaint": ("strength", "prompt", "mask", "mask_data"),
    "upscale": ("upscale",),
}
PNG_DATA_URL = "data:image/png;base64,"


class EditForm(forms.Form):
    strength = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=0.5,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="0 keeps the picture, 1 repaints it completely.",
    )
    prompt = forms.CharField(
        label="New prompt (optional)",
        max_length=MAX_PROMPT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Leave empty to keep the original prompt.",
    )
    upscale = forms.TypedChoiceField(
        label="Factor",
        choices=[(factor, f"{factor}×") for factor in UPSCALE_FACTORS],
        coerce=int,
        initial=UPSCALE_FACTORS[0],
        widget=forms.RadioSelect,
    )
    mask = forms.FileField(
        label="…or upload a mask (PNG)",
        required=False,
        help_text="White repaints, black keeps; the same size as the picture.",
    )
    mask_data = forms.CharField(required=False, widget=forms.HiddenInput, label="Painted mask")

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind = kind
        for name in list(self.fields):
            if name not in FIELDS[kind]:
                del self.fields[name]
        if kind == "variation":
            self.fields["strength"].initial = 0.35

    def clean_mask_data(self) -> SimpleUploadedFile | None:
        """The canvas writes its mask as a PNG data URL; decode it into an upload so it
        passes the same checks as an uploaded file."""
        text = self.cleaned_data["mask_data"].strip()
        if not text:
            return None
        if not text.startswith(PNG_DATA_URL) or len(text) > MASK_MAX_BYTES * 4 // 3 + 64:
            raise forms.ValidationError("The painted mask could not be read; paint it again.")
        try:
            data = base64.b64decode(text.removeprefix(PNG_DATA_URL), validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(
                "The painted mask could not be read; paint it again."
            ) from None
        return SimpleUploadedFile("painted-mask.png", data, content_type="image/png")

    def edit_arguments(self) -> dict:
        """Keyword arguments for `job_create_edit` (an uploaded mask wins over a painted one)."""
        data = self.cleaned_data
        arguments = {"kind": self.kind}
        for name in ("strength", "upscale", "prompt"):
            if name in data:
                arguments[name] = data[name]
        if self.kind == "inpaint":
            arguments["mask"] = data.get("mask") or data.get("mask_data")
        return arguments
