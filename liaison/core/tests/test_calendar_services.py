"""The calendar services: one day's entry, a pasted year, access, audit rows, and the deadline cache
following every change."""

import datetime

import pytest
from django.utils import translation

from liaison.core import deadlines, services
from liaison.core.exceptions import (
    CalendarDateOutOfRange,
    CalendarLinesInvalid,
    PermissionDenied,
    ValidationFailed,
)
from liaison.core.models import AuditLog, CalendarDay

D = datetime.date

SCHEDULE_2027 = """
# test data in the shape of a State Council notice (not the real 2027 schedule)
2027-01-01 holiday 元旦
2027-02-06~2027-02-12 holiday 春节
2027年2月14日 班 春节调休
2027/02/20, workday, 春节调休
2027-05-01..2027-05-05 休 劳动节
"""


def audit_rows(**filters):
    return AuditLog.objects.filter(model="core.CalendarDay", **filters)


# --- one day --------------------------------------------------------------------------------------
def test_save_creates_changes_and_audits(world):
    admin = world.users["sysadmin"]
    entry = services.calendar_day_save(
        actor=admin, date=D(2027, 1, 1), is_working_day=False, name=" 元旦 ", reason="国办通知"
    )
    assert (entry.date, entry.is_working_day, entry.name) == (D(2027, 1, 1), False, "元旦")
    created = audit_rows(action=AuditLog.Action.CREATE).get()
    assert created.actor == admin and created.reason == "国办通知" and created.after["is_working_day"] is False

    services.calendar_day_save(actor=admin, date=D(2027, 1, 1), is_working_day=True, name="元旦")
    assert CalendarDay.objects.get().is_working_day
    updated = audit_rows(action=AuditLog.Action.UPDATE).get()
    assert updated.before == {"is_working_day": False} and updated.after == {"is_working_day": True}

    services.calendar_day_save(actor=admin, date=D(2027, 1, 1), is_working_day=True, name="元旦")
    assert audit_rows().count() == 2  # nothing changed, nothing recorded


def test_delete_audits_and_the_date_follows_the_package_again(world):
    entry = services.calendar_day_save(actor=None, date=D(2026, 10, 8), is_working_day=False, name="更正")
    assert not deadlines.is_working_day(D(2026, 10, 8))
    services.calendar_day_delete(actor=world.users["sysadmin"], day=entry, reason="录错")
    assert not CalendarDay.objects.exists()
    deleted = audit_rows(action=AuditLog.Action.DELETE).get()
    assert deleted.before["name"] == "更正" and deleted.reason == "录错" and deleted.object_id == str(entry.pk)
    assert deadlines.is_working_day(D(2026, 10, 8))
    services.calendar_day_delete(actor=None, day=entry)  # already gone: nothing happens
    assert audit_rows(action=AuditLog.Action.DELETE).count() == 1


@pytest.mark.parametrize("who", ["officer", "secadmin", "auditor", "leader", "unit", "nobody"])
def test_only_the_system_administrator_writes(world, who):
    actor = world.users[who]
    with pytest.raises(PermissionDenied):
        services.calendar_day_save(actor=actor, date=D(2027, 1, 1), is_working_day=False)
    with pytest.raises(PermissionDenied):
        services.calendar_year_import(actor=actor, year=2027, text="2027-01-01 holiday 元旦")
    entry = services.calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=False)
    with pytest.raises(PermissionDenied):
        services.calendar_day_delete(actor=actor, day=entry)
    assert CalendarDay.objects.count() == 1 and audit_rows().count() == 1


def test_save_validates(db):
    with pytest.raises(CalendarDateOutOfRange):
        services.calendar_day_save(actor=None, date=D(1999, 12, 31), is_working_day=False)
    with pytest.raises(ValidationFailed) as error:
        services.calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=False, name="节" * 51)
    assert error.value.field == "name"
    assert not CalendarDay.objects.exists()


def test_a_change_reaches_the_deadlines_at_once_and_again_on_commit(db, django_capture_on_commit_callbacks):
    assert deadlines.is_working_day(D(2027, 1, 1))  # cached: an unknown year, a Friday
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=False, name="元旦")
        assert not deadlines.is_working_day(D(2027, 1, 1))
    assert deadlines.clear_cache in callbacks


