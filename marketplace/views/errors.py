"""Turns ApplicationError into form errors in one place."""

from django import forms

from core.errors import ApplicationError


def add_application_error(form: forms.Form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
