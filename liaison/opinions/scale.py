"""Opinions at scale (called by `manage.py gen_data`): five years of citizens' opinions, 1,250 per
township (the province scale's 1,600 townships make 2,000,000), with their assignments, replies,
contacts, extension requests, return visits and timeline entries in the proportions the workflow
produces, and the handling units they are assigned to.

**How.** Each opinion's whole life is drawn at once (when it is accepted, escalated, assigned, when
each unit accepts and replies — some late, a few very late —, when the answer is fed back, the return
visit, a reopening, publication); then only the steps that have happened by now are written. So the
states, the open assignments and the overdue ones come out of the timelines instead of being drawn
separately, and every row agrees with its opinion (tests/test_demo_scale.py checks this).

**Speed.** Rows are built as tuples in the table's column order (one generated constructor per
table) and handed to `datagen.Loader` for COPY/executemany; timestamps are written as text from
per-day and per-second string tables. The secondary indexes of these tables (and, on PostgreSQL, their
foreign keys) are dropped for the load and made again afterwards, which is much faster than keeping
them up to date row by row; everything stays in gen_data's one transaction. Contact data is encrypted
once per value of a small pool (names, phone numbers, e-mail addresses) and the ciphertexts reused;
contacts of opinions closed more than OPINION_CONTACT_RETENTION_DAYS ago are purged, as the
retention task would have done.
"""

import bisect
import datetime
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from liaison.core import crypto, deadlines
from liaison.core.demo_names import Picker, pinyin_of
from liaison.core.management.datagen import Loader
from liaison.regions.models import HandlingUnit, Level
from liaison.stations.models import Station, StationDeputy

from .models import Assignment, Category, Event, Extension, Opinion, Reply, ReturnVisit, UnitContact
from .texts import CATEGORIES, ROADS, TEMPLATES

FRESH = 3  # opinions sent within the last hour, so that every run has some not yet accepted
PER_TOWNSHIP = 1250
YEARS = 5
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEPARTMENTS = [
    "人民政府",
    "教育局",
    "住房和城乡建设局",
    "交通运输局",
    "生态环境局",
    "人力资源和社会保障局",
    "卫生健康委员会",
    "农业农村局",
    "公安局",
    "民政局",
    "市场监督管理局",
    "监察委员会",
    "人民法院",
    "人民检察院",
]
UNIT_KIND = {"人民政府": "government", "监察委员会": "supervision", "人民法院": "court", "人民检察院": "procuratorate"}
CHANNELS = ["online", "station_online", "visit", "phone", "letter", "group_activity", "inspection"]
CHANNEL_WEIGHTS = [28, 12, 30, 14, 4, 7, 5]
STAFF_CHANNELS = {"visit", "phone", "letter", "group_activity", "inspection"}
HEARD_BY_DEPUTY = {"visit", "group_activity", "inspection"}
DAY = 86400
HOUR = 3600
BEIJING = 8 * HOUR
OPENS, OFFICE_SECONDS = 8 * HOUR + 1800, 9 * HOUR  # office hours 8:30–17:30
SATISFACTION_DATA = {s: json.dumps({"satisfaction": s}) for s in ("satisfied", "basically", "dissatisfied")}
LEVEL_DATA = {level: json.dumps({"level": level}) for level in Level.values}
PAIRS = [a + b for a in TRACKING_ALPHABET for b in TRACKING_ALPHABET]
REDIRECT_DATA = {target: json.dumps({"target": target}) for target in ("petition", "court", "other")}
MODELS = [HandlingUnit, Opinion, Assignment, Reply, UnitContact, Extension, ReturnVisit, Event]


def generate(cmd) -> None:
    """Called by gen_data inside its transaction, after its own tables are written."""
    OpinionScale(cmd).run()


@dataclass
class Town:
    id: int
    name: str
    path: str
    county: object  # gen_data's Node, or None at township scale
    villages: list
    stations: list = field(default_factory=list)
    short: str = ""
    unit: int = 0  # the township government


class Life:
    """One opinion's timeline while it is drawn: the steps that have happened by `now`."""

    __slots__ = ("events", "last", "now", "state")

    def __init__(self, at: int, now: int):
        self.state = "submitted"
        self.last = at
        self.now = now
        self.events = [(at, "", "submit", "", "submitted", True, "")]

    def step(self, ts: int, label: str, action: str, to: str, public: bool = True, data: str = "") -> bool:
        """The step, when it has happened by now (and the later ones then cannot have)."""
        if ts > self.now:
            return False
        self.events.append((ts, label, action, self.state, to, public, data))
        self.state, self.last = to, ts
        return True

    def note(self, ts: int, label: str, action: str, public: bool = False) -> None:
        """A step of a unit that leaves the opinion's state as it is (accept, contact, more time)."""
        self.events.append((ts, label, action, self.state, self.state, public, ""))


