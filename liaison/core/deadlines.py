"""Deadline arithmetic: working days on the official Chinese schedule and periods under the Civil Code.

The one module that counts days (CONVENTIONS 10, DESIGN §9 "Time"). Every function takes and returns
`datetime.date` (an aware `datetime` is first turned into its date in Asia/Shanghai, so that 01:00 in
Beijing is not yesterday's UTC date).

**Which days are working days.** In this order:
1. an administrator's entry (`core.CalendarDay`, edited at /work/admin/calendar/) for that date;
2. the `chinesecalendar` package for the years it covers (statutory holidays, rest days moved by 调休
   and the make-up working weekends);
3. otherwise Monday to Friday.
A year is *known* when the package covers it or an administrator has entered at least one day of it
(the State Council publishes a year's schedule as one notice, so entering it means entering the
year). For an unknown year the count uses weekends only and `deadline_warning` gives the message to
show beside the date.

**Periods (Civil Code arts. 200–204).** The start day is not counted (art. 201). A period in months
ends on the corresponding day of the last month, or on that month's last day when it has none
(30 Nov + 3 months → 28 Feb, or 29 Feb in a leap year). When the last day is a statutory holiday or a
rest day, the period ends on the first working day after it (art. 203).

**Cost.** The package's data and all administrator entries (a few dozen rows a year) are merged once
per process into one table, so that a page computing fifty deadlines runs one query at most. The table
is reloaded after `CALENDAR_CACHE_SECONDS` (other processes and machines see an entry within that
time) and at once in the process that saved an entry (the services call `clear_cache`).
"""

import bisect
import calendar
import datetime
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ONE_DAY = datetime.timedelta(days=1)
_MONDAY = datetime.date(2001, 1, 1)  # any Monday: the origin of the weekday count

# The package's holiday names (English) in the interface's words.
PACKAGE_NAMES = {
    "New Year's Day": gettext_lazy("New Year's Day"),
    "Spring Festival": gettext_lazy("Spring Festival"),
    "Tomb-sweeping Day": gettext_lazy("Tomb-sweeping Day"),
    "Labour Day": gettext_lazy("Labour Day"),
    "Dragon Boat Festival": gettext_lazy("Dragon Boat Festival"),
    "National Day": gettext_lazy("National Day"),
    "Mid-autumn Festival": gettext_lazy("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": gettext_lazy("Anti-Fascist 70th Day"),
}


# --- the schedule ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PackageSchedule:
    """What the `chinesecalendar` package says: the days that differ from Monday-to-Friday, by year."""

    special: dict[datetime.date, tuple[bool, str]]  # date → (is working day, holiday name)
    first_year: int
    last_year: int

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


_package: PackageSchedule | None = None


def package_schedule() -> PackageSchedule:
    global _package
    if _package is None:
        from chinese_calendar.constants import holidays, workdays

        special = {day: (False, str(name)) for day, name in holidays.items()}
        special.update({day: (True, str(name)) for day, name in workdays.items()})
        years = [day.year for day in holidays]
        _package = PackageSchedule(special=special, first_year=min(years), last_year=max(years))
    return _package


@dataclass(frozen=True)
class _Schedule:
    working: dict[datetime.date, bool]  # every day whose status is stated (package, then overrides)
    stated: list[datetime.date]  # the same days, sorted, for counting over a range
    override_years: frozenset[int]
    loaded_at: float


_schedule_cache: _Schedule | None = None
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the administrator's entries read so far; the next call reads them again."""
    global _schedule_cache
    _schedule_cache = None


def _load() -> _Schedule:
    from .models import CalendarDay

    working = {day: value for day, (value, _name) in package_schedule().special.items()}
    years = set()
    for day, value in CalendarDay.objects.values_list("date", "is_working_day"):
        working[day] = value
        years.add(day.year)
    return _Schedule(
        working=working, stated=sorted(working), override_years=frozenset(years), loaded_at=time.monotonic()
    )


def _schedule() -> _Schedule:
    global _schedule_cache
    cached = _schedule_cache
    ttl = getattr(settings, "CALENDAR_CACHE_SECONDS", 300)
    if cached is None or time.monotonic() - cached.loaded_at > ttl:
        with _lock:
            cached = _schedule_cache
            if cached is None or time.monotonic() - cached.loaded_at > ttl:
                cached = _schedule_cache = _load()
    return cached


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


# --- days -----------------------------------------------------------------------------------------
def is_working_day(day: datetime.date) -> bool:
    """A working day on the official schedule (administrator's entry, then the package, then Mon–Fri)."""
    day = _as_date(day)
    return _schedule().working.get(day, day.weekday() < 5)


def calendar_known(day: datetime.date) -> bool:
    """False when the official schedule of that date's year is not known and weekends only are counted."""
    year = _as_date(day).year
    return package_schedule().covers(year) or year in _schedule().override_years


def deadline_warning(day: datetime.date) -> str | None:
    """The message to show beside a date whose year's schedule is not known yet; None when it is."""
    day = _as_date(day)
    if calendar_known(day):
        return None
    return _(
        "The official holiday schedule for %(year)d is not known yet: holidays are not counted, only "
        "weekends, so this date may still move."
    ) % {"year": day.year}


def roll_to_working_day(day: datetime.date) -> datetime.date:
    """The day itself when it is a working day, otherwise the first working day after it (art. 203)."""
    day = _as_date(day)
    working = _schedule().working
    while not working.get(day, day.weekday() < 5):
        day += ONE_DAY
    return day


# --- working days ---------------------------------------------------------------------------------
def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (the start day is not counted, art. 201); n < 0 counts back,
    n == 0 is `start` itself."""
    day = _as_date(start)
    working = _schedule().working
    step = ONE_DAY if n >= 0 else -ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if working.get(day, day.weekday() < 5):
            remaining -= 1
    return day


def _weekdays_before(day: datetime.date) -> int:
    """Mondays to Fridays from the origin up to the day before `day` (negative before the origin)."""
    weeks, rest = divmod((day - _MONDAY).days, 7)
    return weeks * 5 + min(rest, 5)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`.

    `working_days_between(today, deadline)` is "n working days left" (0 on the last day) and
    `working_days_between(deadline, today)` is "overdue by n". Counted arithmetically over the
    weekdays, corrected by the stated days in the range, so a long range costs no loop."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    schedule = _schedule()
    count = _weekdays_before(end + ONE_DAY) - _weekdays_before(start + ONE_DAY)
    low = bisect.bisect_right(schedule.stated, start)
    high = bisect.bisect_right(schedule.stated, end)
    for day in schedule.stated[low:high]:
        default = day.weekday() < 5
        actual = schedule.working[day]
        if actual != default:
            count += 1 if actual else -1
    return count


# --- months ---------------------------------------------------------------------------------------
def add_months_raw(start: datetime.date, n: int) -> datetime.date:
    """The corresponding day n months later, or that month's last day when it has none; no
    roll-forward (for caps such as "at most six months after assignment")."""
    start = _as_date(start)
    month_index = start.year * 12 + (start.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_months(start: datetime.date, n: int) -> datetime.date:
    """The last day of a period of n months from `start` (arts. 200–204): the corresponding day, or the
    month's last day, moved to the first working day after it when it is a holiday or rest day."""
    return roll_to_working_day(add_months_raw(start, n))
