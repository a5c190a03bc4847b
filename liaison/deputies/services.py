"""Writes to persons, mandates, deputy groups and households. Every function validates first, then
changes, then writes the audit record in the same transaction.

`actor` is the user making the change. When it is a user, the change must fall inside the region
subtrees of their liaison-officer roles (otherwise the record is answered as missing, like a read
outside the scope). `actor=None` is the system itself (demo data, management commands).

Deleting records. Deletion is for records entered by mistake; it is refused, with the reason and what
to do instead, wherever it would lose history:
- a person who holds or has held a mandate is never deleted (the mandate, its status history and what
  hangs on it are the congress's record): a serving mandate is ended by a status change instead; nor
  is a person whom an account role refers to (roles are kept, inactive, for the record), nor one still
  linked to households, stations or rosters, or referred to by any other record (an opinion they
  received…): remove those links first;
- a deputy group with members is not deleted: its members are removed first, each removal audited
  (a group whose history matters is kept and renamed rather than deleted);
- a household linked to deputies is not deleted: the links are removed first, each audited.
A refused deletion changes nothing; a deletion writes a DELETE audit row with the record as it was
(a household's phone and address masked, as in every audit row of it)."""

import datetime
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from liaison.core.audit import audit_record, changed, snapshot
from liaison.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from liaison.core.models import AuditLog
from liaison.regions.models import LEVEL_ORDER, Congress, Level, Region, Term

from .errors import (
    AlreadyMember,
    ElectionSourceInvalid,
    GroupAlreadyHasLeader,
    GroupHasMembers,
    GroupInUse,
    HouseholdAlreadyLinked,
    HouseholdHasLinks,
    HouseholdInUse,
    InvalidPhoto,
    MandateDatesInvalid,
    MandateOverlap,
    NotServing,
    PersonHasAccount,
    PersonHasMandates,
    PersonInUse,
    ProbableDuplicatePerson,
    StatusChangeNotAllowed,
)
from .models import (
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    GroupMembership,
    Household,
    HouseholdLink,
    Mandate,
    MandateStatusChange,
    Person,
)
from .pinyin import name_pinyin
from .scoping import covers, officer_paths, person_write_q

# --------------------------------------------------------------------------------------------------
# Scope of writes


def _require_officer(actor) -> tuple[str, ...] | None:
    """The actor's writable subtrees; None for the system. A user without a liaison-officer role may
    not change deputies' records at all."""
    if actor is None:
        return None
    paths = officer_paths(actor)
    if not paths:
        raise PermissionDenied()
    return paths


def _require_region(actor, region: Region | None, *, field: str = "region") -> None:
    """The region must lie in the actor's writable subtrees. A region outside is answered as missing."""
    paths = _require_officer(actor)
    if paths is None or region is None:
        return
    if not covers(paths, region.path):
        raise NotFound(field=field)


def _require_person(actor, person: Person) -> None:
    paths = _require_officer(actor)
    if paths is None:
        return
    if not Person.objects.filter(person_write_q(actor), pk=person.pk).exists():
        raise NotFound(field="person")


def _full_clean(obj, *, exclude=()) -> None:
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        first = next(iter(errors.values()))[0]
        field = next(iter(errors))
        raise ValidationFailed(first, field=None if field == "__all__" else field, errors=errors) from exc


# --------------------------------------------------------------------------------------------------
# Persons

PERSON_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_year",
    "party",
    "occupation",
    "work_unit",
    "bio",
    "phone",
    "phone_public",
    "email",
    "email_public",
    "address",
    "address_public",
    "wechat",
    "wechat_public",
    "region",
)
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIN_DEPUTY_AGE = 18


