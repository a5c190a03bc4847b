"""Writes to the region tree, congresses, terms, sessions, organs and handling units.

Every function here validates first, changes, then writes the audit record in the same transaction.
Who may call them (scope, role) is checked by the adapters through `selectors.*_for_edit`, which load
an object and check access in one step; `actor=None` means the system itself (demo and scale data).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core.audit import audit_record, snapshot
from liaison.core.exceptions import ValidationFailed
from liaison.core.models import AuditLog

from .models import LEVEL_ORDER, Congress, HandlingUnit, Level, Organ, Region, Session, Term
from .selectors import clear_congress_cache

UNSET = object()  # "leave this field as it is" for optional keyword arguments


# --- helpers ------------------------------------------------------------------------------------------


def _clean_text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("Use at most %(max)d characters.") % {"max": max_length},
            field=field,
        )
    return text


def _check_choice(value: str, choices, *, field: str) -> str:
    if value not in {c for c, _label in choices}:
        raise ValidationFailed(_("Choose one of the offered values."), field=field)
    return value


def _child_level_ok(parent: Region | None, level: str) -> bool:
    if parent is None:
        return True
    return LEVEL_ORDER.index(Level(level)) > LEVEL_ORDER.index(Level(parent.level))


def _clean_code(code: str | None) -> str:
    code = _clean_text(code, field="code", max_length=12)
    if not code.isdigit():
        raise ValidationFailed(_("A division code is made of digits only."), field="code")
    return code


def _check_sibling_name(*, name: str, parent: Region | None, exclude_pk: int | None = None) -> None:
    siblings = Region.objects.filter(parent=parent, name=name)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.exists():
        raise ValidationFailed(_("Another region with this name already exists under the same parent."), field="name")


def _update(obj, fields: dict, *, actor, reason: str = ""):
    """Apply changed fields to a locked row, save them and write the audit record."""
    before = snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save(update_fields=[*fields.keys(), "updated_at"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=obj, before=before, after=snapshot(obj), reason=reason)
    return obj


# --- regions ------------------------------------------------------------------------------------------


@transaction.atomic
def region_create(*, actor, name: str, code: str, level: str, parent: Region | None) -> Region:
    name = _clean_text(name, field="name", max_length=100)
    code = _clean_code(code)
    _check_choice(level, Level.choices, field="level")
    if not _child_level_ok(parent, level):
        raise ValidationFailed(_("A region must be below the level of its parent."), field="level")
    if parent is not None:
        parent = Region.objects.select_for_update().get(pk=parent.pk)  # serialises sibling names
    if Region.objects.filter(code=code).exists():
        raise ValidationFailed(_("This division code is already used."), field="code")
    _check_sibling_name(name=name, parent=parent)
    region = Region(name=name, code=code, level=level, parent=parent)
    region.path = ""  # set after the id is known
    region.depth = (parent.depth + 1) if parent else 0
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=region, after=snapshot(region))
    return region


@transaction.atomic
def region_move(*, actor, region: Region, new_parent: Region | None, reason: str = "") -> Region:
    """Hang a region (and its subtree) under another parent. A region cannot move below itself."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    if new_parent is not None:
        new_parent = Region.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(region.path):
            raise ValidationFailed(_("A region cannot be placed inside itself or its own subtree."), field="parent")
        if not _child_level_ok(new_parent, region.level):
            raise ValidationFailed(_("A region must be below the level of its parent."), field="parent")
    if region.parent_id == (new_parent.pk if new_parent else None):
        return region
    _check_sibling_name(name=region.name, parent=new_parent, exclude_pk=region.pk)
    before = snapshot(region)
    old_path = region.path
    new_path = f"{new_parent.path if new_parent else '/'}{region.pk}/"
    depth_delta = ((new_parent.depth + 1) if new_parent else 0) - region.depth
    for node in Region.objects.filter(path__startswith=old_path).select_for_update():
        node.path = new_path + node.path[len(old_path) :]
        node.depth += depth_delta
        if node.pk == region.pk:
            node.parent = new_parent
        node.save(update_fields=["path", "depth", "parent", "updated_at"])
    _repath_dependents(old_path, new_path)
    clear_congress_cache()  # the congresses' paths, as for a new congress
    transaction.on_commit(clear_congress_cache)
    region.refresh_from_db()
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=region, before=before, after=snapshot(region), reason=reason
    )
    return region


