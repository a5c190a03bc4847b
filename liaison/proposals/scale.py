"""Suggestions and motions as rows: the writer both `manage.py demo` (liaison/proposals/demo.py) and
`manage.py gen_data` (`generate` below) use, so the two agree on what a consistent item looks like.

**How an item is made.** Its whole life is drawn at once, as the workflow of DESIGN §5–6 would have
run it: drafting and co-signing, submission before the session's deadline, registration (a number
from the sequence of its congress, term and session) or refusal with a reason of 003 §21, assignment
to a lead unit and co-units (deadline `deadlines.add_months(assigned_on, 3)`, at most six months with
an approved extension), the units' acceptance, contacts with the deputies and co-units' opinions, the
reply of class A/B/C (B with its commitments), each signer's rating, re-handling after a 不满意
(round 2, deadline `add_months(rating day, 1)`), closing and publication; for a motion co-signing up
to the congress's threshold, review, the presidium's decision (accepted, converted into a suggestion
— which then lives on as one —, or withdrawn with consent) and the handling of accepted ones. Then
only the steps that have happened by now are written (the demo can also stop an item in a chosen
state), so states, open assignments and overdue ones come out of the timelines. Every item's `Event`
rows tell its story with the actions and details the services record (a rating is `rate`, then
`re_handling` or `evaluated`; a lead unit's return takes a suggestion back to registered; a
suggestion made from a motion starts as submitted). In the scale data (`detail=False`) the timelines
keep the changes of state and the rarer steps; co-signing, the units' acceptance, contacts,
co-units' opinions, the ratings before the last and fulfilled commitments are told by their own rows,
which carry their times — a third fewer rows to write.

**Decisions where the rules are silent.** As the services do, motions get their number when
submitted and suggestions when registered (in that order, per congress, term and session); a
suggestion made from a motion is registered by the office within days of the presidium's decision,
in the session's sequence. A re-handled suggestion's `assigned_on`/`deadline`/`deadline_cap` are the
current round's, and until the new round is answered its `replied_at` and `answer_class` are empty.
B commitments are reported fulfilled, and key supervision is chosen, only in states where the
workflow allows it. About 5% of the scale data's suggestions are overdue now, mostly of the last
year (a unit stuck on a matter answers months late; older ones have long been answered).

**gen_data.** Five years of items of every generated congress — as many years as the generated term
has had (it began 2021-12-28): per congress 5,000 suggestions and 100 motions at province level,
2,500/50 at prefecture, 1,000/30 at county, 100/0.75 at township level (province scale: 300,000
suggestions and 5,000 motions). The generated data has one term (the previous term's items would
need that term's mandates, which gen_data does not make); the sessions it lacks (1–4) are added
here, and the organs that assign and follow suggestions (standing committee or presidium, special
committees). The handling units are the ones the opinions' scale data made (made here when it was
skipped). Rows are loaded as `opinions.scale` loads its own: tuples through `Table` (COPY or
executemany), ids allocated in Python, secondary indexes dropped for the load and made again.
"""

import bisect
import datetime
import json
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from liaison.core import deadlines
from liaison.core.management.datagen import Loader
from liaison.opinions.scale import DEPARTMENTS, UNIT_KIND, Table
from liaison.regions.models import Congress, HandlingUnit, Level, Organ, Session, Term

from . import texts
from .models import (
    Assignment,
    Commitment,
    Evaluation,
    Event,
    Extension,
    Motion,
    NumberSequence,
    Reply,
    Signer,
    Suggestion,
    UnitContact,
)

DAY = 86400
HOUR = 3600
BEIJING = 8 * HOUR
OPENS, OFFICE_SECONDS = 8 * HOUR + 1800, 9 * HOUR  # office hours 8:30–17:30
EPOCH = datetime.date(1970, 1, 1)

# Items per congress over the five years: (suggestions, motions).
PER_CONGRESS = {
    Level.PROVINCE: (5000, 100),
    Level.PREFECTURE: (2500, 50),
    Level.COUNTY: (1000, 30),
    Level.TOWNSHIP: (100, 0.75),
}
SESSION_SHARE = 0.65  # of the suggestions, raised during a session (the rest between sessions)
# The sessions gen_data's term lacks (it writes 5 and 6): number, first day, last day, notice.
EARLIER_SESSIONS = [
    (1, datetime.date(2021, 12, 28), datetime.date(2021, 12, 30), datetime.date(2021, 12, 10)),
    (2, datetime.date(2023, 1, 5), datetime.date(2023, 1, 7), datetime.date(2022, 12, 16)),
    (3, datetime.date(2024, 1, 4), datetime.date(2024, 1, 6), datetime.date(2023, 12, 15)),
    (4, datetime.date(2025, 1, 7), datetime.date(2025, 1, 9), datetime.date(2024, 12, 18)),
]
COMMITTEES = {
    Level.TOWNSHIP: [],
    Level.COUNTY: ["法制委员会", "财政经济委员会", "社会建设委员会"],
    Level.PREFECTURE: [
        "法制委员会",
        "财政经济委员会",
        "教育科学文化卫生委员会",
        "城乡建设环境保护委员会",
        "农业与农村委员会",
        "社会建设委员会",
    ],
}
COMMITTEES[Level.PROVINCE] = COMMITTEES[Level.PREFECTURE]
# The special committee that follows a key suggestion, by category (the first one the congress has).
COMMITTEE_FOR = {
    "education": ["教育科学文化卫生委员会", "社会建设委员会"],
    "health": ["教育科学文化卫生委员会", "社会建设委员会"],
    "labour-social-security": ["社会建设委员会"],
    "civil-affairs": ["社会建设委员会"],
    "environment": ["城乡建设环境保护委员会", "财政经济委员会"],
    "urban-construction": ["城乡建设环境保护委员会", "财政经济委员会"],
    "transport": ["城乡建设环境保护委员会", "财政经济委员会"],
    "agriculture": ["农业与农村委员会", "财政经济委员会"],
    "public-security": ["法制委员会"],
    "market-regulation": ["财政经济委员会"],
    "other": ["财政经济委员会"],
}
SATISFACTION = ("satisfied", "basically", "dissatisfied")
# Chance of each rating by the class of the reply (cumulative: satisfied, basically; rest dissatisfied).
RATING_ODDS = {"A": (0.8, 0.98), "B": (0.58, 0.94), "C": (0.3, 0.84)}
RATING_ODDS_ROUND2 = (0.45, 0.88)
CONTACT_KINDS = ["meeting", "meeting", "research", "research", "phone", "phone", "phone", "letter", "visit"]
REHANDLING_MAX = settings.SUGGESTION_REHANDLING_MAX
REPLY_MONTHS = settings.SUGGESTION_REPLY_MONTHS
MAX_MONTHS = settings.SUGGESTION_MAX_MONTHS
REHANDLING_MONTHS = settings.SUGGESTION_REHANDLING_MONTHS
REMIND_DAYS = settings.SUGGESTION_REMIND_DAYS
# Written in this order, parents first (see OpinionScale.flush_tables for why).
MODELS = [
    NumberSequence,
    Motion,
    Suggestion,
    Signer,
    Assignment,
    Extension,
    UnitContact,
    Reply,
    Commitment,
    Evaluation,
    Event,
    Suggestion.opinions.through,
]
BULK_MODELS = MODELS[1:-1]  # their secondary indexes are dropped for a large load
SAT_DATA = {s: json.dumps({"satisfaction": s}) for s in SATISFACTION}
CLASS_DATA = {c: json.dumps({"class": c}) for c in "ABC"}