def normalize_phone(phone: str) -> str:
    """Digits only, without the country code (+86 138-0000-0000 → 13800000000), so the duplicate rule
    compares like with like."""
    digits = re.sub(r"[\s\-()（）]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def photo_validate(file) -> str:
    """Check an uploaded photo and return its file extension. It must be a real JPEG, PNG or WebP
    image (Pillow opens and verifies it, whatever its name says) no larger than PHOTO_MAX_BYTES."""
    limit = settings.PHOTO_MAX_BYTES
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size > limit:
        raise InvalidPhoto(
            _("The photo is too large (%(size)s KB); the limit is %(limit)s KB.")
            % {"size": (size + 1023) // 1024, "limit": limit // 1024},
            field="photo",
        )
    if size == 0:
        raise InvalidPhoto(_("The photo file is empty."), field="photo")
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidPhoto(
            _("The photo is not a valid image. Upload a JPEG, PNG or WebP picture."), field="photo"
        ) from exc
    finally:
        file.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise InvalidPhoto(
            _("Photos in the %(format)s format are not accepted. Upload a JPEG, PNG or WebP picture.")
            % {"format": fmt or "?"},
            field="photo",
        )
    return PHOTO_FORMATS[fmt]


def _photo_file(file) -> File:
    ext = photo_validate(file)
    return File(file, name=f"{uuid.uuid4().hex}.{ext}")


def _person_duplicates(person: Person) -> list[Person]:
    """The ID-free duplicate rule: another person with the same name and gender and year of birth, or
    with the same name and phone number, is probably the same person."""
    q = Q()
    if person.birth_year:
        q |= Q(gender=person.gender, birth_year=person.birth_year)
    if person.phone:
        q |= Q(phone=person.phone)
    if not q:
        return []
    rows = Person.objects.filter(q, name=person.name)
    if person.pk:
        rows = rows.exclude(pk=person.pk)
    return list(rows.order_by("pk")[:5])


def _raise_duplicates(person: Person, candidates: list[Person]) -> None:
    described = "; ".join(f"{c.name} (#{c.pk}, {c.get_gender_display()}, {c.birth_year or '—'})" for c in candidates)
    raise ProbableDuplicatePerson(
        _(
            "Probably the same person as %(persons)s: same name and gender and year of birth, or same name "
            "and phone. Check the existing record; if this really is another person, confirm to save."
        )
        % {"persons": described},
        field="name",
        extra={"candidates": [c.pk for c in candidates]},
    )


def _validate_person(person: Person) -> None:
    person.name = (person.name or "").strip()
    person.phone = normalize_phone(person.phone)
    if not person.name:
        raise ValidationFailed(_("The name is required."), field="name")
    if person.phone and not re.fullmatch(r"\+?\d{5,20}", person.phone):
        raise ValidationFailed(_("The phone number may contain only digits (5 to 20)."), field="phone")
    if person.birth_year is not None:
        this_year = timezone.localdate().year
        if not 1900 <= person.birth_year <= this_year - MIN_DEPUTY_AGE:
            raise ValidationFailed(
                _("The year of birth must be between 1900 and %(year)s.") % {"year": this_year - MIN_DEPUTY_AGE},
                field="birth_year",
            )
    _full_clean(person, exclude=["photo", "name_pinyin", "name_initials"])


def _set_name_columns(person: Person) -> None:
    person.name_pinyin, person.name_initials = name_pinyin(person.name)


@transaction.atomic
def person_create(
    *,
    actor,
    name: str,
    gender: str,
    region: Region | None = None,
    photo=None,
    confirm: bool = False,
    **fields: Any,
) -> Person:
    """Record a person. Raises ProbableDuplicatePerson when the duplicate rule matches another record
    (see `_person_duplicates`) unless `confirm` is true; InvalidPhoto for a bad photo. Other keyword
    arguments are Person fields (PERSON_FIELDS)."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    if actor is not None and region is None:
        raise ValidationFailed(_("Choose the region that keeps this record."), field="region")
    _require_region(actor, region)
    person = Person(name=name, gender=gender, region=region, **fields)
    _validate_person(person)
    if not confirm:
        candidates = _person_duplicates(person)
        if candidates:
            _raise_duplicates(person, candidates)
    if photo:
        person.photo = _photo_file(photo)
    _set_name_columns(person)
    person.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=person, after=snapshot(person))
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: dict[str, Any], confirm: bool = False) -> Person:
    """Change a person's fields (keys of PERSON_FIELDS; "photo": an upload to replace it, or False to
    remove it). The duplicate rule is checked again when the name, gender, year of birth or phone
    changes. The directory columns of the person's mandates follow a change of name."""
    unknown = set(data) - set(PERSON_FIELDS) - {"photo"}
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    _require_person(actor, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person)
    if "region" in data and data["region"] != person.region:
        _require_region(actor, data["region"])
    for key, value in data.items():
        if key != "photo":
            setattr(person, key, value)
    _validate_person(person)
    identity = ("name", "gender", "birth_year", "phone")
    if not confirm and any(before.get(k) != getattr(person, k) for k in identity):
        candidates = _person_duplicates(person)
        if candidates:
            _raise_duplicates(person, candidates)
    if "photo" in data:
        if data["photo"] is False:
            person.photo = ""
        elif data["photo"]:
            person.photo = _photo_file(data["photo"])
    _set_name_columns(person)
    person.save()
    if before["name"] != person.name:
        Mandate.objects.filter(person=person).update(
            person_name=person.name, name_pinyin=person.name_pinyin, name_initials=person.name_initials
        )
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=person, before=before, after=snapshot(person))
    return person


