"""Suggestions and motions of the demo prefecture (called by `manage.py demo`), written as rows by the
writer of `scale.py` (the same one gen_data uses), so that every item's rows agree with each other and
its timeline (`Event`) tells each step: who, when, from which state to which.

**What there is.** For every demo congress (the prefecture, its three counties and fifteen townships):
suggestions raised during the current and the last session and between sessions, and motions of those
sessions and of the next one, each drawn through its whole life and cut at now — so most of the last
session's are closed, the current ones are being handled or rated, some are overdue. On top, for the
county and the township of the demo accounts, items stopped in every state of `Suggestion.Status` and
`Motion.Status` on purpose: drafts waiting for co-signers, a registered one waiting for assignment,
refusals, assignments not yet accepted, in time, overdue (one after an approved extension), a request
for more time waiting, replies waiting for ratings, one sent back for re-handling, key supervision by
a special committee, suggestions taken up from citizens' opinions, published ones, a motion converted
into a suggestion, withdrawn motions.

**Who acts.** The demo accounts where they have the scope (county_officer for 青岚县, town_officer for
城关镇, city_officer for the prefecture, leader for the prefecture's key supervision, unit_staff for
青岚县教育局, the deputy for their own steps) and, for the other offices and units, the staff accounts
the opinions' demo made (demo-office-<code>, demo-unit-<id>), made here when missing.

**What the demo accounts find.** deputy: drafts to co-sign (suggestions and a motion), replies to rate,
their own drafts; unit_staff: suggestions and a motion in the queue, new, in time, overdue, one with a
request for more time waiting; county_officer: suggestions to register and assign, a request for more
time to decide.

Idempotent: the load leaves an audit row ("demo: suggestions and motions"); when it is there the part
is skipped."""

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from liaison.accounts.models import Role, User
from liaison.core.demo_names import Picker
from liaison.core.management.datagen import Loader
from liaison.core.models import AuditLog
from liaison.deputies.models import Mandate
from liaison.opinions.models import Category, Opinion
from liaison.opinions.models import Event as OpinionEvent
from liaison.opinions.texts import CATEGORIES
from liaison.regions.models import HandlingUnit, Level, Organ, Session

from .models import Motion, Reply, Suggestion
from .scale import (
    BEIJING,
    DAY,
    EPOCH,
    HOUR,
    MODELS,
    OPENS,
    UPPER,
    Ctx,
    Deputy,
    Fate,
    Item,
    Sitting,
    Writer,
    interim_windows,
    sitting_times,
)

MARK = "demo: suggestions and motions"
# Per congress: suggestions raised in each of the two sessions, between sessions (each interval),
# motions of each session.
NATURAL = {Level.PREFECTURE: (30, 12, 6), Level.COUNTY: (16, 6, 4), Level.TOWNSHIP: (3, 1, 1)}
# How long after the draft each step usually comes (days): a first guess when an item is placed in time.
GUESS = {
    "create": 0,
    "submit": 1,
    "register": 4,
    "refuse": 4,
    "assign": 9,
    "reply": 60,
    "re_handling": 75,
    "evaluated": 75,
    "close": 140,
}
OFFICER_USERNAMES = ["city_officer", "county_officer", "town_officer", "leader", "unit_staff", "deputy"]


def load(cmd) -> None:
    if AuditLog.objects.filter(model="proposals.Suggestion", object_repr=MARK).exists():
        cmd.log("suggestions and motions: already loaded")
        return
    suggestions, motions, states = DemoProposals(cmd).build()
    cmd.log(f"suggestions and motions: {suggestions} suggestions and {motions} motions created, in {states} states")


