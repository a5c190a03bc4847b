"""Opinions of the demo prefecture (called by `manage.py demo`): some 350 opinions of the last six
months in every state of the workflow, made through the services so that each has its timeline and
its audit rows.

**The clock.** Each step runs at a chosen moment of the past: the services read the time through
`django.utils.timezone.now` (auto_now fields, deadlines counted from "today", the timeline), and
`DemoClock` points that at the step's moment for the length of the load, then puts it back. So an
opinion assigned five weeks ago has a deadline five weeks old, and is overdue now.

**Who acts.** The demo accounts where they have the scope (town_officer for 城关镇, county_officer for
青岚县, city_officer for the prefecture, station_staff at 城关镇人大代表之家, unit_staff for 青岚县教育局,
the deputy at their own station), and for the other offices and handling units one account each,
made here without a usable password (they exist so that timelines name a person, not to log in).

**What the demo accounts find.** unit_staff: assignments waiting, some overdue, a request for more
time; station_staff: today's work log; town_officer and county_officer: opinions to accept, assign,
feed back and visit, escalations and extension requests to decide.

Idempotent: the opinions carry the idempotency keys "demo:NNNN"; when any exists the part is skipped."""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from liaison.accounts.models import Role, User
from liaison.core.demo_names import Picker, pinyin_of
from liaison.regions.models import HandlingUnit, Level, Region
from liaison.stations.models import StationDeputy

from . import events, services
from .models import Assignment, Category, Opinion
from .texts import (
    ACCEPT_NOTES,
    ASSIGN_NOTES,
    CATEGORIES,
    CONTACT_NOTES,
    ESCALATE_NOTES,
    EXTENSION_REASONS,
    RETURN_REASONS,
    ROADS,
    TEMPLATES,
    VISIT_COMMENTS,
    Template,
)

KEY_PREFIX = "demo:"
TZ = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has no summer time

# How many opinions end in each state, and how many days ago they came in.
FATES: list[tuple[str, int, tuple[int, int]]] = [
    ("submitted", 18, (0, 3)),
    ("accepted", 14, (1, 8)),
    ("escalated", 12, (1, 8)),
    ("on_spot", 12, (0, 25)),
    ("assigned", 34, (2, 16)),
    ("overdue", 12, (30, 45)),
    ("extension", 6, (16, 22)),  # a request for more time waits for the office
    ("replied", 16, (14, 40)),
    ("fed_back", 18, (20, 60)),
    ("redirected", 12, (3, 170)),
    ("merged", 10, (2, 160)),
    ("closed", 104, (40, 182)),
    ("spot_closed", 16, (10, 182)),
    ("rehandling", 10, (45, 100)),  # reopened once after a "dissatisfied" return visit
]
# Opinions of 青岚县's education matters, so that unit_staff (青岚县教育局) has a queue.
EDUCATION_FATES = [("assigned", 6), ("overdue", 2), ("extension", 2), ("replied", 2), ("fed_back", 2), ("closed", 6)]
CHANNELS = [
    (Opinion.Channel.ONLINE, 30),
    (Opinion.Channel.STATION_ONLINE, 14),
    (Opinion.Channel.VISIT, 26),
    (Opinion.Channel.PHONE, 14),
    (Opinion.Channel.LETTER, 5),
    (Opinion.Channel.GROUP_ACTIVITY, 6),
    (Opinion.Channel.INSPECTION, 5),
]


@dataclass
class Spec:
    fate: str
    at: datetime.datetime  # when it came in
    township: Region
    village: Region
    template: Template
    channel: str
    key: str = ""
    region: Region | None = None  # where the matter is: the village, or the county itself
    station: object = None
    received_by_id: int | None = None
    registrar: User | None = None
    today_log: bool = False
    flags: set = field(default_factory=set)


