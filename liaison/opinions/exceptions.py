"""Errors of the opinion workflow, each with a stable code and a message in the user's language."""

from django.utils.translation import gettext_lazy as _

from liaison.core.exceptions import ApplicationError, Conflict, PermissionDenied, ValidationFailed


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    message = _("This step is not possible while the opinion is in its current state.")


class OpinionChanged(Conflict):
    code = "opinion_changed"
    message = _("Someone else acted on this opinion while you were looking at it. Reload it to see what changed.")


class NotYourStep(PermissionDenied):
    code = "not_your_step"
    message = _("This step belongs to someone else.")


class SubmitterNotProven(PermissionDenied):
    code = "submitter_not_proven"
    message = _("Only the person who sent the opinion can rate the answer.")


class PhoneNotVerified(ValidationFailed):
    code = "phone_not_verified"
    message = _("The SMS code is wrong or has expired. Ask for a new code.")


class WrongLevel(ValidationFailed):
    code = "wrong_level"
    message = _("This unit is not at the opinion's level or not in its region.")


class EscalationNotPossible(ValidationFailed):
    code = "escalation_not_possible"
    message = _("There is no upper congress to escalate to at the opinion's level.")


class MergeNotPossible(ValidationFailed):
    code = "merge_not_possible"
    message = _("The opinion cannot be merged into that one.")


class AttachmentRejected(ValidationFailed):
    code = "attachment_rejected"
    message = _("Attachments must be JPEG or PNG images or PDF files.")


class ExtensionNotPossible(ValidationFailed):
    code = "extension_not_possible"
    message = _("The new deadline must be after the current one and within the allowed extension.")


class ContactPurged(ApplicationError):
    code = "contact_purged"
    message = _("The contact data of this opinion was deleted after the retention period.")
    status = 410


class TooManySubmissions(ApplicationError):
    """Per-address limit of opinions sent from the public form without a confirmed phone."""

    code = "too_many_submissions"
    message = _("Too many opinions were sent from your network in the last hour. Try again later.")
    message_with_wait = _(
        "Too many opinions were sent from your network in the last hour. Try again in %(minutes)s minutes, "
        "or give a mobile phone number and confirm it with an SMS code."
    )
    status = 429


class TooManyLookups(ApplicationError):
    """Per-address limit of tracking codes that matched nothing."""

    code = "too_many_lookups"
    message = _("Too many tracking codes that do not exist were tried from your network. Try again later.")
    message_with_wait = _(
        "Too many tracking codes that do not exist were tried from your network. Try again in %(minutes)s minutes."
    )
    status = 429