# --------------------------------------------------------------------------------------------------
# Mandates

DIRECT_LEVELS = (Level.COUNTY, Level.TOWNSHIP)  # Electoral Law art. 2: elected by the voters
INDIRECT_LEVELS = (Level.PROVINCE, Level.PREFECTURE)  # elected by the congresses one level below

MANDATE_FIELDS = ("election", "district", "electing_congress", "delegation", "start_date", "end_date")


def _validate_election(mandate: Mandate) -> None:
    """Direct election (county and township congresses) needs a district of this congress; indirect
    election (prefecture and province congresses) needs the electing congress, which is a congress of
    the next lower level inside this congress's region (Electoral Law art. 2), never this congress."""
    congress = mandate.congress
    if mandate.election == Mandate.Election.DIRECT:
        if congress.level not in DIRECT_LEVELS:
            raise ElectionSourceInvalid(
                _("Deputies of a %(level)s congress are elected indirectly, by the congresses below it.")
                % {"level": congress.get_level_display()},
                field="election",
            )
        if mandate.district_id is None:
            raise ElectionSourceInvalid(_("A directly elected deputy needs an electoral district."), field="district")
        if mandate.district.congress_id != congress.pk:
            raise ElectionSourceInvalid(_("The electoral district belongs to another congress."), field="district")
        mandate.electing_congress = None
    elif mandate.election == Mandate.Election.INDIRECT:
        if congress.level not in INDIRECT_LEVELS:
            raise ElectionSourceInvalid(
                _("Deputies of a %(level)s congress are elected directly by the voters.")
                % {"level": congress.get_level_display()},
                field="election",
            )
        electing = mandate.electing_congress
        if electing is None:
            raise ElectionSourceInvalid(
                _("An indirectly elected deputy needs the congress that elected them."), field="electing_congress"
            )
        if electing.pk == congress.pk:
            raise ElectionSourceInvalid(
                _("A congress does not elect its own deputies; choose the congress one level below."),
                field="electing_congress",
            )
        below = LEVEL_ORDER.index(Level(congress.level)) + 1
        if electing.region.parent_id != congress.region_id or LEVEL_ORDER.index(Level(electing.level)) != below:
            raise ElectionSourceInvalid(
                _("The electing congress must be a congress of the next lower level within %(region)s.")
                % {"region": congress.region.name},
                field="electing_congress",
            )
        mandate.district = None
    else:
        raise ValidationFailed(_("Choose direct or indirect election."), field="election")
    if mandate.delegation_id is not None and mandate.delegation.congress_id != congress.pk:
        raise ValidationFailed(_("The delegation belongs to another congress."), field="delegation")


