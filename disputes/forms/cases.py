"""Input shapes for disputes and the moderation console (rules live in the services)."""

from django import forms

from core.forms import IdField
from disputes.models import DisputeKind, DisputeOutcome, DisputeStatus


class DisputeForm(forms.Form):
    kind = forms.ChoiceField(label="What is the problem?", choices=DisputeKind.choices)
    statement = forms.CharField(
        label="Your statement",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened, and what you would like moderation to do.",
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal = forms.BooleanField(label="Internal note (moderators only)", required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="File",
        required=False,
        help_text="An image (PNG, JPEG, WebP, GIF) or a PDF, up to 8 MB. Images are checked "
        "against our watermarks and perceptual hashes automatically, and stored without "
        "location or camera data.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )
    url = forms.URLField(label="…or a link", required=False, max_length=2000, assume_scheme="https")
    description = forms.CharField(label="What it shows", required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError("Attach a file or give a link (one at a time).")
        return data


class AppealForm(forms.Form):
    reason = forms.CharField(
        label="Why is the decision wrong?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Active"), ("all", "All"), *DisputeStatus.choices],
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any type"), *DisputeKind.choices])


class ModerationActionForm(forms.Form):
    """One form for every console button: `action` picks the service, the rest are inputs."""

    ACTIONS = [
        ("assign", "Take the case"),
        ("request_response", "Ask the respondent"),
        ("decide", "Decide"),
        ("close", "Close"),
        ("suspend_listing", "Suspend listing"),
        ("unsuspend_listing", "Reinstate listing"),
        ("revoke", "Revoke licence(s)"),
        ("refund", "Refund purchase(s)"),
        ("transfer", "Name the claimant as the records' rights holder"),
        ("warn", "Warn user"),
        ("suspend_user", "Suspend user"),
        ("dismiss", "Dismiss"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), *DisputeOutcome.choices])
    days = forms.IntegerField(required=False, min_value=1, max_value=60)
    user = IdField(required=False)
