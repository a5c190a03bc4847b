"""Writes to the records kept in core: the administrator's entries of the working-day calendar, and
the rebuild of blind indexes after the encryption settings change.

Every calendar function takes the acting user as `actor` (None for the system itself: commands, tests),
checks `core.manage_calendar` (the system administrator), validates, changes and writes the audit record
in the same transaction. The blind-index rebuild is a maintenance task run by `manage.py reindex_blind`
(actor None), not offered on any page. The deadline arithmetic (liaison.core.deadlines) caches the entries per process:
each write clears that cache at once and again on commit; other processes pick the change up within
CALENDAR_CACHE_SECONDS.

Decisions worth knowing:
- A day is identified by its date: saving a date that has an entry changes it; to move an entry,
  delete it and add the new date.
- A pasted schedule is read completely before anything is written: one bad line and nothing is
  saved, with every bad line named. With `replace`, the year's entries that the text does not list are
  deleted (the State Council re-issued its notice).
"""

import datetime
import re
from dataclasses import dataclass

import rules
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from . import deadlines
from .audit import audit_record, snapshot
from .crypto import NORMALIZERS, blind_index
from .exceptions import CalendarDateOutOfRange, CalendarLinesInvalid, Conflict, PermissionDenied, ValidationFailed
from .models import AuditLog, CalendarDay

FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_MAX = CalendarDay._meta.get_field("name").max_length
MAX_LINES = 400

WORKING_WORDS = {"workday", "work", "working", "班", "上班", "调休上班"}
REST_WORDS = {"holiday", "rest", "off", "休", "放假", "休息", "假"}
_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|\.\.|至)\s*{_DATE})?[\s,，、]+([^\s,，、]+)(?:[\s,，、]+(.*))?$")


def _require(actor) -> None:
    if actor is not None and not rules.has_perm("core.manage_calendar", actor):
        raise PermissionDenied()


def _clear_cache() -> None:
    deadlines.clear_cache()
    transaction.on_commit(deadlines.clear_cache)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("Keep the name within %(count)d characters.") % {"count": NAME_MAX}, field="name")
    return name


def _check_date(day: datetime.date) -> None:
    if not isinstance(day, datetime.date) or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarDateOutOfRange(field="date")


def _write(*, actor, day: datetime.date, is_working_day: bool, name: str, existing: CalendarDay | None, reason: str):
    """Create or change one entry (its row already locked when it exists); returns the entry and
    whether anything changed."""
    if existing is None:
        try:
            with transaction.atomic():
                entry = CalendarDay.objects.create(date=day, is_working_day=is_working_day, name=name)
        except IntegrityError:
            raise Conflict() from None
        audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=entry, after=snapshot(entry), reason=reason)
        return entry, True
    if existing.is_working_day == is_working_day and existing.name == name:
        return existing, False
    before = snapshot(existing)
    existing.is_working_day, existing.name = is_working_day, name
    existing.save(update_fields=["is_working_day", "name", "updated_at"])
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=existing, before=before, after=snapshot(existing), reason=reason
    )
    return existing, True


def _remove(*, actor, row: CalendarDay, reason: str) -> None:
    """Delete one entry (its row already locked) and record it."""
    before, pk, text = snapshot(row), row.pk, str(row)
    row.delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        model=CalendarDay._meta.label,
        object_id=pk,
        object_repr=text,
        before=before,
        reason=reason,
    )


@transaction.atomic
def calendar_day_save(
    *, actor, date: datetime.date, is_working_day: bool, name: str = "", reason: str = ""
) -> CalendarDay:
    """Enter a date as a working day (调休上班) or a holiday/rest day (放假), or change its entry."""
    _require(actor)
    _check_date(date)
    name = _clean_name(name)
    existing = CalendarDay.objects.select_for_update().filter(date=date).first()
    entry, changed = _write(
        actor=actor, day=date, is_working_day=bool(is_working_day), name=name, existing=existing, reason=reason
    )
    if changed:
        _clear_cache()
    return entry


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay, reason: str = "") -> None:
    """Remove an entry: the date follows the package (or Monday to Friday) again."""
    _require(actor)
    locked = CalendarDay.objects.select_for_update().filter(pk=day.pk).first()
    if locked is None:
        return
    _remove(actor=actor, row=locked, reason=reason)
    _clear_cache()


# --- a year's schedule pasted as lines ---------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleLine:
    date: datetime.date
    is_working_day: bool
    name: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    removed: int


def _date(groups) -> datetime.date:
    return datetime.date(int(groups[0]), int(groups[1]), int(groups[2]))


