"""The one place that turns an ApplicationError into a form error, an HTML page or an API answer."""

from django import forms
from django.shortcuts import render

from .exceptions import ApplicationError, ValidationFailed


def add_to_form(form: forms.BaseForm, error: ApplicationError) -> None:
    if isinstance(error, ValidationFailed) and error.errors:
        for field, messages in error.errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
        return
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def as_page(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error}, status=error.status)


def as_api(error: ApplicationError) -> tuple[int, dict]:
    return error.status, error.as_dict()
