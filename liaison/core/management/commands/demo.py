"""`manage.py demo`: a realistic demo prefecture with its congresses, deputies, stations, rosters and one
account for every role, then the accounts table.

Idempotent: every part is looked up by a stable key (division code, name within its parent, user name)
and only what is missing is created, all in one transaction; a second run changes nothing. Small
structural records go through the services (with their audit rows); the ~1,200 mandates and what
hangs off them are bulk-inserted with their denormalized fields set here, and one audit row per part
records the load."""

import datetime
import math
import random
import unicodedata
from collections import defaultdict

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from liaison.accounts.models import Role, User
from liaison.accounts.services import role_grant, user_create
from liaison.core.audit import audit_record
from liaison.core.demo_names import Picker, place_name
from liaison.core.management.datagen import Timer, evidence_png, new_person, plan_roster, save_roster
from liaison.core.models import AuditLog
from liaison.deputies.models import (
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    GroupMembership,
    Household,
    HouseholdLink,
    Mandate,
    MandateStatusChange,
    Person,
)
from liaison.opinions import demo as opinions_demo
from liaison.proposals import demo as proposals_demo
from liaison.regions.models import Congress, HandlingUnit, Level, Organ, Region, Session, Term
from liaison.regions.services import congress_create, region_create, term_create, unit_create
from liaison.stations.models import DutySlot, StandardEvidence, StandardItem, Station, StationDeputy
from liaison.stations.services import evidence_upload, station_create

SEED = 20261122
DEMO_PASSWORD = "Liaison-2026!"
LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"
OTP_SETUP_URL = "/accounts/otp/setup/"

PROVINCE = ("示范省", "990000000000")
PREFECTURE = ("示范市", "990100000000")
# County (name, 6-digit code) and its townships; 街道 get codes 0xx, 镇 1xx, 乡 2xx.
COUNTIES = [
    ("青岚县", "990121", ["城关镇", "龙泉镇", "石桥镇", "柳溪乡", "东坪乡"]),
    ("白沙县", "990122", ["白沙镇", "青山镇", "花桥镇", "金塘乡", "荷叶乡"]),
    ("云溪区", "990102", ["云溪街道", "江南街道", "月湖街道", "松柏镇", "桃花镇"]),
]
VILLAGES_PER_TOWNSHIP = 4
# The map centre of the demo prefecture and each county's offset from it (degrees).
CENTRE = (28.2282, 112.9388)
COUNTY_OFFSETS = [(0.21, -0.33), (-0.24, 0.29), (0.0, 0.0)]

TOWNSHIP_SEATS = (27, 34)  # range of seats of a township congress
COUNTY_SEATS_PER_TOWNSHIP = 30  # 5 townships → 150 county deputies
COUNTY_SEATS_ALSO_TOWNSHIP = 8  # of those, deputies who also sit in their township congress
PREFECTURE_SEATS_PER_COUNTY = 100  # 3 counties → 300 prefecture deputies
PREFECTURE_SEATS_ALSO_COUNTY = 30