def parse_schedule(text: str, *, year: int) -> list[ScheduleLine]:
    """Read lines such as `2027-01-01 holiday 元旦`, `2027-02-07 workday 春节调休` or a range
    `2027-02-05~2027-02-11 休 春节`. Blank lines and lines starting with # are skipped. Raises
    CalendarLinesInvalid naming every line that is not understood, outside `year` or repeated."""
    problems: list[str] = []
    found: dict[datetime.date, ScheduleLine] = {}
    lines = (text or "").splitlines()
    if len(lines) > MAX_LINES:
        raise CalendarLinesInvalid(errors={"text": [_("Paste at most %(count)d lines.") % {"count": MAX_LINES}]})
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            problems.append(_("Line %(line)d: write a date, then holiday or workday, then a name.") % {"line": number})
            continue
        groups = match.groups()
        word, name = groups[6].lower(), (groups[7] or "").strip()
        if word in WORKING_WORDS:
            working = True
        elif word in REST_WORDS:
            working = False
        else:
            problems.append(
                _("Line %(line)d: “%(word)s” is neither holiday nor workday.") % {"line": number, "word": word}
            )
            continue
        try:
            first = _date(groups[0:3])
            last = _date(groups[3:6]) if groups[3] else first
        except ValueError:
            problems.append(_("Line %(line)d: there is no such date.") % {"line": number})
            continue
        if last < first or (last - first).days > 31:
            problems.append(_("Line %(line)d: a range must run forward and span at most a month.") % {"line": number})
            continue
        if first.year != year or last.year != year:
            problems.append(_("Line %(line)d: the date is not in %(year)d.") % {"line": number, "year": year})
            continue
        if len(name) > NAME_MAX:
            problems.append(
                _("Line %(line)d: keep the name within %(count)d characters.") % {"line": number, "count": NAME_MAX}
            )
            continue
        day = first
        while day <= last:
            if day in found:
                problems.append(
                    _("Line %(line)d: %(date)s is listed twice.") % {"line": number, "date": day.isoformat()}
                )
            found[day] = ScheduleLine(date=day, is_working_day=working, name=name)
            day += deadlines.ONE_DAY
    if problems:
        raise CalendarLinesInvalid(errors={"text": problems})
    if not found:
        raise CalendarLinesInvalid(errors={"text": [_("Paste at least one line.")]})
    return sorted(found.values(), key=lambda entry: entry.date)


@transaction.atomic
def calendar_year_import(*, actor, year: int, text: str, replace: bool = False, reason: str = "") -> ImportResult:
    """Enter a year's schedule from pasted lines (see `parse_schedule`): each listed date is created or
    changed; with `replace`, the year's other entries are deleted. One audit row per changed date and
    one for the import as a whole."""
    _require(actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarDateOutOfRange(field="year")
    entries = parse_schedule(text, year=year)
    existing = {
        row.date: row
        for row in CalendarDay.objects.select_for_update().filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        )
    }
    created = updated = unchanged = removed = 0
    for entry in entries:
        current = existing.pop(entry.date, None)
        _row, changed = _write(
            actor=actor,
            day=entry.date,
            is_working_day=entry.is_working_day,
            name=entry.name,
            existing=current,
            reason=reason,
        )
        if current is None:
            created += 1
        elif changed:
            updated += 1
        else:
            unchanged += 1
    if replace:
        for row in existing.values():
            _remove(actor=actor, row=row, reason=reason)
            removed += 1
    result = ImportResult(created=created, updated=updated, unchanged=unchanged, removed=removed)
    audit_record(
        actor=actor,
        action=AuditLog.Action.IMPORT,
        model=CalendarDay._meta.label,
        object_id=year,
        object_repr=str(year),
        after={"year": year, "replace": replace, **result.__dict__},
        reason=reason,
    )
    _clear_cache()
    return result


# --- blind indexes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlindIndexColumn:
    """A column holding `blind_index(<source>, kind=<kind>)` of an encrypted column of the same row."""

    index: str
    source: str
    kind: str


def blind_index_rebuild(*, actor, model: type[models.Model], columns: list[BlindIndexColumn], batch: int = 500) -> int:
    """Recompute blind-index columns from their encrypted sources, after NATIONAL_CRYPTO or the index
    key changed (liaison.core.crypto). Batches of `batch` rows by primary key, each locked and written in
    its own transaction, so a large table neither holds one long lock nor starts over after a failure.
    Returns the number of rows changed; one audit row records the rebuild."""
    if not columns:
        raise ValidationFailed(_("Name at least one index column."))
    for column in columns:
        for name in (column.index, column.source):
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                raise ValidationFailed(
                    _("%(model)s has no field %(field)s.") % {"model": model._meta.label, "field": name}
                ) from None
        if column.kind not in NORMALIZERS:
            raise ValidationFailed(_("Unknown index kind %(kind)s.") % {"kind": column.kind})
    names = ["pk", *{c.index for c in columns}, *{c.source for c in columns}]
    manager, last, changed = model._default_manager, None, 0
    while True:
        with transaction.atomic():
            rows = manager.select_for_update().order_by("pk").only(*names)
            rows = list((rows.filter(pk__gt=last) if last is not None else rows)[:batch])
            if not rows:
                break
            dirty = []
            for row in rows:
                fresh = {c.index: blind_index(getattr(row, c.source) or "", kind=c.kind) for c in columns}
                if any(getattr(row, name) != value for name, value in fresh.items()):
                    for name, value in fresh.items():
                        setattr(row, name, value)
                    dirty.append(row)
            if dirty:
                manager.bulk_update(dirty, [c.index for c in columns])
            changed += len(dirty)
            last = rows[-1].pk
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditLog.Action.SECURITY,
            model=model._meta.label,
            object_repr=_("blind indexes rebuilt"),
            after={"columns": [c.index for c in columns], "changed": changed},
        )
    return changed