# --- a pasted year --------------------------------------------------------------------------------
def test_parse_schedule_reads_ranges_words_and_date_spellings():
    lines = services.parse_schedule(SCHEDULE_2027, year=2027)
    by_date = {line.date: line for line in lines}
    assert len(lines) == 1 + 7 + 1 + 1 + 5
    assert by_date[D(2027, 2, 9)].name == "春节" and not by_date[D(2027, 2, 9)].is_working_day
    assert by_date[D(2027, 2, 14)].is_working_day and by_date[D(2027, 2, 20)].name == "春节调休"
    assert [line.date for line in lines] == sorted(by_date)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2027-13-01 holiday x", "Line 1"),
        ("2027-02-30 holiday x", "Line 1"),
        ("\n2026-12-31 holiday 元旦前", "Line 2"),  # not in the year
        ("2027-01-01 maybe 元旦", "maybe"),
        ("元旦 2027-01-01", "Line 1"),
        ("2027-01-01 holiday a\n2027-01-01 workday b", "2027-01-01"),
        ("2027-02-11~2027-02-06 holiday 春节", "Line 1"),
        ("2027-01-01~2027-03-01 holiday too long", "Line 1"),
        ("# only a comment\n\n", "at least one"),
        ("2027-01-01 holiday " + "节" * 51, "Line 1"),
    ],
)
def test_parse_schedule_names_every_bad_line(text, fragment):
    with translation.override("en"), pytest.raises(CalendarLinesInvalid) as error:
        services.parse_schedule(text, year=2027)
    assert any(fragment in message for message in error.value.errors["text"]), error.value.errors


def test_parse_schedule_reports_all_bad_lines_at_once():
    with pytest.raises(CalendarLinesInvalid) as error:
        services.parse_schedule("2027-01-01 holiday ok\nbad\n2027-01-02 holiday ok\nworse", year=2027)
    assert len(error.value.errors["text"]) == 2


def test_import_creates_changes_and_records(world):
    admin = world.users["sysadmin"]
    services.calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=True, name="待改")
    services.calendar_day_save(actor=None, date=D(2027, 5, 1), is_working_day=False, name="劳动节")
    result = services.calendar_year_import(actor=admin, year=2027, text=SCHEDULE_2027, reason="国办发明电〔2026〕")
    assert result == services.ImportResult(created=13, updated=1, unchanged=1, removed=0)
    assert CalendarDay.objects.count() == 15
    assert audit_rows(action=AuditLog.Action.CREATE, actor=admin).count() == 13
    assert audit_rows(action=AuditLog.Action.UPDATE, actor=admin).count() == 1
    summary = audit_rows(action=AuditLog.Action.IMPORT).get()
    assert summary.after == {"year": 2027, "replace": False, "created": 13, "updated": 1, "unchanged": 1, "removed": 0}
    assert summary.reason == "国办发明电〔2026〕" and summary.object_id == "2027"
    # the deadlines follow at once
    assert deadlines.calendar_known(D(2027, 7, 1))
    assert deadlines.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 14)


def test_import_with_replace_deletes_the_years_other_entries_only(world):
    services.calendar_day_save(actor=None, date=D(2027, 10, 1), is_working_day=False, name="国庆节")
    services.calendar_day_save(actor=None, date=D(2028, 1, 1), is_working_day=False, name="元旦")
    result = services.calendar_year_import(
        actor=world.users["sysadmin"], year=2027, text="2027-01-01 holiday 元旦", replace=True
    )
    assert result.removed == 1 and result.created == 1
    assert set(CalendarDay.objects.values_list("date", flat=True)) == {D(2027, 1, 1), D(2028, 1, 1)}
    assert audit_rows(action=AuditLog.Action.DELETE).get().before["name"] == "国庆节"


def test_a_bad_import_changes_nothing(world):
    services.calendar_day_save(actor=None, date=D(2027, 10, 1), is_working_day=False, name="国庆节")
    before = AuditLog.objects.count()
    with pytest.raises(CalendarLinesInvalid):
        services.calendar_year_import(
            actor=world.users["sysadmin"], year=2027, text="2027-01-01 holiday 元旦\nnonsense", replace=True
        )
    assert list(CalendarDay.objects.values_list("name", flat=True)) == ["国庆节"]
    assert AuditLog.objects.count() == before
    with pytest.raises(CalendarDateOutOfRange):
        services.calendar_year_import(actor=None, year=1990, text="1990-01-01 holiday 元旦")
