"""Errors of the deputies part, named in the domain's words. Each has a stable `code`; the message is
translated when it is shown (form, page or API answer through liaison.core.errors)."""

from django.utils.translation import gettext_lazy as _

from liaison.core.exceptions import ValidationFailed


class ProbableDuplicatePerson(ValidationFailed):
    """Another person record matches by the ID-free rule (same name, gender and year of birth, or same
    name and phone). `extra["candidates"]` lists their ids. Pass `confirm=True` to record anyway."""

    code = "probable_duplicate"
    message = _("A person with the same details is already recorded.")


class InvalidPhoto(ValidationFailed):
    code = "invalid_photo"
    message = _("The photo is not a valid image.")


class MandateOverlap(ValidationFailed):
    code = "mandate_overlap"
    message = _("This person already holds a mandate in this congress for an overlapping period.")


class ElectionSourceInvalid(ValidationFailed):
    """The district or electing congress does not fit the kind of election or the congress."""

    code = "election_source_invalid"
    message = _("The electoral district or electing congress does not fit this mandate.")


class MandateDatesInvalid(ValidationFailed):
    code = "mandate_dates_invalid"
    message = _("The dates of the mandate are not in order or not within the term.")


class StatusChangeNotAllowed(ValidationFailed):
    code = "status_change_not_allowed"
    message = _("This status change is not allowed.")


class GroupAlreadyHasLeader(ValidationFailed):
    code = "group_has_leader"
    message = _("This group already has a leader.")


class AlreadyMember(ValidationFailed):
    code = "already_member"
    message = _("This deputy is already a member of the group.")


class NotServing(ValidationFailed):
    code = "not_serving"
    message = _("Only a serving deputy can be added.")


class HouseholdAlreadyLinked(ValidationFailed):
    code = "household_already_linked"
    message = _("This household is already linked to this deputy.")


class ImportFileInvalid(ValidationFailed):
    code = "import_file_invalid"
    message = _("The file cannot be read as an Excel workbook (.xlsx).")


# --- deletion: refused where it would lose history (see services: "Deleting records") -------------
class PersonHasMandates(ValidationFailed):
    code = "person_has_mandates"
    message = _(
        "This person holds or has held a mandate, and their record is part of the congress's history:"
        " it cannot be deleted. To end a serving mandate, change its status (resignation, termination"
        " or recall) instead."
    )


class PersonHasAccount(ValidationFailed):
    code = "person_has_account"
    message = _("A user account's role refers to this person, so the record cannot be deleted.")


class PersonInUse(ValidationFailed):
    code = "person_in_use"
    message = _(
        "This person is still linked to households, stations, duty rosters or other records. Remove those links first."
    )


class GroupHasMembers(ValidationFailed):
    code = "group_has_members"
    message = _("This group still has members. Remove them first (each removal is recorded).")


class GroupInUse(ValidationFailed):
    code = "group_in_use"
    message = _("Other records refer to this group, so it cannot be deleted.")


class HouseholdHasLinks(ValidationFailed):
    code = "household_has_links"
    message = _("This household is linked to deputies. Remove the links first (each removal is recorded).")


class HouseholdInUse(ValidationFailed):
    code = "household_in_use"
    message = _("Other records refer to this household, so it cannot be deleted.")
