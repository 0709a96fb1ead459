"""Turns ApplicationError into form errors in one place, and the fields every form shares
for money and ids, so each input rule (finite, bounded, well-formed) lives once."""

import uuid
from decimal import Decimal

from django import forms
from django.utils.html import format_html

from core.errors import ApplicationError


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