def _validate_dates(mandate: Mandate) -> None:
    term = mandate.term
    if mandate.start_date is None:
        mandate.start_date = term.start_date
    if not term.start_date <= mandate.start_date <= term.end_date:
        raise MandateDatesInvalid(
            _("The mandate must start within the term (%(start)s to %(end)s).")
            % {"start": term.start_date, "end": term.end_date},
            field="start_date",
        )
    if mandate.end_date is not None:
        if mandate.end_date < mandate.start_date:
            raise MandateDatesInvalid(_("The mandate cannot end before it starts."), field="end_date")
        if mandate.end_date > term.end_date:
            raise MandateDatesInvalid(
                _("The mandate cannot end after the term (%(end)s).") % {"end": term.end_date}, field="end_date"
            )


def _validate_overlap(mandate: Mandate) -> None:
    """One person holds at most one mandate in a congress at a time: no two mandates of the same term
    with overlapping dates, and never two serving ones."""
    others = Mandate.objects.filter(person_id=mandate.person_id, term_id=mandate.term_id)
    if mandate.pk:
        others = others.exclude(pk=mandate.pk)
    term_end = mandate.term.end_date
    mine_end = mandate.end_date or term_end
    for other in others.select_for_update():
        other_end = other.end_date or term_end
        both_serving = other.status == Mandate.Status.SERVING and mandate.status == Mandate.Status.SERVING
        if both_serving or (other.start_date <= mine_end and mandate.start_date <= other_end):
            raise MandateOverlap(
                _("%(person)s already holds a mandate in %(term)s from %(start)s (status: %(status)s).")
                % {
                    "person": mandate.person.name,
                    "term": mandate.term,
                    "start": other.start_date,
                    "status": other.get_status_display(),
                },
                field="start_date",
            )


def _copy_directory_columns(mandate: Mandate) -> None:
    congress = mandate.congress
    mandate.level = congress.level
    mandate.region_path = congress.region.path
    mandate.person_name = mandate.person.name
    mandate.name_pinyin = mandate.person.name_pinyin
    mandate.name_initials = mandate.person.name_initials