class DemoClock:
    """Points `django.utils.timezone.now` at a chosen moment while the demo runs its steps. Steps more
    than QUIET_AFTER ago tell nobody (their notices would long have been read): the workflow's domain
    events are dropped for them, which also keeps the demo fast."""

    QUIET_AFTER = datetime.timedelta(days=14)

    def __init__(self, real_now: datetime.datetime):
        self.real_now = real_now
        self.current = real_now
        self._saved = None

    def __enter__(self):
        self._saved = (timezone.now, events.emit)
        emit = events.emit
        timezone.now = lambda: self.current
        events.emit = lambda event: emit(event) if self.current > self.real_now - self.QUIET_AFTER else None
        return self

    def __exit__(self, *exc):
        timezone.now, events.emit = self._saved

    def set(self, moment: datetime.datetime) -> datetime.datetime:
        self.current = min(moment, self.real_now - datetime.timedelta(minutes=1))
        return self.current


def load(cmd) -> str:
    """Add the demo opinions (unless already there); returns a line telling where to try tracking."""
    if not Opinion.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        made = DemoOpinions(cmd).build()
        cmd.log(f"opinions: {made} created")
    else:
        cmd.log("opinions: already loaded")
    home = cmd.townships[cmd.counties[0].pk][0]
    example = (
        Opinion.objects.filter(
            idempotency_key__startswith=KEY_PREFIX, status=Opinion.Status.FED_BACK, region_path__startswith=home.path
        )
        .order_by("idempotency_key")
        .values_list("tracking_code", flat=True)
        .first()
    )
    if not example:
        return ""
    return f"Track an answered opinion (跟踪查询示例): http://127.0.0.1:8000/track/{example}/"


