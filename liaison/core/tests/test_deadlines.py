"""Deadline arithmetic (liaison.core.deadlines): the official schedule with 调休 from the package,
administrator entries before it, Civil Code month periods and the fallback for unknown years."""

import datetime
import random

import pytest
from django.test import override_settings
from django.utils import timezone

from liaison.core import deadlines
from liaison.core.models import CalendarDay
from liaison.core.services import calendar_day_save

D = datetime.date
pytestmark = pytest.mark.django_db


def brute_force_between(start, end):
    """The definition, one day at a time."""
    if end < start:
        return -brute_force_between(end, start)
    day, count = start, 0
    while day < end:
        day += deadlines.ONE_DAY
        count += deadlines.is_working_day(day)
    return count


# --- the package's schedule ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "day",
    [
        D(2025, 1, 26),  # Sunday, Spring Festival make-up
        D(2025, 2, 8),  # Saturday
        D(2025, 4, 27),  # Sunday, Labour Day make-up
        D(2025, 9, 28),  # Sunday, National Day make-up
        D(2025, 10, 11),  # Saturday
        D(2026, 1, 4),  # Sunday, New Year make-up
        D(2026, 2, 14),  # Saturday
        D(2026, 2, 28),  # Saturday
        D(2026, 5, 9),  # Saturday
        D(2026, 9, 20),  # Sunday
        D(2026, 10, 10),  # Saturday
    ],
)
def test_make_up_weekends_are_working_days(day):
    assert day.weekday() >= 5
    assert deadlines.is_working_day(day) and deadlines.calendar_known(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2025, 1, 1),
        D(2025, 1, 28),  # 除夕 2025
        D(2025, 10, 8),  # Wednesday, last day of the 2025 National Day break
        D(2026, 1, 2),  # Friday
        D(2026, 2, 16),
        D(2026, 2, 23),  # Monday, last day of the 2026 Spring Festival break
        D(2026, 5, 5),
        D(2026, 10, 1),
        D(2026, 10, 7),
    ],
)
def test_weekday_holidays_are_rest_days(day):
    assert day.weekday() < 5
    assert not deadlines.is_working_day(day)


def test_ordinary_days():
    assert deadlines.is_working_day(D(2026, 3, 10))  # Tuesday
    assert not deadlines.is_working_day(D(2026, 3, 14))  # Saturday
    assert deadlines.is_working_day(D(2026, 10, 8))  # Thursday after the 2026 break: back at work


# --- working days -------------------------------------------------------------------------------
def test_add_working_days_skips_holidays_and_counts_make_up_weekends():
    assert deadlines.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert deadlines.add_working_days(D(2026, 10, 8), 2) == D(2026, 10, 10)  # Fri, then the make-up Saturday
    assert deadlines.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # make-up Saturday
    assert deadlines.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)  # over the Spring Festival
    assert deadlines.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert deadlines.add_working_days(D(2026, 3, 6), 5) == D(2026, 3, 13)  # a plain week
    # the start day is not counted even when it is itself a holiday
    assert deadlines.add_working_days(D(2026, 10, 1), 1) == D(2026, 10, 8)


def test_add_working_days_zero_and_backwards():
    assert deadlines.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert deadlines.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert deadlines.add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)


def test_working_days_between():
    assert deadlines.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3  # 8th, 9th, 10th
    assert deadlines.working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert deadlines.working_days_between(D(2026, 10, 8), D(2026, 10, 8)) == 0  # due today: 0 left
    assert deadlines.working_days_between(D(2026, 10, 2), D(2026, 10, 7)) == 0  # inside the break


def test_working_days_between_matches_the_definition_and_inverts_add():
    rng = random.Random(20261130)
    # 2025–2026 from the package, 2027 unknown with one administrator entry, across year ends
    calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=False, name="元旦")
    calendar_day_save(actor=None, date=D(2027, 1, 9), is_working_day=True, name="调休")
    for _ in range(300):
        start = D(2024, 12, 1) + datetime.timedelta(days=rng.randrange(800))
        end = start + datetime.timedelta(days=rng.randrange(-120, 120))
        assert deadlines.working_days_between(start, end) == brute_force_between(start, end), (start, end)
        n = rng.randrange(0, 40)
        later = deadlines.add_working_days(start, n)
        assert deadlines.working_days_between(start, later) == n
        assert deadlines.is_working_day(later) or n == 0


def test_working_days_in_a_known_year():
    """2026 under the State Council's notice: 365 days − 104 weekend days − 19 weekdays off (New Year 2,
    Spring Festival 6, Qingming 1, Labour Day 3, Dragon Boat 1, Mid-autumn 1, National Day 5) + 6
    make-up weekend days = 248 working days."""
    assert deadlines.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