@transaction.atomic
def mandate_create(
    *,
    actor,
    person: Person,
    congress: Congress,
    term: Term,
    election: str,
    district: ElectoralDistrict | None = None,
    electing_congress: Congress | None = None,
    delegation: Delegation | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> Mandate:
    """Give a person a serving mandate in a congress for a term (start defaults to the term's start).
    Checks the election rules, the dates and overlaps; records the first entry of the status history."""
    congress = Congress.objects.select_related("region").get(pk=congress.pk)
    _require_region(actor, congress.region, field="congress")
    _require_person(actor, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if term.congress_id != congress.pk:
        raise ValidationFailed(_("The term belongs to another congress."), field="term")
    mandate = Mandate(
        person=person,
        congress=congress,
        term=term,
        election=election,
        district=district,
        electing_congress=electing_congress,
        delegation=delegation,
        start_date=start_date,
        end_date=end_date,
        status=Mandate.Status.SERVING,
    )
    _validate_election(mandate)
    _validate_dates(mandate)
    _validate_overlap(mandate)
    _copy_directory_columns(mandate)
    try:
        with transaction.atomic():
            mandate.save()
    except IntegrityError as exc:  # a concurrent insert passed the check at the same time
        raise MandateOverlap(field="term") from exc
    MandateStatusChange.objects.create(
        mandate=mandate,
        status=Mandate.Status.SERVING,
        date=mandate.start_date,
        reason=_("Elected"),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=mandate, after=snapshot(mandate))
    return mandate


@transaction.atomic
def mandate_update(*, actor, mandate: Mandate, data: dict[str, Any]) -> Mandate:
    """Correct a mandate's election details, delegation or dates (keys of MANDATE_FIELDS). The person,
    congress and term stay; the status changes only through `mandate_change_status`."""
    unknown = set(data) - set(MANDATE_FIELDS)
    if unknown:
        raise ValueError(f"cannot change mandate fields: {sorted(unknown)}")
    mandate = (
        Mandate.objects.select_for_update().select_related("congress__region", "term", "person").get(pk=mandate.pk)
    )
    _require_region(actor, mandate.congress.region, field="congress")
    before = snapshot(mandate)
    for key, value in data.items():
        setattr(mandate, key, value)
    _validate_election(mandate)
    _validate_dates(mandate)
    if mandate.status != Mandate.Status.SERVING and mandate.end_date is None:
        raise MandateDatesInvalid(_("A mandate that has ended needs its end date."), field="end_date")
    _validate_overlap(mandate)
    _copy_directory_columns(mandate)
    mandate.save()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=mandate, before=before, after=snapshot(mandate))
    return mandate


# From each status, the statuses it may change to. A mandate that has ended may be restored to
# serving only to correct a mistaken entry; the reason is recorded.
STATUS_TRANSITIONS = {
    Mandate.Status.SERVING: {Mandate.Status.RESIGNED, Mandate.Status.TERMINATED, Mandate.Status.RECALLED},
    Mandate.Status.RESIGNED: {Mandate.Status.SERVING},
    Mandate.Status.TERMINATED: {Mandate.Status.SERVING},
    Mandate.Status.RECALLED: {Mandate.Status.SERVING},
}


@transaction.atomic
def mandate_change_status(
    *, actor, mandate: Mandate, status: str, date: datetime.date, reason: str
) -> MandateStatusChange:
    """Resign, terminate or recall a mandate (it ends on `date`), or restore it to serving. The reason
    is required and goes into the status history and the audit trail."""
    mandate = (
        Mandate.objects.select_for_update().select_related("congress__region", "term", "person").get(pk=mandate.pk)
    )
    _require_region(actor, mandate.congress.region, field="congress")
    reason = (reason or "").strip()
    if status not in STATUS_TRANSITIONS.get(mandate.status, set()):
        raise StatusChangeNotAllowed(
            _("A mandate that is %(current)s cannot become %(new)s.")
            % {
                "current": mandate.get_status_display(),
                "new": Mandate.Status(status).label if status in Mandate.Status.values else status,
            },
            field="status",
        )
    if not reason:
        raise ValidationFailed(_("Give the reason for the status change."), field="reason")
    if date is None or not mandate.start_date <= date <= mandate.term.end_date:
        raise MandateDatesInvalid(
            _("The date must be between the start of the mandate (%(start)s) and the end of the term (%(end)s).")
            % {"start": mandate.start_date, "end": mandate.term.end_date},
            field="date",
        )
    before = snapshot(mandate)
    mandate.status = status
    if status == Mandate.Status.SERVING:
        mandate.end_date = None
        _validate_overlap(mandate)
    else:
        mandate.end_date = date
    try:
        with transaction.atomic():
            mandate.save(update_fields=["status", "end_date", "updated_at"])
    except IntegrityError as exc:
        raise MandateOverlap(field="status") from exc
    change = MandateStatusChange.objects.create(
        mandate=mandate,
        status=status,
        date=date,
        reason=reason,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    before, after = changed(before, snapshot(mandate))
    audit_record(actor=actor, action=AuditLog.Action.TRANSITION, obj=mandate, before=before, after=after, reason=reason)
    return change


# --------------------------------------------------------------------------------------------------
# Electoral districts and delegations (the sources a mandate refers to)


@transaction.atomic
def district_create(*, actor, congress: Congress, name: str, region: Region | None = None) -> ElectoralDistrict:
    congress = Congress.objects.select_related("region").get(pk=congress.pk)
    _require_region(actor, congress.region, field="congress")
    name = (name or "").strip()
    region = region or congress.region
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    if not region.path.startswith(congress.region.path):
        raise ValidationFailed(_("The district must lie within the congress's region."), field="region")
    if ElectoralDistrict.objects.filter(congress=congress, name=name).exists():
        raise ValidationFailed(_("This congress already has a district of this name."), field="name")
    district = ElectoralDistrict.objects.create(congress=congress, name=name, region=region)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=district, after=snapshot(district))
    return district


@transaction.atomic
def delegation_create(*, actor, congress: Congress, name: str) -> Delegation:
    congress = Congress.objects.select_related("region").get(pk=congress.pk)
    _require_region(actor, congress.region, field="congress")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    if Delegation.objects.filter(congress=congress, name=name).exists():
        raise ValidationFailed(_("This congress already has a delegation of this name."), field="name")
    delegation = Delegation.objects.create(congress=congress, name=name)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=delegation, after=snapshot(delegation))
    return delegation


