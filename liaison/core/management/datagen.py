"""Pieces shared by `manage.py demo` and `manage.py gen_data`: people, rosters, evidence images and
timed bulk inserts. Nothing here writes outside the rows the caller hands over."""

import datetime
import io
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

from liaison.core.demo_names import Picker, pinyin_of
from liaison.deputies.models import Person
from liaison.stations.models import DutyAssignment, DutySlot

# Public holidays on fixed dates (the movable ones come from the official schedule; the roster only
# needs to avoid the obvious ones, and weekends are skipped anyway).
FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


def person_fields(picker: Picker, *, county: str, township: str, village: str, contacts: bool = True) -> dict:
    """The fields of a new Person, every denormalized one set (pinyin, initials)."""
    rng = picker.rng
    gender = picker.gender()
    name = picker.name(gender)
    full, initials = pinyin_of(name)
    occupation, work_unit = picker.occupation(county=county, township=township, village=village)
    fields = {
        "name": name,
        "name_pinyin": full,
        "name_initials": initials,
        "gender": gender,
        "ethnicity": picker.ethnicity(),
        "birth_year": picker.birth_year(),
        "party": picker.party(),
        "occupation": occupation,
        "work_unit": work_unit,
    }
    if contacts:
        fields["phone"] = picker.mobile()
        fields["phone_public"] = rng.random() < 0.4
        if rng.random() < 0.3:
            fields["email"] = f"{full}{rng.randrange(10, 99)}@example.cn"
            fields["email_public"] = rng.random() < 0.5
        if rng.random() < 0.5:
            fields["address"] = f"{county}{township}{village}"
            fields["address_public"] = rng.random() < 0.3
        if rng.random() < 0.2:
            fields["wechat"] = f"{initials}_{rng.randrange(1000, 9999)}"
            fields["wechat_public"] = rng.random() < 0.5
    return fields


def new_person(picker: Picker, **kwargs) -> Person:
    """An unsaved Person (see person_fields)."""
    return Person(**person_fields(picker, **kwargs))


def working_day_on_or_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5 or (day.month, day.day) in FIXED_HOLIDAYS:
        day += datetime.timedelta(days=1)
    return day


def reception_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The monthly reception day (the 10th, 002 §4(2); moved to the next working day when the 10th is a
    rest day) of every month whose reception falls in [start, end]."""
    days = []
    year, month = start.year, start.month
    while datetime.date(year, month, 1) <= end:
        day = working_day_on_or_after(datetime.date(year, month, 10))
        if start <= day <= end:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def weekly_days(start: datetime.date, end: datetime.date, weekday: int) -> list[datetime.date]:
    day = start + datetime.timedelta(days=(weekday - start.weekday()) % 7)
    days = []
    while day <= end:
        if (day.month, day.day) not in FIXED_HOLIDAYS:
            days.append(day)
        day += datetime.timedelta(days=7)
    return days


MONTHLY_WINDOW = (datetime.time(9, 0), datetime.time(12, 0))
WEEKLY_WINDOW = (datetime.time(14, 30), datetime.time(17, 0))


@dataclass
class RosterPlan:
    slots: list[DutySlot] = field(default_factory=list)
    people: list[list[int]] = field(default_factory=list)  # person ids per slot, same order


def plan_roster(
    *,
    station_id: int,
    person_ids: Sequence[int],
    start: datetime.date,
    end: datetime.date,
    weekday: int,
    now: datetime.datetime,
    rng: random.Random,
    monthly_size: int = 3,
    weekly_size: int = 1,
    plan: RosterPlan | None = None,
) -> RosterPlan:
    """Slots of one station: the monthly reception day in the morning and one weekly afternoon. Each
    deputy is assigned to a single station, and a station's windows never overlap, so nobody is in two
    places at once. Slots are published two weeks ahead (or now, for the ones further out)."""
    plan = plan or RosterPlan()
    if not person_ids:
        return plan
    tz = timezone.get_current_timezone()
    offset = rng.randrange(len(person_ids))
    windows = [(d, MONTHLY_WINDOW, monthly_size, "集中接待日") for d in reception_days(start, end)]
    windows += [(d, WEEKLY_WINDOW, weekly_size, "代表接待") for d in weekly_days(start, end, weekday)]
    windows.sort(key=lambda w: (w[0], w[1][0]))
    for day, (begin, finish), size, topic in windows:
        starts_at = datetime.datetime.combine(day, begin, tzinfo=tz)
        published = min(now, starts_at - datetime.timedelta(days=14))
        plan.slots.append(
            DutySlot(
                station_id=station_id, date=day, start_time=begin, end_time=finish, topic=topic, published_at=published
            )
        )
        chosen = []
        for _ in range(min(size, len(person_ids))):
            chosen.append(person_ids[offset % len(person_ids)])
            offset += 1
        plan.people.append(chosen)
    return plan


def save_roster(plan: RosterPlan, *, batch_size: int = 2000) -> tuple[int, int]:
    """Insert the planned slots, then their assignments with the slot's date and times copied."""
    DutySlot.objects.bulk_create(plan.slots, batch_size=batch_size)
    assignments = [
        DutyAssignment(
            slot_id=slot.pk, person_id=pid, date=slot.date, start_time=slot.start_time, end_time=slot.end_time
        )
        for slot, pids in zip(plan.slots, plan.people, strict=True)
        for pid in pids
    ]
    DutyAssignment.objects.bulk_create(assignments, batch_size=batch_size)
    return len(plan.slots), len(assignments)


