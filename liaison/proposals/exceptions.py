"""Errors of the suggestion and motion workflows, each with a stable code and a message in the user's
language. Views and the API map them through liaison.core.errors like every ApplicationError."""

from django.utils.translation import gettext_lazy as _

from liaison.core.exceptions import Conflict, PermissionDenied, ValidationFailed


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    message = _("This step is not possible in the current state.")


class ItemChanged(Conflict):
    code = "proposal_changed"
    message = _("Someone else acted on this item while you were looking at it. Reload it to see what changed.")


class NotYourStep(PermissionDenied):
    code = "not_your_step"
    message = _("This step belongs to someone else.")


class NotADeputy(PermissionDenied):
    code = "not_a_deputy"
    message = _("Only a deputy can draft a suggestion or a motion.")


class MandateNotServing(ValidationFailed):
    """A deputy without a serving mandate in the congress (never elected there, or the mandate ended)."""

    code = "mandate_not_serving"
    message = _("The deputy does not hold a serving mandate in this congress.")


class OtherCongress(ValidationFailed):
    code = "other_congress"
    message = _("Only deputies of the same congress can sign together.")


class SignersMissing(ValidationFailed):
    code = "signers_missing"
    message = _("Not every co-signer has confirmed yet.")


class ThresholdNotMet(ValidationFailed):
    code = "threshold_not_met"
    message = _("A motion needs more deputies' signatures.")


class DeadlinePassed(ValidationFailed):
    code = "deadline_passed"
    message = _("The deadline for this has passed.")


class WrongTiming(ValidationFailed):
    code = "wrong_timing"
    message = _("This is not the time for this kind of suggestion.")


class WrongUnit(ValidationFailed):
    code = "wrong_unit"
    message = _("This handling unit cannot be chosen here.")


class WrongOrgan(ValidationFailed):
    code = "wrong_organ"
    message = _("This organ cannot be chosen here.")


class ExtensionTooLong(ValidationFailed):
    code = "extension_too_long"
    message = _("The deadline can be extended to at most six months after assignment.")


class ExtensionNotPossible(ValidationFailed):
    code = "extension_not_possible"
    message = _("The new deadline must be after the current one.")


class ReplyClassMissing(ValidationFailed):
    code = "reply_class_missing"
    message = _("Choose the class of the reply: A, B or C.")


class CommitmentsMissing(ValidationFailed):
    code = "commitments_missing"
    message = _("A class B reply must state at least one commitment.")


class DocumentRejected(ValidationFailed):
    code = "document_rejected"
    message = _("The reply document must be a PDF or Word file.")


class NotASigner(PermissionDenied):
    code = "not_a_signer"
    message = _("Only the deputies who signed it can rate the reply.")


class AlreadyRated(Conflict):
    code = "already_rated"
    message = _("You have already rated this reply.")


class DisclosureNotAgreed(ValidationFailed):
    code = "disclosure_not_agreed"
    message = _("The deputies have not agreed to publish it.")


class OutsidePowers(ValidationFailed):
    code = "outside_powers"
    message = _("The review committee found the matter outside the congress's powers (003 §15).")
