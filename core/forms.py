"""Turns ApplicationError into form errors in one place."""

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