# --- months (Civil Code arts. 200–204) ------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # no 30 February: the month's last day
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # the six-month cap
        (D(2026, 3, 15), 3, D(2026, 6, 15)),  # the corresponding day
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 5, 20), 12, D(2027, 5, 20)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 1, 15), -3, D(2025, 10, 15)),
        (D(2026, 6, 30), 0, D(2026, 6, 30)),
    ],
)
def test_add_months_raw(start, months, end):
    assert deadlines.add_months_raw(start, months) == end


def test_add_months_rolls_a_holiday_to_the_first_working_day_after_it():
    assert deadlines.add_months(D(2026, 7, 1), 3) == D(2026, 10, 8)  # 1 Oct 2026 → 8 Oct (Thursday)
    assert deadlines.add_months(D(2025, 7, 1), 3) == D(2025, 10, 9)  # 2025's break ran to 8 Oct
    assert deadlines.add_months(D(2025, 11, 15), 3) == D(2026, 2, 24)  # inside the Spring Festival break
    assert deadlines.add_months(D(2026, 3, 10), 3) == D(2026, 6, 10)  # a working day stays
    assert deadlines.add_months(D(2026, 7, 10), 3) == D(2026, 10, 10)  # a make-up Saturday is a working day
    assert deadlines.add_months(D(2026, 4, 11), 3) == D(2026, 7, 13)  # Saturday → Monday


def test_roll_to_working_day():
    assert deadlines.roll_to_working_day(D(2026, 10, 1)) == D(2026, 10, 8)
    assert deadlines.roll_to_working_day(D(2026, 10, 8)) == D(2026, 10, 8)
    assert deadlines.roll_to_working_day(D(2026, 9, 19)) == D(2026, 9, 20)  # Saturday → make-up Sunday


# --- unknown years and administrator entries ------------------------------------------------------
def test_unknown_year_counts_weekends_only_and_warns():
    day = D(2027, 1, 1)  # a Friday; surely a holiday, but nobody has told us yet
    assert not deadlines.calendar_known(day)
    assert deadlines.is_working_day(day)
    assert not deadlines.is_working_day(D(2027, 1, 2))
    assert deadlines.add_months(D(2026, 11, 30), 3) == D(2027, 3, 1)  # 28 Feb 2027 is a Sunday
    warning = deadlines.deadline_warning(D(2027, 3, 1))
    assert warning and "2027" in warning
    assert deadlines.deadline_warning(D(2026, 10, 8)) is None
    assert not deadlines.calendar_known(D(2003, 5, 1))  # before the package's first year


def test_administrator_entries_make_a_year_known_and_win_over_the_package():
    calendar_day_save(actor=None, date=D(2027, 1, 1), is_working_day=False, name="元旦")
    assert deadlines.calendar_known(D(2027, 6, 1))
    assert deadlines.deadline_warning(D(2027, 6, 1)) is None
    assert not deadlines.is_working_day(D(2027, 1, 1))
    assert deadlines.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # an entry in a package year corrects the package
    calendar_day_save(actor=None, date=D(2026, 10, 8), is_working_day=False, name="测试更正")
    assert deadlines.roll_to_working_day(D(2026, 10, 1)) == D(2026, 10, 9)
    calendar_day_save(actor=None, date=D(2026, 10, 10), is_working_day=False, name="测试更正")
    assert deadlines.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 1


def test_aware_datetimes_count_in_beijing_time():
    # 17:30 UTC on 30 September is 01:30 on 1 October in Beijing: a holiday
    moment = datetime.datetime(2026, 9, 30, 17, 30, tzinfo=datetime.UTC)
    assert not deadlines.is_working_day(moment)
    assert deadlines.add_working_days(moment, 1) == D(2026, 10, 8)
    assert deadlines.is_working_day(timezone.make_naive(moment, datetime.UTC))  # naive: its own date
    with pytest.raises(TypeError):
        deadlines.is_working_day("2026-10-01")


# --- cost -----------------------------------------------------------------------------------------
def test_fifty_deadlines_cost_one_query_then_none(django_assert_num_queries):
    starts = [D(2026, 1, 5) + datetime.timedelta(days=7 * i) for i in range(50)]
    with django_assert_num_queries(1):
        for start in starts:
            deadlines.add_months(start, 3)
            deadlines.add_working_days(start, 15)
            deadlines.working_days_between(start, D(2027, 3, 1))
            deadlines.deadline_warning(start)
    with django_assert_num_queries(0):
        for start in starts:
            deadlines.add_working_days(start, 15)


def test_other_processes_see_an_entry_after_the_cache_time():
    """An entry written elsewhere (here: straight into the table, not through this process's service)
    is seen once CALENDAR_CACHE_SECONDS have passed."""
    assert deadlines.is_working_day(D(2027, 1, 1))
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, name="元旦")
    assert deadlines.is_working_day(D(2027, 1, 1))  # still cached
    with override_settings(CALENDAR_CACHE_SECONDS=-1):
        assert not deadlines.is_working_day(D(2027, 1, 1))
