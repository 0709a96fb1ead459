"""Input shapes for notices, moderators' decisions, complaints and the transparency report
(the rules live in the services and selectors)."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from disputes.models import DecisionGround, NoticeCategory, NoticeTarget, RestrictionKind
from disputes.services.notices import NO_ACTION

# Restrictions that other steps issue (a prompt review, repeated unfounded notices, a
# copyright notice), never chosen from the moderator's menu.
AUTOMATIC_KINDS = (
    RestrictionKind.PROMPT_REFUSED,
    RestrictionKind.NOTICES_SUSPENDED,
    RestrictionKind.LISTING_DISABLED,
)
MODERATOR_ACTIONS = [
    (NO_ACTION, "No action"),
    *[(kind.value, kind.label) for kind in RestrictionKind if kind not in AUTOMATIC_KINDS],
]


class NoticeForm(forms.Form):
    category = forms.ChoiceField(label="What is the problem?", choices=NoticeCategory.choices)
    statement = forms.CharField(
        label="Explain what is wrong",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Where it is, why you believe it is illegal or breaks our terms, and, for "
        "an infringement, which work of yours it copies.",
    )
    email = forms.EmailField(
        label="Your email address",
        required=False,
        max_length=254,
        help_text="We send you a link to confirm the report, and later the decision.",
    )
    target_kind = forms.ChoiceField(choices=NoticeTarget.choices, widget=forms.HiddenInput)
    target_id = forms.CharField(max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["email"]
        else:
            self.fields["email"].required = True


class NoticeDecisionForm(forms.Form):
    action = forms.ChoiceField(label="Decision", choices=MODERATOR_ACTIONS)
    facts = forms.CharField(
        label="Facts and reasons",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The affected person and the reporter read this.",
    )
    ground = forms.ChoiceField(label="Ground", choices=DecisionGround.choices)
    ground_detail = forms.CharField(
        label="Law or terms clause", max_length=300, help_text="e.g. “Terms §4.2: hate symbols”."
    )
    automated_detection = forms.BooleanField(label="Detected by automated means", required=False)
    manifestly_unfounded = forms.BooleanField(
        label="Manifestly unfounded (counts against the reporter)", required=False
    )


class ComplaintForm(forms.Form):
    reason = forms.CharField(
        label="Why is the decision wrong?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ComplaintDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("upheld", "Uphold: reverse the decision"), ("rejected", "Reject: it stands")],
    )
    note = forms.CharField(
        label="Reasons for the parties", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


def last_full_month(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.now().date()
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


MAX_REPORT_DAYS = 3660


class TransparencyForm(forms.Form):
    start = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date must not be before the start date.")
            if (end - start).days > MAX_REPORT_DAYS:
                raise forms.ValidationError("Choose a period of at most ten years.")
            if start > timezone.now().date():
                raise forms.ValidationError("The period must start today or earlier.")
        return data