def _j(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- what the writer needs to know about a congress --------------------------------------------------
@dataclass
class Deputy:
    mandate_id: int
    person_id: int
    name: str
    delegation_id: int | None = None
    user_id: int | None = None  # the deputy's account (demo)


@dataclass
class Sitting:
    """A session of the congress, as the writer uses it (times in seconds since the epoch, UTC)."""

    id: int
    number: int
    start: int  # 8:30 Beijing time on the opening day
    end: int  # 17:30 on the closing day
    deadline: int  # for motions: Session.motion_deadline, else the end of the opening day
    assign_day: int = 0  # the day of the 交办会 after the session (local day number)


@dataclass
class Ctx:
    """One congress: its deputies, sessions, units and organs, and who acts for it."""

    id: int
    level: str
    region: str  # the region's name
    path: str
    term_id: int
    threshold: int
    sessions: list[Sitting]
    deputies: list[Deputy]
    places: list[str]  # regions one level down (for the texts)
    units: dict[str, int]  # department suffix → unit id ("" → the government)
    unit_names: dict[int, str]
    assigning_organ: int | None
    assigning_name: str
    committees: dict[str, int]  # special committee name (without the congress's prefix) → organ id
    office: str  # label of the liaison office on timelines
    delegations: list[tuple[int, str]] = field(default_factory=list)
    term_start: int = 0  # 8:30 on the term's first day: the deputies' mandates begin then
    office_user: int | None = None
    leader_user: int | None = None
    unit_users: dict[int, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    by_delegation: dict = field(default_factory=dict)

    def __post_init__(self):
        self.upper = self.level != Level.TOWNSHIP
        for d in self.deputies:
            self.by_delegation.setdefault(d.delegation_id, []).append(d)


@dataclass
class Fate:
    """What the demo wants of an item (the scale data draws all of it). `stop`: the state it stays in."""

    stop: str | None = None
    invited: int = 0  # co-signers who have not answered (drafts, motions collecting signatures)
    cosigners: list | None = None  # Deputy list (the lead is separate)
    declined: int | None = None
    lead_unit: int | None = None
    co_units: list | None = None
    unit_pending: bool = False  # the lead unit has not accepted yet
    extension: str = ""  # "", "pending", "approved", "refused"
    late: str | None = None  # "", "late", "stuck" (None: drawn)
    answer_class: str = ""
    ratings: tuple = ()  # round 1, in signer order (lead first)
    ratings2: tuple = ()
    unrated: frozenset = frozenset()  # person ids who have not rated yet
    refusal: str = ""
    key_supervision: bool | None = None
    publish: bool | None = None
    returned: bool = False
    interim: bool | None = None
    decision: str = ""  # motions: "accept", "convert", "withdraw_consented", "withdraw"
    then: "Fate | None" = None  # motions: the fate of the suggestion it is converted into
    proposer: str = ""  # motions: "deputies", "delegation", "presidium"
    template: int | None = None


NATURAL = Fate()  # everything drawn (never changed)
IN_TIME = Fate(late="")


class Life:
    """An item's timeline while it is drawn: the steps that have happened by `now` (and not past `stop`).
    A transition (`step`) is drawn in time order; a note (a step that leaves the state as it is) may be
    drawn out of order and takes its state when the timeline is put in order (`done`)."""

    __slots__ = ("events", "halted", "last", "now", "quiet", "state", "stop")

    def __init__(self, now: int, stop: str | None, quiet: frozenset = frozenset()):
        self.state = ""
        self.last = 0
        self.now = now
        self.stop = stop
        self.quiet = quiet  # notes that happen but are not written (their rows carry the time)
        self.halted = False
        self.events: list[list] = []

    def step(self, ts, actor, label, action, to, comment="", data="") -> bool:
        if ts > self.now or (self.halted and to != self.state):
            return False
        self.events.append([ts, actor, label, action, self.state, to, comment, data])
        self.state = to
        if ts > self.last:
            self.last = ts
        if to == self.stop:
            self.halted = True
        return True

    def note(self, ts, actor, label, action, comment="", data="") -> bool:
        if ts > self.now:
            return False
        if action in self.quiet:
            return True
        self.events.append([ts, actor, label, action, None, None, comment, data])
        if ts > self.last:
            self.last = ts
        return True

    def done(self) -> None:
        self.events.sort(key=_first)
        state = ""
        for e in self.events:
            if e[4] is None:
                e[4] = e[5] = state
            else:
                state = e[5]


class Item:
    """A suggestion or a motion being drawn: its fields, and the rows hanging off it."""

    __slots__ = (
        "assignments",
        "children",
        "ctx",
        "f",
        "is_motion",
        "life",
        "number_at",
        "pk",
        "seq_key",
        "suggestion",
    )

    def __init__(self, pk, ctx, is_motion, life):
        self.pk = pk
        self.ctx = ctx
        self.is_motion = is_motion
        self.life = life
        self.f: dict = {}
        self.children: list[tuple] = []  # (model, row)
        self.assignments: list = []
        self.number_at = None  # when it was numbered (registration / submission)
        self.seq_key = None
        self.suggestion = None  # a motion's suggestion after conversion


class Writer:
    """Draws items and writes their rows through `Table`s (ids allocated here)."""

    def __init__(
        self, cmd, *, rng: random.Random, first_day: datetime.date, now: datetime.datetime, detail: bool = True
    ):
        self.cmd = cmd
        # Without `detail` (the scale data) the timelines keep the changes of state and the rarer steps;
        # co-signing, the units' acceptance, contacts, co-units' opinions, the ratings before the last and
        # fulfilled commitments are told by their own rows (Signer, Assignment, UnitContact, Reply,
        # Evaluation, Commitment), which carry their times.
        self.quiet = frozenset() if detail else QUIET_AT_SCALE
        self.variants = 4 if detail else 2
        self.fills: dict[tuple, list] = {}
        self.rng = rng
        self.rand = rng.random
        self.now_ts = int(now.timestamp())
        self.today = self.local_day(self.now_ts)
        self.tables = {m: Table(m, cmd, COLUMNS[m]) for m in MODELS}
        for table in self.tables.values():
            table.flush_all = self.flush
        self.sequences: dict[tuple, list] = {}  # (term, kind, session) → [id, last, "new"|"queued"|"existing"]
        self.counts = dict.fromkeys(MODELS, 0)
        self._prepare_days(first_day)
        self.detail = detail
        self.assign_heads: dict[tuple, str] = {}
        self.unit_heads: dict[tuple, str] = {}
        self.later_last: dict[int, int] = {}  # sequence id → its last number, for sequences written before

    # --- time ----------------------------------------------------------------------------------------
    def _prepare_days(self, first: datetime.date) -> None:
        self.first_day = (first - EPOCH).days - 1
        last = self.today + 420
        self.day_str = {}
        self.working = {}
        self.year_of = {}
        for d in range(self.first_day, last + 260):
            date = EPOCH + datetime.timedelta(days=d)
            self.day_str[d] = date.isoformat()
            self.year_of[d] = date.year
            self.working[d] = deadlines.is_working_day(date)
        # the first office hour of the first working day on or after each day (seconds)
        self.opens: dict[int, int] = {}
        following = last + 259
        for d in range(last + 259, self.first_day - 1, -1):
            if self.working[d]:
                following = d
            self.opens[d] = following * DAY - BEIJING + OPENS
        self.months = {n: {} for n in {REPLY_MONTHS, MAX_MONTHS, REHANDLING_MONTHS}}
        for d in range(self.first_day, last):
            date = EPOCH + datetime.timedelta(days=d)
            for n, table in self.months.items():
                table[d] = (deadlines.add_months(date, n) - EPOCH).days
        self.hms = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]

    def stamp(self, ts: int | None):
        return None if ts is None else self.day_str[ts // DAY] + self.hms[ts % DAY]

    @staticmethod
    def local_day(ts: int) -> int:
        return (ts + BEIJING) // DAY

    @staticmethod
    def day_start(d: int) -> int:
        return d * DAY - BEIJING

    def between(self, low: float, high: float) -> float:
        return low + self.rand() * (high - low)

    def office(self, ts: int, days: float) -> int:
        """A moment in office hours (8:30–17:30 Beijing time on a working day) about `days` after `ts`
        (before it when `days` is negative)."""
        d = (ts + int(days * DAY) + BEIJING) // DAY
        opens = self.opens.get(d)
        if opens is None:  # (outside the days prepared: weekends only)
            while (d + 3) % 7 >= 5:  # (day 0, 1970-01-01, was a Thursday)
                d += 1
            opens = d * DAY - BEIJING + OPENS
        moment = opens + int(self.rand() * OFFICE_SECONDS)
        if moment <= ts and days >= 0:  # (later the same day)
            return ts + 1200 + int(self.rand() * 4200)
        return moment

    def end_of(self, d: int) -> int:
        """The last second of local day d."""
        return self.day_start(d + 1) - 1

    # --- rows ----------------------------------------------------------------------------------------
    def next_id(self, model) -> int:
        table = self.tables[model]
        pk = table.next_id
        table.next_id += 1
        return pk

    def flush(self) -> None:
        for model in MODELS:
            self.tables[model].flush()

    def snapshot(self) -> tuple:
        """What drawing an item changes, to draw it again (the demo moves an item in time)."""
        return (
            self.rng.getstate(),
            {m: t.next_id for m, t in self.tables.items()},
            {k: list(v) for k, v in self.fills.items()},
        )

    def restore(self, saved: tuple) -> None:
        state, ids, fills = saved
        self.rng.setstate(state)
        for model, next_id in ids.items():
            self.tables[model].next_id = next_id
        self.fills = {k: list(v) for k, v in fills.items()}

    def finish(self) -> None:
        for model in MODELS:
            self.tables[model].finish()
            self.counts[model] = self.tables[model].loader.count

    def load_sequences(self, term_ids) -> None:
        """The sequences already there for these terms (numbers go on from their `last`)."""
        for pk, kind, term, session, last in NumberSequence.objects.filter(term_id__in=term_ids).values_list(
            "id", "kind", "term_id", "session_id", "last"
        ):
            self.sequences[(term, kind, session)] = [pk, last, "existing"]

    def sequence(self, ctx: Ctx, kind: str, session: Sitting | None) -> list:
        key = (ctx.term_id, kind, session.id if session else None)
        found = self.sequences.get(key)
        if found is None:
            found = self.sequences[key] = [self.next_id(NumberSequence), 0, "new"]
        return found

    # --- one congress --------------------------------------------------------------------------------
    def write(self, items: list[Item]) -> None:
        """Number the items of one congress in the order they were registered (submitted, for motions),
        then queue their rows: sequences, motions and suggestions before the rows that point at them."""
        numbered = sorted((i for i in items if i.number_at is not None), key=lambda i: (i.number_at, i.pk))
        touched = {}
        for item in numbered:
            seq = self.sequence(item.ctx, *item.seq_key)
            seq[1] += 1
            item.f["sequence_id"], item.f["number"] = seq[0], seq[1]
            touched[seq[0]] = (seq, item.ctx, item.seq_key)
        seqs = self.tables[NumberSequence]
        for seq, ctx, (kind, session) in touched.values():
            if seq[2] == "new":
                seqs.rows.append(seqs.row(seq[0], kind, ctx.term_id, session.id if session else None, seq[1]))
                seq[2] = "queued"
            else:  # a sequence that was there already (or written by an earlier call): moved on at the end
                self.later_last[seq[0]] = seq[1]
        motions, suggestions = self.tables[Motion], self.tables[Suggestion]
        for item in items:
            if item.is_motion:
                motions.rows.append(self.motion_row(item))
        for item in items:
            if not item.is_motion:
                suggestions.rows.append(self.suggestion_row(item))
        tables = self.tables
        for item in items:
            for model, row in item.children:
                tables[model].rows.append(row)
            self.events(item)
        if len(tables[Event].rows) >= 50_000 or len(suggestions.rows) >= 50_000:
            self.flush()

    def events(self, item: Item) -> None:
        E = self.tables[Event]
        row, stamp = E.row, self.stamp
        first = E.next_id
        sid, mid = (None, item.pk) if item.is_motion else (item.pk, None)
        number = item.f.get("number")
        numbered = "submit" if item.is_motion else "register"
        motion = item.f.get("_motion")
        rows = E.rows
        for k, (ts, actor, label, action, before, after, comment, data) in enumerate(item.life.events):
            if number is not None and action == numbered:
                data = f'{{"number": {number}}}' if not data else data[:-1] + f', "number": {number}}}'
            elif motion is not None and action == "create":  # made from a motion (numbered by now)
                data = _j({"from_motion": motion.pk, "motion_label": motion_label(motion.f.get("number"))})
            rows.append(row(first + k, sid, mid, stamp(ts), actor, label, action, before, after, comment, data or "{}"))
        E.next_id = first + len(item.life.events)

    # --- people ---------------------------------------------------------------------------------------
    def cosigners(self, ctx: Ctx, lead: Deputy, n: int) -> list[Deputy]:
        """n other deputies of the congress, most of the same delegation when it has one."""
        if n <= 0:
            return []
        pool = ctx.by_delegation.get(lead.delegation_id) if lead.delegation_id else None
        chosen: dict[int, Deputy] = {}
        tries = 0
        while len(chosen) < n and tries < n * 6:
            tries += 1
            source = pool if pool and len(pool) > 1 and self.rand() < 0.7 else ctx.deputies
            d = source[int(self.rand() * len(source))]
            if d.person_id != lead.person_id:
                chosen[d.person_id] = d
        return list(chosen.values())

    # --- timeline details (the same keys the services write, which the timeline pages show) -----------
    def unit_data(self, ctx: Ctx, unit: int, role: str, extra: str = "") -> str:
        head = self.unit_heads.get((unit, role))
        if head is None:
            head = self.unit_heads[(unit, role)] = (
                f'{{"unit": {unit}, "unit_name": {_j(ctx.unit_names[unit])}, "role": "{role}"'
            )
        return head + extra + "}"

    def assign_data(self, ctx: Ctx, units: list[int], day: int, deadline: int, cap: int) -> str:
        key = (ctx.id, tuple(units))
        head = self.assign_heads.get(key)
        if head is None:
            head = self.assign_heads[key] = (
                f'{{"organ": {_j(ctx.assigning_organ)}, "organ_name": {_j(ctx.assigning_name)}, "lead_unit": '
                f'{units[0]}, "co_units": {_j(units[1:])}, "unit_names": {_j([ctx.unit_names[u] for u in units])}'
            )
        d = self.day_str
        return f'{head}, "assigned_on": "{d[day]}", "deadline": "{d[deadline]}", "deadline_cap": "{d[cap]}"}}'

    # --- the handling of one round -------------------------------------------------------------------
    def handle(
        self, item: Item, *, fate: Fate, units: list[int], t_assign: int, round_: int, answer_text
    ) -> int | None:
        """One handling round: assignments to the units, their acceptance, a contact with the deputies,
        the co-units' opinions, perhaps a request for more time, and the lead unit's reply. Returns
        when the reply came (None: not by now). The round's times are drawn first, then written; the
        first round's assignment is a step of its own (the second one's is the last rating's)."""
        life, ctx, rand, office = item.life, item.ctx, self.rand, self.office
        detail = self.detail
        day = self.local_day(t_assign)
        deadline = self.months[REPLY_MONTHS if round_ == 1 else REHANDLING_MONTHS][day]
        cap = self.months[MAX_MONTHS][day]
        f = item.f
        f["assigned_on"], f["deadline"], f["deadline_cap"] = day, deadline, cap
        if round_ == 1:
            note = texts.ASSIGN_NOTES[int(rand() * len(texts.ASSIGN_NOTES))]
            data = self.assign_data(ctx, units, day, deadline, cap)
            if not life.step(t_assign, ctx.office_user, ctx.office, "assign", "assigned", note, data):
                return None
        roles = ["lead"] + ["co"] * (len(units) - 1)
        accepted = [
            None if k == 0 and fate.unit_pending else office(t_assign, (0, 0, 1, 1, 2, 3)[int(rand() * 6)])
            for k in range(len(units))
        ]
        t_acc = accepted[0]
        end = self.end_of(deadline)
        late = fate.late
        recent = deadline >= self.today - RECENT_DAYS
        if late is None:
            # Most replies come in time, some weeks late; a unit stuck on a matter answers months
            # later — of the matters due in the last year or so, many are still open (the overdue board).
            x = rand()
            stuck = STUCK[recent] * (1 if ctx.upper else 0.8) * (0.5 if round_ == 2 else 1)
            late = "stuck" if x < stuck else ("late" if x < stuck + 0.07 else "")
        t_reply = None
        if t_acc is not None:
            if late == "stuck":
                t_reply = office(end, self.between(30, 900 if recent else 300))
            elif late == "late":
                t_reply = office(end, self.between(1, 40))
            else:
                span = (end - t_acc) / DAY
                t_reply = office(t_acc, self.between(min(12, span * 0.3), max(1.5, span - 2)))
        # more time: mostly asked by units that cannot answer in time
        extension = None
        want = fate.extension or (t_acc is not None and rand() < (0.45 if late else 0.02))
        if want and t_acc is not None:
            t_ask = max(t_acc + HOUR, end - int(self.between(3, 15) * DAY))
            if fate.extension and t_ask > self.now_ts:  # (the demo wants the request made by now)
                t_ask = max(t_acc + HOUR, self.now_ts - DAY)
            if t_ask <= self.now_ts and (fate.extension or t_reply is None or t_ask < t_reply):
                wanted = min(cap, deadline + int(self.between(30, 92)))
                if wanted <= deadline:
                    wanted = cap
                status = fate.extension if fate.extension in ("approved", "refused", "pending") else (
                    "approved" if rand() < 0.85 else "refused"
                )  # fmt: skip
                t_dec = office(t_ask, self.between(1, 5))
                if status != "pending" and t_dec > self.now_ts:
                    status = "pending"
                if status == "approved":
                    deadline = f["deadline"] = wanted
                    end = self.end_of(deadline)
                    if late != "stuck":
                        t_reply = office(t_dec, self.between(1, max(1.5, (end - t_dec) / DAY - 1)))
                elif t_reply is not None and t_reply <= t_dec:
                    t_reply = office(t_dec, self.between(1, 10))
                extension = (t_ask, t_dec, wanted, status)
        if fate.late == "" and t_reply is not None and t_reply > end:  # (not before a decision on more time)
            t_reply = max(t_acc + HOUR, end - HOUR, extension[1] + HOUR if extension else 0)
        # co-units send their opinion before the lead unit replies
        co_times = [None] * len(units)
        for k in range(1, len(units)):
            if accepted[k] is None:
                continue
            if t_reply is not None and accepted[k] >= t_reply - HOUR:
                accepted[k] = t_assign + (t_reply - t_assign) // 3
            t_co = accepted[k] + int(self.between(5, 40) * DAY)
            if t_reply is not None and t_co >= t_reply:
                t_co = accepted[k] + (t_reply - accepted[k]) // 2
            co_times[k] = t_co
        # write: acceptance, contact, extension, co-opinions, the reply
        A = [self.next_id(Assignment) for _ in units]
        user_of, name_of = ctx.unit_users.get, ctx.unit_names
        for k, unit in enumerate(units):
            if accepted[k] is not None and not life.note(
                accepted[k], user_of(unit), name_of[unit], "unit_accept", "",
                self.unit_data(ctx, unit, roles[k]) if detail else "",
            ):  # fmt: skip
                accepted[k] = None
        lead_user, lead_name = user_of(units[0]), name_of[units[0]]
        if t_acc is not None and accepted[0] is not None and (round_ == 2 or rand() < 0.7):
            t_c = t_acc + int(self.between(HOUR, 25 * DAY))
            if t_reply is not None and t_c >= t_reply:
                t_c = t_acc + (t_reply - t_acc) // 2
            kind = CONTACT_KINDS[int(rand() * len(CONTACT_KINDS))]
            notes = texts.CONTACT_NOTES[kind]
            note = notes[int(rand() * len(notes))]
            date = self.day_str[self.local_day(t_c)]
            data = self.unit_data(ctx, units[0], "lead", f', "kind": "{kind}", "date": "{date}"') if detail else ""
            if life.note(t_c, lead_user, lead_name, "unit_contact", note, data):
                C = self.tables[UnitContact]
                item.children.append(
                    (UnitContact, C.row(self.next_id(UnitContact), (st := self.stamp(t_c)), st, A[0], kind, date,
                                        note, lead_user))
                )  # fmt: skip
        if extension is not None:
            t_ask, t_dec, wanted, status = extension
            x_pk = self.next_id(Extension)
            reason = texts.EXTENSION_REASONS[int(rand() * len(texts.EXTENSION_REASONS))]
            wanted_str = self.day_str[wanted]
            data = self.unit_data(ctx, units[0], "lead", f', "deadline": "{wanted_str}", "extension": {x_pk}')
            life.note(t_ask, lead_user, lead_name, "request_extension", reason, data)
            explanation = ""
            decided = status != "pending"
            if decided:
                approved = status == "approved"
                explanation = (
                    texts.EXTENSION_EXPLANATIONS[int(rand() * len(texts.EXTENSION_EXPLANATIONS))]
                    if approved
                    else texts.EXTENSION_REFUSALS[0]
                )
                extra = f', "approved": {"true" if approved else "false"}, "deadline": "{wanted_str}"'
                life.note(t_dec, ctx.office_user, ctx.office, "decide_extension", explanation,
                          self.unit_data(ctx, units[0], "lead", extra))  # fmt: skip
            X = self.tables[Extension]
            item.children.append(
                (Extension, X.row(x_pk, self.stamp(t_ask), self.stamp(t_dec if decided else t_ask), A[0], wanted_str,
                                  reason, status, lead_user, ctx.office_user if decided else None,
                                  self.stamp(t_dec) if decided else None, explanation))
            )  # fmt: skip
        R = self.tables[Reply]
        replied = [None] * len(units)
        for k in range(1, len(units)):
            t_co = co_times[k]
            if t_co is not None and life.note(t_co, user_of(units[k]), name_of[units[k]], "co_opinion", "",
                                              self.unit_data(ctx, units[k], "co") if detail else ""):  # fmt: skip
                replied[k] = t_co
                text = texts.CO_OPINIONS[int(rand() * len(texts.CO_OPINIONS))]
                item.children.append(
                    (Reply, R.row(self.next_id(Reply), (st := self.stamp(t_co)), st, A[k], "co_opinion", "",
                                  text, "", "", user_of(units[k])))
                )  # fmt: skip
        if t_reply is not None:
            cls = fate.answer_class if round_ == 1 and fate.answer_class else None
            if cls is None:
                x = rand()
                if round_ == 1:
                    cls = "A" if x < 0.55 else ("B" if x < 0.9 else "C")
                else:
                    cls = "A" if x < 0.45 else ("B" if x < 0.85 else "C")
            promised = (1 if rand() < 0.7 else 2) if cls == "B" else 0
            on_time = "true" if self.local_day(t_reply) <= deadline else "false"
            data = self.unit_data(
                ctx, units[0], "lead", f', "answer_class": "{cls}", "on_time": {on_time}, "commitments": {promised}'
            )
            if life.step(t_reply, lead_user, lead_name, "reply", "replied", "", data):
                replied[0] = t_reply
                r_pk = self.next_id(Reply)
                text = answer_text(cls)
                document, document_name = self.document(item, r_pk, cls, text, lead_name, t_reply)
                item.children.append(
                    (Reply, R.row(r_pk, (st := self.stamp(t_reply)), st, A[0], "answer", cls, text,
                                  document, document_name, lead_user))
                )  # fmt: skip
                f["replied_at"], f["answer_class"] = t_reply, cls
                if promised:
                    f.setdefault("_promised", []).append((r_pk, t_reply, promised, A[0], units[0]))
            else:
                t_reply = None
        # the assignments as they stand now
        AT = self.tables[Assignment]
        sid, mid = (None, item.pk) if item.is_motion else (item.pk, None)
        s_assign, s_day, s_deadline = self.stamp(t_assign), self.day_str[day], self.day_str[deadline]
        for k, unit in enumerate(units):
            if replied[k] is not None:
                status = "replied"
            else:
                status = "accepted" if accepted[k] is not None else "pending"
            reminded, overdue = None, False
            if status != "replied":
                remind = deadline - REMIND_DAYS
                if day < remind <= self.today:
                    reminded = self.day_str[remind]
                overdue = deadline < self.today
            item.children.append(
                (Assignment, AT.row(A[k], s_assign, self.stamp(replied[k] or accepted[k] or t_assign), sid, mid,
                                    unit, roles[k], status, round_, s_day, s_deadline, ctx.office_user,
                                    self.stamp(accepted[k]), "", self.stamp(replied[k]), reminded, overdue))
            )  # fmt: skip
        return t_reply

    def document(self, item: Item, reply_pk: int, cls: str, text: str, unit: str, ts: int) -> tuple[str, str]:
        """The reply document's stored name and file name (the scale data has none; the demo's do)."""
        return "", ""

    def commitments(self, item: Item, reply_pk: int, t_reply: int, count: int, assignment: int, unit: int) -> None:
        """What a class B reply promised; most of it is reported fulfilled by its date, when the item is
        replied, rated or closed (the workflow's `fulfil`), not while it is being handled again."""
        ctx = item.ctx
        CM = self.tables[Commitment]
        base = item.f.get("_commitment") or "按议案办理方案逐项落实，并向常委会报告进展"
        user, label = ctx.unit_users.get(unit), ctx.unit_names[unit]
        for k in range(count):
            pk = self.next_id(Commitment)
            due = self.local_day(t_reply) + int(self.between(90, 365))
            text = base if k == 0 else "向代表书面通报落实进展"
            fulfilled = None
            note = ""
            if self.rand() < 0.8:
                t_f = self.office(self.day_start(due), -self.between(0, 60))
                data = self.unit_data(ctx, unit, "lead", f', "commitment": {pk}')
                if (
                    t_f > t_reply
                    and self.state_at(item, t_f) in FULFIL_STATES
                    and item.life.note(t_f, user, label, "fulfil", "", data)
                ):
                    fulfilled = t_f
                    note = texts.FULFILLED_NOTES[int(self.rand() * len(texts.FULFILLED_NOTES))]
            stamp = self.stamp(t_reply)
            item.children.append(
                (Commitment, CM.row(pk, stamp, self.stamp(fulfilled) if fulfilled else stamp, reply_pk, text,
                                    self.day_str[due], self.stamp(fulfilled), note))
            )  # fmt: skip

    def ratings(self, item: Item, *, signers: list[Deputy], t_reply: int, round_: int, fate: Fate, units) -> str | None:
        """Each signer rates the reply; once all have, the suggestion is evaluated, or sent back for
        re-handling after a 不满意 (the services' `rate`, then `re_handling` or `evaluated`). Returns the
        new state, or None while some have not rated (or not by now)."""
        life, rand = item.life, self.rand
        cls = item.f.get("answer_class") or "B"
        wanted = fate.ratings if round_ == 1 else fate.ratings2
        odds = RATING_ODDS[cls] if round_ == 1 else RATING_ODDS_ROUND2
        plan = []
        for k, d in enumerate(signers):
            t = self.office(t_reply, self.between(1, 25) if rand() < 0.9 else self.between(25, 75))
            if k < len(wanted) and wanted[k]:
                sat = wanted[k]
            else:
                x = rand()
                sat = "satisfied" if x < odds[0] else ("basically" if x < odds[1] else "dissatisfied")
            plan.append((t, k, d, sat))
        plan.sort()
        EV = self.tables[Evaluation]
        sid, mid = (None, item.pk) if item.is_motion else (item.pk, None)
        rated = 0
        last = None
        for t, _k, d, sat in plan:
            if d.person_id in fate.unrated:
                continue
            comments = texts.RATING_COMMENTS[sat]
            comment = comments[int(rand() * len(comments))]
            data = f'{{"person": {d.person_id}, "satisfaction": "{sat}", "round": {round_}}}'
            if not life.note(t, d.user_id, d.name, "rate", comment, data):
                continue
            rated += 1
            last = (t, d)
            item.children.append(
                (Evaluation, EV.row(self.next_id(Evaluation), (st := self.stamp(t)), st, sid, mid, d.person_id,
                                    round_, sat, comment))
            )  # fmt: skip
        if rated < len(plan):
            return None
        t, d = last
        item.f["_rated_at"] = t
        unhappy = any(p[3] == "dissatisfied" for p in plan)
        if unhappy and round_ <= REHANDLING_MAX:
            day = self.local_day(t)
            deadline, cap = self.months[REHANDLING_MONTHS][day], self.months[MAX_MONTHS][day]
            ctx = item.ctx
            data = (
                f'{{"round": {round_ + 1}, "lead_unit": {units[0]}, "co_units": {_j(units[1:])}, "unit_names": '
                f'{_j([ctx.unit_names[u] for u in units])}, "deadline": "{self.day_str[deadline]}", '
                f'"deadline_cap": "{self.day_str[cap]}"}}'
            )
            return (
                "re_handling" if life.step(t + 1, d.user_id, d.name, "re_handling", "re_handling", "", data) else None
            )
        data = f'{{"round": {round_}, "dissatisfied": {"true" if unhappy else "false"}}}'
        return "evaluated" if life.step(t + 1, d.user_id, d.name, "evaluated", "evaluated", "", data) else None

    # --- a suggestion ---------------------------------------------------------------------------------
    def suggestion(
        self,
        ctx: Ctx,
        *,
        t0: int,
        session: Sitting | None,
        lead: Deputy,
        fate: Fate | None = None,
        motion: Item | None = None,
        opinions: tuple = (),
    ) -> Item:
        """Draw one suggestion raised at t0 (or, with `motion`, made from it by the presidium at t0)."""
        fate = fate or NATURAL
        rand = self.rand
        life = Life(self.now_ts, fate.stop, self.quiet)
        item = Item(self.next_id(Suggestion), ctx, False, life)
        f = item.f
        templates = UPPER if ctx.upper else LOWER
        ti = fate.template if fate.template is not None else int(rand() * len(templates))
        template = templates[ti % len(templates)]
        refusal = fate.refusal or ("" if motion is not None or rand() >= 0.03 else REFUSALS[int(rand() * 6)])
        lead_unit = fate.lead_unit or ctx.units.get(template.dept) or ctx.units[""]
        filled = self.filled(ctx, template, lead_unit, t0)
        if refusal:
            title, text, refusal_note = texts.REFUSED[refusal]
        else:
            title, text, refusal_note = filled["title"], filled["text"], ""
        f.update(
            _commitment=filled["commitment"],
            title=title[:200],
            text=text,
            category_id=ctx.categories.get(template.category),
            session=session,
            timing="session" if session else "interim",
            lead=lead,
            created=t0,
            created_by=lead.user_id,
            disclosure=False,
        )
        S = self.tables[Signer]
        signers = [lead]  # who signed: the lead and confirmed co-signers
        if motion is not None:
            # made by the presidium's decision, with the motion's signers; the office registers it
            f.update(title=motion.f["title"], text=motion.f["grounds"] + "\n\n" + motion.f["plan"])
            f.update(from_motion_id=motion.pk, _motion=motion, created_by=motion.f["created_by"])
            signers = motion.f["_signed"]
            for d, t_resp in zip(signers, motion.f["_signed_at"], strict=True):
                item.children.append(
                    (Signer, S.row(self.next_id(Signer), self.stamp(t0), self.stamp(t0), item.pk, None, d.person_id,
                                   d.mandate_id, d is signers[0], "confirmed", self.stamp(t_resp)))
                )  # fmt: skip
            life.step(t0, ctx.office_user, ctx.office, "create", "submitted")  # (data: see `events`)
            f["submitted_at"] = t0
            t_sub = t0
        else:
            life.step(t0, lead.user_id, lead.name, "create", "draft")
            item.children.append(
                (Signer, S.row(self.next_id(Signer), (st := self.stamp(t0)), st, item.pk, None, lead.person_id,
                               lead.mandate_id, True, "confirmed", st))
            )  # fmt: skip
            if fate.cosigners is not None:
                cos = fate.cosigners
            else:
                n = 0 if rand() < 0.55 else (1, 1, 1, 2, 2, 3, 4)[int(rand() * 7)]
                cos = self.cosigners(ctx, lead, n)
            t_resp_max = t0
            waiting = False  # a co-signer has not answered by now: the lead cannot submit yet
            if cos:
                t_inv = t0 + int(self.between(600, 2 * HOUR))
                data = (
                    _j({"persons": [d.person_id for d in cos], "names": [d.name for d in cos]}) if self.detail else ""
                )
                life.note(t_inv, lead.user_id, lead.name, "invite", "", data)
                declined = fate.declined
                for k, d in enumerate(cos):
                    answered = k < len(cos) - fate.invited
                    if session:  # the co-signers answer while the session sits
                        t_resp = t_inv + int(self.between(300, max(600, min(8 * HOUR, session.end - 1800 - t_inv))))
                    else:
                        t_resp = t_inv + int(self.between(HOUR, 72 * HOUR))
                    status, responded = "invited", None
                    waiting = waiting or t_resp > self.now_ts
                    if answered and t_resp <= self.now_ts:
                        no = (k < declined) if declined is not None else rand() < 0.07
                        action = "decline" if no else "confirm"
                        comment = texts.DECLINE_NOTES[int(rand() * 2)] if no else ""
                        data = f'{{"person": {d.person_id}, "name": {_j(d.name)}}}' if self.detail else ""
                        if life.note(t_resp, d.user_id, d.name, action, comment, data):
                            status, responded = ("declined" if no else "confirmed"), t_resp
                            t_resp_max = max(t_resp_max, t_resp)
                            if not no:
                                signers.append(d)
                    item.children.append(
                        (Signer, S.row(self.next_id(Signer), self.stamp(t_inv), self.stamp(responded or t_inv),
                                       item.pk, None, d.person_id, d.mandate_id, False, status, self.stamp(responded)))
                    )  # fmt: skip
            if fate.stop == "draft" or fate.invited or waiting:
                return self._close_suggestion(item)
            # submission (during the session for a session suggestion)
            t_sub = t_resp_max + int(self.between(600, (3 if session else 48) * HOUR))
            if session and t_sub > session.end:
                t_sub = t_resp_max + (session.end - t_resp_max) // 2
            data = f'{{"opinions": {_j(list(opinions))}}}' if opinions else '{"opinions": []}'
            if not life.step(t_sub, lead.user_id, lead.name, "submit", "submitted", "", data):
                return self._close_suggestion(item)
            f["submitted_at"] = t_sub
            disclosure = fate.publish if fate.publish is not None else rand() < 0.35
            if disclosure and life.note(
                t_sub + 60, lead.user_id, lead.name, "agree_disclosure", "", '{"agreed": true}'
            ):
                f["disclosure"] = True
        # registration or refusal
        t_reg = t_sub + int(self.between(HOUR, 36 * HOUR)) if session else self.office(t_sub, self.between(1, 6))
        if refusal:
            if life.step(t_reg, ctx.office_user, ctx.office, "refuse", "not_registered", refusal_note,
                         f'{{"reason": "{refusal}"}}'):  # fmt: skip
                f["refusal"], f["refusal_note"] = refusal, refusal_note
            return self._close_suggestion(item)
        if not life.step(t_reg, ctx.office_user, ctx.office, "register", "registered"):  # (number: see `events`)
            return self._close_suggestion(item)
        item.number_at = t_reg
        item.seq_key = ("suggestion", session)
        f["registered_at"] = t_reg
        through = Suggestion.opinions.through
        for opinion_id in opinions:
            item.children.append((through, self.tables[through].row(self.next_id(through), item.pk, opinion_id)))
        # assignment: after a session at the 交办会, between sessions within days
        if session and session.assign_day:
            t_asg = self.day_start(session.assign_day) + OPENS + 3600 + int(self.rand() * 5400)
            if t_asg < t_reg:
                t_asg = self.office(t_reg, 1)
        else:
            t_asg = self.office(t_reg, self.between(1, 10))
        units = [lead_unit]
        if fate.co_units is not None:
            units += fate.co_units
        elif ctx.upper and template.co_dept and template.co_dept in ctx.units and rand() < 0.6:
            units.append(ctx.units[template.co_dept])
        if fate.returned or (fate.stop is None and ctx.upper and rand() < 0.015):
            t_asg = self.returned(item, units, t_asg)
        f["assigning_organ"] = ctx.assigning_organ

        def answer(cls):
            return filled[cls]

        t_reply = self.handle(item, fate=fate, units=units, t_assign=t_asg, round_=1, answer_text=answer)
        f["_key"] = (fate, template, t_asg)  # (chosen once the whole timeline is known: see `_close_suggestion`)
        if t_reply is None:
            return self._close_suggestion(item)
        state = self.ratings(item, signers=signers, t_reply=t_reply, round_=1, fate=fate, units=units)
        if state == "re_handling":
            f["round"] = 2
            f["replied_at"] = None
            f["answer_class"] = ""

            def answer2(cls):
                return "重新办理答复：" + filled[cls] + "办理前已与代表当面沟通，听取了代表的意见。"

            t_reply = self.handle(
                item, fate=NATURAL if fate.stop is None else IN_TIME, units=units, t_assign=f["_rated_at"] + 1,
                round_=2, answer_text=answer2,
            )  # fmt: skip
            if t_reply is None:
                return self._close_suggestion(item)
            state = self.ratings(item, signers=signers, t_reply=t_reply, round_=2, fate=fate, units=units)
        if state != "evaluated":
            return self._close_suggestion(item)
        t_eval = f["_rated_at"]
        if f["disclosure"] and (fate.publish or (fate.publish is None and rand() < 0.6)):
            t_pub = self.office(t_eval, self.between(3, 40))
            if life.note(t_pub, ctx.office_user, ctx.office, "publish"):
                f["published_at"] = t_pub
        t_close = self.office(t_eval, self.between(15, 150) if fate.stop is None else self.between(5, 25))
        life.step(t_close, ctx.office_user, ctx.office, "close", "closed", texts.CLOSE_NOTE)
        return self._close_suggestion(item)

    def returned(self, item: Item, units: list[int], t_asg: int) -> int:
        """The office first assigns another unit as lead, which sends it back within days (the item is
        registered again, as `assignment_return` leaves it); the office then assigns the right units.
        Returns when."""
        ctx, life = item.ctx, item.life
        others = [u for k, u in ctx.units.items() if k and u not in units]
        if not others or t_asg + 16 * DAY > self.now_ts:
            return t_asg
        wrong = others[int(self.rand() * len(others))]
        day = self.local_day(t_asg)
        deadline, cap = self.months[REPLY_MONTHS][day], self.months[MAX_MONTHS][day]
        data = self.assign_data(ctx, [wrong], day, deadline, cap)
        if not life.step(t_asg, ctx.office_user, ctx.office, "assign", "assigned", "", data):
            return t_asg
        t_back = self.office(t_asg, self.between(1, 5))
        reason = "该事项不属于本单位职责范围，建议改由" + ctx.unit_names[units[0]] + "主办。"
        life.halted = False  # (an item to stop in "assigned" is there only once the right unit has it)
        life.step(t_back, ctx.unit_users.get(wrong), ctx.unit_names[wrong], "unit_return", "registered", reason,
                  self.unit_data(ctx, wrong, "lead", ', "released": []'))  # fmt: skip
        AT = self.tables[Assignment]
        sid, mid = (None, item.pk) if item.is_motion else (item.pk, None)
        item.children.append(
            (Assignment, AT.row(self.next_id(Assignment), self.stamp(t_asg), self.stamp(t_back), sid, mid, wrong,
                                "lead", "returned", 1, self.day_str[day], self.day_str[deadline], ctx.office_user,
                                None, reason, None, None, False))
        )  # fmt: skip
        return self.office(t_back, self.between(0.2, 3))

    def key_supervision(self, item: Item, fate: Fate, template, t_asg: int) -> None:
        ctx = item.ctx
        chosen = fate.key_supervision
        if chosen is None:
            chosen = ctx.upper and ctx.committees and self.rand() < (0.03 if ctx.level != Level.COUNTY else 0.015)
        if not chosen or not ctx.committees:
            return
        names = COMMITTEE_FOR.get(template.category, []) + list(ctx.committees)
        name = next(n for n in names if n in ctx.committees)
        full = ctx.region + "人民代表大会" + name
        t = self.office(t_asg, self.between(2, 20))
        if self.state_at(item, t) not in ("registered", "assigned", "re_handling", "replied"):
            return
        comment = texts.KEY_SUPERVISION_NOTE.format(committee=full)
        data = f'{{"on": true, "organ": {ctx.committees[name]}, "organ_name": {_j(full)}}}'
        if item.life.note(t, ctx.leader_user, ctx.region + "人大常委会主任会议", "key_supervision", comment, data):
            item.f["key_supervision"] = True
            item.f["supervising_organ"] = ctx.committees[name]

    @staticmethod
    def state_at(item: Item, ts: int) -> str:
        """The item's state at `ts` (while it is drawn: its changes of state are in time order)."""
        state = ""
        for e in item.life.events:
            if e[4] is not None:
                if e[0] > ts:
                    break
                state = e[5]
        return state

    def _close_suggestion(self, item: Item) -> Item:
        key = item.f.pop("_key", None)
        if key is not None:
            self.key_supervision(item, *key)
        for promised in item.f.pop("_promised", ()):
            self.commitments(item, *promised)
        item.life.done()
        return item

    def filled(self, ctx: Ctx, template, unit: int, t0: int) -> dict:
        """The template's texts for this congress, unit and year: one of a few variants (place, road,
        number), each formatted once."""
        rand = self.rand
        year = self.year_of[self.local_day(t0)]
        key = (ctx.id, template.key, unit, year)
        variants = self.fills.get(key)
        if variants is None:
            variants = self.fills[key] = []
        if len(variants) < self.variants:
            values = {
                "region": ctx.region,
                "unit": ctx.unit_names[unit],
                "place": ctx.places[int(rand() * len(ctx.places))] if ctx.places else ctx.region,
                "road": texts.ROADS[int(rand() * len(texts.ROADS))],
                "n": 2 + int(rand() * 9),
                "year": year,
                "next": year + 1,
            }
            if isinstance(template, texts.MotionTemplate):
                names = ("title", "grounds", "plan", "answer")
                found = {name: getattr(template, name).format(**values) for name in names}
            else:
                found = {
                    "title": template.title.format(**values),
                    "text": template.text.format(**values),
                    "A": template.answer_a.format(**values),
                    "B": template.answer_b.format(**values),
                    "C": template.answer_c.format(**values),
                    "commitment": template.commitment.format(**values),
                }
            variants.append(found)
            return found
        return variants[int(rand() * len(variants))]

    def suggestion_row(self, item: Item) -> tuple:
        f, ctx, life, stamp, day = item.f, item.ctx, item.life, self.stamp, self.day_str
        session = f["session"]
        state = life.state
        handling = state in ("assigned", "re_handling", "replied", "evaluated", "closed")
        assigned = handling and "assigned_on" in f
        published = f.get("published_at")
        return self.tables[Suggestion].row(
            item.pk,
            stamp(f["created"]),
            stamp(life.last),
            ctx.id,
            ctx.term_id,
            session.id if session else None,
            f["timing"],
            ctx.path,
            f.get("sequence_id"),
            f.get("number"),
            state,
            len(life.events),
            f["lead"].person_id,
            f["title"],
            f["text"],
            f["category_id"],
            f.get("from_motion_id"),
            stamp(f.get("submitted_at")),
            stamp(f.get("registered_at")),
            f.get("refusal", ""),
            f.get("refusal_note", ""),
            f.get("assigning_organ"),
            day[f["assigned_on"]] if assigned else None,
            day[f["deadline"]] if assigned else None,
            day[f["deadline_cap"]] if assigned else None,
            f.get("round", 1),
            stamp(f.get("replied_at")) if handling else None,
            f.get("answer_class", "") if handling else "",
            f.get("key_supervision", False),
            f.get("supervising_organ"),
            f["disclosure"],
            stamp(published),
            f["created_by"],
        )

    # --- a motion -------------------------------------------------------------------------------------
    def motion(
        self, ctx: Ctx, *, session: Sitting, fate: Fate | None = None, lead: Deputy | None = None, t0: int | None = None
    ) -> Item:
        """Draw one motion for `session`; when the presidium converts it, its suggestion is drawn too
        (item.suggestion)."""
        fate = fate or NATURAL
        rand = self.rand
        life = Life(self.now_ts, fate.stop, self.quiet)
        item = Item(self.next_id(Motion), ctx, True, life)
        f = item.f
        pool = [m for m in MOTION_TEMPLATES if m.upper == ctx.upper] or MOTION_TEMPLATES
        template = pool[(fate.template if fate.template is not None else int(rand() * len(pool))) % len(pool)]
        proposer = fate.proposer or ("deputies" if lead is not None else "")
        if not proposer:
            x = rand()
            proposer = "presidium" if x < 0.03 else ("delegation" if x < 0.15 and ctx.delegations else "deputies")
        t_dead = session.deadline
        if proposer == "deputies":
            lead = lead or ctx.deputies[int(rand() * len(ctx.deputies))]
            drafted = self.office(session.start, -self.between(4, 35))
        else:
            lead = None
            drafted = t_dead - int(self.between(2 * HOUR, 20 * HOUR))
        # drafted within the term (a first session's motions on its first day), hours before the deadline
        drafted = min(max(drafted, ctx.term_start), t_dead - 4 * HOUR)
        t0 = t0 or min(drafted, self.now_ts - int(self.between(2 * HOUR, 4 * DAY)))
        filled = self.filled(ctx, template, ctx.units.get(template.dept) or ctx.units[""], t0)
        delegation = ctx.delegations[int(rand() * len(ctx.delegations))] if proposer == "delegation" else None
        f.update(
            session=session,
            proposer=proposer,
            delegation_id=delegation[0] if delegation else None,
            lead=lead,
            title=filled["title"][:200],
            grounds=filled["grounds"],
            plan=filled["plan"],
            created=t0,
            created_by=lead.user_id if lead else ctx.office_user,
            _signed=[],
            _signed_at=[],
        )
        S = self.tables[Signer]
        co_rows = []  # (still asked?, name, row): the ones still asked are dropped at submission
        presidium = ctx.region + "人民代表大会主席团"
        who = (lead.user_id, lead.name) if lead else (ctx.office_user, delegation[1] if delegation else presidium)
        life.step(t0, who[0], who[1], "create", "draft")
        if lead:
            item.children.append(
                (Signer, S.row(self.next_id(Signer), (st := self.stamp(t0)), st, None, item.pk, lead.person_id,
                               lead.mandate_id, True, "confirmed", st))
            )  # fmt: skip
            f["_signed"].append(lead)
            f["_signed_at"].append(t0)
            if fate.stop == "draft":
                return self._close_motion(item)
            if fate.cosigners is not None:
                cos = fate.cosigners
            else:
                cos = self.cosigners(ctx, lead, ctx.threshold - 1 + int(rand() * 7) + (1 if rand() < 0.3 else 0))
            t_inv = t0 + int(self.between(600, max(1200, min(30 * HOUR, (t_dead - t0) * 0.3))))
            data = _j({"persons": [d.person_id for d in cos], "names": [d.name for d in cos]})
            life.step(t_inv, lead.user_id, lead.name, "invite", "collecting", "", data)
            window = max(HOUR, min(5 * DAY, (t_dead - t_inv) * 0.7))
            declined = fate.declined if fate.declined is not None else (1 if rand() < 0.3 else 0)
            t_last = t_inv
            for k, d in enumerate(cos):
                answered = k < len(cos) - fate.invited
                t_resp = t_inv + int(self.between(HOUR, window))
                status, responded = "invited", None
                if answered:
                    no = k < declined
                    data = f'{{"person": {d.person_id}, "name": {_j(d.name)}}}' if self.detail else ""
                    if life.note(t_resp, d.user_id, d.name, "decline" if no else "confirm",
                                 texts.DECLINE_NOTES[k % 2] if no else "", data):  # fmt: skip
                        status, responded = ("declined" if no else "confirmed"), t_resp
                        t_last = max(t_last, t_resp)
                        if not no:
                            f["_signed"].append(d)
                            f["_signed_at"].append(t_resp)
                co_rows.append(
                    (status == "invited", d.name,
                     S.row(self.next_id(Signer), self.stamp(t_inv), self.stamp(responded or t_inv), None, item.pk,
                           d.person_id, d.mandate_id, False, status, self.stamp(responded)))
                )  # fmt: skip
            item.children += [(Signer, row) for _asked, _name, row in co_rows]
            if fate.stop == "collecting" or life.state != "collecting":
                return self._close_motion(item)
            if fate.decision == "withdraw" or (fate.stop is None and rand() < 0.02):
                reason = texts.WITHDRAW_REASONS[1]
                if life.step(self.office(t_last, 0.5), lead.user_id, lead.name, "withdraw", "withdrawn", reason):
                    f["withdrawal_reason"] = reason
                return self._close_motion(item)
            if len(f["_signed"]) < ctx.threshold:
                return self._close_motion(item)  # still collecting
            t_sub = min(t_last + int(self.between(HOUR, 40 * HOUR)), t_dead - int(self.between(600, 2 * HOUR)))
            t_sub = max(t_sub, t_last + 60)
        else:
            t_sub = t0 + int(self.between(600, HOUR))
        actor = (lead.user_id, lead.name) if lead else who
        dropped = [name for asked, name, _row in co_rows if asked]
        data = f'{{"signatures": {len(f["_signed"])}, "dropped": {_j(dropped)}}}'
        if not life.step(t_sub, actor[0], actor[1], "submit", "submitted", "", data):  # (number: see `events`)
            return self._close_motion(item)
        if dropped:  # deputies asked who had not answered are taken off the motion (as motion_submit does)
            gone = {id(row) for asked, _name, row in co_rows if asked}
            item.children = [(model, row) for model, row in item.children if id(row) not in gone]
        f["submitted_at"] = t_sub
        item.number_at = t_sub
        item.seq_key = ("motion", session)
        # the review committee, then the presidium (during the session)
        decision = fate.decision
        if not decision:
            x = rand()
            accept = 0.75 if proposer != "deputies" else 0.3
            decision = "withdraw_consented" if x < 0.03 else ("accept" if x < 0.03 + accept else "convert")
        outside = ""
        if decision == "convert" and rand() < 0.25:
            outside = list(texts.OUTSIDE_POWERS_REVIEW)[int(rand() * 3)]
        if decision == "accept":
            review = texts.REVIEW_ACCEPT[int(rand() * 2)]
        elif outside:
            review = texts.OUTSIDE_POWERS_REVIEW[outside]
        else:
            review = texts.REVIEW_CONVERT[int(rand() * 2)]
        if decision == "withdraw_consented" and rand() < 0.5:
            t_dec = max(t_sub, session.start) + int(self.between(HOUR, 6 * HOUR))  # before the review
        else:
            low = max(t_sub, session.start) + HOUR
            high = max(low + HOUR, session.end - 2 * HOUR)
            t_rev = int(self.between(low, min(high, low + 30 * HOUR)))
            if not life.step(t_rev, ctx.office_user, "议案审查委员会", "review", "under_review", review,
                             f'{{"outside_powers": "{outside}"}}'):  # fmt: skip
                return self._close_motion(item)
            f.update(review_opinion=review, reviewed_at=t_rev, outside_powers=outside)
            t_dec = t_rev + int(self.between(1800, max(3600, min(12 * HOUR, session.end - t_rev - 600))))
        if decision == "withdraw_consented":
            reason = texts.WITHDRAW_REASONS[0]
            if life.step(t_dec, ctx.office_user, presidium, "withdraw_consented", "withdrawn", reason):
                f.update(withdrawal_reason=reason, decided_at=t_dec)
            return self._close_motion(item)
        if decision == "convert":
            if life.step(t_dec, ctx.office_user, presidium, "convert", "converted", texts.DECISION_CONVERT, "{}"):
                f.update(decided_at=t_dec, decision_note=texts.DECISION_CONVERT)
                if not f["_signed"]:  # a delegation's or the presidium's: one of its deputies leads
                    members = ctx.by_delegation.get(f["delegation_id"]) or ctx.deputies
                    f["_signed"], f["_signed_at"] = [members[0]], [t_dec]
                item.suggestion = self.suggestion(
                    ctx, t0=t_dec + 60, session=session, lead=f["_signed"][0], motion=item, fate=fate.then
                )
                life.events[-1][7] = f'{{"suggestion": {item.suggestion.pk}}}'
            return self._close_motion(item)
        if not life.step(t_dec, ctx.office_user, presidium, "accept", "accepted", texts.DECISION_ACCEPT):
            return self._close_motion(item)
        f.update(decided_at=t_dec, decision_note=texts.DECISION_ACCEPT)
        t_asg = (
            self.day_start(session.assign_day) + OPENS + 3600 + int(rand() * 5400)
            if session.assign_day
            else self.office(t_dec, self.between(15, 35))
        )
        units = [fate.lead_unit or ctx.units.get(template.dept) or ctx.units[""]]
        if fate.co_units is not None:
            units += fate.co_units
        elif ctx.upper and rand() < 0.4 and ctx.units.get("") and ctx.units[""] not in units:
            units.append(ctx.units[""])

        def answer(cls):
            return filled["answer"]

        t_reply = self.handle(item, fate=fate, units=units, t_assign=t_asg, round_=1, answer_text=answer)
        if t_reply is None:
            return self._close_motion(item)
        t_report = self.office(t_reply, self.between(20, 150))
        life.step(t_report, ctx.office_user, ctx.office, "report", "reported", texts.REPORT_NOTES[int(rand() * 2)])
        return self._close_motion(item)

    def _close_motion(self, item: Item) -> Item:
        for promised in item.f.pop("_promised", ()):
            self.commitments(item, *promised)
        item.life.done()
        return item

    def motion_row(self, item: Item) -> tuple:
        f, ctx, life, stamp = item.f, item.ctx, item.life, self.stamp
        lead = f["lead"]
        return self.tables[Motion].row(
            item.pk,
            stamp(f["created"]),
            stamp(life.last),
            ctx.id,
            ctx.term_id,
            f["session"].id,
            ctx.path,
            f.get("sequence_id"),
            f.get("number"),
            life.state,
            len(life.events),
            f["proposer"],
            f["delegation_id"],
            lead.person_id if lead else None,
            f["title"],
            f["grounds"],
            f["plan"],
            stamp(f.get("submitted_at")),
            f.get("review_opinion", ""),
            f.get("outside_powers", ""),
            stamp(f.get("reviewed_at")),
            stamp(f.get("decided_at")),
            f.get("decision_note", ""),
            f.get("withdrawal_reason", ""),
            f["created_by"],
        )

    def save_sequences(self) -> None:
        """Existing sequences that got more numbers: their `last` moves on."""
        for pk, last in self.later_last.items():
            NumberSequence.objects.filter(pk=pk, last__lt=last).update(last=last)


def _first(event):
    return event[0]


def motion_label(number) -> str:
    """Motion.label for a motion numbered `number`."""
    return Motion(number=number).label


RECENT_DAYS = 450
STUCK = {True: 0.32, False: 0.05}  # chance a unit is stuck, for deadlines in the last RECENT_DAYS or before
FULFIL_STATES = {"replied", "evaluated", "closed", "reported"}
QUIET_AT_SCALE = frozenset(
    {"invite", "confirm", "decline", "unit_accept", "unit_contact", "co_opinion", "rate", "fulfil", "agree_disclosure"}
)  # notes only: the last rating, which changes the state, is a step and always written
UPPER = [t for t in texts.SUGGESTIONS if t.upper]
LOWER = [t for t in texts.SUGGESTIONS if not t.upper]
MOTION_TEMPLATES = texts.MOTIONS
REFUSALS = list(texts.REFUSED)

# The columns each table is written with (the others take their defaults).
COLUMNS = {
    NumberSequence: "id kind term_id session_id last",
    Motion: (
        "id created_at updated_at congress_id term_id session_id region_path sequence_id number status version"
        " proposer delegation_id lead_id title grounds plan submitted_at review_opinion outside_powers reviewed_at"
        " decided_at decision_note withdrawal_reason created_by_id"
    ),
    Suggestion: (
        "id created_at updated_at congress_id term_id session_id timing region_path sequence_id number status version"
        " lead_id title text category_id from_motion_id submitted_at registered_at refusal refusal_note"
        " assigning_organ_id assigned_on deadline deadline_cap round replied_at answer_class key_supervision"
        " supervising_organ_id disclosure_agreed published_at created_by_id"
    ),
    Signer: "id created_at updated_at suggestion_id motion_id person_id mandate_id is_lead status responded_at",
    Assignment: (
        "id created_at updated_at suggestion_id motion_id unit_id role status round assigned_on deadline"
        " assigned_by_id accepted_at returned_reason replied_at reminded_on overdue_notified"
    ),
    Extension: (
        "id created_at updated_at assignment_id requested_deadline reason status requested_by_id decided_by_id"
        " decided_at explanation"
    ),
    UnitContact: "id created_at updated_at assignment_id kind date note author_id",
    Reply: "id created_at updated_at assignment_id kind answer_class text document document_name author_id",
    Commitment: "id created_at updated_at reply_id text due fulfilled_at fulfilled_note",
    Evaluation: "id created_at updated_at suggestion_id motion_id person_id round satisfaction comment",
    Event: "id suggestion_id motion_id at actor_id actor_label action from_status to_status comment data",
    Suggestion.opinions.through: "id suggestion_id opinion_id",
}


# --- gen_data ------------------------------------------------------------------------------------------
def generate(cmd) -> None:
    """Called by gen_data inside its transaction, after the opinions (whose handling units it uses)."""
    ProposalScale(cmd).run()


def _split(total: float, parts: int) -> list[int]:
    """`total` (possibly fractional per part) spread over `parts` integers that add up to round(total)."""
    per = total / parts if parts else 0
    return [int((i + 1) * per + 0.5) - int(i * per + 0.5) for i in range(parts)]


class ProposalScale:
    def __init__(self, cmd):
        self.cmd = cmd
        self.rng = random.Random(f"{cmd.seed}:proposals")
        self.pg = connection.vendor == "postgresql"

    def run(self) -> None:
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        cmd = self.cmd
        self.nodes = [n for n in cmd.walk(cmd.root) if n.level in cmd.levels and n.congress_id]
        if not self.nodes:
            return
        self.region_name = {n.id: n.name for n in cmd.walk(cmd.root)}
        self.now = cmd.now
        self.now_ts = int(cmd.now.timestamp())
        sittings = self.sessions()
        organs = self.organs()
        units, unit_names = self.units()
        deputies, delegations = self.deputies()
        categories = self.categories()
        thresholds = dict(
            Congress.objects.filter(pk__in=[n.congress_id for n in self.nodes]).values_list("id", "motion_threshold")
        )
        first = min(s[1] for s in EARLIER_SESSIONS) - datetime.timedelta(days=60)
        term_starts = dict(Term.objects.filter(pk__in={n.term_id for n in self.nodes}).values_list("id", "start_date"))
        writer = Writer(cmd, rng=self.rng, first_day=first, now=cmd.now, detail=False)
        writer.load_sequences({n.term_id for n in self.nodes})
        dropped = drop_indexes(cmd, BULK_MODELS, "proposals")
        written0 = self.written()
        gen0 = time.perf_counter()
        for node in self.nodes:
            upper = node.level != Level.TOWNSHIP
            ctx = Ctx(
                id=node.congress_id,
                level=node.level,
                region=node.name,
                path=node.path,
                term_id=node.term_id,
                threshold=thresholds[node.congress_id],
                sessions=[Sitting(*s) for s in sittings[node.term_id]],
                deputies=deputies[node.congress_id],
                places=[c.name for c in node.children],
                units=units[node.id],
                unit_names=unit_names,
                assigning_organ=organs[node.congress_id]["assigning"],
                assigning_name=organs[node.congress_id]["assigning_name"],
                committees=organs[node.congress_id]["committees"],
                office=node.name + ("人大常委会代表联络室" if upper else "人大办"),
                delegations=delegations.get(node.congress_id, []),
                categories=categories,
                term_start=(term_starts[node.term_id] - EPOCH).days * DAY - BEIJING + OPENS,
            )
            self.congress(writer, ctx)
        writer.finish()
        writer.save_sequences()
        python = time.perf_counter() - gen0 - (self.written() - written0)
        restore_indexes(cmd, dropped, "proposals")
        counts = writer.counts
        cmd.timer.add("proposals: generating rows in Python", 0, python)
        from liaison.core.audit import audit_record
        from liaison.core.models import AuditLog

        for model in (Suggestion, Motion, Assignment, Event):
            audit_record(
                actor=None,
                action=AuditLog.Action.IMPORT,
                model=model._meta.label,
                object_repr="gen_data: suggestions and motions",
                after={"rows": counts[model]},
            )
        cmd.stdout.write(
            f"proposals: {counts[Suggestion]:,} suggestions, {counts[Motion]:,} motions, {counts[Signer]:,} signers,"
            f" {counts[Assignment]:,} assignments, {counts[Reply]:,} replies, {counts[Evaluation]:,} ratings,"
            f" {counts[Event]:,} timeline entries in {time.perf_counter() - t0:.1f} s"
            f" ({time.process_time() - cpu0:.1f} s of this process's CPU)"
        )

    def written(self) -> float:
        return sum(s for name, _n, s in self.cmd.timer.rows if name.startswith("proposals_"))

    # --- what gen_data does not make ---------------------------------------------------------------
    def sessions(self) -> dict[int, list[tuple]]:
        """Sessions 1–4 of the generated term (gen_data writes 5 and 6); per term, the sessions as
        (id, number, start, end, motion deadline) in seconds."""
        cmd = self.cmd
        terms = sorted({n.term_id for n in self.nodes})
        have = set(Session.objects.filter(term_id__in=terms).values_list("term_id", "number"))
        loader = Loader(Session, timer=cmd.timer, now=cmd.now)
        for term in terms:
            for number, start, end, notice in EARLIER_SESSIONS:
                if (term, number) not in have:
                    loader.add(term_id=term, number=number, start_date=start, end_date=end, notice_date=notice)
        loader.finish()
        found: dict[int, list[tuple]] = {t: [] for t in terms}
        rows = Session.objects.filter(term_id__in=terms).order_by("term_id", "number")
        for pk, term, number, start, end, deadline in rows.values_list(
            "id", "term_id", "number", "start_date", "end_date", "motion_deadline"
        ):
            found[term].append(sitting_times(pk, number, start, end, deadline))
        return found

    def organs(self) -> dict[int, dict]:
        """The standing committee (or, in a township, the presidium) that assigns suggestions and the
        special committees that follow key ones: made for the generated congresses, which have none."""
        cmd = self.cmd
        loader = Loader(Organ, timer=cmd.timer, now=cmd.now)
        found = {}
        existing = {(c, n): pk for pk, c, n in Organ.objects.filter(
            congress_id__in=[n.congress_id for n in self.nodes]).values_list("id", "congress_id", "name")}  # fmt: skip

        def organ(congress, name, kind, parent=None):
            return existing.get((congress, name)) or loader.add(
                congress_id=congress, name=name, kind=kind, parent_id=parent
            )

        K = Organ.Kind
        for node in self.nodes:
            c, name = node.congress_id, node.name
            presidium = organ(c, f"{name}人民代表大会主席团", K.PRESIDIUM)
            if node.level == Level.TOWNSHIP:
                organ(c, f"{name}人大办", K.WORKING_BODY)
                found[c] = {"assigning": presidium, "assigning_name": f"{name}人民代表大会主席团", "committees": {}}
                continue
            standing = organ(c, f"{name}人大常委会", K.STANDING_COMMITTEE)
            committees = {
                short: organ(c, f"{name}人民代表大会{short}", K.SPECIAL_COMMITTEE) for short in COMMITTEES[node.level]
            }
            organ(c, f"{name}人大常委会代表联络室", K.WORKING_BODY, standing)
            found[c] = {"assigning": standing, "assigning_name": f"{name}人大常委会", "committees": committees}
        loader.finish()
        return found

    def units(self) -> tuple[dict, dict]:
        """Region id → {department suffix → unit id}, "" being the government; the units the opinions'
        data made, or the same ones made here when it was skipped."""
        cmd = self.cmd
        rows = list(
            HandlingUnit.objects.filter(region__path__startswith=cmd.root.path).values_list("id", "region_id", "name")
        )
        if not rows:
            loader = Loader(HandlingUnit, timer=cmd.timer, now=cmd.now)
            for node in self.nodes:
                if node.level == Level.TOWNSHIP:
                    name = node.name + ("办事处" if node.name.endswith("街道") else "人民政府")
                    pk = loader.add(region_id=node.id, name=name, kind="government", level=node.level)
                    rows.append((pk, node.id, name))
                    continue
                gov = None
                for dept in DEPARTMENTS:
                    kind = UNIT_KIND.get(dept, "department")
                    pk = loader.add(
                        region_id=node.id,
                        name=node.name + dept,
                        kind=kind,
                        level=node.level,
                        parent_id=gov if kind == "department" else None,
                    )
                    gov = gov or pk
                    rows.append((pk, node.id, node.name + dept))
            loader.finish()
        units: dict[int, dict] = {n.id: {} for n in self.nodes}
        names = {}
        for pk, region, name in rows:
            if region not in units:
                continue
            names[pk] = name
            suffix = name[len(self.region_name[region]) :]
            units[region][suffix] = pk
            if suffix in ("人民政府", "办事处"):
                units[region][""] = pk
        return units, names

    def deputies(self) -> tuple[dict, dict]:
        from liaison.deputies.models import Delegation, Mandate

        ids = [n.congress_id for n in self.nodes]
        deputies: dict[int, list[Deputy]] = {c: [] for c in ids}
        for pk, person, congress, delegation, name in (
            Mandate.objects.filter(congress_id__in=ids, status=Mandate.Status.SERVING)
            .order_by("id")
            .values_list("id", "person_id", "congress_id", "delegation_id", "person_name")
            .iterator(chunk_size=20000)
        ):
            deputies[congress].append(Deputy(pk, person, name, delegation))
        delegations: dict[int, list] = {}
        for pk, congress, name in (
            Delegation.objects.filter(congress_id__in=ids).order_by("id").values_list("id", "congress_id", "name")
        ):
            delegations.setdefault(congress, []).append((pk, name))
        return deputies, delegations

    def categories(self) -> dict[str, int]:
        from liaison.opinions.models import Category
        from liaison.opinions.texts import CATEGORIES

        found = dict(Category.objects.filter(region__isnull=True).values_list("code", "id"))
        for i, (code, name) in enumerate(CATEGORIES):
            if code not in found:
                found[code] = Category.objects.create(code=code, name=name, sort=(i + 1) * 10).pk
        return found

    # --- one congress ------------------------------------------------------------------------------
    def congress(self, writer: Writer, ctx: Ctx) -> None:
        rng, rand = self.rng, writer.rand
        if not ctx.deputies:
            return
        n_suggestions, n_motions = self.quota(ctx)
        now = self.now_ts
        held = [s for s in ctx.sessions if s.start <= now]
        for s in ctx.sessions:  # the day the standing committee assigns the session's suggestions (交办会)
            s.assign_day = writer.local_day(writer.office(s.end, rng.uniform(15, 35)))
        motion_sessions = [s for s in ctx.sessions if s.start <= now + 40 * DAY]
        items: list[Item] = []
        n_deputies = len(ctx.deputies)

        def lead() -> Deputy:  # some deputies raise many more than others
            return ctx.deputies[int(n_deputies * rand() ** 1.6)]

        converted = 0
        for session, n in zip(motion_sessions, _split(n_motions, len(motion_sessions)), strict=True):
            for _ in range(n):
                m = writer.motion(ctx, session=session)
                items.append(m)
                if m.suggestion is not None:
                    items.append(m.suggestion)
                    converted += 1
        rest = max(0, n_suggestions - converted)
        n_session = int(rest * SESSION_SHARE + 0.5) if held else 0
        for session, n in zip(held, _split(n_session, len(held)), strict=True):
            span = max(HOUR, session.end - session.start - 3 * HOUR)
            for _ in range(n):
                t0 = session.start + int(rand() * span)
                items.append(writer.suggestion(ctx, t0=min(t0, now - HOUR), session=session, lead=lead()))
        # between sessions (not while one sits: 003 §34), a little more often in later years
        windows = interim_windows(ctx.sessions, now) or [(now - 365 * DAY, now - DAY)]
        ends, total = [], 0
        for start, end in windows:
            total += end - start
            ends.append(total)
        for _ in range(rest - n_session):
            x = int(total * rand() ** 0.85)
            k = bisect.bisect_right(ends, x)
            start, end = windows[min(k, len(windows) - 1)]
            t0 = writer.office(end - (ends[min(k, len(windows) - 1)] - x), 0)
            if t0 >= min(end + 3 * DAY, now):
                t0 = end - int(writer.between(HOUR, 2 * DAY))
            items.append(writer.suggestion(ctx, t0=t0, session=None, lead=lead()))
        writer.write(items)

    def quota(self, ctx: Ctx) -> tuple[int, float]:
        suggestions, motions = PER_CONGRESS[ctx.level]
        if ctx.level != Level.TOWNSHIP:
            return suggestions, motions
        # 0.75 motions per township congress: the townships share them out in turn
        index = self.township_index = getattr(self, "township_index", -1) + 1
        per = motions
        return suggestions, int((index + 1) * per + 0.5) - int(index * per + 0.5)


def interim_windows(sessions: list[Sitting], now: int) -> list[tuple[int, int]]:
    """The times between sessions up to now when suggestions are raised as interim ones: from the day
    after a session closes to a week before the next opens (so that a draft is in before it sits)."""
    windows = []
    for k, session in enumerate(sessions):
        if session.end >= now:
            break
        start = session.end + DAY
        end = sessions[k + 1].start - 7 * DAY if k + 1 < len(sessions) else now
        end = min(end, now - HOUR)
        if end - start > DAY:
            windows.append((start, end))
    return windows


def sitting_times(pk, number, start: datetime.date, end: datetime.date, deadline) -> tuple:
    """A session as the writer's `Sitting` fields: the opening day 8:30 and the closing day 17:30 in
    Beijing time, and the motions' deadline (the end of the opening day when none is set)."""
    day0, day1 = (start - EPOCH).days, (end - EPOCH).days
    t_start = day0 * DAY - BEIJING + OPENS
    t_end = day1 * DAY - BEIJING + OPENS + OFFICE_SECONDS
    t_deadline = int(deadline.timestamp()) if deadline else (day0 + 1) * DAY - BEIJING - 1
    return (pk, number, t_start, t_end, t_deadline)


# --- indexes around a large load (as liaison.opinions.scale does for its tables) -------------------------
def drop_indexes(cmd, models, label: str) -> list[str]:
    """Drop the non-unique secondary indexes (and, on PostgreSQL, the foreign keys) of the tables;
    returns the statements that make them again."""
    tables = [m._meta.db_table for m in models]
    again = []
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # pending deferred checks of the tables written before would forbid ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
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
            again.append(f"PRAGMA cache_size = {int(cursor.fetchone()[0])}")
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
    cmd.timer.add(f"{label}: drop secondary indexes", 0, time.perf_counter() - t0)
    return again


def restore_indexes(cmd, statements: list[str], label: str) -> None:
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # indexes first (the foreign keys' checks then use them), the cache size last
        order = {"CREATE": 0, "ALTER": 1, "PRAGMA": 2}
        for sql in sorted(statements, key=lambda s: order.get(s.split(" ", 1)[0], 0)):
            cursor.execute(sql)
    cmd.timer.add(f"{label}: indexes and foreign keys made again", 0, time.perf_counter() - t0)