# --------------------------------------------------------------------------------------------------
# Deputy groups


def _validate_group(group: DeputyGroup) -> None:
    group.name = (group.name or "").strip()
    if not group.name:
        raise ValidationFailed(_("The name is required."), field="name")
    clash = DeputyGroup.objects.filter(region_id=group.region_id, name=group.name)
    if group.pk:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise ValidationFailed(_("A group of this name already exists in the region."), field="name")
    if group.station_id is not None and not group.station.region_path.startswith(group.region.path):
        raise ValidationFailed(_("The home station must lie within the group's region."), field="station")


@transaction.atomic
def group_create(*, actor, name: str, region: Region, station=None) -> DeputyGroup:
    """A deputy group of a region; its members may come from congresses of several levels (003 §35)."""
    _require_region(actor, region)
    group = DeputyGroup(name=name, region=region, station=station)
    _validate_group(group)
    group.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=group, after=snapshot(group))
    return group


@transaction.atomic
def group_update(*, actor, group: DeputyGroup, data: dict[str, Any]) -> DeputyGroup:
    unknown = set(data) - {"name", "station"}
    if unknown:
        raise ValueError(f"cannot change group fields: {sorted(unknown)}")
    group = DeputyGroup.objects.select_for_update().select_related("region").get(pk=group.pk)
    _require_region(actor, group.region)
    before = snapshot(group)
    for key, value in data.items():
        setattr(group, key, value)
    _validate_group(group)
    group.save()
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=group, before=before, after=snapshot(group))
    return group


def _check_leader(group: DeputyGroup, position: str, *, exclude_pk: int | None = None) -> None:
    if position != GroupMembership.Position.LEADER:
        return
    leaders = GroupMembership.objects.filter(group=group, position=GroupMembership.Position.LEADER)
    if exclude_pk:
        leaders = leaders.exclude(pk=exclude_pk)
    leader = leaders.select_related("mandate").first()
    if leader is not None:
        raise GroupAlreadyHasLeader(
            _("%(name)s already leads this group. Make them a member first.") % {"name": leader.mandate.person_name},
            field="position",
        )


