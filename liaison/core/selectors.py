"""Reads of the records kept in core: the working-day calendar of a year as the administrator sees it
(what the package says, what was entered, what counts). Read straight from the database, not from the
deadline module's cache, so the page shows the truth right after a change."""

import calendar
import datetime
from dataclasses import dataclass, field

from .deadlines import PACKAGE_NAMES, package_schedule
from .exceptions import NotFound
from .models import CalendarDay


class YearStatus:
    PACKAGE = "package"  # the chinesecalendar package covers the year
    ENTERED = "entered"  # an administrator entered the year's schedule
    UNKNOWN = "unknown"  # weekends only


@dataclass
class CalendarCell:
    day: datetime.date
    in_month: bool
    is_working_day: bool = True
    kind: str = "normal"  # normal | weekend | holiday | makeup (a working weekend day)
    name: str = ""
    entered: bool = False


@dataclass
class SpecialDay:
    """A day that is not plain Monday-to-Friday work or a plain weekend, or has an entry."""

    day: datetime.date
    package: bool | None  # what the package says (None: the package does not cover the year)
    package_name: str
    entry: CalendarDay | None
    is_working_day: bool

    @property
    def agrees(self) -> bool:
        """The entry says what the package already says."""
        return self.entry is not None and self.package is not None and self.entry.is_working_day == self.package


@dataclass
class CalendarYear:
    year: int
    status: str
    months: list[tuple[int, list[list[CalendarCell]]]] = field(default_factory=list)
    special_days: list[SpecialDay] = field(default_factory=list)
    entry_count: int = 0


def _kind(day: datetime.date, working: bool, stated: bool) -> str:
    """A weekend day inside a holiday break (stated by the package or an entry) shows as a holiday."""
    weekend = day.weekday() >= 5
    if working:
        return "makeup" if weekend else "normal"
    return "weekend" if weekend and not stated else "holiday"


def calendar_year(*, year: int) -> CalendarYear:
    """One year: a month grid and the table of special days. One query."""
    package = package_schedule()
    covered = package.covers(year)
    entries = {
        row.date: row
        for row in CalendarDay.objects.filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        )
    }
    status = YearStatus.PACKAGE if covered else YearStatus.ENTERED if entries else YearStatus.UNKNOWN
    result = CalendarYear(year=year, status=status, entry_count=len(entries))

    def describe(day: datetime.date) -> tuple[bool, str, bool | None, str]:
        stated = package.special.get(day) if covered else None
        package_working = stated[0] if stated else (day.weekday() < 5 if covered else None)
        package_name = str(PACKAGE_NAMES.get(stated[1], stated[1])) if stated else ""
        entry = entries.get(day)
        if entry is not None:
            return entry.is_working_day, entry.name or package_name, package_working, package_name
        return (package_working if covered else day.weekday() < 5), package_name, package_working, package_name

    grid = calendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for day in week:
                cell = CalendarCell(day=day, in_month=day.month == month)
                if cell.in_month:
                    working, name, _package, _name = describe(day)
                    cell.entered = day in entries
                    stated = cell.entered or (covered and day in package.special)
                    cell.is_working_day, cell.kind, cell.name = working, _kind(day, working, stated), name
                cells.append(cell)
            weeks.append(cells)
        result.months.append((month, weeks))

    days = set(entries)
    if covered:
        days.update(day for day in package.special if day.year == year)
    for day in sorted(days):
        working, _name, package_working, package_name = describe(day)
        result.special_days.append(
            SpecialDay(
                day=day,
                package=package_working,
                package_name=package_name,
                entry=entries.get(day),
                is_working_day=working,
            )
        )
    return result


def calendar_entry_years() -> list[int]:
    """The years that have administrator entries, for the year picker."""
    return [day.year for day in CalendarDay.objects.dates("date", "year")]


def calendar_day_get(*, pk: int) -> CalendarDay:
    row = CalendarDay.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row