def evidence_png(rng: random.Random, label: str) -> bytes:
    """A small real PNG (a drawn 'photo' of a room with a sign), different for every call."""
    from PIL import Image, ImageDraw

    width, height = 200, 150
    wall = tuple(rng.randrange(180, 240) for _ in range(3))
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 105, width, height], fill=tuple(rng.randrange(90, 150) for _ in range(3)))  # floor
    draw.rectangle([50, 15, 150, 45], fill=(200, 30, 30))  # the red sign
    draw.text((56, 24), label[:16], fill=(255, 230, 160))
    for _ in range(4):  # furniture
        x, y = rng.randrange(5, 160), rng.randrange(60, 105)
        draw.rectangle([x, y, x + rng.randrange(20, 40), y + rng.randrange(15, 35)], fill=(120, 80, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class Timer:
    """Per-table timings, printed as a table at the end."""

    def __init__(self, stdout=None):
        self.rows: list[tuple[str, int, float]] = []
        self.stdout = stdout
        self.started = time.perf_counter()

    def add(self, table: str, count: int, seconds: float) -> None:
        for i, (name, n, s) in enumerate(self.rows):
            if name == table:
                self.rows[i] = (name, n + count, s + seconds)
                return
        self.rows.append((table, count, seconds))

    def bulk(self, model: type[models.Model], objs: Iterable[models.Model], batch_size: int = 2000) -> list:
        objs = list(objs)
        t0 = time.perf_counter()
        model.objects.bulk_create(objs, batch_size=batch_size)
        self.add(model._meta.db_table, len(objs), time.perf_counter() - t0)
        return objs

    def total(self) -> float:
        return time.perf_counter() - self.started

    def table(self) -> str:
        width = max([len(r[0]) for r in self.rows] + [5])
        lines = [f"{'table':<{width}}  {'rows':>9}  {'seconds':>8}  {'rows/s':>9}"]
        for name, n, s in self.rows:
            rate = n / s if s > 0 else 0
            lines.append(f"{name:<{width}}  {n:>9,}  {s:>8.2f}  {rate:>9,.0f}")
        lines.append(f"{'total (wall clock)':<{width}}  {sum(r[1] for r in self.rows):>9,}  {self.total():>8.2f}")
        return "\n".join(lines)


class Loader:
    """Fast bulk load of one table, bypassing model instances: rows are plain value lists with ids
    allocated here (max(id) + 1 …), so rows of other tables can point at them before anything is
    written. Written with COPY on PostgreSQL and executemany on SQLite; every concrete column is
    written, the ones not given take the field's default (prepared once), auto_now(_add) columns take
    the load's time. Call `finish()` at the end: on PostgreSQL it moves the id sequence past the ids
    used here. Meant for an exclusive load inside one transaction (the command's), not for concurrent
    writers."""

    FLUSH_AT = 50_000

    def __init__(self, model: type[models.Model], *, timer: Timer, now: datetime.datetime):
        from django.db import connection

        self.model, self.timer, self.connection = model, timer, connection
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]  # the database computes those
        self.pk_attname = model._meta.pk.attname
        ops = connection.ops
        self.converters = {}
        self.defaults = {}
        for f in self.fields:
            kind = f.get_internal_type()
            if kind == "DateField":
                self.converters[f.attname] = ops.adapt_datefield_value
            elif kind == "TimeField":
                self.converters[f.attname] = ops.adapt_timefield_value
            elif kind == "DateTimeField":
                self.converters[f.attname] = ops.adapt_datetimefield_value
            elif kind == "DecimalField":
                self.converters[f.attname] = lambda v, f=f: ops.adapt_decimalfield_value(
                    v, f.max_digits, f.decimal_places
                )
            elif getattr(f, "is_secret", False) or kind not in _PLAIN_TYPES:
                self.converters[f.attname] = lambda v, f=f: f.get_db_prep_save(v, connection)
            if f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = ops.adapt_datetimefield_value(now)
            elif f.has_default() or f.null or f.blank:
                default = f.get_default() if f.has_default() else (None if f.null else "")
                self.defaults[f.attname] = f.get_db_prep_save(default, connection)
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.next_id = (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        self.rows: list[tuple] = []
        self.count = 0

    def reserve(self) -> int:
        """An id for a row that will be added later (e.g. a region whose path contains its own id)."""
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, **values) -> int:
        """Queue one row (with an id from `reserve()` or a new one); returns its id."""
        pk = values.setdefault(self.pk_attname, None) or self.reserve()
        values[self.pk_attname] = pk
        row = []
        for attname in self.attnames:
            if attname in values:
                value = values[attname]
                conv = self.converters.get(attname)
                row.append(conv(value) if conv is not None and value is not None else value)
            else:
                try:
                    row.append(self.defaults[attname])
                except KeyError:
                    raise ValueError(f"{self.table}.{attname} needs a value") from None
        self.rows.append(tuple(row))
        if len(self.rows) >= self.FLUSH_AT:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        t0 = time.perf_counter()
        rows, self.rows = self.rows, []
        cols = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        table = self.connection.ops.quote_name(self.table)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        self.count += len(rows)
        self.timer.add(self.table, len(rows), time.perf_counter() - t0)

    def finish(self) -> None:
        self.flush()
        if self.connection.vendor == "postgresql":
            from django.core.management.color import no_style

            with self.connection.cursor() as cursor:
                for sql in self.connection.ops.sequence_reset_sql(no_style(), [self.model]):
                    cursor.execute(sql)


_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FileField",
    "ImageField",
    "BooleanField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "ForeignKey",
    "OneToOneField",
    "FloatField",
}