def _repath_dependents(old_path: str, new_path: str) -> None:
    """Rows that copy a region path for fast filtering follow the move."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    from liaison.deputies.models import Mandate
    from liaison.stations.models import Station

    for model in (Mandate, Station):
        model.objects.filter(region_path__startswith=old_path).update(
            region_path=Concat(Value(new_path), Substr(F("region_path"), len(old_path) + 1))
        )


@transaction.atomic
def region_update(*, actor, region: Region, name: str, code: str, parent=UNSET, reason: str = "") -> Region:
    """Rename a region or change its code; with `parent` given and different, also move it
    (see `region_move`), all in one transaction."""
    name = _clean_text(name, field="name", max_length=100)
    code = _clean_code(code)
    if Region.objects.filter(code=code).exclude(pk=region.pk).exists():
        raise ValidationFailed(_("This division code is already used."), field="code")
    region = Region.objects.select_for_update().get(pk=region.pk)
    target_parent = region.parent if parent is UNSET else parent
    _check_sibling_name(name=name, parent=target_parent, exclude_pk=region.pk)
    if (region.name, region.code) != (name, code):
        region = _update(region, {"name": name, "code": code}, actor=actor, reason=reason)
    if parent is not UNSET and region.parent_id != (parent.pk if parent else None):
        region = region_move(actor=actor, region=region, new_parent=parent, reason=reason)
    return region


# --- congresses ---------------------------------------------------------------------------------------


def _clean_threshold(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or number > 1000:
        raise ValidationFailed(
            _("The number of co-signers needed for a motion must be between 1 and 1000."),
            field="motion_threshold",
        )
    return number


@transaction.atomic
def congress_create(*, actor, region: Region, name: str | None = None, motion_threshold: int | None = None) -> Congress:
    region = Region.objects.select_for_update().get(pk=region.pk)  # one congress per region
    if region.level == Level.VILLAGE:
        raise ValidationFailed(_("Villages have no people's congress."), field="region")
    if Congress.objects.filter(region=region).exists():
        raise ValidationFailed(_("This region already has a congress."), field="region")
    name = _clean_text(name, field="name", max_length=150, required=False) or (
        _("%(region)s People's Congress") % {"region": region.name}
    )
    if motion_threshold is None:
        motion_threshold = 5 if region.level == Level.TOWNSHIP else 10
    congress = Congress.objects.create(
        region=region, name=name, level=region.level, motion_threshold=_clean_threshold(motion_threshold)
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=congress, after=snapshot(congress))
    clear_congress_cache()  # opinions about the region now go to its congress: here at once, and
    transaction.on_commit(clear_congress_cache)  # again once committed (a read meanwhile saw none)
    return congress


@transaction.atomic
def congress_update(*, actor, congress: Congress, name: str, motion_threshold: int, reason: str = "") -> Congress:
    name = _clean_text(name, field="name", max_length=150)
    threshold = _clean_threshold(motion_threshold)
    congress = Congress.objects.select_for_update().get(pk=congress.pk)
    return _update(congress, {"name": name, "motion_threshold": threshold}, actor=actor, reason=reason)


# --- terms --------------------------------------------------------------------------------------------


def _clean_number(value, *, field: str = "number") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or number > 999:
        raise ValidationFailed(_("Enter a whole number from 1 to 999."), field=field)
    return number


def _require_date(value, *, field: str) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(_("Enter a valid date."), field=field)
    return value


def _check_term(*, congress: Congress, number: int, start_date, end_date, exclude_pk: int | None = None) -> None:
    _require_date(start_date, field="start_date")
    _require_date(end_date, field="end_date")
    if end_date <= start_date:
        raise ValidationFailed(_("The term must end after it starts."), field="end_date")
    others = Term.objects.filter(congress=congress)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.filter(number=number).exists():
        raise ValidationFailed(_("This term already exists."), field="number")
    if others.filter(start_date__lt=end_date, end_date__gt=start_date).exists():
        raise ValidationFailed(_("Terms of one congress cannot overlap."), field="start_date")


@transaction.atomic
def term_create(*, actor, congress: Congress, number: int, start_date, end_date) -> Term:
    number = _clean_number(number)
    congress = Congress.objects.select_for_update().get(pk=congress.pk)  # serialises numbering
    _check_term(congress=congress, number=number, start_date=start_date, end_date=end_date)
    term = Term.objects.create(congress=congress, number=number, start_date=start_date, end_date=end_date)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=term, after=snapshot(term))
    return term


@transaction.atomic
def term_update(*, actor, term: Term, number: int, start_date, end_date, reason: str = "") -> Term:
    number = _clean_number(number)
    term = Term.objects.select_for_update().get(pk=term.pk)
    _check_term(congress=term.congress, number=number, start_date=start_date, end_date=end_date, exclude_pk=term.pk)
    outside = term.sessions.exclude(start_date__gte=start_date, end_date__lte=end_date)
    if outside.exists():
        raise ValidationFailed(
            _("Sessions of this term would fall outside the new dates: %(sessions)s.")
            % {"sessions": ", ".join(str(s.number) for s in outside.order_by("number"))},
            field="start_date",
        )
    return _update(term, {"number": number, "start_date": start_date, "end_date": end_date}, actor=actor, reason=reason)


# --- sessions -----------------------------------------------------------------------------------------


def _check_session(
    *,
    term: Term,
    number: int,
    start_date,
    end_date,
    notice_date,
    motion_deadline,
    exclude_pk: int | None = None,
) -> None:
    _require_date(start_date, field="start_date")
    _require_date(end_date, field="end_date")
    if end_date < start_date:
        raise ValidationFailed(_("A session cannot close before it opens."), field="end_date")
    if start_date < term.start_date or end_date > term.end_date:
        raise ValidationFailed(
            _("A session must take place within its term (%(start)s to %(end)s).")
            % {"start": term.start_date.isoformat(), "end": term.end_date.isoformat()},
            field="start_date",
        )
    if notice_date is not None:
        _require_date(notice_date, field="notice_date")
        if notice_date >= start_date:
            raise ValidationFailed(
                _("The notice to deputies must be sent before the opening day."), field="notice_date"
            )
    if motion_deadline is not None:
        if not isinstance(motion_deadline, datetime.datetime):
            raise ValidationFailed(_("Enter a valid date and time."), field="motion_deadline")
        local = timezone.localtime(motion_deadline) if timezone.is_aware(motion_deadline) else motion_deadline
        if local.date() > end_date:
            raise ValidationFailed(
                _("The deadline for motions cannot be after the session closes."), field="motion_deadline"
            )
    others = Session.objects.filter(term=term)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.filter(number=number).exists():
        raise ValidationFailed(_("This term already has a session with this number."), field="number")
    if others.filter(start_date__lte=end_date, end_date__gte=start_date).exists():
        raise ValidationFailed(_("Sessions of one term cannot overlap."), field="start_date")


def session_notice_warning(session: Session) -> str | None:
    """A warning (not an error) when deputies were notified fewer than 15 days before (003 §4)."""
    if session.notice_short:
        from .models import SESSION_NOTICE_MIN_DAYS

        return _("The notice went out %(days)d days before the opening; 003 §4 asks for at least %(min)d days.") % {
            "days": session.notice_days,
            "min": SESSION_NOTICE_MIN_DAYS,
        }
    return None


@transaction.atomic
def session_create(
    *,
    actor,
    term: Term,
    number: int,
    start_date,
    end_date,
    notice_date=None,
    motion_deadline=None,
) -> Session:
    number = _clean_number(number)
    term = Term.objects.select_for_update().get(pk=term.pk)  # serialises numbering within the term
    _check_session(
        term=term,
        number=number,
        start_date=start_date,
        end_date=end_date,
        notice_date=notice_date,
        motion_deadline=motion_deadline,
    )
    session = Session.objects.create(
        term=term,
        number=number,
        start_date=start_date,
        end_date=end_date,
        notice_date=notice_date,
        motion_deadline=motion_deadline,
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=session, after=snapshot(session))
    return session


@transaction.atomic
def session_update(
    *,
    actor,
    session: Session,
    number: int,
    start_date,
    end_date,
    notice_date=None,
    motion_deadline=None,
    reason: str = "",
) -> Session:
    number = _clean_number(number)
    session = Session.objects.select_for_update(of=("self",)).select_related("term").get(pk=session.pk)
    _check_session(
        term=session.term,
        number=number,
        start_date=start_date,
        end_date=end_date,
        notice_date=notice_date,
        motion_deadline=motion_deadline,
        exclude_pk=session.pk,
    )
    fields = {
        "number": number,
        "start_date": start_date,
        "end_date": end_date,
        "notice_date": notice_date,
        "motion_deadline": motion_deadline,
    }
    return _update(session, fields, actor=actor, reason=reason)


# --- organs -------------------------------------------------------------------------------------------

# Township congresses have no standing committee and no special committees (Organic Law of local
# congresses: only congresses at county level and above set them up).
COUNTY_AND_ABOVE_ONLY = {Organ.Kind.STANDING_COMMITTEE, Organ.Kind.SPECIAL_COMMITTEE}
ONE_PER_CONGRESS = {Organ.Kind.STANDING_COMMITTEE, Organ.Kind.PRESIDIUM}


def _check_organ(*, congress: Congress, kind: str, name: str, parent: Organ | None, organ: Organ | None = None) -> None:
    _check_choice(kind, Organ.Kind.choices, field="kind")
    if kind in COUNTY_AND_ABOVE_ONLY and congress.level == Level.TOWNSHIP:
        raise ValidationFailed(_("A township congress has no standing committee or special committees."), field="kind")
    others = Organ.objects.filter(congress=congress)
    if organ is not None:
        others = others.exclude(pk=organ.pk)
    if others.filter(name=name).exists():
        raise ValidationFailed(_("This congress already has an organ with this name."), field="name")
    if kind in ONE_PER_CONGRESS and others.filter(kind=kind).exists():
        raise ValidationFailed(_("A congress has only one organ of this kind."), field="kind")
    if parent is not None:
        if parent.congress_id != congress.pk:
            raise ValidationFailed(_("An organ can only be part of an organ of the same congress."), field="parent")
        if organ is not None:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == organ.pk:
                    raise ValidationFailed(_("An organ cannot be part of itself or of its own parts."), field="parent")
                seen.add(node.pk)
                node = node.parent


@transaction.atomic
def organ_create(*, actor, congress: Congress, kind: str, name: str, parent: Organ | None = None) -> Organ:
    name = _clean_text(name, field="name", max_length=150)
    congress = Congress.objects.select_for_update().get(pk=congress.pk)  # serialises names and kinds
    _check_organ(congress=congress, kind=kind, name=name, parent=parent)
    organ = Organ.objects.create(congress=congress, kind=kind, name=name, parent=parent)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=organ, after=snapshot(organ))
    return organ


@transaction.atomic
def organ_update(*, actor, organ: Organ, kind: str, name: str, parent: Organ | None = None, reason: str = "") -> Organ:
    name = _clean_text(name, field="name", max_length=150)
    organ = Organ.objects.select_for_update(of=("self",)).select_related("congress").get(pk=organ.pk)
    _check_organ(congress=organ.congress, kind=kind, name=name, parent=parent, organ=organ)
    return _update(organ, {"kind": kind, "name": name, "parent": parent}, actor=actor, reason=reason)


# --- handling units -----------------------------------------------------------------------------------


def _check_unit(
    *, region: Region, name: str, kind: str, parent: HandlingUnit | None, unit: HandlingUnit | None = None
) -> None:
    _check_choice(kind, HandlingUnit.Kind.choices, field="kind")
    others = HandlingUnit.objects.filter(region=region, name=name)
    if unit is not None:
        others = others.exclude(pk=unit.pk)
    if others.exists():
        raise ValidationFailed(_("A unit with this name already exists in the region."), field="name")
    if parent is not None:
        if parent.region_id != region.pk:
            raise ValidationFailed(_("A unit can only be a department of a unit of the same region."), field="parent")
        if not parent.is_active:
            raise ValidationFailed(_("A unit cannot be a department of an inactive unit."), field="parent")
        if unit is not None:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == unit.pk:
                    raise ValidationFailed(
                        _("A unit cannot be a department of itself or of its own departments."), field="parent"
                    )
                seen.add(node.pk)
                node = node.parent


@transaction.atomic
def unit_create(*, actor, region: Region, name: str, kind: str, parent: HandlingUnit | None = None) -> HandlingUnit:
    name = _clean_text(name, field="name", max_length=150)
    region = Region.objects.select_for_update().get(pk=region.pk)  # serialises names in the region
    _check_unit(region=region, name=name, kind=kind, parent=parent)
    unit = HandlingUnit.objects.create(region=region, name=name, kind=kind, level=region.level, parent=parent)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=unit, after=snapshot(unit))
    return unit


@transaction.atomic
def unit_update(
    *, actor, unit: HandlingUnit, name: str, kind: str, parent: HandlingUnit | None = None, reason: str = ""
) -> HandlingUnit:
    name = _clean_text(name, field="name", max_length=150)
    unit = HandlingUnit.objects.select_for_update(of=("self",)).select_related("region").get(pk=unit.pk)
    _check_unit(region=unit.region, name=name, kind=kind, parent=parent, unit=unit)
    return _update(unit, {"name": name, "kind": kind, "parent": parent}, actor=actor, reason=reason)


@transaction.atomic
def unit_deactivate(*, actor, unit: HandlingUnit, reason: str = "") -> HandlingUnit:
    """Retire a unit: it keeps its history but receives no new assignments."""
    unit = HandlingUnit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationFailed(_("This unit is already inactive."), field="is_active")
    if unit.departments.filter(is_active=True).exists():
        raise ValidationFailed(_("Deactivate the departments of this unit first."), field="is_active")
    return _update(unit, {"is_active": False}, actor=actor, reason=reason)


@transaction.atomic
def unit_reactivate(*, actor, unit: HandlingUnit, reason: str = "") -> HandlingUnit:
    unit = HandlingUnit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=unit.pk)
    if unit.is_active:
        raise ValidationFailed(_("This unit is already active."), field="is_active")
    if unit.parent is not None and not unit.parent.is_active:
        raise ValidationFailed(_("Reactivate the unit it belongs to first."), field="is_active")
    return _update(unit, {"is_active": True}, actor=actor, reason=reason)