@transaction.atomic
def membership_add(
    *, actor, group: DeputyGroup, mandate: Mandate, position: str = GroupMembership.Position.MEMBER
) -> GroupMembership:
    """Add a serving deputy (by mandate) to a group, as member, deputy leader or its one leader."""
    group = DeputyGroup.objects.select_for_update().select_related("region").get(pk=group.pk)
    _require_region(actor, group.region)
    mandate = Mandate.objects.select_related("person").get(pk=mandate.pk)
    _require_person(actor, mandate.person)
    if position not in GroupMembership.Position.values:
        raise ValidationFailed(_("Choose a position."), field="position")
    if mandate.status != Mandate.Status.SERVING:
        raise NotServing(field="mandate")
    if GroupMembership.objects.filter(group=group, mandate=mandate).exists():
        raise AlreadyMember(field="mandate")
    _check_leader(group, position)
    membership = GroupMembership.objects.create(group=group, mandate=mandate, position=position)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=membership,
        object_repr=f"{group} · {mandate.person_name}",
        after=snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_set_position(*, actor, membership: GroupMembership, position: str) -> GroupMembership:
    membership = (
        GroupMembership.objects.select_for_update().select_related("group__region", "mandate").get(pk=membership.pk)
    )
    _require_region(actor, membership.group.region)
    if position not in GroupMembership.Position.values:
        raise ValidationFailed(_("Choose a position."), field="position")
    _check_leader(membership.group, position, exclude_pk=membership.pk)
    before = snapshot(membership)
    membership.position = position
    membership.save(update_fields=["position", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=membership,
        object_repr=f"{membership.group} · {membership.mandate.person_name}",
        before=before,
        after=snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: GroupMembership) -> None:
    membership = (
        GroupMembership.objects.select_for_update().select_related("group__region", "mandate").get(pk=membership.pk)
    )
    _require_region(actor, membership.group.region)
    before = snapshot(membership)
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=membership,
        object_repr=f"{membership.group} · {membership.mandate.person_name}",
        before=before,
    )
    membership.delete()


# --------------------------------------------------------------------------------------------------
# Households (联系户, 002 §3(3))


@transaction.atomic
def household_create(*, actor, name: str, kind: str, region: Region, phone: str = "", address: str = "") -> Household:
    """A household of one of the three kinds (prosperity leader, household in difficulty, local
    worthy). Its phone and address are a citizen's data: encrypted at rest, masked in the audit."""
    _require_region(actor, region)
    household = Household(name=name, kind=kind, region=region, phone=phone, address=address)
    _validate_household(household)
    household.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=household, after=snapshot(household))
    return household


HOUSEHOLD_FIELDS = ("name", "kind", "region", "phone", "address")


def _validate_household(household: Household) -> None:
    household.name = (household.name or "").strip()
    household.phone = normalize_phone(household.phone)
    household.address = (household.address or "").strip()
    if not household.name:
        raise ValidationFailed(_("The name is required."), field="name")
    if household.phone and not re.fullmatch(r"\+?\d{5,20}", household.phone):
        raise ValidationFailed(_("The phone number may contain only digits (5 to 20)."), field="phone")
    _full_clean(household)


@transaction.atomic
def household_update(*, actor, household: Household, data: dict[str, Any]) -> Household:
    """Change a household's fields (HOUSEHOLD_FIELDS). Moving it to another region needs both regions
    in the actor's scope."""
    unknown = set(data) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValueError(f"cannot change household fields: {sorted(unknown)}")
    household = Household.objects.select_for_update().select_related("region").get(pk=household.pk)
    _require_region(actor, household.region, field="household")
    if "region" in data:
        _require_region(actor, data["region"])
    before = snapshot(household)
    secrets = {f: getattr(household, f) for f in ("phone", "address")}
    for key, value in data.items():
        setattr(household, key, value)
    _validate_household(household)
    household.save()
    before, after = changed(before, snapshot(household))
    for name, old in secrets.items():  # masked in the snapshot: say that it changed, never to what
        if getattr(household, name) != old:
            before[name], after[name] = ("***" if old else ""), ("***" if getattr(household, name) else "")
    if after:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=household, before=before, after=after)
    return household


@transaction.atomic
def household_delete(*, actor, household: Household) -> None:
    """Delete a household entered by mistake; refused while it is linked to deputies (see the rules at
    the top of this module)."""
    household = Household.objects.select_for_update().select_related("region").get(pk=household.pk)
    _require_region(actor, household.region, field="household")
    if HouseholdLink.objects.filter(household=household).exists():
        raise HouseholdHasLinks()
    before = snapshot(household)
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=household, before=before)
    _delete_or_refuse(household, HouseholdInUse)


