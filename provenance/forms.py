"""Input shape of the public verify page."""

from django import forms


class IdentifyImageForm(forms.Form):
    image = forms.FileField(
        label="Image to check",
        help_text="PNG, JPEG, WebP or GIF. We read its invisible watermark, perceptual hash "
        "and keypoints; the file is not stored.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
