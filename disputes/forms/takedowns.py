"""Input shapes for takedown notices, counter-notices, court actions and artist claims; the
statutory statements are required checkboxes whose labels are the statements themselves."""

from django import forms

from disputes.models import ArtistClaimKind

NOTICE_GOOD_FAITH = (
    "I have a good faith belief that use of the material in the manner complained of is not "
    "authorised by the copyright owner, its agent, or the law."
)
NOTICE_ACCURACY = "The information in this notice is accurate."
NOTICE_AUTHORITY = (
    "Under penalty of perjury, I am the owner, or authorised to act on behalf of the owner, "
    "of the exclusive right that is allegedly infringed."
)
COUNTER_GOOD_FAITH = (
    "Under penalty of perjury, I have a good faith belief that the material was removed or "
    "disabled as a result of mistake or misidentification of the material."
)
COUNTER_JURISDICTION = (
    "I consent to the jurisdiction of the Federal District Court for the judicial district of "
    "my address (or, outside the United States, any judicial district in which the service "
    "provider may be found), and I will accept service of process from the person who "
    "provided the notice or their agent."
)


def _text(label: str, *, rows: int = 3, max_length: int = 5000, help_text: str = ""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _statement(label: str) -> forms.BooleanField:
    return forms.BooleanField(
        label=label, required=True, error_messages={"required": "This statement is required."}
    )


def _signature() -> forms.CharField:
    return forms.CharField(
        label="Electronic signature",
        max_length=200,
        help_text="Type your full legal name.",
        error_messages={"required": "Sign by typing your full name."},
    )


class TakedownForm(forms.Form):
    work_description = _text(
        "The copyrighted work",
        help_text="Identify the work you say is infringed (title, where it is published).",
    )
    infringing_material = _text(
        "The material on this listing",
        help_text="Which piece or pieces of this listing infringe it, and how.",
    )
    contact_name = forms.CharField(label="Your name", max_length=200)
    contact_address = _text("Postal address", rows=2, max_length=1000)
    contact_phone = forms.CharField(label="Telephone", max_length=40)
    contact_email = forms.EmailField(label="Email")
    good_faith_statement = _statement(NOTICE_GOOD_FAITH)
    accuracy_statement = _statement(NOTICE_ACCURACY)
    authority_statement = _statement(NOTICE_AUTHORITY)
    signature = _signature()


class CounterNoticeForm(forms.Form):
    counter_material = _text(
        "The removed material",
        help_text="Identify the material that was disabled and where it appeared (this listing).",
    )
    counter_good_faith_statement = _statement(COUNTER_GOOD_FAITH)
    counter_jurisdiction_consent = _statement(COUNTER_JURISDICTION)
    counter_name = forms.CharField(label="Your full name", max_length=200)
    counter_address = _text("Postal address", rows=2, max_length=1000)
    counter_signature = _signature()


class CourtActionForm(forms.Form):
    case_reference = forms.CharField(
        label="Court case reference",
        max_length=200,
        help_text="The court and docket number of the action you filed against the creator.",
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(label="Why (optional)", required=False, max_length=5000)


class TakedownModerationForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("restore", "Restore the listing"), ("keep_down", "Keep it down")]
    )
    note = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ArtistClaimForm(forms.Form):
    kind = forms.ChoiceField(label="What is the claim?", choices=ArtistClaimKind.choices)
    artist_name = forms.CharField(label="Your name as an artist", max_length=120)
    statement = _text("Your statement", rows=5)
    evidence_links = forms.CharField(
        label="Evidence links",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One link per line: your portfolio, the original work, press.",
    )

    def clean_evidence_links(self) -> list[str]:
        field = forms.URLField(assume_scheme="https", max_length=2000)
        lines = [line.strip() for line in self.cleaned_data["evidence_links"].splitlines()]
        links = [field.clean(line) for line in lines if line]
        if len(links) > 10:
            raise forms.ValidationError("Give at most 10 links.")
        return links


class ArtistClaimActionForm(forms.Form):
    ACTIONS = [
        ("verify_identity", "Verify the artist's identity"),
        ("banner", "Show a banner on the style"),
        ("withdraw_style", "Withdraw the style"),
        ("block_name", "Block the artist's name in prompts for the style"),
        ("reject", "Reject the claim"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
