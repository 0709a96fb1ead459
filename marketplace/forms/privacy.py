"""Input shape for deleting an account (the password check is the service's)."""

from django import forms


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)
    confirm = forms.BooleanField(label="I understand that this cannot be undone")