DEPARTMENTS = [
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
]
SPECIAL_COMMITTEES_PREFECTURE = [
    "法制委员会",
    "财政经济委员会",
    "教育科学文化卫生委员会",
    "城乡建设环境保护委员会",
    "农业与农村委员会",
    "社会建设委员会",
]
SPECIAL_COMMITTEES_COUNTY = ["法制委员会", "财政经济委员会", "社会建设委员会"]
OFFICE_THEMES = ["乡村振兴", "产业园区", "民生服务", "矛盾调解", "营商环境"]
ROADS = ["人民路", "建设路", "解放路", "新华路", "文化路", "中山路", "滨江路", "光明街"]
RESIGN_REASONS = [
    ("resigned", "因工作调动，本人书面提出辞去代表职务，经常委会会议接受"),
    ("resigned", "因身体原因，本人书面提出辞去代表职务"),
    ("terminated", "迁出本行政区域，代表资格终止"),
]


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# Terms and sessions (number, first day, last day, notice to deputies). Dates are realistic for the
# 2021–2022 round of local elections; the next session of each congress is still ahead.
TERMS = {
    Level.PREFECTURE: {
        "previous": (7, _d("2017-01-06"), _d("2022-01-05")),
        "current": (8, _d("2022-01-06"), _d("2027-01-31")),
        "sessions": [
            (1, "2022-01-06", "2022-01-09", "2021-12-17"),
            (2, "2023-01-10", "2023-01-13", "2022-12-20"),
            (3, "2024-01-09", "2024-01-12", "2023-12-20"),
            (4, "2025-01-08", "2025-01-11", "2024-12-18"),
            (5, "2026-01-13", "2026-01-16", "2025-12-24"),
            (6, "2027-01-12", "2027-01-14", "2026-12-24"),
        ],
    },
    Level.COUNTY: {
        "previous": (17, _d("2016-12-20"), _d("2021-12-27")),
        "current": (18, _d("2021-12-28"), _d("2026-12-31")),
        "sessions": [
            (1, "2021-12-28", "2021-12-30", "2021-12-10"),
            (2, "2023-01-05", "2023-01-07", "2022-12-16"),
            (3, "2024-01-04", "2024-01-06", "2023-12-15"),
            (4, "2025-01-07", "2025-01-09", "2024-12-18"),
            (5, "2026-01-06", "2026-01-08", "2025-12-17"),
            (6, "2026-12-16", "2026-12-18", "2026-11-30"),
        ],
    },
    Level.TOWNSHIP: {
        "previous": (17, _d("2016-11-18"), _d("2021-11-19")),
        "current": (18, _d("2021-11-20"), _d("2026-12-31")),
        "sessions": [
            (1, "2021-11-20", "2021-11-21", "2021-11-03"),
            (2, "2022-02-22", "2022-02-22", "2022-02-05"),
            (3, "2023-02-15", "2023-02-15", "2023-01-30"),
            (4, "2024-02-20", "2024-02-20", "2024-02-02"),
            (5, "2025-02-18", "2025-02-18", "2025-01-31"),
            (6, "2026-02-25", "2026-02-25", "2026-02-06"),
            (7, "2026-12-15", "2026-12-15", "2026-11-27"),
        ],
    },
}


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


