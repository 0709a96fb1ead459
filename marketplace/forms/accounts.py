"""Input shape for account pages. Rules that span objects live in services."""

from django import forms

from core.images import avatar_from_upload


class SignupExtraForm(forms.Form):
    """What our signup asks beyond allauth's email and passwords (ACCOUNT_SIGNUP_FORM_CLASS);
    the account adapter hands it to `user_create`."""

    display_name = forms.CharField(
        max_length=60, required=False, help_text="Shown on your profile. You can change it later."
    )

    def signup(self, request, user) -> None:
        """allauth's hook after saving; `user_create` has already stored the name."""


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=60, required=False)
    bio = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 5}))


class CreatorOnboardingForm(forms.Form):
    display_name = forms.CharField(max_length=60, help_text="The name buyers see on your works.")
    bio = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you make and how you work.",
    )
    avatar = forms.FileField(
        required=False,
        help_text="PNG, JPEG, WebP or GIF, up to 2 MB. We crop it to a square.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return avatar_from_upload(upload)
