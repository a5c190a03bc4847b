"""Errors of the stations part, named in the domain's words; each has a stable `code`."""

from django.utils.translation import gettext_lazy as _

from liaison.core.exceptions import ValidationFailed


class StationNameTaken(ValidationFailed):
    code = "station_name_taken"
    message = _("A station with this name already exists in this region.")


class CoordinatesOutOfRange(ValidationFailed):
    code = "coordinates_out_of_range"
    message = _("Latitude must be between -90 and 90 and longitude between -180 and 180.")


class RegionOutOfScope(ValidationFailed):
    code = "region_out_of_scope"
    message = _("You can only place stations in your own region.")


class DeputyNotEligible(ValidationFailed):
    code = "deputy_not_eligible"
    message = _(
        "Only a deputy with a serving mandate in the station's region, a region above it or a region below it "
        "can be assigned to this station."
    )


class DeputyAlreadyAssigned(ValidationFailed):
    code = "deputy_already_assigned"
    message = _("This deputy is already assigned to the station.")


class DeputyHasUpcomingDuty(ValidationFailed):
    code = "deputy_has_upcoming_duty"
    message = _("This deputy is still on upcoming duty slots of the station; take them off those slots first.")


class DeputyNotAtStation(ValidationFailed):
    code = "deputy_not_at_station"
    message = _("Only deputies assigned to the station can be put on its roster.")


class DeputyDoubleBooked(ValidationFailed):
    code = "deputy_double_booked"
    message = _("A deputy cannot be in two places at once.")


class SlotTimesOutOfOrder(ValidationFailed):
    code = "slot_times_out_of_order"
    message = _("The end time must be later than the start time.")


class SlotInThePast(ValidationFailed):
    code = "slot_in_the_past"
    message = _("A duty slot cannot be planned for a past date.")


class RosterNoticeTooShort(ValidationFailed):
    code = "roster_notice_too_short"
    message = _("A duty slot must be published at least %(days)s days before its date.")


class SlotWithoutDeputies(ValidationFailed):
    code = "slot_without_deputies"
    message = _("A duty slot needs at least one deputy before it is published.")


class SlotAlreadyPublished(ValidationFailed):
    code = "slot_already_published"
    message = _("This duty slot is already published.")


class RepeatOutOfRange(ValidationFailed):
    code = "repeat_out_of_range"
    message = _("Repeat until a date after the slot and at most one year ahead.")


class EvidenceTooLarge(ValidationFailed):
    code = "evidence_too_large"
    message = _("The file is too large (at most %(mb)s MB).")


class EvidenceTypeNotAllowed(ValidationFailed):
    code = "evidence_type_not_allowed"
    message = _("Only JPEG or PNG photos and PDF documents are accepted.")