class DemoOpinions:
    def __init__(self, cmd):
        self.cmd = cmd
        self.rng = cmd.rng("opinions")
        self.picker = Picker(cmd.rng("citizens"))
        self.now = cmd.now
        self.clock = DemoClock(cmd.now)
        self.county = cmd.counties[0]  # 青岚县
        self.home_town = cmd.townships[self.county.pk][0]  # 城关镇
        self.users = {u.username: u for u in User.objects.filter(username__in=_DEMO_USERNAMES)}
        self.staff_station = cmd.staff_station
        self.deputy_person_id = (
            Role.objects.filter(user=self.users["deputy"], kind=Role.Kind.DEPUTY).values_list("person_id", flat=True)
        )[0]
        self.officers: dict[int, User] = {
            cmd.prefecture.pk: self.users["city_officer"],
            self.county.pk: self.users["county_officer"],
            self.home_town.pk: self.users["town_officer"],
        }
        self.unit_users: dict[int, User] = {}
        unit_staff = self.users["unit_staff"]
        for role in unit_staff.active_roles():
            if role.kind == Role.Kind.HANDLING_UNIT:
                self.unit_users[role.unit_id] = unit_staff
        self.made_users = 0
        self.staff_picker = Picker(cmd.rng("office-staff"))
        self.county_of = {t.pk: c for c in cmd.counties for t in cmd.townships[c.pk]}
        self.units = {(u.region_id, u.name): u for u in HandlingUnit.objects.filter(is_active=True)}
        self.station_people: dict[int, list[int]] = defaultdict(list)
        for station_id, person_id in (
            StationDeputy.objects.filter(station__in=cmd.all_stations)
            .order_by("station_id", "person_id")
            .values_list("station_id", "person_id")
        ):
            self.station_people[station_id].append(person_id)
        self.deputy_station = next(
            (s for s in cmd.all_stations if self.deputy_person_id in self.station_people[s.pk]), self.staff_station
        )
        self.categories = self._categories()
        self.codes: dict[tuple[int, str], list[Opinion]] = defaultdict(list)  # (village, template) → earlier

    # --- reference data ------------------------------------------------------------------------
    def _categories(self) -> dict[str, Category]:
        found = {}
        existing = list(Category.objects.filter(region__isnull=True))
        for i, (code, name) in enumerate(CATEGORIES):
            category = next((c for c in existing if c.code == code or c.name == name), None)
            if category is None:
                category = Category.objects.create(code=code, name=name, sort=(i + 1) * 10)
                self.cmd.record_load("opinions.Category", 1, f"demo: category {name}")
            found[code] = category
        return found

    def _staff_user(self, username: str, kind: str, **scope) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=self.staff_picker.name(self.staff_picker.gender()))
            user.set_unusable_password()
            user.save()
            Role.objects.create(user=user, kind=kind, **scope)
            self.made_users += 1
        return user

    def officer(self, region: Region) -> User:
        if region.pk not in self.officers:
            self.officers[region.pk] = self._staff_user(
                f"demo-office-{region.code}", Role.Kind.LIAISON_OFFICER, region=region
            )
        return self.officers[region.pk]

    def unit_user(self, unit: HandlingUnit) -> User:
        if unit.pk not in self.unit_users:
            self.unit_users[unit.pk] = self._staff_user(f"demo-unit-{unit.pk}", Role.Kind.HANDLING_UNIT, unit=unit)
        return self.unit_users[unit.pk]

    def unit_for(self, template: Template, opinion: Opinion, dept: str | None = None) -> HandlingUnit:
        dept = template.dept if dept is None else dept
        region = opinion.queue_region
        if region.level == Level.TOWNSHIP:
            word = "办事处" if region.name.endswith("街道") else "人民政府"
            return self.units[(region.pk, f"{region.name}{word}")]
        return self.units[(region.pk, f"{region.name}{dept}")]

    # --- time ----------------------------------------------------------------------------------
    def office_hours(self, moment: datetime.datetime, *, days: float = 0) -> datetime.datetime:
        """A moment in office hours (Mon–Fri 8:30–17:30 Beijing time) `days` after `moment`."""
        local = (moment + datetime.timedelta(days=days)).astimezone(TZ)
        while local.weekday() >= 5:
            local += datetime.timedelta(days=1)
        minutes = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        start = local.replace(hour=minutes // 60, minute=minutes % 60, second=self.rng.randrange(60), microsecond=0)
        if start < moment:
            start = moment + datetime.timedelta(minutes=self.rng.randrange(20, 90))
        return start

    def step(self, moment: datetime.datetime) -> datetime.datetime:
        return self.clock.set(moment)

    # --- plan ----------------------------------------------------------------------------------
    def plan(self) -> list[Spec]:
        rng = self.rng
        cmd = self.cmd
        county_towns = cmd.townships[self.county.pk]
        others = [t for t in cmd.all_townships if self.county_of[t.pk] != self.county]
        plain = [t for t in TEMPLATES if not t.redirect]
        spot = [t for t in TEMPLATES if t.spot]
        redirect = [t for t in TEMPLATES if t.redirect]
        upper = [t for t in plain if t.level != Level.TOWNSHIP]
        education = [t for t in TEMPLATES if t.category == "education" and t.level == "county"]
        specs: list[Spec] = []

        def township() -> Region:
            r = rng.random()
            if r < 0.35:
                return self.home_town
            if r < 0.6:
                return rng.choice(county_towns[1:])
            return rng.choice(others)

        def age(span) -> datetime.datetime:
            days = rng.uniform(*span)
            return self.now - datetime.timedelta(days=days, minutes=rng.randrange(0, 600))

        def add(fate, span, template, town=None):
            town = town or township()
            village = rng.choice(cmd.villages[town.pk])
            channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
            if fate in ("on_spot", "spot_closed"):
                channel = rng.choice([Opinion.Channel.VISIT, Opinion.Channel.VISIT, Opinion.Channel.GROUP_ACTIVITY])
            spec = Spec(fate, age(span), town, village, template, channel)
            if template.level == Level.COUNTY and channel == Opinion.Channel.ONLINE and rng.random() < 0.6:
                spec.region = self.county_of[town.pk]  # sent straight to the county congress online
            specs.append(spec)

        for fate, n in EDUCATION_FATES:
            span = dict((f, s) for f, _, s in FATES)[fate]
            for _ in range(n):
                add(fate, span, rng.choice(education), town=rng.choice(county_towns))
        for fate, n, span in FATES:
            n -= dict(EDUCATION_FATES).get(fate, 0)
            for _ in range(n):
                pool = {"redirected": redirect, "on_spot": spot, "spot_closed": spot, "escalated": upper}.get(
                    fate, plain
                )
                # most of what citizens raise is for the township to solve
                add(fate, span, rng.choices(pool, weights=[3 if t.level == "township" else 1 for t in pool])[0])
        # today's work log at 城关镇人大代表之家 (station_staff) and the deputy's own receptions
        for fate in ("submitted", "submitted", "on_spot", "accepted", "assigned"):
            template = rng.choice([t for t in (spot if fate == "on_spot" else plain) if t.level == "township"])
            s = Spec(fate, self.now, self.home_town, rng.choice(cmd.villages[self.home_town.pk]), template, "visit")
            s.station, s.today_log = self.staff_station, True
            s.channel = rng.choice([Opinion.Channel.VISIT, Opinion.Channel.VISIT, Opinion.Channel.PHONE])
            specs.append(s)
        for fate in ("submitted", "on_spot", "spot_closed"):
            s = Spec(fate, age((0, 20)), self.home_town, self.deputy_station.region, rng.choice(spot), "visit")
            if s.village.level != Level.VILLAGE:
                s.village = rng.choice(cmd.villages[self.home_town.pk])
            s.station, s.received_by_id, s.registrar = self.deputy_station, self.deputy_person_id, self.users["deputy"]
            specs.append(s)
        specs.sort(key=lambda s: s.at)
        for i, s in enumerate(specs):
            s.key = f"{KEY_PREFIX}{i + 1:04d}"
            self._place(s)
            if s.fate in ("assigned", "overdue", "closed", "replied", "fed_back") and rng.random() < 0.2:
                s.flags.add("contact")
            if s.fate in ("assigned", "closed") and rng.random() < 0.06:
                s.flags.add("returned")
            if s.fate in ("closed", "replied") and rng.random() < 0.08:
                s.flags.add("extended")
            if s.fate == "assigned" and s.at < self.now - datetime.timedelta(days=4) and rng.random() < 0.25:
                s.flags.add("unit_pending")
            if s.fate == "overdue" and rng.random() < 0.3:
                s.flags.add("unit_pending")
        return specs

    def _place(self, s: Spec) -> None:
        """The station, the deputy who heard it and who registers it, from the channel."""
        if s.channel == Opinion.Channel.ONLINE:
            return
        stations = self.cmd.stations[s.township.pk]
        if s.station is None:
            s.station = self.rng.choice(stations)
        if s.channel in (Opinion.Channel.STATION_ONLINE,):
            return
        people = self.station_people.get(s.station.pk) or []
        if s.received_by_id is None and people and s.channel in ("visit", "group_activity", "inspection"):
            s.received_by_id = self.rng.choice(people)
        if s.registrar is None:
            if s.station == self.staff_station and (s.today_log or self.rng.random() < 0.6):
                s.registrar = self.users["station_staff"]
            else:
                s.registrar = self.officer(s.township)

    # --- the run -------------------------------------------------------------------------------
    def build(self) -> int:
        specs = self.plan()
        with self.clock:
            for spec in specs:
                self.run(spec)
        if self.made_users:
            self.cmd.record_load("accounts.User", self.made_users, "demo: staff of offices and handling units")
        return len(specs)

    def citizen(self, spec: Spec) -> dict:
        rng = self.rng
        staff = spec.registrar is not None
        gender = self.picker.gender() if rng.random() < 0.5 else "f"
        name = self.picker.name(gender)
        if staff:
            if rng.random() < 0.15:
                return {}  # would not give a name
            fields = {"name": name, "phone": self.picker.mobile()}
            if rng.random() < 0.5:
                fields["notify_by"] = Opinion.NotifyBy.SMS
            if rng.random() < 0.3:
                fields["address"] = f"{spec.township.name}{spec.village.name}{rng.randrange(1, 12)}组"
            return fields
        r = rng.random()
        if r < 0.45:
            return {}  # anonymous
        if r < 0.8:
            email = f"{pinyin_of(name)[0]}{rng.randrange(10, 99)}@example.cn"
            return {"name": name, "email": email, "notify_by": Opinion.NotifyBy.EMAIL}
        return {"name": name}

    def fill(self, text: str, spec: Spec) -> str:
        rng = random.Random(spec.key)
        town = spec.township.name
        short = town[:-2] if town.endswith("街道") else town[:-1]
        county = self.county_of[spec.township.pk].name
        road, road2 = rng.sample(ROADS, 2)
        return text.format(
            village=spec.village.name,
            township=town,
            town=town,
            county=county,
            road=road,
            road2=road2,
            school=f"{short}中心小学",
            n=rng.randrange(3, 13),
        )

    def run(self, spec: Spec) -> None:
        rng, t = self.rng, spec.template
        at = self.step(spec.at)
        station = spec.station
        opinion, _secret = services.opinion_submit(
            actor=spec.registrar,
            channel=spec.channel,
            region=spec.region or spec.village,
            text=self.fill(t.text, spec),
            title=self.fill(t.title, spec),
            category=self.categories[t.category] if (spec.registrar or rng.random() < 0.6) else None,
            station=station,
            received_by=_person(spec.received_by_id),
            received_on=at.astimezone(TZ).date() if spec.registrar else None,
            idempotency_key=spec.key,
            **self.citizen(spec),
        )
        same = self.codes[(spec.village.pk, t.key)]
        self.codes[(spec.village.pk, t.key)].append(opinion)
        fate = spec.fate
        if fate == "submitted":
            return
        handler = self.handler_for(opinion, spec)
        at = self.step(self.office_hours(at, days=rng.choice([0, 0, 1])))
        if fate == "merged":
            target = next((o for o in same if o.pk != opinion.pk), None) or self._earlier(opinion)
            if target is not None:
                services.opinion_merge(
                    actor=handler, opinion_id=opinion.pk, into=target.tracking_code, comment="同一事项，合并办理。"
                )
                return
            fate = "closed"
        if fate == "redirected":
            services.opinion_redirect(
                actor=handler, opinion_id=opinion.pk, target=t.redirect, comment=self.fill(t.reply, spec)
            )
            if spec.at < self.now - datetime.timedelta(days=20) and rng.random() < 0.5:
                self.step(self.office_hours(at, days=rng.randint(3, 10)))
                services.opinion_close(actor=handler, opinion_id=opinion.pk, comment="已告知群众办理途径，办结。")
            return
        if fate in ("on_spot", "spot_closed"):
            answerer = self.users["deputy"] if spec.received_by_id == self.deputy_person_id else handler
            services.opinion_answer_on_spot(actor=answerer, opinion_id=opinion.pk, answer=self.fill(t.spot, spec))
            if fate == "spot_closed":
                self.step(self.office_hours(at, days=rng.randint(2, 8)))
                self.visit(opinion, handler, rng.choices(["satisfied", "basically"], weights=[4, 1])[0])
                self.maybe_publish(opinion, handler, at, chance=0.4)
            return
        opinion, handler, at = self.triage(opinion, spec, at)
        if fate in ("escalated", "accepted"):
            return
        self.handle(opinion, spec, handler, at)

    def handler_for(self, opinion: Opinion, spec: Spec) -> User:
        if spec.station == self.staff_station and spec.today_log:
            return self.users["station_staff"]
        return self.officer(opinion.queue_region)

    def _earlier(self, opinion: Opinion) -> Opinion | None:
        return (
            Opinion.objects.filter(
                queue_path=opinion.queue_path,
                created_at__lt=opinion.created_at,
                idempotency_key__startswith=KEY_PREFIX,
            )
            .exclude(status__in=[Opinion.Status.MERGED, Opinion.Status.REDIRECTED])
            .order_by("-created_at")
            .first()
        )

    def triage(self, opinion: Opinion, spec: Spec, at):
        """Accept at the township (or the station); matters of a higher level go up to that congress's
        office, which accepts them in turn. Stops at "escalated" for that fate."""
        rng, t = self.rng, spec.template
        handler = self.handler_for(opinion, spec)
        level = t.level
        category = self.categories[t.category]
        services.opinion_accept(
            actor=handler, opinion_id=opinion.pk, level=level, category=category, comment=rng.choice(ACCEPT_NOTES)
        )
        if level != opinion.queue_region.level:
            at = self.step(at + datetime.timedelta(minutes=rng.randrange(10, 120)))
            opinion = services.opinion_escalate(
                actor=handler, opinion_id=opinion.pk, comment=rng.choice(ESCALATE_NOTES)
            )
            if spec.fate == "escalated":
                return opinion, handler, at
            handler = self.officer(opinion.queue_region)
            at = self.step(self.office_hours(at, days=rng.choice([0, 1, 1, 2])))
            opinion = services.opinion_accept(actor=handler, opinion_id=opinion.pk, level=level, category=category)
        return opinion, handler, at

    def handle(self, opinion: Opinion, spec: Spec, handler: User, at) -> None:
        """Assignment to the units, their work, the reply, feedback, the return visit, publication."""
        rng, t, fate = self.rng, spec.template, spec.fate
        at = self.step(at + datetime.timedelta(minutes=rng.randrange(20, 240)))
        if "returned" in spec.flags:
            wrong = self._wrong_unit(t, opinion)
            if wrong is not None:
                (a,) = services.opinion_assign(
                    actor=handler, opinion_id=opinion.pk, units=[wrong], instructions=rng.choice(ASSIGN_NOTES)
                )
                at = self.step(self.office_hours(at, days=1))
                services.assignment_return(
                    actor=self.unit_user(wrong),
                    opinion_id=opinion.pk,
                    assignment_id=a.pk,
                    reason=rng.choice(RETURN_REASONS),
                )
                at = self.step(self.office_hours(at, days=rng.choice([0, 1])))
        units = [self.unit_for(t, opinion)]
        if t.co_dept and opinion.queue_region.level != Level.TOWNSHIP:
            units.append(self.unit_for(t, opinion, t.co_dept))
        assignments = services.opinion_assign(
            actor=handler, opinion_id=opinion.pk, units=units, instructions=rng.choice(ASSIGN_NOTES)
        )
        if spec.today_log or "unit_pending" in spec.flags:
            return
        if fate == "assigned" and spec.at > self.now - datetime.timedelta(days=2):
            return  # just assigned: the unit has not looked yet
        at = self.work(opinion, spec, handler, assignments, at)
        if fate in ("assigned", "overdue", "extension"):
            return
        for a in assignments:
            at = self.step(self.office_hours(at, days=rng.randint(1, 4)))
            services.assignment_reply(
                actor=self.unit_user(a.unit), opinion_id=opinion.pk, assignment_id=a.pk, text=self.fill(t.reply, spec)
            )
        if fate == "replied":
            return
        at = self.step(self.office_hours(at, days=rng.randint(1, 3)))
        opinion = self.feed_back(opinion, handler)
        if fate == "fed_back":
            return
        at = self.step(self.office_hours(at, days=rng.randint(2, 7)))
        r = rng.random()
        if fate == "rehandling" or r < 0.11:
            opinion = self.visit(opinion, handler, "dissatisfied")  # reopened once: back to accepted
            at = self.step(self.office_hours(at, days=1))
            again = services.opinion_assign(
                actor=handler,
                opinion_id=opinion.pk,
                units=[a.unit for a in assignments[:1]],
                instructions="群众对答复不满意，请重新办理，当面沟通。",
            )
            if fate == "rehandling":
                return
            at = self.step(self.office_hours(at, days=rng.randint(3, 12)))
            services.assignment_reply(
                actor=self.unit_user(again[0].unit),
                opinion_id=opinion.pk,
                assignment_id=again[0].pk,
                text="重新办理：" + self.fill(t.reply, spec) + "已与群众当面沟通并说明后续安排。",
            )
            at = self.step(self.office_hours(at, days=1))
            opinion = self.feed_back(opinion, handler)
            at = self.step(self.office_hours(at, days=rng.randint(2, 6)))
            self.visit(opinion, handler, rng.choice(["satisfied", "basically", "dissatisfied"]))
        elif r < 0.18:
            services.opinion_close(actor=handler, opinion_id=opinion.pk, comment="三次电话回访均未接通，按规定办结。")
        else:
            self.visit(opinion, handler, rng.choices(["satisfied", "basically"], weights=[7, 3])[0])
        self.maybe_publish(opinion, handler, at, chance=0.35)

    def work(self, opinion, spec: Spec, handler, assignments: list[Assignment], at):
        """The units accept, talk with the citizen and, as the case may be, ask for more time."""
        rng, fate = self.rng, spec.fate
        for a in assignments:
            at = self.step(self.office_hours(at, days=rng.choice([0, 1, 1, 2])))
            services.assignment_accept(actor=self.unit_user(a.unit), opinion_id=opinion.pk, assignment_id=a.pk)
        lead = assignments[0]
        unit_user = self.unit_user(lead.unit)
        if "contact" in spec.flags:
            at = self.step(self.office_hours(at, days=rng.randint(1, 3)))
            services.assignment_contact_add(
                actor=unit_user,
                opinion_id=opinion.pk,
                assignment_id=lead.pk,
                kind=rng.choice(["phone", "visit", "meeting"]),
                date=at.astimezone(TZ).date(),
                note=rng.choice(CONTACT_NOTES),
            )
        if fate == "extension" or "extended" in spec.flags:
            lead.refresh_from_db(fields=["deadline"])
            ask = self.office_hours(self.now - datetime.timedelta(days=rng.randint(1, 3)))
            if "extended" in spec.flags:
                ask = self.office_hours(at, days=rng.randint(2, 6))
            at = self.step(max(ask, at))
            extension = services.extension_request(
                actor=unit_user,
                opinion_id=opinion.pk,
                assignment_id=lead.pk,
                deadline=lead.deadline + datetime.timedelta(days=rng.choice([7, 10, 14])),
                reason=rng.choice(EXTENSION_REASONS),
            )
            if "extended" in spec.flags:
                at = self.step(self.office_hours(at, days=1))
                services.extension_decide(
                    actor=handler, opinion_id=opinion.pk, extension_id=extension.pk, approve=True, note="同意延期。"
                )
        return at

    def _wrong_unit(self, t: Template, opinion: Opinion) -> HandlingUnit | None:
        region = opinion.queue_region
        if region.level == Level.TOWNSHIP:
            return None
        choices = [u for (rid, name), u in self.units.items() if rid == region.pk and not name.endswith(t.dept)]
        choices = [u for u in choices if u.kind == HandlingUnit.Kind.DEPARTMENT]
        return self.rng.choice(sorted(choices, key=lambda u: u.pk)) if choices else None

    def feed_back(self, opinion: Opinion, handler: User) -> Opinion:
        answer = services.replies_text(opinion) or opinion.answer
        return services.opinion_feed_back(
            actor=handler, opinion_id=opinion.pk, answer=answer + "\n感谢您对人大工作的支持。"
        )

    def visit(self, opinion: Opinion, handler: User, satisfaction: str) -> Opinion:
        return services.opinion_return_visit(
            actor=handler,
            opinion_id=opinion.pk,
            satisfaction=satisfaction,
            method=self.rng.choice(["phone", "phone", "visit", "sms"]),
            comment=self.rng.choice(VISIT_COMMENTS[satisfaction]),
        )

    def maybe_publish(self, opinion: Opinion, handler: User, at, *, chance: float) -> None:
        if self.rng.random() >= chance:
            return
        opinion = Opinion.objects.get(pk=opinion.pk)
        if opinion.status not in (Opinion.Status.CLOSED, Opinion.Status.ANSWERED_ON_SPOT, Opinion.Status.FED_BACK):
            return
        self.step(self.office_hours(at, days=self.rng.randint(1, 5)))
        preview = services.publication_preview(opinion)
        services.opinion_publish(actor=handler, opinion_id=opinion.pk, **preview)


def _person(pk):
    if pk is None:
        return None
    from liaison.deputies.models import Person

    return Person.objects.get(pk=pk)


_DEMO_USERNAMES = ["city_officer", "county_officer", "town_officer", "station_staff", "unit_staff", "deputy"]
