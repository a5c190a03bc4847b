"""Errors named in the domain's words. Each has a stable `code` and a translated message; one place
(`liaison.core.errors`) turns them into form errors, HTML pages and API responses."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "application_error"
    message = _("The request could not be completed.")
    status = 400

    def __init__(self, message=None, *, field: str | None = None, extra: dict | None = None):
        self.message = message if message is not None else self.message
        self.field = field
        self.extra = extra or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": str(self.message)}
        if self.field:
            data["field"] = self.field
        if self.extra:
            data["extra"] = self.extra
        return data


class NotFound(ApplicationError):
    """Raised for a missing object and for an object outside the user's scope alike."""

    code = "not_found"
    message = _("Not found.")
    status = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    message = _("You do not have permission to do this.")
    status = 403


class ValidationFailed(ApplicationError):
    code = "invalid"
    message = _("The data is not valid.")
    status = 400

    def __init__(self, message=None, *, field=None, errors: dict | None = None, extra=None):
        super().__init__(message, field=field, extra=extra)
        self.errors = errors or ({field: [str(self.message)]} if field else {})

    def as_dict(self) -> dict:
        data = super().as_dict()
        if self.errors:
            data["errors"] = self.errors
        return data


class Conflict(ApplicationError):
    code = "conflict"
    message = _("Someone else changed this record first. Reload and try again.")
    status = 409


# --- the working-day calendar (liaison.core.services) -----------------------------------------------
class CalendarDateOutOfRange(ValidationFailed):
    code = "calendar_date_out_of_range"
    message = _("Enter a date between 2000 and 2100.")


class CalendarLinesInvalid(ValidationFailed):
    """Pasted schedule lines that could not all be read; `errors["text"]` names each bad line."""

    code = "calendar_lines_invalid"
    message = _("Some lines could not be read; nothing was saved.")
