"""Errors of the notifications part, named in the domain's words; each has a stable `code`."""

from django.utils.translation import gettext_lazy as _

from liaison.core.exceptions import ApplicationError, ValidationFailed


class NotRetryable(ApplicationError):
    code = "notification_not_retryable"
    message = _("Only a failed or given-up SMS or e-mail can be sent again.")
    status = 409


class SecretGone(NotRetryable):
    code = "notification_secret_gone"
    message = _("This message carried a one-time code that has been erased; it cannot be sent again.")


class InvalidPhone(ValidationFailed):
    code = "invalid_phone"
    message = _("Enter a mainland China mobile number (11 digits starting with 1).")


class TooManyCodes(ApplicationError):
    code = "too_many_codes"
    message = _("Too many codes were asked for. Try again later.")
    status = 429