@transaction.atomic
def household_link(*, actor, household: Household, person: Person, since: datetime.date | None = None) -> HouseholdLink:
    """Link a household to a deputy (a person holding a serving mandate)."""
    household = Household.objects.select_for_update().select_related("region").get(pk=household.pk)
    _require_region(actor, household.region, field="household")
    _require_person(actor, person)
    if not Mandate.objects.filter(person=person, status=Mandate.Status.SERVING).exists():
        raise NotServing(_("Only a serving deputy can keep in touch with households."), field="person")
    if HouseholdLink.objects.filter(household=household, person=person).exists():
        raise HouseholdAlreadyLinked(field="person")
    link = HouseholdLink.objects.create(household=household, person=person, since=since or timezone.localdate())
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=link,
        object_repr=f"{household} · {person}",
        after=snapshot(link),
    )
    return link


@transaction.atomic
def household_unlink(*, actor, link: HouseholdLink) -> None:
    link = HouseholdLink.objects.select_for_update().select_related("household__region", "person").get(pk=link.pk)
    _require_region(actor, link.household.region, field="household")
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=link,
        object_repr=f"{link.household} · {link.person}",
        before=snapshot(link),
    )
    link.delete()


def _delete_or_refuse(obj, error: type[ValidationFailed]) -> None:
    """Delete a row whose own rules were checked; a reference from another part (PROTECT/RESTRICT)
    that the rules do not know of refuses the deletion with `error` instead of a 500."""
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise error() from exc


@transaction.atomic
def person_delete(*, actor, person: Person) -> None:
    """Delete a person recorded by mistake: one who never held a mandate, has no account role and is
    linked to nothing (see the rules at the top of this module). The photo file goes once committed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require_person(actor, person)
    if Mandate.objects.filter(person=person).exists():
        raise PersonHasMandates()
    from liaison.accounts.models import Role
    from liaison.stations.models import DutyAssignment, StationDeputy

    if Role.objects.filter(person=person).exists():
        raise PersonHasAccount()
    if (
        HouseholdLink.objects.filter(person=person).exists()
        or StationDeputy.objects.filter(person=person).exists()
        or DutyAssignment.objects.filter(person=person).exists()
    ):
        raise PersonInUse()
    before = snapshot(person)
    photo = person.photo.name if person.photo else ""
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=person, before=before)
    _delete_or_refuse(person, PersonInUse)
    if photo:
        storage = person.photo.storage
        transaction.on_commit(lambda: storage.delete(photo))


@transaction.atomic
def group_delete(*, actor, group: DeputyGroup) -> None:
    """Delete a deputy group created by mistake; refused while it has members (see the rules at the top
    of this module)."""
    group = DeputyGroup.objects.select_for_update().select_related("region").get(pk=group.pk)
    _require_region(actor, group.region)
    if GroupMembership.objects.filter(group=group).exists():
        raise GroupHasMembers()
    audit_record(actor=actor, action=AuditLog.Action.DELETE, obj=group, before=snapshot(group))
    _delete_or_refuse(group, GroupInUse)


def mandate_directory_refresh(*, mandates=None) -> int:
    """Fill the directory columns of mandates (name, pinyin and initials copied from the person;
    level and region path from the congress's region) in one UPDATE each, for bulk loaders that write
    rows without the services (demo data, gen_data). Returns the number of mandates updated."""
    from django.db.models import OuterRef, Subquery

    rows = Mandate.objects.all() if mandates is None else mandates
    person = Person.objects.filter(pk=OuterRef("person_id"))
    congress = Congress.objects.filter(pk=OuterRef("congress_id"))
    return rows.update(
        person_name=Subquery(person.values("name")[:1]),
        name_pinyin=Subquery(person.values("name_pinyin")[:1]),
        name_initials=Subquery(person.values("name_initials")[:1]),
        level=Subquery(congress.values("level")[:1]),
        region_path=Subquery(congress.values("region__path")[:1]),
    )
