"""Writes to the region tree, congresses and handling units."""

from django.db import transaction
from django.utils.translation import gettext as _

from liaison.core.audit import audit_record, snapshot
from liaison.core.exceptions import ValidationFailed
from liaison.core.models import AuditLog

from .models import LEVEL_ORDER, Congress, HandlingUnit, Level, Region, Term


def _child_level_ok(parent: Region | None, level: str) -> bool:
    if parent is None:
        return True
    return LEVEL_ORDER.index(Level(level)) > LEVEL_ORDER.index(Level(parent.level))


@transaction.atomic
def region_create(*, actor, name: str, code: str, level: str, parent: Region | None) -> Region:
    if not _child_level_ok(parent, level):
        raise ValidationFailed(_("A region must be below the level of its parent."), field="level")
    if Region.objects.filter(code=code).exists():
        raise ValidationFailed(_("This division code is already used."), field="code")
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
def region_update(*, actor, region: Region, name: str, code: str, reason: str = "") -> Region:
    if Region.objects.filter(code=code).exclude(pk=region.pk).exists():
        raise ValidationFailed(_("This division code is already used."), field="code")
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = snapshot(region)
    region.name, region.code = name, code
    region.save(update_fields=["name", "code", "updated_at"])
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=region, before=before, after=snapshot(region), reason=reason
    )
    return region


@transaction.atomic
def congress_create(*, actor, region: Region, name: str | None = None, motion_threshold: int | None = None) -> Congress:
    if region.level == Level.VILLAGE:
        raise ValidationFailed(_("Villages have no people's congress."), field="region")
    if Congress.objects.filter(region=region).exists():
        raise ValidationFailed(_("This region already has a congress."), field="region")
    congress = Congress.objects.create(
        region=region,
        name=name or _("%(region)s People's Congress") % {"region": region.name},
        level=region.level,
        motion_threshold=motion_threshold or (5 if region.level == Level.TOWNSHIP else 10),
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=congress, after=snapshot(congress))
    return congress


@transaction.atomic
def term_create(*, actor, congress: Congress, number: int, start_date, end_date) -> Term:
    if end_date <= start_date:
        raise ValidationFailed(_("The term must end after it starts."), field="end_date")
    if Term.objects.filter(congress=congress, number=number).exists():
        raise ValidationFailed(_("This term already exists."), field="number")
    overlapping = Term.objects.filter(congress=congress, start_date__lt=end_date, end_date__gt=start_date)
    if overlapping.exists():
        raise ValidationFailed(_("Terms of one congress cannot overlap."), field="start_date")
    term = Term.objects.create(congress=congress, number=number, start_date=start_date, end_date=end_date)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=term, after=snapshot(term))
    return term


@transaction.atomic
def unit_create(*, actor, region: Region, name: str, kind: str, parent: HandlingUnit | None = None) -> HandlingUnit:
    if HandlingUnit.objects.filter(region=region, name=name).exists():
        raise ValidationFailed(_("A unit with this name already exists in the region."), field="name")
    unit = HandlingUnit.objects.create(region=region, name=name, kind=kind, level=region.level, parent=parent)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=unit, after=snapshot(unit))
    return unit
