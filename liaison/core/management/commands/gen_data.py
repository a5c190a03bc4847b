"""`manage.py gen_data --scale township|county|prefecture|province`: data at scale for benchmarks.

Everything is written in one transaction (nothing is left behind when it fails) through
`datagen.Loader`: ids are allocated in Python, so rows refer to each other before they are written,
and each table is loaded with COPY (PostgreSQL) or executemany (SQLite), county by county so memory
stays flat. Every denormalized field is set here: Person.name_pinyin/name_initials, Region.path/depth,
Mandate.level and region_path (from the congress's region), Station.region_path, the slot date and
times copied on each DutyAssignment. The generated regions hang under their own province (division
codes starting with 98), so the data sits beside the demo (codes 99) without clashing. Deterministic
for a given --seed, except that the duty roster starts tomorrow.

Sizes (province = 150,000 deputies and 10,000 stations):

    scale       congresses                        mandates  stations
    township    1 township                              76         6
    county      1 county + 16 townships              1,436       100
    prefecture  1 + 7 counties + 112 townships      10,452       700
    province    1 + 14 + 100 + 1,600               150,000    10,000

A bulk load writes one audit row per table ("import"), not one per record."""

import datetime
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from liaison.core.audit import audit_record
from liaison.core.demo_names import TOWNSHIP_SUFFIXES, Picker, place_name
from liaison.core.management.datagen import Loader, RosterPlan, Timer, person_fields, plan_roster
from liaison.core.models import AuditLog
from liaison.deputies.models import (
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    GroupMembership,
    Mandate,
    MandateStatusChange,
    Person,
)
from liaison.opinions import scale as opinions_scale
from liaison.proposals import scale as proposals_scale
from liaison.regions.models import LEVEL_ORDER, Congress, Level, Region, Session, Term
from liaison.stations.models import DutyAssignment, DutySlot, Station, StationDeputy

ROOT_CODE = "980000000000"
ROOT_NAME = "压测省"
SEATS = {Level.PROVINCE: 800, Level.PREFECTURE: 400, Level.COUNTY: 220, Level.TOWNSHIP: 76}
# Share of a congress's seats held by deputies who also sit in a congress one level down.
ALSO_BELOW = {Level.PROVINCE: 0.3, Level.PREFECTURE: 0.3, Level.COUNTY: 0.25}
VILLAGES_PER_TOWNSHIP = 10
TOWNSHIPS_PER_COUNTY = 16
TERM = (datetime.date(2021, 12, 28), datetime.date(2026, 12, 31))
SESSIONS = [
    (5, datetime.date(2026, 1, 6), datetime.date(2026, 1, 8), datetime.date(2025, 12, 17)),
    (6, datetime.date(2026, 12, 16), datetime.date(2026, 12, 18), datetime.date(2026, 11, 30)),
]
MODELS = [
    Region,
    Congress,
    Term,
    Session,
    Person,
    ElectoralDistrict,
    Delegation,
    Mandate,
    MandateStatusChange,
    Station,
    DeputyGroup,
    GroupMembership,
    StationDeputy,
    DutySlot,
    DutyAssignment,
]


@dataclass(frozen=True)
class Scale:
    top: str
    prefectures: int
    counties: int  # in all
    townships_per_county: int
    stations: int  # in all


SCALES = {
    "township": Scale(Level.TOWNSHIP, 1, 1, 1, 6),
    "county": Scale(Level.COUNTY, 1, 1, TOWNSHIPS_PER_COUNTY, 100),
    "prefecture": Scale(Level.PREFECTURE, 1, 7, TOWNSHIPS_PER_COUNTY, 700),
    "province": Scale(Level.PROVINCE, 14, 100, TOWNSHIPS_PER_COUNTY, 10_000),
}


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal integers, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass
class Node:
    id: int
    name: str
    level: str
    path: str
    children: list["Node"] = field(default_factory=list)
    congress_id: int | None = None
    term_id: int | None = None
    homes: list[int] = field(default_factory=list)  # home stations in the subtree