class Command(BaseCommand):
    help = "Load the demo prefecture (idempotent) and print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="print only the accounts table")

    def handle(self, *args, quiet=False, verbosity=1, **options):
        self.quiet = quiet
        self.timer = Timer()
        self.now = timezone.now()
        self.today = timezone.localdate()
        with transaction.atomic():
            self.build_regions()
            self.build_congresses()
            self.build_units()
            self.build_deputies()
            self.build_photos()
            self.build_stations()
            self.build_groups()
            self.build_households()
            self.build_roster()
            accounts = self.build_accounts()
            self.build_evidence()
            tracking = opinions_demo.load(self)
            proposals_demo.load(self)
        if verbosity >= 2 and self.timer.rows:
            self.stdout.write("Bulk inserts:\n" + self.timer.table())
        self.print_accounts(accounts)
        if tracking:
            self.stdout.write(tracking)

    # --- helpers --------------------------------------------------------------------------------
    def log(self, message: str) -> None:
        if not self.quiet:
            self.stdout.write(message)

    def rng(self, part: str) -> random.Random:
        """Each part draws from its own generator, so skipping one part never changes another."""
        return random.Random(f"{SEED}:{part}")

    @staticmethod
    def record_load(model: str, count: int, what: str) -> None:
        audit_record(actor=None, action=AuditLog.Action.IMPORT, model=model, object_repr=what, after={"rows": count})

    # --- regions --------------------------------------------------------------------------------
    def _region(self, name: str, code: str, level: str, parent: Region | None) -> Region:
        region = Region.objects.filter(code=code).first()
        if region is None:
            region = region_create(actor=None, name=name, code=code, level=level, parent=parent)
            self.created_regions += 1
        return region

    def build_regions(self) -> None:
        self.created_regions = 0
        self.province = self._region(*PROVINCE, Level.PROVINCE, None)
        self.prefecture = self._region(*PREFECTURE, Level.PREFECTURE, self.province)
        self.counties: list[Region] = []
        self.townships: dict[int, list[Region]] = {}  # county id → townships
        self.villages: dict[int, list[Region]] = {}  # township id → villages
        for county_name, county_code, township_names in COUNTIES:
            county = self._region(county_name, county_code + "000000", Level.COUNTY, self.prefecture)
            self.counties.append(county)
            self.townships[county.pk] = []
            counters = {"街道": 1, "镇": 100, "乡": 200}
            for township_name in township_names:
                suffix = "街道" if township_name.endswith("街道") else township_name[-1]
                code = f"{county_code}{counters[suffix]:03d}000"
                counters[suffix] += 1
                township = self._region(township_name, code, Level.TOWNSHIP, county)
                self.townships[county.pk].append(township)
                rng, used = self.rng(f"villages:{code}"), set()
                villages = []
                for i in range(VILLAGES_PER_TOWNSHIP):
                    community = suffix == "街道" or i == 0  # the township seat has a community
                    vname = place_name(rng, "社区" if community else "村", used)
                    vcode = code[:9] + (f"{i + 1:03d}" if community else f"{200 + i:03d}")
                    villages.append(self._region(vname, vcode, Level.VILLAGE, township))
                self.villages[township.pk] = villages
        self.all_townships = [t for c in self.counties for t in self.townships[c.pk]]
        self.log(f"regions: {self.created_regions} created")

    # --- congresses, terms, sessions, organs ----------------------------------------------------
    def build_congresses(self) -> None:
        created = 0
        self.congress: dict[int, Congress] = {}  # region id → congress
        self.term: dict[int, Term] = {}  # region id → current term
        for region in [self.prefecture, *self.counties, *self.all_townships]:
            congress = Congress.objects.filter(region=region).first()
            if congress is None:
                congress = congress_create(actor=None, region=region, name=f"{region.name}人民代表大会")
                created += 1
            self.congress[region.pk] = congress
            plan = TERMS[Level(region.level)]
            terms = {}
            for key in ("previous", "current"):
                number, start, end = plan[key]
                term = Term.objects.filter(congress=congress, number=number).first()
                if term is None:
                    term = term_create(actor=None, congress=congress, number=number, start_date=start, end_date=end)
                terms[key] = term
            self.term[region.pk] = terms["current"]
            for number, start, end, notice in plan["sessions"]:
                Session.objects.get_or_create(
                    term=terms["current"],
                    number=number,
                    defaults={
                        "start_date": _d(start),
                        "end_date": _d(end),
                        "notice_date": _d(notice),
                        "motion_deadline": datetime.datetime.combine(
                            _d(start), datetime.time(12, 0), tzinfo=timezone.get_current_timezone()
                        ),
                    },
                )
            self._organs(congress, region)
        self.log(f"congresses: {created} created")

    def _organ(self, congress, name, kind, parent=None) -> Organ:
        organ, _ = Organ.objects.get_or_create(congress=congress, name=name, defaults={"kind": kind, "parent": parent})
        return organ

    def _organs(self, congress: Congress, region: Region) -> None:
        K = Organ.Kind
        if region.level == Level.TOWNSHIP:
            self._organ(congress, f"{region.name}人民代表大会主席团", K.PRESIDIUM)
            self._organ(congress, f"{region.name}人大办", K.WORKING_BODY)
            return
        short = region.name
        committees = SPECIAL_COMMITTEES_PREFECTURE if region.level == Level.PREFECTURE else SPECIAL_COMMITTEES_COUNTY
        standing = self._organ(congress, f"{short}人大常委会", K.STANDING_COMMITTEE)
        self._organ(congress, f"{short}人民代表大会主席团", K.PRESIDIUM)
        for committee in committees:
            self._organ(congress, f"{short}人民代表大会{committee}", K.SPECIAL_COMMITTEE)
        if region.level == Level.PREFECTURE:
            self._organ(congress, f"{short}人大常委会代表工作委员会", K.WORKING_BODY, standing)
        else:
            self._organ(congress, f"{short}人大常委会代表联络室", K.WORKING_BODY, standing)
        self._organ(congress, f"{short}人大常委会办公室", K.WORKING_BODY, standing)

    # --- handling units -------------------------------------------------------------------------
    def _unit(self, region, name, kind, parent=None) -> HandlingUnit:
        unit = HandlingUnit.objects.filter(region=region, name=name).first()
        return unit or unit_create(actor=None, region=region, name=name, kind=kind, parent=parent)

    def build_units(self) -> None:
        K = HandlingUnit.Kind
        self.units: dict[str, HandlingUnit] = {}
        for region in [self.prefecture, *self.counties]:
            gov = self._unit(region, f"{region.name}人民政府", K.GOVERNMENT)
            self.units[gov.name] = gov
            for dept in DEPARTMENTS:
                unit = self._unit(region, f"{region.name}{dept}", K.DEPARTMENT, gov)
                self.units[unit.name] = unit
            court = "中级人民法院" if region.level == Level.PREFECTURE else "人民法院"
            for name, kind in (("监察委员会", K.SUPERVISION), (court, K.COURT), ("人民检察院", K.PROCURATORATE)):
                unit = self._unit(region, f"{region.name}{name}", kind)
                self.units[unit.name] = unit
        for township in self.all_townships:
            kind_word = "办事处" if township.name.endswith("街道") else "人民政府"
            unit = self._unit(township, f"{township.name}{kind_word}", K.GOVERNMENT)
            self.units[unit.name] = unit
        self.log(f"handling units: {len(self.units)}")

    # --- persons and mandates -------------------------------------------------------------------
    def build_deputies(self) -> None:
        congress_ids = [c.pk for c in self.congress.values()]
        if Mandate.objects.filter(congress_id__in=congress_ids).exists():
            self.log("deputies: already loaded")
            return
        rng = self.rng("deputies")
        picker = Picker(rng)
        people: list[Person] = []
        mandates: list[tuple[Person, str, dict]] = []  # (person, region id of congress, fields)
        districts: list[ElectoralDistrict] = []
        delegations: dict[tuple[int, str], Delegation] = {}

        def delegation(congress: Congress, name: str) -> Delegation:
            key = (congress.pk, name)
            if key not in delegations:
                delegations[key] = Delegation(congress=congress, name=name)
            return delegations[key]

        def person_in(county: Region, township: Region) -> Person:
            village = rng.choice(self.villages[township.pk])
            p = new_person(picker, county=county.name, township=township.name, village=village.name)
            people.append(p)
            return p

        for county in self.counties:
            county_congress = self.congress[county.pk]
            county_people: list[Person] = []
            for township in self.townships[county.pk]:
                # The township congress: direct election in districts of about three seats.
                t_congress = self.congress[township.pk]
                seats = rng.randint(*TOWNSHIP_SEATS)
                villages = self.villages[township.pk]
                t_districts = [
                    ElectoralDistrict(congress=t_congress, region=villages[k % len(villages)], name=f"第{k + 1}选区")
                    for k in range(math.ceil(seats / 3))
                ]
                districts += t_districts
                township_people = []
                for seat in range(seats):
                    p = person_in(county, township)
                    township_people.append(p)
                    mandates.append((p, township.pk, {"election": "direct", "district": t_districts[seat // 3]}))
                # The county congress: districts inside the township; some seats go to township deputies.
                c_districts = [
                    ElectoralDistrict(congress=county_congress, region=township, name=f"{township.name}第{k + 1}选区")
                    for k in range(math.ceil(COUNTY_SEATS_PER_TOWNSHIP / 3))
                ]
                districts += c_districts
                both = rng.sample(township_people, COUNTY_SEATS_ALSO_TOWNSHIP)
                for seat in range(COUNTY_SEATS_PER_TOWNSHIP):
                    p = both[seat] if seat < len(both) else person_in(county, township)
                    county_people.append(p)
                    mandates.append(
                        (
                            p,
                            county.pk,
                            {
                                "election": "direct",
                                "district": c_districts[seat // 3],
                                "delegation": delegation(county_congress, f"{township.name}代表团"),
                            },
                        )
                    )
            # The prefecture congress: elected by the county congress (indirect).
            also = rng.sample(county_people, PREFECTURE_SEATS_ALSO_COUNTY)
            for seat in range(PREFECTURE_SEATS_PER_COUNTY):
                p = also[seat] if seat < len(also) else person_in(county, rng.choice(self.townships[county.pk]))
                mandates.append(
                    (
                        p,
                        self.prefecture.pk,
                        {
                            "election": "indirect",
                            "electing_congress": county_congress,
                            "delegation": delegation(self.congress[self.prefecture.pk], f"{county.name}代表团"),
                        },
                    )
                )

        region_by_id = {r.pk: r for r in [self.prefecture, *self.counties, *self.all_townships]}
        # The record is kept by the liaison office of the lowest congress the person sits in.
        for person, region_id, _ in mandates:
            region = region_by_id[region_id]
            if person.region is None or region.depth > person.region.depth:
                person.region = region
        self.timer.bulk(Person, people)
        self.timer.bulk(ElectoralDistrict, districts)
        self.timer.bulk(Delegation, delegations.values())
        rows = []
        for person, region_id, fields in mandates:
            region, term = region_by_id[region_id], self.term[region_id]
            rows.append(
                Mandate(
                    person=person,
                    congress=self.congress[region_id],
                    term=term,
                    start_date=term.start_date,
                    level=region.level,
                    region_path=region.path,
                    person_name=person.name,
                    name_pinyin=person.name_pinyin,
                    name_initials=person.name_initials,
                    **fields,
                )
            )
        self.timer.bulk(Mandate, rows)
        # The status history starts with the election (as mandate_create records it); a few changes follow.
        changes = [
            MandateStatusChange(mandate=m, status=Mandate.Status.SERVING, date=m.start_date, reason="当选")
            for m in rows
        ]
        for i, mandate in enumerate(rng.sample([m for m in rows if m.level != Level.PREFECTURE], 6)):
            status, reason = RESIGN_REASONS[i % len(RESIGN_REASONS)]
            day = mandate.term.start_date + datetime.timedelta(days=rng.randrange(300, 1500))
            mandate.status, mandate.end_date = status, day
            changes.append(MandateStatusChange(mandate=mandate, status=status, date=day, reason=reason))
        Mandate.objects.bulk_update([c.mandate for c in changes[len(rows) :]], ["status", "end_date"])
        self.timer.bulk(MandateStatusChange, changes)
        self.record_load("deputies.Person", len(people), "demo: persons")
        self.record_load("deputies.Mandate", len(rows), "demo: mandates")
        self.log(f"deputies: {len(people)} persons, {len(rows)} mandates, {len(districts)} districts")

    # --- portraits ---------------------------------------------------------------------------------
    PHOTO_SHARE = 1 / 3  # of the demo's persons, drawn (liaison.deputies.portraits); the rest show no photo

    def build_photos(self) -> None:
        from django.core.files.storage import default_storage

        from liaison.deputies.portraits import cjk_font_path, portrait_png

        people = Person.objects.filter(region__path__startswith=self.prefecture.path)
        if people.exclude(photo="").exists():
            self.log("portraits: already there")
            return
        rng = self.rng("photos")
        rows = list(people.order_by("pk").only("pk", "name", "name_initials"))
        chosen = sorted(rng.sample(rows, round(len(rows) * self.PHOTO_SHARE)), key=lambda p: p.pk)
        folder = self.now.strftime("photos/%Y/")
        for person in chosen:
            data = portrait_png(person.name, person.name_initials, seed=person.pk)
            person.photo.name = default_storage.save(f"{folder}{rng.getrandbits(64):016x}.png", ContentFile(data))
        Person.objects.bulk_update(chosen, ["photo"], batch_size=500)
        self.record_load("deputies.Person", len(chosen), "demo: portraits")
        font = "surname" if cjk_font_path() else "pinyin initials (no CJK font found)"
        self.log(f"portraits: {len(chosen)} of {len(rows)} persons ({font})")

    def _serving(self):
        return Mandate.objects.filter(status=Mandate.Status.SERVING)

    def township_people(self, township: Region) -> list[int]:
        """Serving deputies who live and act in a township: its own deputies and the county deputies
        elected in it (a person with both mandates counts once)."""
        ids = self._serving().filter(congress__region=township).values_list("person_id", flat=True)
        county_ids = (
            self._serving().filter(level=Level.COUNTY, district__region=township).values_list("person_id", flat=True)
        )
        return sorted(set(ids) | set(county_ids))

    # --- stations -------------------------------------------------------------------------------
    def build_stations(self) -> None:
        rng = self.rng("stations")
        created = 0
        self.stations: dict[int, list[Station]] = {}  # township id → [home, office, post, post]
        for ci, county in enumerate(self.counties):
            dlat, dlng = COUNTY_OFFSETS[ci]
            for ti, township in enumerate(self.townships[county.pk]):
                t_lat = CENTRE[0] + dlat + (ti - 2) * 0.045 + rng.uniform(-0.01, 0.01)
                t_lng = CENTRE[1] + dlng + ((ti * 7) % 5 - 2) * 0.05 + rng.uniform(-0.01, 0.01)
                villages = self.villages[township.pk]
                theme = OFFICE_THEMES[ti % len(OFFICE_THEMES)]
                road = ROADS[(ci * 5 + ti) % len(ROADS)]
                specs = [
                    (
                        Station.Kind.HOME,
                        township,
                        f"{township.name}人大代表之家",
                        f"{county.name}{township.name}{road}{rng.randrange(1, 200)}号（{township.name}人大办旁）",
                        "周一至周五 8:30—12:00、14:30—17:30；每月10日代表集中接待",
                    ),
                    (
                        Station.Kind.OFFICE,
                        township,
                        f"{township.name}{theme}代表工作室",
                        f"{county.name}{township.name}{ROADS[(ci + ti + 3) % len(ROADS)]}{rng.randrange(1, 200)}号",
                        "每周二、周四 9:00—11:30；其他时间可预约",
                    ),
                    (
                        Station.Kind.POST,
                        villages[1],
                        f"{villages[1].name}代表联络站",
                        f"{county.name}{township.name}{villages[1].name}党群服务中心二楼",
                        "每月10日 9:00—12:00 代表接待；其他时间请预约",
                    ),
                    (
                        Station.Kind.POST,
                        villages[2],
                        f"{villages[2].name}代表联络站",
                        f"{county.name}{township.name}{villages[2].name}党群服务中心一楼",
                        "每月10日 9:00—12:00 代表接待；其他时间请预约",
                    ),
                ]
                stations = []
                for kind, region, name, address, hours in specs:
                    station = Station.objects.filter(region=region, name=name).first()
                    if station is None:
                        station = station_create(
                            actor=None,
                            name=name,
                            kind=kind,
                            region=region,
                            address=address,
                            latitude=round(t_lat + rng.uniform(-0.012, 0.012), 6),
                            longitude=round(t_lng + rng.uniform(-0.012, 0.012), 6),
                            opening_hours=hours,
                            phone=f"0731-8{rng.randrange(10**6, 10**7 - 1)}",
                            description=(
                                f"{name}是{township.name}人大代表联系群众的固定场所，"
                                f"代表定期进站接待选民，听取意见建议。"
                            ),
                        )
                        created += 1
                    stations.append(station)
                self.stations[township.pk] = stations
        self.all_stations = [s for t in self.all_townships for s in self.stations[t.pk]]
        self.log(f"stations: {created} created")
        self.assign_deputies()

    def assign_deputies(self) -> None:
        """进站代表: every serving deputy in one station of their township; the prefecture deputies who hold
        no county seat go to the homes of their county's townships."""
        if StationDeputy.objects.filter(station__in=self.all_stations).exists():
            return
        rng = self.rng("station-deputies")
        rows, placed = [], set()
        for township in self.all_townships:
            stations = self.stations[township.pk]
            people = self.township_people(township)
            rng.shuffle(people)
            for i, pid in enumerate(people):
                rows.append(StationDeputy(station=stations[i % len(stations)], person_id=pid, since=_d("2022-03-01")))
                placed.add(pid)
        for county in self.counties:
            homes = [self.stations[t.pk][0] for t in self.townships[county.pk]]
            pref_people = sorted(
                set(
                    self._serving()
                    .filter(level=Level.PREFECTURE, electing_congress__region=county)
                    .values_list("person_id", flat=True)
                )
                - placed
            )
            for i, pid in enumerate(pref_people):
                rows.append(StationDeputy(station=homes[i % len(homes)], person_id=pid, since=_d("2022-03-01")))
        self.timer.bulk(StationDeputy, rows)
        self.log(f"station deputies: {len(rows)}")

    # --- deputy groups --------------------------------------------------------------------------
    def build_groups(self) -> None:
        if DeputyGroup.objects.filter(region__in=self.all_townships).exists():
            return
        memberships, groups = [], []
        plans = []  # (group, [(mandate id, position)])
        for township in self.all_townships:
            own = list(
                self._serving()
                .filter(congress__region=township)
                .order_by("district__name", "id")
                .values_list("id", flat=True)
            )
            county = list(
                self._serving()
                .filter(level=Level.COUNTY, district__region=township)
                .order_by("district__name", "id")
                .values_list("id", flat=True)
            )
            for half, label in enumerate(("第一代表小组", "第二代表小组")):
                group = DeputyGroup(
                    name=f"{township.name}{label}", region=township, station=self.stations[township.pk][half]
                )
                mine_county, mine_own = county[half::2], own[half::2]
                members = [(mine_county[0], GroupMembership.Position.LEADER)]
                members.append((mine_own[0], GroupMembership.Position.DEPUTY_LEADER))
                members += [(m, GroupMembership.Position.MEMBER) for m in mine_county[1:] + mine_own[1:]]
                groups.append(group)
                plans.append((group, members))
        for county in self.counties:
            pref = list(
                self._serving()
                .filter(level=Level.PREFECTURE, electing_congress__region=county)
                .order_by("id")
                .values_list("id", flat=True)
            )
            seat = self.townships[county.pk][0]
            group = DeputyGroup(name=f"市人大代表{county.name}小组", region=county, station=self.stations[seat.pk][0])
            members = [(pref[0], GroupMembership.Position.LEADER), (pref[1], GroupMembership.Position.DEPUTY_LEADER)]
            members += [(m, GroupMembership.Position.MEMBER) for m in pref[2:]]
            groups.append(group)
            plans.append((group, members))
        self.timer.bulk(DeputyGroup, groups)
        for group, members in plans:
            memberships += [GroupMembership(group=group, mandate_id=m, position=pos) for m, pos in members]
        self.timer.bulk(GroupMembership, memberships)
        self.record_load("deputies.DeputyGroup", len(groups), "demo: deputy groups")
        self.log(f"deputy groups: {len(groups)} with {len(memberships)} members")

    # --- households -----------------------------------------------------------------------------
    def build_households(self) -> None:
        if Household.objects.filter(region__parent__in=self.all_townships).exists():
            return
        rng = self.rng("households")
        picker = Picker(rng)
        households, links = [], []
        kinds = [Household.Kind.PROSPERITY_LEADER, Household.Kind.POOR, Household.Kind.WORTHY]
        for township in self.all_townships:
            villages = self.villages[township.pk]
            for pid in self.township_people(township):
                since = _d("2022-03-01") + datetime.timedelta(days=rng.randrange(0, 1200))
                for kind in kinds:
                    village = rng.choice(villages)
                    household = Household(
                        name=picker.name("f" if rng.random() < 0.2 else "m"),
                        kind=kind,
                        region=village,
                        phone=picker.mobile(),
                        address=f"{village.name}{rng.randrange(1, 12)}组{rng.randrange(1, 60)}号",
                    )
                    households.append(household)
                    links.append((household, pid, since))
        self.timer.bulk(Household, households, batch_size=500)
        self.timer.bulk(HouseholdLink, [HouseholdLink(household=h, person_id=p, since=s) for h, p, s in links])
        self.record_load("deputies.Household", len(households), "demo: households")
        self.log(f"households: {len(households)}")

    # --- roster ---------------------------------------------------------------------------------
    def build_roster(self) -> None:
        if DutySlot.objects.filter(station__in=self.all_stations).exists():
            return
        rng = self.rng("roster")
        start, end = self.today + datetime.timedelta(days=1), self.today + datetime.timedelta(days=61)
        by_station = defaultdict(list)
        serving = set(self._serving().values_list("person_id", flat=True))
        for station_id, person_id in (
            StationDeputy.objects.filter(station__in=self.all_stations)
            .order_by("station_id", "person_id")
            .values_list("station_id", "person_id")
        ):
            if person_id in serving:
                by_station[station_id].append(person_id)
        plan = None
        for i, station in enumerate(self.all_stations):
            plan = plan_roster(
                station_id=station.pk,
                person_ids=by_station[station.pk],
                start=start,
                end=end,
                weekday=i % 5,
                now=self.now,
                rng=rng,
                monthly_size=3,
                weekly_size=2 if station.kind == Station.Kind.HOME else 1,
                plan=plan,
            )
        slots, assignments = save_roster(plan)
        self.record_load("stations.DutySlot", slots, "demo: duty roster")
        self.log(f"roster: {slots} slots, {assignments} deputies on duty ({start} – {end})")

    # --- ten-haves evidence ---------------------------------------------------------------------
    def build_evidence(self) -> None:
        if StandardEvidence.objects.filter(station__in=self.all_stations).exists():
            return
        rng = self.rng("evidence")
        items = list(StandardItem.objects.order_by("order"))
        if not items:
            return
        count = 0
        for station in self.all_stations:
            if station.kind == Station.Kind.HOME:
                chosen = items
            elif station.kind == Station.Kind.OFFICE:
                chosen = items[:8]
            else:
                chosen = sorted(rng.sample(items, rng.randint(4, 9)), key=lambda item: item.order)
            for item in chosen:
                photo = ContentFile(evidence_png(rng, f"{item.code} #{station.pk}"), name=f"{item.title}.png")
                evidence_upload(
                    actor=self.station_staff_user if station == self.staff_station else None,
                    station=station,
                    item=item,
                    file=photo,
                    note=item.description,
                )
                count += 1
        self.log(f"ten-haves evidence: {count} images")

    # --- accounts -------------------------------------------------------------------------------
    def _user(self, username: str, name: str, kind: str, scope: dict) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(actor=None, username=username, name=name, password=DEMO_PASSWORD)
        if not Role.objects.filter(user=user, kind=kind, is_active=True, **scope).exists():
            role_grant(actor=None, user=user, kind=kind, **scope)
        return user

    def build_accounts(self) -> list[tuple[str, str, str, str]]:
        county = self.counties[0]
        township = self.townships[county.pk][0]
        self.staff_station = self.stations[township.pk][0]
        unit = self.units[f"{county.name}教育局"]
        deputy = self.demo_deputy(township)
        K = Role.Kind
        specs = [
            ("sysadmin", "周建国", K.SYSTEM_ADMIN, {}, "—"),
            ("secadmin", "吴晓燕", K.SECURITY_ADMIN, {}, "—"),
            ("auditor", "郑立新", K.AUDIT_ADMIN, {}, "—"),
            ("city_officer", "李文静", K.LIAISON_OFFICER, {"region": self.prefecture}, self.prefecture.name),
            ("county_officer", "陈志刚", K.LIAISON_OFFICER, {"region": county}, county.name),
            ("town_officer", "刘芳", K.LIAISON_OFFICER, {"region": township}, f"{county.name}{township.name}"),
            ("leader", "王海峰", K.LEADERSHIP, {"region": self.prefecture}, self.prefecture.name),
            ("station_staff", "赵丽", K.STATION_STAFF, {"station": self.staff_station}, self.staff_station.name),
            ("unit_staff", "孙明", K.HANDLING_UNIT, {"unit": unit}, unit.name),
            ("deputy", deputy.name, K.DEPUTY, {"person": deputy}, f"{deputy.name}（本人）"),
        ]
        rows = []
        for username, name, kind, scope, scope_text in specs:
            user = self._user(username, name, kind, scope)
            if username == "station_staff":
                self.station_staff_user = user
            rows.append((username, DEMO_PASSWORD, kind, scope_text))
        return rows

    def demo_deputy(self, township: Region) -> Person:
        """A township deputy of the demo township who also sits in the county congress and is on the roster."""
        both = (
            self._serving()
            .filter(level=Level.COUNTY, district__region=township)
            .filter(person__mandates__congress__region=township)
            .filter(person__duty_assignments__isnull=False)
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .first()
        )
        return Person.objects.get(pk=both)

    def print_accounts(self, rows) -> None:
        from django.utils import translation

        def label(kind: str) -> str:
            with translation.override("zh-hans"):
                zh = str(Role.Kind(kind).label)
            with translation.override("en"):
                en = str(Role.Kind(kind).label)
            return zh if zh == en else f"{zh} / {en}"

        rows = [(u, p, label(k), s) for u, p, k, s in rows]
        header = ("user name", "password", "role", "scope")
        widths = [max(display_width(str(r[i])) for r in [header, *rows]) for i in range(4)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        out = ["", "Demo accounts (演示账号):", line]
        out.append("| " + " | ".join(pad(h, w) for h, w in zip(header, widths, strict=True)) + " |")
        out.append(line)
        for row in rows:
            out.append("| " + " | ".join(pad(str(c), w) for c, w in zip(row, widths, strict=True)) + " |")
        out.append(line)
        out += [
            f"Log in at {LOGIN_URL} with any user name above and the password {DEMO_PASSWORD}",
            "The local settings do not ask for a second factor; administrators can enrol a TOTP authenticator",
            f"at {OTP_SETUP_URL} (production settings require it for the three administrator roles).",
            "Public portal: http://127.0.0.1:8000/  ·  workspace: http://127.0.0.1:8000/work/",
        ]
        self.stdout.write("\n".join(out))