class Table:
    """A Loader whose rows are built by a constructor generated for the columns given (the others
    take the field's default), so a row costs one tuple."""

    def __init__(self, model, cmd, names: str):
        self.loader = Loader(model, timer=cmd.timer, now=cmd.now)
        self.flush_all = self.flush  # (OpinionScale flushes every table at once, parents first)
        self.model = model
        given = names.split()
        missing = [a for a in self.loader.attnames if a not in given and a not in self.loader.defaults]
        if missing:
            raise ValueError(f"{model._meta.db_table}: no value for {missing}")
        unknown = [a for a in given if a not in self.loader.attnames]
        if unknown:
            raise ValueError(f"{model._meta.db_table}: no column {unknown}")
        defaults = tuple(self.loader.defaults.get(a) for a in self.loader.attnames)
        values = [a if a in given else f"D[{i}]" for i, a in enumerate(self.loader.attnames)]
        self.row = eval(f"lambda {', '.join(given)}: ({', '.join(values)},)", {"D": defaults})
        self.rows = self.loader.rows
        self.next_id = self.loader.next_id

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= Loader.FLUSH_AT:
            self.flush_all()

    def flush(self) -> None:
        self.loader.flush()
        self.rows = self.loader.rows

    def finish(self) -> None:
        self.loader.rows = self.rows
        self.loader.next_id = self.next_id
        self.loader.finish()


