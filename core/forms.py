"""Turns ApplicationError into form errors in one place, and the fields every form shares
for money and ids, so each input rule (finite, bounded, well-formed) lives once; and core's
own notification settings form."""

import uuid
from decimal import Decimal

from django import forms
from django.utils.html import format_html

from core.errors import ApplicationError
from core.notifications import Channels, NotificationKind


def add_application_error(form: forms.Form, error: ApplicationError) -> None:
    """The error's message on its field (or the form); an error that carries `help_url`
    (e.g. a refused prompt's appeal page) gets that link after the message."""
    field = error.field if error.field in form.fields else None
    help_url = getattr(error, "help_url", None)
    if help_url:
        label = getattr(error, "help_label", "") or "More"
        form.add_error(field, format_html('{} <a href="{}">{}</a>', error.message, help_url, label))
    else:
        form.add_error(field, error.message)


class MoneyField(forms.DecimalField):
    """An amount in major units (12.50): finite, two decimals, at most 9,999,999.99 and by
    default not negative, so "inf", "nan" and "1e400" are form errors, never a 500."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


def minor_units(amount: Decimal) -> int:
    """A MoneyField's value in cents."""
    return int(amount * 100)


class IdField(forms.IntegerField):
    """A row's integer id: 1 up to what a 64-bit key holds (a larger one would overflow the
    database driver instead of matching nothing)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class UUIDListField(forms.Field):
    """Several ids from one name (checkboxes): each must be a UUID, else a form error (a
    malformed one would make the query itself raise)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "“%(value)s” is not a valid id."}

    def to_python(self, value) -> list[uuid.UUID]:
        values = value if isinstance(value, (list, tuple)) else [value] if value else []
        ids = []
        for item in values:
            try:
                ids.append(uuid.UUID(str(item)))
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": item}
                ) from None
        return ids


class NotificationPreferencesForm(forms.Form):
    """Two checkboxes per kind, `in_app_<key>` and `email_<key>`; a required kind's are
    ticked and disabled (Django then ignores whatever the request sends for them)."""

    def __init__(self, *args, choices: list[tuple[NotificationKind, Channels]], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = [kind for kind, _ in choices]
        for kind, chosen in choices:
            # A required kind's disabled boxes point at the reason shown next to them.
            attrs = {"aria-describedby": f"reason-{kind.key}"} if kind.required else {}
            for channel in ("in_app", "email"):
                self.fields[f"{channel}_{kind.key}"] = forms.BooleanField(
                    required=False,
                    initial=getattr(chosen, channel),
                    disabled=kind.required,
                    widget=forms.CheckboxInput(attrs=attrs),
                )

    def rows(self) -> list[dict]:
        """One table row per kind: the kind and its two bound checkboxes."""
        return [
            {"kind": kind, "in_app": self[f"in_app_{kind.key}"], "email": self[f"email_{kind.key}"]}
            for kind in self.kinds
        ]

    def chosen(self) -> dict[str, Channels]:
        """The kinds a person may change, with the channels ticked."""
        data = self.cleaned_data
        return {
            kind.key: Channels(in_app=data[f"in_app_{kind.key}"], email=data[f"email_{kind.key}"])
            for kind in self.kinds
            if not kind.required
        }