@dataclass
class Seat:
    person_id: int
    mandate_id: int


class Command(BaseCommand):
    help = "Generate data at scale (bulk loads) for benchmarks; prints timings per table."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), required=True)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-opinions", action="store_true", help="skip the opinions (liaison.opinions.scale)")
        parser.add_argument(
            "--no-proposals", action="store_true", help="skip the suggestions and motions (liaison.proposals.scale)"
        )

    def handle(self, *args, scale: str, seed: int, **options):
        if Region.objects.filter(code=ROOT_CODE).exists():
            raise CommandError(f"Generated data is already present (region {ROOT_CODE}); start from a fresh database.")
        self.scale = SCALES[scale]
        self.seed = seed
        self.timer = Timer()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.python_seconds = 0.0
        self.levels = set(LEVEL_ORDER[LEVEL_ORDER.index(Level(self.scale.top)) : 4])
        self.stdout.write(f"gen_data --scale {scale} on {connection.vendor} (seed {seed})")
        journal = self.sqlite_bulk_journal()
        try:
            self.load_all(scale, options)
        finally:
            if journal:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA journal_mode={journal}")

    def sqlite_bulk_journal(self) -> str | None:
        """SQLite keeps every page a transaction writes in the WAL until it is checkpointed: one
        transaction of several GB makes a WAL of several GB, whose index every page read then
        searches. For the load, a rollback journal instead: pages added to the end of the file are not
        journaled at all, and the load stays one transaction. Returns the mode to go back to (None when
        nothing was changed: not SQLite, inside a test's transaction, or another connection is open)."""
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return None
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            before = cursor.fetchone()[0]
            if before != "wal":
                return None
            try:
                cursor.execute("PRAGMA journal_mode=DELETE")
                changed = cursor.fetchone()[0] == "delete"
            except OperationalError:  # another connection holds the database: stay in WAL
                changed = False
        return before if changed else None

    def load_all(self, scale: str, options: dict) -> None:
        with transaction.atomic():
            self.L = {model: Loader(model, timer=self.timer, now=self.now) for model in MODELS}
            t0 = time.perf_counter()
            self.build_regions()
            self.build_congresses()
            self.build_people_and_stations()
            self.python_seconds += time.perf_counter() - t0 - sum(s for _, _, s in self.timer.rows)
            for loader in self.L.values():
                loader.finish()
            if not options["no_opinions"]:
                opinions_scale.generate(self)
            if not options["no_proposals"]:
                proposals_scale.generate(self)
            order = [m._meta.db_table for m in MODELS]
            self.timer.rows.sort(key=lambda row: order.index(row[0]) if row[0] in order else len(order))
            for model in (Region, Person, Mandate, Station, DutySlot):
                audit_record(
                    actor=None,
                    action=AuditLog.Action.IMPORT,
                    model=model._meta.label,
                    object_repr=f"gen_data --scale {scale}",
                    after={"rows": self.L[model].count},
                )
            t0 = time.perf_counter()
        self.timer.add("COMMIT (deferred constraint checks)", 0, time.perf_counter() - t0)
        # Fresh statistics for the planner; on PostgreSQL also the visibility map (VACUUM), which
        # autovacuum would set a while after a bulk load, so that index-only scans stay index-only.
        t0 = time.perf_counter()
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block  # (not inside a test)
        statement = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(statement)
        self.timer.add(statement, 0, time.perf_counter() - t0)
        self.stdout.write(self.timer.table())
        self.stdout.write(
            f"generated: {self.L[Person].count:,} persons, {self.L[Mandate].count:,} mandates, "
            f"{self.L[Station].count:,} stations, {self.L[DutySlot].count:,} duty slots, "
            f"{self.L[Region].count:,} regions; Python-side generation {self.python_seconds:.1f} s"
        )

    def rng(self, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{part}")

    # --- regions --------------------------------------------------------------------------------
    def region(self, name: str, code: str, level: str, parent: Node | None) -> Node:
        loader = self.L[Region]
        pk = loader.reserve()
        path = f"{parent.path if parent else '/'}{pk}/"
        depth = LEVEL_ORDER.index(Level(level))
        loader.add(
            id=pk, name=name, code=code, level=level, parent_id=parent.id if parent else None, path=path, depth=depth
        )
        node = Node(id=pk, name=name, level=level, path=path)
        if parent:
            parent.children.append(node)
        return node

    def build_regions(self) -> None:
        rng = self.rng("regions")
        s = self.scale
        self.root = self.region(ROOT_NAME, ROOT_CODE, Level.PROVINCE, None)
        used_pref, used_county = set(), set()
        for p, n_counties in enumerate(spread(s.counties, s.prefectures), start=1):
            pref = self.region(place_name(rng, "市", used_pref), f"98{p:02d}00000000", Level.PREFECTURE, self.root)
            for c in range(1, n_counties + 1):
                county_code = f"98{p:02d}{c:02d}"
                county = self.region(place_name(rng, "县", used_county), county_code + "000000", Level.COUNTY, pref)
                used_town: set[str] = set()
                for t in range(1, s.townships_per_county + 1):
                    suffix = TOWNSHIP_SUFFIXES[t % len(TOWNSHIP_SUFFIXES)]
                    town_code = f"{county_code}{t:03d}"
                    town = self.region(place_name(rng, suffix, used_town), town_code + "000", Level.TOWNSHIP, county)
                    used_village: set[str] = set()
                    for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
                        vsuffix = "社区" if suffix == "街道" or v == 1 else "村"
                        self.region(place_name(rng, vsuffix, used_village), f"{town_code}{v:03d}", Level.VILLAGE, town)

    def walk(self, node: Node):
        yield node
        for child in node.children:
            yield from self.walk(child)

    # --- congresses -----------------------------------------------------------------------------
    def build_congresses(self) -> None:
        for node in self.walk(self.root):
            if node.level not in self.levels:
                continue
            node.congress_id = self.L[Congress].add(
                region_id=node.id,
                name=f"{node.name}人民代表大会",
                level=node.level,
                motion_threshold=5 if node.level == Level.TOWNSHIP else 10,
            )
            node.term_id = self.L[Term].add(
                congress_id=node.congress_id, number=18, start_date=TERM[0], end_date=TERM[1]
            )
            for number, start, end, notice in SESSIONS:
                self.L[Session].add(
                    term_id=node.term_id, number=number, start_date=start, end_date=end, notice_date=notice
                )

    # --- deputies, groups, stations, rosters ----------------------------------------------------
    def build_people_and_stations(self) -> None:
        self.names: dict[int, tuple[str, str, str]] = {}  # person id → name, pinyin, initials
        self.picker = Picker(self.rng("people"))
        self.prng = self.picker.rng
        self.roster_rng = self.rng("roster")
        self.station_counts = iter(spread(self.scale.stations, self._township_count()))
        self.station_index = 0
        province_candidates: list[int] = []
        for pref in self.root.children:
            county_people: list[int] = []
            for county in pref.children:
                county_people += self.build_county(county, pref)
                pref.homes += county.homes
            self.root.homes += pref.homes
            if Level.PREFECTURE in self.levels:
                province_candidates += self.build_upper(pref, county_people)
        if Level.PROVINCE in self.levels:
            self.build_upper(self.root, province_candidates)

    def _township_count(self) -> int:
        return sum(len(c.children) for p in self.root.children for c in p.children)

    def new_person(self, county: Node, town: Node, keeper: Node) -> int:
        """A new person living in `town`, whose record is kept by the office of `keeper` (the region of
        the lowest congress they sit in)."""
        village = self.prng.choice(town.children)
        fields = person_fields(self.picker, county=county.name, township=town.name, village=village.name)
        pid = self.L[Person].add(region_id=keeper.id, **fields)
        self.names[pid] = (fields["name"], fields["name_pinyin"], fields["name_initials"])
        return pid

    def mandate(self, person_id: int, node: Node, **fields) -> int:
        name, pinyin, initials = self.names[person_id]
        mid = self.L[Mandate].add(
            person_id=person_id,
            congress_id=node.congress_id,
            term_id=node.term_id,
            start_date=TERM[0],
            level=node.level,
            region_path=node.path,
            person_name=name,
            name_pinyin=pinyin,
            name_initials=initials,
            status=Mandate.Status.SERVING,
            **fields,
        )
        # the status history starts with the election, as deputies.services.mandate_create records it
        self.L[MandateStatusChange].add(mandate_id=mid, status=Mandate.Status.SERVING, date=TERM[0], reason="当选")
        return mid

    def district(self, node: Node, region: Node, name: str) -> int:
        return self.L[ElectoralDistrict].add(congress_id=node.congress_id, region_id=region.id, name=name)

    def build_county(self, county: Node, pref: Node) -> list[int]:
        """Township and county deputies of one county, their groups, stations and roster. Returns the
        person ids of the county deputies (candidates for a prefecture seat)."""
        rng = self.prng
        own: dict[int, list[Seat]] = defaultdict(list)  # township id → township seats
        upper: dict[int, list[Seat]] = defaultdict(list)  # township id → county seats elected there
        if Level.TOWNSHIP in self.levels:
            for town in county.children:
                seats = SEATS[Level.TOWNSHIP]
                districts = [
                    self.district(town, town.children[k % len(town.children)], f"第{k + 1}选区")
                    for k in range(math.ceil(seats / 3))
                ]
                for i in range(seats):
                    pid = self.new_person(county, town, town)
                    own[town.id].append(
                        Seat(pid, self.mandate(pid, town, election="direct", district_id=districts[i // 3]))
                    )
        county_people: list[int] = []
        if Level.COUNTY in self.levels:
            for town, seats in zip(county.children, spread(SEATS[Level.COUNTY], len(county.children)), strict=True):
                districts = [
                    self.district(county, town, f"{town.name}第{k + 1}选区") for k in range(math.ceil(seats / 3))
                ]
                delegation = self.L[Delegation].add(congress_id=county.congress_id, name=f"{town.name}代表团")
                reuse = [s.person_id for s in rng.sample(own[town.id], round(seats * ALSO_BELOW[Level.COUNTY]))]
                people = reuse + [self.new_person(county, town, county) for _ in range(seats - len(reuse))]
                for i, pid in enumerate(people):
                    mid = self.mandate(
                        pid, county, election="direct", district_id=districts[i // 3], delegation_id=delegation
                    )
                    upper[town.id].append(Seat(pid, mid))
                county_people += people
        plan = RosterPlan()
        for town in county.children:
            town_upper, town_own = upper[town.id], own[town.id]
            stations = self.stations(town, county, pref, next(self.station_counts))
            for half, label in enumerate(("第一代表小组", "第二代表小组")):
                members = town_upper[half::2] + town_own[half::2]
                if not members:
                    continue
                group = self.L[DeputyGroup].add(
                    name=f"{town.name}{label}", region_id=town.id, station_id=stations[0] if stations else None
                )
                for i, seat in enumerate(members):
                    position = ("leader", "deputy_leader")[i] if i < 2 else "member"
                    self.L[GroupMembership].add(group_id=group, mandate_id=seat.mandate_id, position=position)
            if not stations:
                continue
            people = list(dict.fromkeys(s.person_id for s in town_own + town_upper))
            by_station = defaultdict(list)
            for i, pid in enumerate(people):
                station = stations[i % len(stations)]
                self.L[StationDeputy].add(station_id=station, person_id=pid, since=TERM[0])
                by_station[station].append(pid)
            for station in stations:
                plan_roster(
                    station_id=station,
                    person_ids=by_station[station],
                    start=self.today + datetime.timedelta(days=1),
                    end=self.today + datetime.timedelta(days=61),
                    weekday=station % 5,
                    now=self.now,
                    rng=self.roster_rng,
                    plan=plan,
                )
        self.save_roster(plan)
        return county_people

    def build_upper(self, node: Node, candidates: list[int]) -> list[int]:
        """Deputies of a prefecture (or the province) congress, elected by the congresses one level down
        (indirect election); some of them sit there too. Returns their person ids."""
        rng = self.prng
        level = Level(node.level)
        seats = SEATS[level]
        reuse = iter(rng.sample(candidates, min(len(candidates), round(seats * ALSO_BELOW[level]))))
        people = []
        for child, n in zip(node.children, spread(seats, len(node.children)), strict=True):
            delegation = self.L[Delegation].add(congress_id=node.congress_id, name=f"{child.name}代表团")
            for _ in range(n):
                pid = next(reuse, None)
                if pid is None:  # a new person from a township below, who joins a home station there
                    county = child if child.level == Level.COUNTY else rng.choice(child.children)
                    pid = self.new_person(county, rng.choice(county.children), node)
                    if child.homes:
                        self.L[StationDeputy].add(station_id=rng.choice(child.homes), person_id=pid, since=TERM[0])
                self.mandate(
                    pid, node, election="indirect", electing_congress_id=child.congress_id, delegation_id=delegation
                )
                people.append(pid)
        return people

    def stations(self, town: Node, county: Node, pref: Node, n: int) -> list[int]:
        """`n` stations of a township: the home and an office at the township, posts in villages."""
        rng = self.prng
        idx = self.station_index
        self.station_index += 1
        base_lat, base_lng = 24.0 + (idx // 120) * 0.05, 108.0 + (idx % 120) * 0.05
        ids = []
        for k in range(n):
            if k == 0:
                kind, region, name = Station.Kind.HOME, town, f"{town.name}人大代表之家"
            elif k == 1:
                kind, region, name = Station.Kind.OFFICE, town, f"{town.name}代表工作室"
            else:
                region = town.children[(k - 2) % len(town.children)]
                kind, name = Station.Kind.POST, f"{region.name}代表联络站"
                if k - 2 >= len(town.children):
                    name = f"{region.name}第{(k - 2) // len(town.children) + 1}代表联络站"
            place = town.name + ("" if region is town else region.name)
            pk = self.L[Station].add(
                name=name,
                kind=kind,
                region_id=region.id,
                region_path=region.path,
                address=f"{pref.name}{county.name}{place}{rng.randrange(1, 300)}号",
                latitude=Decimal(f"{base_lat + rng.uniform(-0.02, 0.02):.6f}"),
                longitude=Decimal(f"{base_lng + rng.uniform(-0.02, 0.02):.6f}"),
                opening_hours="每月10日 9:00—12:00 代表集中接待；每周一次下午接待",
                phone=f"0{rng.randrange(700, 799)}-8{rng.randrange(10**6, 10**7 - 1)}",
            )
            ids.append(pk)
            if kind == Station.Kind.HOME:
                county.homes.append(pk)
        return ids

    def save_roster(self, plan: RosterPlan) -> None:
        slots, assignments = self.L[DutySlot], self.L[DutyAssignment]
        for slot, people in zip(plan.slots, plan.people, strict=True):
            sid = slots.add(
                station_id=slot.station_id,
                date=slot.date,
                start_time=slot.start_time,
                end_time=slot.end_time,
                topic=slot.topic,
                published_at=slot.published_at,
            )
            for pid in people:
                assignments.add(
                    slot_id=sid, person_id=pid, date=slot.date, start_time=slot.start_time, end_time=slot.end_time
                )