class DemoWriter(Writer):
    """The writer, with a reply document (.docx) for the replies of the congresses the demo accounts
    work in. The file names are set while drawing; the files are made from the rows finally written
    (`write_documents`), since an item may be drawn more than once before it fits in time."""

    def __init__(self, *args, documents_for: set, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents_for = documents_for
        self.first_reply = self.tables[Reply].next_id

    def document(self, item: Item, reply_pk: int, cls: str, text: str, unit: str, ts: int) -> tuple[str, str]:
        if item.ctx.id not in self.documents_for:
            return "", ""
        day = datetime.datetime.fromtimestamp(ts + BEIJING, tz=datetime.UTC).date()
        return f"proposals/{day:%Y/%m}/reply-{reply_pk}.docx", f"{unit}关于{item.f['title']}的答复.docx"[:200]

    def write_documents(self) -> int:
        replies = (
            Reply.objects.filter(pk__gte=self.first_reply, kind=Reply.Kind.ANSWER)
            .exclude(document="")
            .select_related("assignment__unit", "assignment__suggestion__lead", "assignment__motion__lead")
        )
        base = _document_template()
        made = 0
        for reply in replies:
            item = reply.assignment.suggestion or reply.assignment.motion
            day = timezone.localtime(reply.created_at).date()
            values = {
                "TITLE": f"关于《{item.title}》的答复",
                "GREETING": f"{item.lead.name}代表：" if item.lead else "各位代表：",
                "TEXT": reply.text,
                "CLASS": f"答复类别：{CLASS_NAMES[reply.answer_class]}",
                "UNIT": reply.assignment.unit.name,
                "DATE": f"{day.year}年{day.month}月{day.day}日",
            }
            name = default_storage.save(reply.document.name, ContentFile(base.fill(values)))
            if name != reply.document.name:
                Reply.objects.filter(pk=reply.pk).update(document=name)
            made += 1
        return made


class _Docx:
    """A .docx made once by python-docx with placeholders, filled by replacing them in its XML (much
    faster than building a document per reply)."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.parts = [(info, z.read(info.filename)) for info in z.infolist()]

    def fill(self, values: dict) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for info, data in self.parts:
                if info.filename == "word/document.xml":
                    xml = data.decode()
                    for key, value in values.items():
                        xml = xml.replace("{{" + key + "}}", escape(value))
                    z.writestr(info.filename, xml.encode(), compress_type=zipfile.ZIP_DEFLATED)
                else:  # the unchanged parts stored as they are (compressing them again is most of the time)
                    z.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
        return out.getvalue()


def _document_template() -> _Docx:
    import docx

    document = docx.Document()
    document.add_heading("{{TITLE}}", level=1)
    for key in ("GREETING", "TEXT", "CLASS", "UNIT", "DATE"):
        document.add_paragraph("{{" + key + "}}")
    buffer = io.BytesIO()
    document.save(buffer)
    return _Docx(buffer.getvalue())


CLASS_NAMES = {
    "A": "A类（问题已解决或建议已采纳）",
    "B": "B类（正在解决或列入计划）",
    "C": "C类（因条件限制暂时难以解决）",
}


class DemoProposals:
    def __init__(self, cmd):
        self.cmd = cmd
        self.now = cmd.now
        self.now_ts = int(cmd.now.timestamp())
        self.rng = cmd.rng("proposals")
        self.users = {u.username: u for u in User.objects.filter(username__in=OFFICER_USERNAMES)}
        self.deputy_person = (
            Role.objects.filter(user=self.users["deputy"], kind=Role.Kind.DEPUTY).values_list("person_id", flat=True)
        )[0]
        self.staff_picker = Picker(cmd.rng("proposal-staff"))
        self.made_users = 0
        self.county = cmd.counties[0]  # 青岚县
        self.town = cmd.townships[self.county.pk][0]  # 城关镇
        self.regions = [cmd.prefecture, *cmd.counties, *cmd.all_townships]
        self.categories = self._categories()
        first = Session.objects.filter(term__in=[cmd.term[r.pk] for r in self.regions]).order_by("start_date").first()
        home = {cmd.congress[self.county.pk].pk, cmd.congress[self.town.pk].pk}
        self.writer = DemoWriter(
            cmd, rng=self.rng, first_day=first.start_date - datetime.timedelta(days=40), now=cmd.now,
            documents_for=home,
        )  # fmt: skip
        self.writer.load_sequences([cmd.term[r.pk].pk for r in self.regions])

    # --- accounts --------------------------------------------------------------------------------------
    def _staff_user(self, username: str, kind: str, **scope) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=self.staff_picker.name(self.staff_picker.gender()))
            user.set_unusable_password()
            user.save()
            Role.objects.create(user=user, kind=kind, **scope)
            self.made_users += 1
        return user

    def officer(self, region) -> int:
        named = {self.cmd.prefecture.pk: "city_officer", self.county.pk: "county_officer", self.town.pk: "town_officer"}
        if region.pk in named:
            return self.users[named[region.pk]].pk
        return self._staff_user(f"demo-office-{region.code}", Role.Kind.LIAISON_OFFICER, region=region).pk

    def leader(self, region) -> int | None:
        if region.pk == self.cmd.prefecture.pk:
            return self.users["leader"].pk
        if region.level == Level.TOWNSHIP:
            return None
        return self._staff_user(f"demo-leader-{region.code}", Role.Kind.LEADERSHIP, region=region).pk

    def unit_user(self, unit: HandlingUnit) -> int:
        staff = self.users["unit_staff"]
        if any(r.kind == Role.Kind.HANDLING_UNIT and r.unit_id == unit.pk for r in staff.active_roles()):
            return staff.pk
        return self._staff_user(f"demo-unit-{unit.pk}", Role.Kind.HANDLING_UNIT, unit=unit).pk

    def _categories(self) -> dict[str, int]:
        found = dict(Category.objects.filter(region__isnull=True).values_list("code", "id"))
        for i, (code, name) in enumerate(CATEGORIES):
            if code not in found:
                found[code] = Category.objects.create(code=code, name=name, sort=(i + 1) * 10).pk
        return found

    # --- congresses ------------------------------------------------------------------------------------
    def context(self, region) -> Ctx:
        cmd = self.cmd
        congress, term = cmd.congress[region.pk], cmd.term[region.pk]
        sessions = [
            Sitting(*sitting_times(s.pk, s.number, s.start_date, s.end_date, s.motion_deadline))
            for s in Session.objects.filter(term=term).order_by("number")
        ]
        deputy_user = self.users["deputy"].pk
        deputies = [
            Deputy(pk, person, name, delegation, deputy_user if person == self.deputy_person else None)
            for pk, person, name, delegation in Mandate.objects.filter(
                congress=congress, term=term, status=Mandate.Status.SERVING
            )
            .order_by("id")
            .values_list("id", "person_id", "person_name", "delegation_id")
        ]
        units: dict[str, int] = {}
        unit_names: dict[int, str] = {}
        unit_users: dict[int, int] = {}
        for unit in HandlingUnit.objects.filter(region=region, is_active=True).order_by("id"):
            suffix = unit.name[len(region.name) :]
            units[suffix] = unit.pk
            if unit.kind == HandlingUnit.Kind.GOVERNMENT:
                units[""] = unit.pk
            unit_names[unit.pk] = unit.name
            unit_users[unit.pk] = self.unit_user(unit)
        organs = list(Organ.objects.filter(congress=congress))
        K = Organ.Kind
        prefix = f"{region.name}人民代表大会"
        committees = {o.name.removeprefix(prefix): o.pk for o in organs if o.kind == K.SPECIAL_COMMITTEE}
        if region.level != Level.TOWNSHIP and not committees:
            organ, _ = Organ.objects.get_or_create(
                congress=congress, name=f"{prefix}社会建设委员会", defaults={"kind": K.SPECIAL_COMMITTEE}
            )
            committees = {"社会建设委员会": organ.pk}
        kind = K.PRESIDIUM if region.level == Level.TOWNSHIP else K.STANDING_COMMITTEE
        assigning = next((o for o in organs if o.kind == kind), None)
        working = [o.name for o in organs if o.kind == K.WORKING_BODY]
        office = next((n for n in working if "代表" in n), None) or next(iter(working), f"{region.name}人大办")
        if region.level == Level.TOWNSHIP:
            places = [v.name for v in cmd.villages[region.pk]]
        elif region.level == Level.COUNTY:
            places = [t.name for t in cmd.townships[region.pk]]
        else:
            places = [c.name for c in cmd.counties]
        delegations = list(congress.delegations.order_by("id").values_list("id", "name"))
        return Ctx(
            id=congress.pk,
            level=region.level,
            region=region.name,
            path=region.path,
            term_id=term.pk,
            threshold=congress.motion_threshold,
            sessions=sessions,
            deputies=deputies,
            places=places,
            units=units,
            unit_names=unit_names,
            assigning_organ=assigning.pk if assigning else None,
            assigning_name=assigning.name if assigning else "",
            committees=committees,
            office=office,
            delegations=delegations,
            office_user=self.officer(region),
            leader_user=self.leader(region),
            unit_users=unit_users,
            categories=self.categories,
            term_start=(term.start_date - EPOCH).days * DAY - BEIJING + OPENS,
        )

    # --- the load -------------------------------------------------------------------------------------
    def build(self) -> tuple[int, int, int]:
        w = self.writer
        for region in self.regions:
            ctx = self.context(region)
            for s in ctx.sessions:
                s.assign_day = w.local_day(w.office(s.end, self.rng.uniform(15, 35)))
            items = self.natural(ctx)
            if region.pk == self.county.pk:
                items += self.featured_county(ctx)
            elif region.pk == self.town.pk:
                items += self.featured_town(ctx)
            elif region.pk == self.cmd.prefecture.pk:
                items += self.featured_prefecture(ctx)
            w.write(items)
        w.finish()
        w.save_sequences()
        documents = w.write_documents()
        taken_up = self.opinions_taken_up()
        counts = w.counts
        for model in MODELS:
            if counts[model]:
                self.cmd.record_load(model._meta.label, counts[model], MARK)
        if self.made_users:
            self.cmd.record_load("accounts.User", self.made_users, "demo: staff of offices and handling units")
        if taken_up:
            self.cmd.record_load("opinions.Event", taken_up, "demo: opinions taken up in suggestions")
        self.cmd.record_load("proposals.Reply", documents, "demo: reply documents")
        path = self.cmd.prefecture.path
        states = sum(
            len(set(model.objects.filter(region_path__startswith=path).values_list("status", flat=True)))
            for model in (Suggestion, Motion)
        )
        return counts[Suggestion], counts[Motion], states

    def opinions_taken_up(self) -> int:
        """The step the opinions' timelines get when a suggestion that takes them up is submitted
        (opinions.services.opinion_taken_up, written here at the submission's time): public, so the
        citizen's tracking page tells it."""
        links = Suggestion.opinions.through.objects.filter(
            suggestion__region_path__startswith=self.cmd.prefecture.path, suggestion__submitted_at__isnull=False
        ).select_related("suggestion__lead", "opinion")
        loader = Loader(OpinionEvent, timer=self.cmd.timer, now=self.now)
        users = dict(Role.objects.filter(kind=Role.Kind.DEPUTY).values_list("person_id", "user_id"))
        for link in links:
            suggestion, opinion = link.suggestion, link.opinion
            loader.add(
                opinion_id=opinion.pk,
                at=suggestion.submitted_at,
                actor_id=users.get(suggestion.lead_id),
                actor_label=suggestion.lead.name,
                action="taken_up",
                from_status=opinion.status,
                to_status=opinion.status,
                public=True,
                data={"suggestion": suggestion.pk},
            )
        loader.finish()
        return loader.count

    def held(self, ctx: Ctx) -> tuple[Sitting | None, Sitting | None, Sitting | None]:
        """The last session, the current one (the latest that has begun) and the next one."""
        held = [s for s in ctx.sessions if s.start <= self.now_ts]
        upcoming = next((s for s in ctx.sessions if s.start > self.now_ts), None)
        current = held[-1] if held else None
        last = held[-2] if len(held) > 1 else None
        return last, current, upcoming

    def lead(self, ctx: Ctx) -> Deputy:
        return ctx.deputies[int(len(ctx.deputies) * self.rng.random() ** 1.5)]

    def natural(self, ctx: Ctx) -> list[Item]:
        """Items drawn through their whole life and cut at now."""
        w, rng = self.writer, self.rng
        per_session, per_interval, motions = NATURAL[ctx.level]
        last, current, upcoming = self.held(ctx)
        items: list[Item] = []
        for session in (last, current):
            if session is None:
                continue
            for _ in range(motions):
                m = w.motion(ctx, session=session)
                items.append(m)
                if m.suggestion is not None:
                    items.append(m.suggestion)
            for _ in range(per_session):
                t0 = session.start + int(rng.random() * max(HOUR, session.end - session.start - 3 * HOUR))
                items.append(w.suggestion(ctx, t0=min(t0, self.now_ts - HOUR), session=session, lead=self.lead(ctx)))
        # between the last and the current session, and since the current one
        intervals = interim_windows([s for s in ctx.sessions if s in (last, current, upcoming)], self.now_ts)
        for start, end in intervals[-2:]:
            for _ in range(per_interval):
                t0 = w.office(start + int(rng.random() * max(DAY, end - start)), 0)
                if t0 >= min(end + 3 * DAY, self.now_ts):
                    t0 = end - int(rng.uniform(1, 48) * HOUR)
                items.append(w.suggestion(ctx, t0=t0, session=None, lead=self.lead(ctx)))
        if upcoming:
            for _ in range(motions):
                items.append(w.motion(ctx, session=upcoming))
        return items

    # --- items stopped in a chosen state ----------------------------------------------------------------
    def placed(self, anchor: str, days_ago: float, make) -> Item:
        """Draw an item with make(t0) so that its step `anchor` falls `days_ago` days before now (the
        steps before it take the time they take, so the item is drawn again from an earlier or later
        start until it fits)."""
        w = self.writer
        target = self.now_ts - int(days_ago * DAY)
        t0 = target - GUESS[anchor] * DAY
        saved = w.snapshot()
        item = None
        best = None  # (distance, start) of the closest draw whose step has happened by now
        for _ in range(6):
            item = make(t0)
            times = [e[0] for e in item.life.events if e[3] == anchor]
            at = times[0] if times else None
            if at is not None and abs(at - target) < 12 * HOUR:
                return item
            if at is not None and at <= self.now_ts and (best is None or abs(at - target) < best[0]):
                best = (abs(at - target), t0)
            w.restore(saved)
            t0 = t0 - 10 * DAY if at is None else t0 + (target - at)
        # None fitted within half a day (steps fall on working days and hours: at some hours of the
        # day a target on a weekend is never reached): the closest draw whose step has happened.
        return make(best[1] if best is not None else t0)

    def others(self, ctx: Ctx, n: int, *exclude: Deputy) -> list[Deputy]:
        skip = {d.person_id for d in exclude} | {self.deputy_person}
        pool = [d for d in ctx.deputies if d.person_id not in skip]
        return self.rng.sample(pool, n)

    def me(self, ctx: Ctx) -> Deputy:
        return next(d for d in ctx.deputies if d.person_id == self.deputy_person)

    def suggestion_at(self, ctx, anchor, days_ago, *, lead, fate: Fate, opinions=()) -> Item:
        if fate.late is None:  # the reply, when the item gets that far, comes in time
            fate.late = ""
        if fate.declined is None:  # the deputies asked to co-sign do
            fate.declined = 0
        return self.placed(
            anchor,
            days_ago,
            lambda t0: self.writer.suggestion(ctx, t0=t0, session=None, lead=lead, fate=fate, opinions=opinions),
        )

    def featured_county(self, ctx: Ctx) -> list[Item]:
        """青岚县: the deputy's county congress, county_officer's office, unit_staff's 教育局."""
        me = self.me(ctx)
        edu, hr = ctx.units["教育局"], ctx.units["人力资源和社会保障局"]
        school = next(i for i, t in enumerate(UPPER) if t.key == "school-places")
        teachers = next(i for i, t in enumerate(UPPER) if t.key == "rural-teachers")
        other = [i for i, t in enumerate(UPPER) if t.dept not in ("教育局", "人民政府")]
        opinions = list(
            Opinion.objects.filter(
                idempotency_key__startswith="demo:",
                region_path__startswith=self.county.path,
                category__code="education",
            )
            .order_by("idempotency_key")
            .values_list("pk", flat=True)[:3]
        )
        a, b, c, d, e = self.others(ctx, 5)
        at = self.suggestion_at
        edu_fate = {"lead_unit": edu, "co_units": [], "template": school}
        items = [
            # drafts: the deputy's own, and two the deputy is asked to co-sign
            at(ctx, "create", 2, lead=me, fate=Fate(stop="draft", cosigners=[a, b], invited=1, template=teachers)),
            at(ctx, "create", 1, lead=c, fate=Fate(stop="draft", cosigners=[me, d], invited=2, template=other[0])),
            # submitted, waiting for the office; registered, waiting for assignment; refused
            at(ctx, "submit", 2, lead=a, fate=Fate(stop="submitted", cosigners=[me], template=other[1])),
            at(ctx, "submit", 5, lead=e, fate=Fate(stop="submitted", template=other[2])),
            at(ctx, "register", 4, lead=b, fate=Fate(stop="registered", cosigners=[c], template=other[3])),
            at(ctx, "register", 9, lead=d, fate=Fate(stop="registered", template=school)),
            at(ctx, "refuse", 12, lead=me, fate=Fate(refusal="personal")),
            at(ctx, "refuse", 25, lead=c, fate=Fate(refusal="complaint")),
            # 教育局's queue: new, in time (one with a co-unit), a request for more time waiting, overdue
            at(ctx, "assign", 3, lead=a, fate=Fate(stop="assigned", unit_pending=True, **edu_fate)),
            at(ctx, "assign", 26, lead=b, opinions=tuple(opinions), fate=Fate(
                stop="assigned", late="", cosigners=[me, c], lead_unit=edu, co_units=[hr], template=teachers)),
            at(ctx, "assign", 80, lead=d, fate=Fate(stop="assigned", late="", extension="pending", **edu_fate)),
            at(ctx, "assign", 115, lead=e, fate=Fate(stop="assigned", late="stuck", **edu_fate)),
            at(ctx, "assign", 200, lead=c, fate=Fate(stop="assigned", late="stuck", extension="approved", **edu_fate)),
            at(ctx, "assign", 40, lead=me, fate=Fate(stop="assigned", late="", returned=True, template=other[4])),
            # replies the deputy has to rate (as a co-signer who confirmed: declined=0, whatever the draws)
            at(ctx, "reply", 6, lead=me, fate=Fate(
                stop="replied", cosigners=[a], answer_class="B", unrated=frozenset({self.deputy_person}), **edu_fate)),
            at(ctx, "reply", 4, lead=d, fate=Fate(
                stop="replied", cosigners=[me], declined=0, answer_class="A", unrated=frozenset({self.deputy_person}),
                template=other[5])),
            # rated: sent back for re-handling; evaluated; closed after re-handling; closed with commitments
            at(ctx, "re_handling", 8, lead=a, fate=Fate(stop="re_handling", ratings=("dissatisfied",), **edu_fate)),
            at(ctx, "evaluated", 15, lead=b, fate=Fate(stop="evaluated", answer_class="C", template=other[6])),
            at(ctx, "close", 30, lead=me, fate=Fate(
                stop="closed", ratings=("dissatisfied",), ratings2=("basically",), template=teachers, lead_unit=edu)),
            at(ctx, "close", 50, lead=e, fate=Fate(stop="closed", answer_class="B", template=other[7])),
            at(ctx, "close", 70, lead=c, fate=Fate(stop="closed", extension="refused", late="", template=other[8])),
            # key supervision by a special committee; published with the deputies' consent
            at(ctx, "assign", 45, lead=d, fate=Fate(stop="assigned", late="", key_supervision=True, template=other[9])),
            at(ctx, "close", 60, lead=a, fate=Fate(stop="closed", key_supervision=True, publish=True, **edu_fate)),
            at(ctx, "close", 90, lead=b, fate=Fate(stop="closed", publish=True, template=other[10])),
            at(ctx, "evaluated", 20, lead=e, fate=Fate(stop="evaluated", publish=True, template=other[11])),
        ]  # fmt: skip
        items += self.featured_motions(ctx, me, edu)
        return items

    def featured_motions(self, ctx: Ctx, me: Deputy, edu: int) -> list[Item]:
        w = self.writer
        last, current, upcoming = self.held(ctx)
        nxt = upcoming or current
        need = ctx.threshold
        pool = self.others(ctx, need + 12)
        motions = [
            w.motion(ctx, session=nxt, lead=me, fate=Fate(stop="draft")),
            w.motion(ctx, session=nxt, lead=pool[0], t0=self.now_ts - 3 * DAY,
                     fate=Fate(stop="collecting", cosigners=[*pool[1:4], me], invited=2)),
            w.motion(ctx, session=nxt, lead=me, fate=Fate(stop="collecting", cosigners=pool[4:9], invited=2),
                     t0=self.now_ts - 5 * DAY),
            w.motion(ctx, session=nxt, lead=pool[1], fate=Fate(stop="submitted", cosigners=pool[2 : need + 3],
                     declined=1), t0=self.now_ts - 14 * DAY),
            w.motion(ctx, session=nxt, lead=pool[2], fate=Fate(decision="withdraw", cosigners=pool[3:6]),
                     t0=self.now_ts - 12 * DAY),
            w.motion(ctx, session=current, lead=pool[3], fate=Fate(stop="under_review", cosigners=pool[4 : need + 4])),
            w.motion(ctx, session=current, lead=pool[4], fate=Fate(stop="accepted", decision="accept",
                     cosigners=pool[5 : need + 5])),
            w.motion(ctx, session=current, lead=me, fate=Fate(decision="convert", cosigners=pool[:need],
                     then=Fate(stop="replied", unrated=frozenset({self.deputy_person}), late=""))),
            w.motion(ctx, session=current, lead=pool[5], fate=Fate(decision="withdraw_consented",
                     cosigners=pool[6 : need + 6])),
            w.motion(ctx, session=current, lead=pool[6], fate=Fate(stop="assigned", decision="accept", lead_unit=edu,
                     co_units=[], cosigners=[me, *pool[7 : need + 6]])),
            w.motion(ctx, session=current, lead=pool[7], fate=Fate(stop="replied", decision="accept", late="",
                     cosigners=pool[8 : need + 8])),
            w.motion(ctx, session=current,
                     fate=Fate(proposer="delegation", decision="accept", stop="replied", late="")),
        ]  # fmt: skip
        if last is not None:
            motions += [
                w.motion(ctx, session=last, lead=pool[8], fate=Fate(decision="accept", late="", stop="reported",
                         cosigners=pool[9 : need + 9])),
                w.motion(ctx, session=last, fate=Fate(proposer="presidium", decision="accept", late="")),
                w.motion(ctx, session=last, lead=pool[9], fate=Fate(decision="convert", cosigners=pool[10 : need + 10],
                         then=Fate(stop="closed", late=""))),
            ]  # fmt: skip
        items = []
        for m in motions:
            items.append(m)
            if m.suggestion is not None:
                items.append(m.suggestion)
        return items

    def featured_town(self, ctx: Ctx) -> list[Item]:
        """城关镇: the deputy's township congress, town_officer's office (the township government answers)."""
        me = self.me(ctx)
        a, b, c = self.others(ctx, 3)
        at = self.suggestion_at
        items = [
            at(ctx, "create", 1, lead=a, fate=Fate(stop="draft", cosigners=[me], invited=1)),
            at(ctx, "submit", 3, lead=me, fate=Fate(stop="submitted", cosigners=[b])),
            at(ctx, "assign", 20, lead=b, fate=Fate(stop="assigned", late="", cosigners=[me])),
            at(ctx, "assign", 100, lead=c, fate=Fate(stop="assigned", late="stuck")),
            at(ctx, "reply", 3, lead=c,
               fate=Fate(stop="replied", cosigners=[me], declined=0, unrated=frozenset({self.deputy_person}))),
            at(ctx, "close", 40, lead=me, fate=Fate(stop="closed", publish=True)),
        ]  # fmt: skip
        last, current, upcoming = self.held(ctx)
        pool = self.others(ctx, ctx.threshold + 2, a, b, c)
        items.append(
            self.writer.motion(
                ctx, session=upcoming or current, lead=pool[0], t0=self.now_ts - 2 * DAY,
                fate=Fate(stop="collecting", cosigners=[*pool[1:3], me], invited=1),
            )
        )  # fmt: skip
        return items

    def featured_prefecture(self, ctx: Ctx) -> list[Item]:
        """The prefecture: key supervision chosen by the leadership (the `leader` account) and followed by a
        special committee, a suggestion taken up from citizens' opinions."""
        health = next(i for i, t in enumerate(UPPER) if t.key == "county-hospital")
        farmland = next(i for i, t in enumerate(UPPER) if t.key == "farmland")
        opinions = tuple(
            Opinion.objects.filter(
                idempotency_key__startswith="demo:",
                region_path__startswith=self.cmd.prefecture.path,
                category__code="health",
            )
            .order_by("idempotency_key")
            .values_list("pk", flat=True)[:2]
        )
        a, b, c = self.others(ctx, 3)
        at = self.suggestion_at
        return [
            at(ctx, "assign", 50, lead=a, opinions=opinions,
               fate=Fate(stop="assigned", late="", key_supervision=True, template=health)),
            at(ctx, "close", 45, lead=b, fate=Fate(stop="closed", key_supervision=True, template=farmland)),
            at(ctx, "reply", 10, lead=c, fate=Fate(stop="replied", key_supervision=True, template=health)),
        ]  # fmt: skip
