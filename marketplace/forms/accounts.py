"""Input shape for account pages. Rules that span objects live in services."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from core.clients import client_address
from core.images import avatar_from_upload
from marketplace.models import User
from marketplace.selectors.accounts import email_taken
from marketplace.services.login_throttle import login_failed, login_locked, login_succeeded


class SignupForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(
        max_length=60, required=False, help_text="Shown on your profile. You can change it later."
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email_taken(email=email):
            raise forms.ValidationError("An account with this email already exists.")
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1 and cleaned.get("email"):
            candidate = User(email=cleaned["email"], display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        email = self.cleaned_data.get("username", "")
        ip = client_address(self.request) if self.request else ""
        if email and login_locked(email=email, ip=ip):
            minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
            raise forms.ValidationError(
                f"Too many failed attempts. Try again in {minutes} minutes or reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                login_failed(email=email, ip=ip)
            raise
        login_succeeded(email=email, ip=ip)
        return cleaned


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