class OpinionScale:
    def __init__(self, cmd):
        self.cmd = cmd
        self.rng = random.Random(f"{cmd.seed}:opinions")
        self.rand = self.rng.random
        self.levels = cmd.levels
        self.now_ts = int(cmd.now.timestamp())
        self.retention = settings.OPINION_CONTACT_RETENTION_DAYS * DAY
        self.reply_days = settings.OPINION_REPLY_WORKING_DAYS
        self.pg = connection.vendor == "postgresql"

    # --- set-up ----------------------------------------------------------------------------------
    def run(self) -> None:
        t0 = time.perf_counter()
        cmd = self.cmd
        self.towns = self.collect_towns()
        if not self.towns:
            return
        self.tables = self.make_tables()
        self.prepare_time()
        self.build_units()
        self.tables[HandlingUnit].finish()
        self.prepare()
        dropped = self.drop_indexes()
        gen0 = time.perf_counter()
        written0 = self.written()
        self.build_opinions()
        for model in MODELS[1:]:
            self.tables[model].finish()
        python = time.perf_counter() - gen0 - (self.written() - written0)
        self.restore_indexes(dropped)
        counts = {m: self.tables[m].loader.count for m in MODELS}
        cmd.timer.add("opinions: generating rows in Python", 0, python)
        from liaison.core.audit import audit_record
        from liaison.core.models import AuditLog

        for model in (Opinion, Assignment, Event):
            audit_record(
                actor=None,
                action=AuditLog.Action.IMPORT,
                model=model._meta.label,
                object_repr="gen_data: opinions",
                after={"rows": counts[model]},
            )
        cmd.stdout.write(
            f"opinions: {counts[Opinion]:,} opinions, {counts[Assignment]:,} assignments, {counts[Reply]:,} replies,"
            f" {counts[Event]:,} timeline entries, {counts[ReturnVisit]:,} return visits,"
            f" {counts[HandlingUnit]:,} handling units in {time.perf_counter() - t0:.1f} s"
            f" (contact pool encrypted in {self.encrypt_seconds * 1000:.0f} ms)"
        )

    def written(self) -> float:
        return sum(s for name, _n, s in self.cmd.timer.rows if name.startswith(("opinions_", "regions_handlingunit")))

    def collect_towns(self) -> list[Town]:
        towns = []
        for node in self.cmd.walk(self.cmd.root):
            if node.level != Level.TOWNSHIP:
                continue
            towns.append(Town(id=node.id, name=node.name, path=node.path, county=None, villages=node.children))
        county_of = {}
        for node in self.cmd.walk(self.cmd.root):
            if node.level == Level.COUNTY:
                for child in node.children:
                    county_of[child.id] = node
        self.parents = {}
        for node in self.cmd.walk(self.cmd.root):
            for child in node.children:
                self.parents[child.id] = node
        for town in towns:
            town.county = county_of.get(town.id)
            town.short = town.name[:-2] if town.name.endswith("街道") else town.name[:-1]
        return towns

    def make_tables(self) -> dict:
        cmd = self.cmd
        tables = {
            HandlingUnit: Table(HandlingUnit, cmd, "id created_at updated_at region_id name kind level parent_id"),
            Opinion: Table(
                Opinion,
                cmd,
                "id created_at updated_at tracking_code status channel version region_id region_path queue_region_id"
                " queue_path station_id category_id level title text submitter_name submitter_phone submitter_email"
                " phone_index email_index notify_by contact_purged_at received_by_id received_on merged_into_id"
                " redirect_target answer due_date accepted_at answered_at closed_at reopen_count escalations"
                " satisfaction is_published published_at published_title published_text published_answer",
            ),
            Assignment: Table(
                Assignment,
                cmd,
                "id created_at updated_at opinion_id unit_id status deadline instructions accepted_at replied_at"
                " overdue_notified",
            ),
            Reply: Table(Reply, cmd, "id created_at updated_at assignment_id text"),
            UnitContact: Table(UnitContact, cmd, "id created_at updated_at assignment_id kind date note"),
            Extension: Table(
                Extension,
                cmd,
                "id created_at updated_at assignment_id requested_deadline reason status decided_at decision_note",
            ),
            ReturnVisit: Table(ReturnVisit, cmd, "id created_at updated_at opinion_id method satisfaction comment"),
            Event: Table(Event, cmd, "id opinion_id at actor_label action from_status to_status public data"),
        }
        for table in tables.values():
            table.flush_all = self.flush_tables
        return tables

    def flush_tables(self) -> None:
        """Write what is queued, parents before children: a child row whose parent is not there yet
        would make SQLite search the child tables at every later parent insert (a deferred foreign
        key violation is pending), without the indexes dropped for the load."""
        for model in MODELS:
            self.tables[model].flush()

    def build_units(self) -> None:
        """承办单位: the township government, and the government, its departments, the supervision
        commission, the court and the procuratorate of every county, prefecture and province."""
        units = self.tables[HandlingUnit]
        stamp = self.stamp(self.now_ts)
        self.units: dict[tuple[int, str], int] = {}
        self.unit_names: dict[int, str] = {}
        self.region_names: dict[int, str] = {}
        for node in self.cmd.walk(self.cmd.root):
            self.region_names[node.id] = node.name
            if node.level == Level.VILLAGE or node.level not in self.levels:
                continue
            if node.level == Level.TOWNSHIP:
                name = node.name + ("办事处" if node.name.endswith("街道") else "人民政府")
                pk = units.next_id
                units.next_id += 1
                units.add(units.row(pk, stamp, stamp, node.id, name, "government", node.level, None))
                self.units[(node.id, "")] = pk
                self.unit_names[pk] = name
                continue
            gov = None
            for dept in DEPARTMENTS:
                pk = units.next_id
                units.next_id += 1
                name = node.name + dept
                kind = UNIT_KIND.get(dept, "department")
                units.add(
                    units.row(pk, stamp, stamp, node.id, name, kind, node.level, gov if kind == "department" else None)
                )
                gov = gov or pk
                self.units[(node.id, dept)] = pk
                self.unit_names[pk] = name

    def prepare(self) -> None:
        rng = self.rng
        # stations and the deputies who receive at them, per township
        by_town = {t.path: t for t in self.towns}
        stations = Station.objects.filter(region_path__startswith=self.cmd.root.path, is_active=True)
        for pk, path in stations.order_by("id").values_list("id", "region_path").iterator(chunk_size=5000):
            town = by_town.get(_town_path(path, by_town))
            if town is not None:
                town.stations.append(pk)
        self.station_people: dict[int, list[int]] = defaultdict(list)
        for station_id, person_id in (
            StationDeputy.objects.filter(station__region_path__startswith=self.cmd.root.path)
            .order_by("station_id", "person_id")
            .values_list("station_id", "person_id")
            .iterator(chunk_size=10000)
        ):
            people = self.station_people[station_id]
            if len(people) < 8:
                people.append(person_id)
        for town in self.towns:
            town.unit = self.units.get((town.id, ""), 0)
        # categories of the default list
        self.categories = dict(Category.objects.filter(region__isnull=True).values_list("code", "id"))
        for i, (code, name) in enumerate(CATEGORIES):
            if code not in self.categories:
                self.categories[code] = Category.objects.create(code=code, name=name, sort=(i + 1) * 10).pk
        # templates: weights (township matters are the most frequent), their category and a few fills
        self.templates = list(TEMPLATES)
        self.last_open: dict[tuple[int, int], int] = {}  # (township, template) → an opinion still open
        self.template_cum = []
        total = 0
        for t in self.templates:
            total += 3 if t.level == Level.TOWNSHIP else 1
            self.template_cum.append(total)
        self.fills: dict[tuple[int, int], list] = {}
        # the contact pool, encrypted once
        picker = Picker(random.Random(f"{self.cmd.seed}:contacts"))
        t0 = time.perf_counter()
        names = [picker.name(picker.gender()) for _ in range(400)]
        self.pool_names = [crypto.encrypt(n) for n in names]
        phones = [picker.mobile() for _ in range(1000)]
        self.pool_phones = [(crypto.encrypt(p), crypto.blind_index(p, kind="phone")) for p in phones]
        emails = [f"{pinyin_of(n)[0]}{rng.randrange(10, 99)}@example.cn" for n in names[:300]]
        self.pool_emails = [(crypto.encrypt(e), crypto.blind_index(e, kind="email")) for e in emails]
        self.encrypt_seconds = time.perf_counter() - t0

    def prepare_time(self) -> None:
        # time: string tables for days and seconds, working-day deadlines per local day
        self.start_day = (self.now_ts + BEIJING) // DAY - YEARS * 365 - 1
        self.end_day = (self.now_ts + BEIJING) // DAY + 400
        epoch = datetime.date(1970, 1, 1)
        self.day_str = {}
        self.deadline_day = {}
        first = epoch + datetime.timedelta(days=self.start_day - 1)
        for d in range(self.start_day - 1, self.end_day + 1):
            self.day_str[d] = (first + datetime.timedelta(days=d - self.start_day + 1)).isoformat()
        for d in range(self.start_day, self.end_day - 200):
            date = epoch + datetime.timedelta(days=d)
            self.deadline_day[d] = (deadlines.add_working_days(date, self.reply_days) - epoch).days
        self.hms = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self.working = [
            deadlines.is_working_day(epoch + datetime.timedelta(days=d)) for d in range(self.start_day, self.end_day)
        ]
        self.labels = {}
        self.assign_data: dict[tuple, str] = {}

    # --- helpers ---------------------------------------------------------------------------------
    def stamp(self, ts: int) -> str:
        """A UTC timestamp as text (both databases take it for a timestamp with time zone)."""
        return self.day_str[ts // DAY] + self.hms[ts % DAY]

    def local_day(self, ts: int) -> int:
        return (ts + BEIJING) // DAY

    def between(self, low: int, high: int) -> int:
        """A random integer in [low, high) (random.randrange without its checks: it is called
        millions of times)."""
        return low + int(self.rand() * (high - low))

    def office(self, ts: int, days: float) -> int:
        """A moment in office hours (8:30–17:30 Beijing time on a working day) about `days` later."""
        d = (ts + int(days * DAY) + BEIJING) // DAY
        i = d - self.start_day
        working = self.working
        while 0 <= i < len(working) and not working[i]:
            i += 1
            d += 1
        moment = d * DAY - BEIJING + OPENS + int(self.rand() * OFFICE_SECONDS)
        return moment if moment > ts else ts + 1200 + int(self.rand() * 4200)

    def office_label(self, region_id: int, level: str) -> str:
        label = self.labels.get(region_id)
        if label is None:
            name = self.region_names.get(region_id, "")
            label = self.labels[region_id] = name + ("人大办" if level == Level.TOWNSHIP else "人大常委会代表联络室")
        return label

    def fill(self, town: Town, ti: int) -> list:
        key = (town.id, ti)
        found = self.fills.get(key)
        if found is None:
            rng, t = self.rng, self.templates[ti]
            found = []
            for _ in range(2):
                village = rng.choice(town.villages)
                road, road2 = rng.sample(ROADS, 2)
                county = town.county.name if town.county else ""
                values = {
                    "village": village.name,
                    "township": town.name,
                    "town": town.name,
                    "county": county,
                    "road": road,
                    "road2": road2,
                    "school": f"{town.short}中心小学",
                    "n": rng.randrange(3, 13),
                }
                found.append(
                    (
                        t.title.format(**values)[:120],
                        t.text.format(**values),
                        t.reply.format(**values),
                        t.spot.format(**values) if t.spot else "",
                    )
                )
            self.fills[key] = found
        return found[self.rng.getrandbits(1)]

    def tracking_code(self, pk: int) -> str:
        """Unique by construction: 31^5 random values, then the id scrambled into 31^7 (a
        multiplication by an odd constant modulo 31^7 is one-to-one), written in 12 characters."""
        n = (self.rng.getrandbits(25) % 31**5) * 31**7 + (pk * 2_654_435_761) % 31**7
        pairs = []
        for _ in range(6):
            n, r = divmod(n, 961)
            pairs.append(PAIRS[r])
        return "".join(pairs)

    # --- indexes ---------------------------------------------------------------------------------
    def drop_indexes(self) -> list[str]:
        """Drop the non-unique secondary indexes (and, on PostgreSQL, the foreign keys) of the tables
        loaded here; returns the statements that make them again."""
        tables = [m._meta.db_table for m in MODELS[1:]]
        again = []
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            if self.pg:
                # pending deferred checks of the tables written before would forbid ALTER TABLE
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                self.cmd.timer.add("deferred constraint checks so far", 0, time.perf_counter() - t0)
                t0 = time.perf_counter()
                for table in tables:
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                        " WHERE conrelid = %s::regclass AND contype = 'f'",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                        again.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                    cursor.execute(
                        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                        " JOIN pg_class c ON c.oid = i.indexrelid"
                        " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
                        again.append(definition)
            else:
                cursor.execute("PRAGMA cache_size")
                self.cache_size = cursor.fetchone()[0]
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MB while loading
                for table in tables:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
                        again.append(definition)
        self.cmd.timer.add("opinions: drop secondary indexes", 0, time.perf_counter() - t0)
        return again

    def restore_indexes(self, statements: list[str]) -> None:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            if self.pg:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # indexes first: the foreign keys' checks then use them
            for sql in sorted(statements, key=lambda s: s.startswith("ALTER TABLE")):
                cursor.execute(sql)
            if not self.pg:
                cursor.execute(f"PRAGMA cache_size = {int(self.cache_size)}")
        self.cmd.timer.add("opinions: indexes and foreign keys made again", 0, time.perf_counter() - t0)

    # --- the opinions ----------------------------------------------------------------------------
    def build_opinions(self) -> None:
        rng = self.rng
        towns = self.towns
        total = PER_TOWNSHIP * len(towns)
        days = list(range(self.start_day + 1, self.local_day(self.now_ts) + 1))
        # more on working days, most on the monthly reception day (the 10th), growing over the years
        epoch = datetime.date(1970, 1, 1)
        weights = []
        for k, d in enumerate(days):
            date = epoch + datetime.timedelta(days=d)
            w = (1.0 + 0.6 * k / len(days)) * (1.0 if self.working[d - self.start_day] else 0.35)
            if date.day == 10:
                w *= 2.5
            weights.append(w)
        # a few came in within the last hour, whatever the time of day: the office has not seen them yet
        fresh = min(FRESH, total)
        scale = (total - fresh) / sum(weights)
        counts = [int(w * scale) for w in weights]
        short = total - fresh - sum(counts)
        for k in sorted(range(len(days)), key=lambda k: -(weights[k] * scale - counts[k]))[:short]:
            counts[k] += 1
        town_cum = []
        acc = 0.0
        for _ in towns:
            acc += rng.uniform(0.5, 1.5)
            town_cum.append(acc)
        channel_cum = []
        acc = 0
        for w in CHANNEL_WEIGHTS:
            acc += w
            channel_cum.append(acc)
        self.upper_congress = self.congress_lineage()
        for d, n in zip(days, counts, strict=True):
            day_start = d * DAY - BEIJING
            for _ in range(n):
                town = towns[bisect.bisect_left(town_cum, rng.random() * town_cum[-1])]
                channel = CHANNELS[bisect.bisect_left(channel_cum, rng.random() * channel_cum[-1])]
                if channel in STAFF_CHANNELS:
                    at = day_start + OPENS + int(self.rand() * OFFICE_SECONDS)
                else:
                    at = day_start + int(DAY * (rng.random() ** 0.7))
                if at >= self.now_ts:
                    at = self.now_ts - rng.randrange(60, 3600)
                self.opinion(town, channel, at)
        for _ in range(fresh):
            town = towns[bisect.bisect_left(town_cum, rng.random() * town_cum[-1])]
            self.opinion(town, "online", self.now_ts - rng.randrange(60, 3600))

    def congress_lineage(self) -> dict:
        """Region id → {level: id of the region at that level above it (with a congress)}."""
        lineage = {}
        for node in self.cmd.walk(self.cmd.root):
            up = {}
            parent = self.parents.get(node.id)
            while parent is not None:
                if parent.level in self.levels:
                    up[parent.level] = parent
                parent = self.parents.get(parent.id)
            if node.level in self.levels:
                up[node.level] = node
            lineage[node.id] = up
        return lineage

    def opinion(self, town: Town, channel: str, at: int) -> None:
        rng, rand, between = self.rng, self.rand, self.between
        ops, E = self.tables[Opinion], self.tables[Event]
        pk = ops.next_id
        ops.next_id += 1
        ti = bisect.bisect_left(self.template_cum, rng.random() * self.template_cum[-1])
        t = self.templates[ti]
        title, text, reply_text, spot_text = self.fill(town, ti)
        lineage = self.upper_congress[town.id]
        level = t.level
        if level == Level.PREFECTURE and Level.PROVINCE in self.levels and rand() < 0.15:
            level = Level.PROVINCE
        if level not in lineage:  # the data has no congress at that level: the highest there is
            level = min(lineage, key=_RANK.__getitem__)
        staff = channel in STAFF_CHANNELS
        region = town.villages[int(rand() * len(town.villages))]
        queue = town
        queue_level = Level.TOWNSHIP
        if level != Level.TOWNSHIP and channel == "online" and rand() < 0.4:
            region = queue = lineage[level]  # sent straight to that congress online
            queue_level = level
        station = received_by = None
        if channel != "online" and town.stations:
            station = town.stations[int(rand() * len(town.stations))]
            if channel in HEARD_BY_DEPUTY:
                people = self.station_people.get(station)
                if people:
                    received_by = people[int(rand() * len(people))]
        category = self.categories[t.category] if (staff or rng.random() < 0.6) else None

        life = Life(at, self.now_ts)
        office = self.office_label(queue.id, queue_level)
        accepted_at = answered_at = closed_at = published_at = None
        answer = satisfaction = redirect_target = set_level = ""
        reopen = escalations = 0
        merged_into = due_date = None
        r = rng.random()
        t1 = self.office(at, (0, 0, 1, 1, 2)[between(0, 5)])
        merge_key = (town.id, ti)
        if t.redirect:
            if life.step(t1, office, "redirect", "redirected", data=REDIRECT_DATA[t.redirect]):
                redirect_target, answer, answered_at = t.redirect, reply_text, t1
                if rand() < 0.5 and life.step(self.office(t1, between(3, 13)), office, "close", "closed"):
                    closed_at = life.last
        elif t.spot and staff and r < 0.55:
            if life.step(t1, office, "answer_on_spot", "answered_on_spot"):
                answer, answered_at, accepted_at = spot_text, t1, t1
                if rand() < 0.75:
                    tv = self.office(t1, between(2, 11))
                    sat = "satisfied" if rand() < 0.75 else "basically"
                    if life.step(tv, office, "return_visit", "closed", data=SATISFACTION_DATA[sat]):
                        satisfaction, closed_at = sat, tv
                        self.visit(pk, tv, sat)
        elif r < 0.04 and merge_key in self.last_open:
            if life.step(t1, office, "merge", "merged"):
                merged_into = self.last_open[merge_key]
        else:
            # accepted where it came in; escalated to the congress at its level, which accepts it too
            data = LEVEL_DATA[level]
            if life.step(t1, office, "accept", "accepted", data=data):
                accepted_at, set_level = t1, level
            ta = t1
            if life.state == "accepted" and level != queue_level:
                up = lineage[level]
                te = ta + between(600, 7200)
                if life.step(te, office, "escalate", "escalated", data=f'{{"to_region": {up.id}}}'):
                    queue, queue_level, escalations = up, level, 1
                    office = self.office_label(queue.id, queue_level)
                    ta = self.office(te, (0, 1, 1, 2, 3)[between(0, 5)])
                    life.step(ta, office, "accept", "accepted", data=data)
            if life.state == "accepted":
                units = self.units_for(t, queue, queue_level)
                assigned_on = ta + between(1200, 2 * DAY)
                rounds = 1
                while True:
                    done = self.assign(life, pk, units, assigned_on, office, reply_text)
                    if done is None:
                        break
                    tf = self.office(done, (0, 1, 1, 2, 3)[between(0, 5)])
                    if not life.step(tf, office, "feed_back", "fed_back"):
                        break
                    answered_at = tf
                    answer = "\n\n".join(f"{self.unit_names[u]}：{reply_text}" for u in units)
                    answer += "\n感谢您对人大工作的支持。"
                    if rand() < 0.07:  # nobody answered the return-visit calls
                        if life.step(self.office(tf, between(10, 21)), office, "close", "closed"):
                            closed_at = life.last
                        break
                    tv = self.office(tf, between(2, 11))
                    x = rand()
                    if rounds == 1:
                        sat = "satisfied" if x < 0.64 else ("basically" if x < 0.94 else "dissatisfied")
                    else:
                        sat = "satisfied" if x < 0.45 else ("basically" if x < 0.8 else "dissatisfied")
                    reopening = sat == "dissatisfied" and rounds == 1
                    action, to = ("reopen", "accepted") if reopening else ("return_visit", "closed")
                    if not life.step(tv, office, action, to, data=SATISFACTION_DATA[sat]):
                        break
                    satisfaction = sat
                    self.visit(pk, tv, sat)
                    if not reopening:
                        closed_at = tv
                        break
                    reopen, rounds, units = 1, 2, units[:1]  # re-handled by the lead unit
                    assigned_on = self.office(tv, (1, 1, 2, 3)[between(0, 4)])
                if life.state == "assigned":
                    due_date = min(self.live_deadlines)
        state = life.state
        is_published = False
        if state in ("closed", "fed_back", "answered_on_spot") and rand() < 0.1:
            tp = self.office(life.last, between(1, 7))
            if tp <= self.now_ts:
                life.note(tp, office, "publish")
                is_published, published_at = True, tp
        if state in ("merged", "redirected", "closed"):
            if self.last_open.get(merge_key) == pk:
                del self.last_open[merge_key]
        elif state != "submitted":
            self.last_open[merge_key] = pk
        events = life.events
        events.sort(key=_first)
        last = events[-1][0]

        # contact data: given by most people met in person, by about half of those writing online
        name = phone = email = phone_index = email_index = ""
        notify_by = "none"
        purged = None
        x = rng.random()
        if staff:
            if x < 0.85:
                name = self.pool_names[between(0, len(self.pool_names))]
                phone, phone_index = self.pool_phones[between(0, len(self.pool_phones))]
                notify_by = "sms" if x < 0.45 else "none"
        elif x < 0.55:
            name = self.pool_names[between(0, len(self.pool_names))]
            if x < 0.35:
                email, email_index = self.pool_emails[between(0, len(self.pool_emails))]
                notify_by = "email"
        if state in ("closed", "redirected", "merged") and last + self.retention + DAY < self.now_ts:
            name = phone = email = phone_index = email_index = ""
            purged = self.stamp(last + self.retention + DAY)

        stamp = self.stamp
        ops.add(
            ops.row(
                pk,
                stamp(at),
                stamp(last),
                self.tracking_code(pk),
                state,
                channel,
                len(events),
                region.id,
                region.path,
                queue.id,
                queue.path,
                station,
                category,
                set_level,
                title,
                text,
                name,
                phone,
                email,
                phone_index,
                email_index,
                notify_by,
                purged,
                received_by,
                self.day_str[self.local_day(at)],
                merged_into,
                redirect_target,
                answer,
                self.day_str[due_date] if due_date else None,
                stamp(accepted_at) if accepted_at else None,
                stamp(answered_at) if answered_at else None,
                stamp(closed_at) if closed_at else None,
                reopen,
                escalations,
                satisfaction,
                is_published,
                stamp(published_at) if published_at else None,
                title if is_published else "",
                text if is_published else "",
                answer if is_published else "",
            )
        )
        row, first = E.row, E.next_id
        E.rows.extend(
            row(first + k, pk, stamp(ts), label, action, before, after, public, data or "{}")
            for k, (ts, label, action, before, after, public, data) in enumerate(events)
        )
        E.next_id = first + len(events)
        if len(E.rows) >= Loader.FLUSH_AT:
            self.flush_tables()

    def units_for(self, t, queue, level: str) -> list[int]:
        if level == Level.TOWNSHIP:
            return [self.units[(queue.id, "")]]
        units = [self.units[(queue.id, t.dept)]]
        if t.co_dept and self.rng.random() < 0.8:
            units.append(self.units[(queue.id, t.co_dept)])
        elif self.rng.random() < 0.05:
            units.append(self.units[(queue.id, "人民政府")])
        # one live assignment per unit (assignment_one_live_per_unit): a government's own matter
        # that also draws the government as co-unit is one assignment, not two
        return list(dict.fromkeys(units))

    def assign(self, life: Life, opinion_id: int, units: list[int], assigned_on: int, office: str, reply_text: str):
        """One round of assignment: the units accept, some talk with the citizen, a few ask for more
        time, and reply — most in time, some late, a few very late. Returns when the last unit
        replied, or None when that has not happened by now (`live_deadlines` then holds the open
        assignments' deadlines)."""
        rng = self.rng
        A, R = self.tables[Assignment], self.tables[Reply]
        now = self.now_ts
        stamp = self.stamp
        deadline = self.deadline_day.get(self.local_day(assigned_on))
        if deadline is None:
            return None
        key = tuple(units)
        head = self.assign_data.get(key)
        if head is None:
            names = json.dumps([self.unit_names[u] for u in units], ensure_ascii=False)
            head = self.assign_data[key] = f'{{"units": {json.dumps(units)}, "unit_names": {names}, "deadline": "'
        data = head + self.day_str[deadline] + '"}'

        if not life.step(assigned_on, office, "assign", "assigned", data=data):
            return None
        replied = []
        self.live_deadlines = []
        for unit in units:
            pk = A.next_id
            A.next_id += 1
            label = self.unit_names[unit]
            due = deadline
            t_accept = self.office(assigned_on, (0, 0, 1, 1, 2, 3)[self.between(0, 6)])
            end_of_due = (due + 1) * DAY - BEIJING
            x = rng.random()
            if x < 0.08:  # late
                t_reply = self.office(end_of_due, self.between(2, 31))
            elif x < 0.087:  # very late: open long after the deadline
                t_reply = self.office(end_of_due, self.between(60, 401))
            else:
                t_reply = self.office(t_accept, rng.uniform(1, max(1.5, (end_of_due - t_accept) / DAY - 1)))
            accepted = t_accept <= now
            if accepted:
                life.note(t_accept, label, "unit_accept", public=True)
                if rng.random() < 0.04:
                    due, t_reply = self.extension(life, pk, label, office, t_accept, due, t_reply)
                if rng.random() < 0.2:
                    self.contact(life, pk, label, t_accept, t_reply)
            done = accepted and t_reply <= now
            if done:
                R.add(R.row(R.next_id, stamp(t_reply), stamp(t_reply), pk, reply_text))
                R.next_id += 1
                replied.append((t_reply, label))
            else:
                self.live_deadlines.append(due)
            A.add(
                A.row(
                    pk,
                    stamp(assigned_on),
                    stamp(t_reply if done else (t_accept if accepted else assigned_on)),
                    opinion_id,
                    unit,
                    "replied" if done else ("accepted" if accepted else "pending"),
                    self.day_str[due],
                    "请于期限内答复，并与群众当面沟通。",
                    stamp(t_accept) if accepted else None,
                    stamp(t_reply) if done else None,
                    not done and due < self.local_day(now),  # the overdue notice has gone out
                )
            )
        replied.sort()
        for ts, label in replied[:-1]:
            life.note(ts, label, "reply", public=True)
        if len(replied) < len(units):
            return None
        ts, label = replied[-1]
        life.step(ts, label, "reply", "replied")
        return ts

    def extension(self, life: Life, assignment_id, label, office, t_accept, due, t_reply):
        """The unit asks for more time three days before the deadline; the office decides a day later."""
        rng = self.rng
        X = self.tables[Extension]
        t_ask = max(t_accept + HOUR, (due + 1) * DAY - BEIJING - 3 * DAY)
        if t_ask > self.now_ts or t_ask >= t_reply:  # (a unit that has replied asks for nothing)
            return due, t_reply
        wanted = self.deadline_day.get(due, due + 21)
        t_decide = self.office(t_ask, 1)
        decided = t_decide <= self.now_ts
        approved = rng.random() < 0.85
        status = ("approved" if approved else "refused") if decided else "pending"
        note = {"approved": "同意延期。", "refused": "请按原期限答复。", "pending": ""}[status]
        stamp = self.stamp
        X.add(
            X.row(
                X.next_id,
                stamp(t_ask),
                stamp(t_decide if decided else t_ask),
                assignment_id,
                self.day_str[wanted],
                "需要申请专项资金，审批程序较长。",
                status,
                stamp(t_decide) if decided else None,
                note,
            )
        )
        X.next_id += 1
        life.note(t_ask, label, "unit_extension")
        if decided:
            life.note(t_decide, office, "decide_extension", public=approved)
            if approved:
                due = wanted
                if t_reply > (due + 1) * DAY - BEIJING:
                    t_reply = self.office(t_decide, rng.uniform(2, 9))
        return due, t_reply

    def contact(self, life: Life, assignment_id, label, t_accept, t_reply) -> None:
        t_contact = t_accept + self.between(HOUR, 3 * DAY)
        if t_contact > self.now_ts or t_contact > t_reply:
            return
        C = self.tables[UnitContact]
        stamp = self.stamp(t_contact)
        C.add(
            C.row(
                C.next_id,
                stamp,
                stamp,
                assignment_id,
                self.rng.choice(("phone", "visit", "meeting")),
                self.day_str[self.local_day(t_contact)],
                "电话联系群众，了解具体情况。",
            )
        )
        C.next_id += 1
        life.note(t_contact, label, "unit_contact")

    def visit(self, opinion_id: int, ts: int, satisfaction: str) -> None:
        V = self.tables[ReturnVisit]
        pk = V.next_id
        V.next_id += 1
        stamp = self.stamp(ts)
        V.add(
            V.row(pk, stamp, stamp, opinion_id, self.rng.choice(("phone", "phone", "visit", "sms")), satisfaction, "")
        )


_RANK = {Level.PROVINCE: 0, Level.PREFECTURE: 1, Level.COUNTY: 2, Level.TOWNSHIP: 3, Level.VILLAGE: 4}


def _first(item):
    return item[0]


def _town_path(path: str, by_town: dict) -> str:
    """The township path a station's region path lies in (a township's own or one of its villages)."""
    parts = path.strip("/").split("/")
    for k in range(len(parts), 0, -1):
        candidate = "/" + "/".join(parts[:k]) + "/"
        if candidate in by_town:
            return candidate
    return ""
