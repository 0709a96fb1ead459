"""Input shapes for prompt appeals and moderators' decisions (rules live in the services)."""

from django import forms

from generation.models import PromptCategory, PromptReviewStatus
from generation.services.prompt_reviews import MAX_APPEAL, OVERTURN, UPHOLD


class PromptAppealForm(forms.Form):
    statement = forms.CharField(
        label="Why is this prompt fine?",
        max_length=MAX_APPEAL,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="You can appeal once. A moderator reads your prompt and this statement.",
    )


class PromptDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("", "Choose…"),
            (UPHOLD, "Uphold: the prompt stays rejected"),
            (OVERTURN, "Overturn: this user may run this exact prompt"),
        ],
    )
    note = forms.CharField(
        label="Reason (sent to the user)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PromptQueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            (PromptReviewStatus.APPEALED, "Appealed (waiting for a decision)"),
            ("open", "Open (rejected or appealed)"),
            (PromptReviewStatus.REJECTED, "Rejected, not appealed"),
            (PromptReviewStatus.UPHELD, "Upheld"),
            (PromptReviewStatus.OVERTURNED, "Overturned"),
            ("all", "All"),
        ],
    )
    category = forms.ChoiceField(
        required=False, choices=[("", "Any category"), *PromptCategory.choices]
    )
