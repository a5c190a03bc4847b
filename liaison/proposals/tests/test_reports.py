"""Handling reports of suggestions and motions: the figures on a hand-built year of handling (on time
and late, an approved and a refused extension, the reply date in Asia/Shanghai against the deadline,
a re-handling, a withdrawn and a returned assignment, A/B/C shares, ratings that stand), the scope
(another county's units never appear; a unit's staff see their own row), the per-organ table, the
periods (years, a session, dates) and bad periods, the page, the .xlsx and the .docx, and a number
of queries that does not grow with the data.

The rows are written with the ORM the way the services leave them (the services refuse dates of
assignment more than a month ago, so a past year cannot be made through them): a suggestion assigned
on a day has `assigned_on`, `deadline` and `deadline_cap` from the deadline rules; each handling round
has its lead and co assignments; a reply sets the assignment's `replied_at` and status and, for the
lead unit, the suggestion's `replied_at`, `answer_class` and status; an approved extension moves the
assignment's and the suggestion's deadline; a lead unit's return clears the suggestion's dates until
it is assigned again; a re-handling adds round-2 assignments for the same units and moves the
suggestion's `assigned_on` and deadlines to the re-handling's."""

import datetime
import io
import zoneinfo
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.core import deadlines
from liaison.core.models import AuditLog
from liaison.proposals import reports
from liaison.proposals.models import (
    Assignment,
    Commitment,
    Evaluation,
    Extension,
    Motion,
    Reply,
    Signer,
    Suggestion,
)
from liaison.regions.models import Organ, Session
from liaison.regions.services import unit_create
from liaison.stations.tests.conftest import make_deputy

pytestmark = pytest.mark.django_db
URL = "/work/proposals/reports/"
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = 2025
PERIOD = reports.period_of_year(YEAR)
TODAY = datetime.date(2026, 12, 1)  # every deadline of the data has passed by then
D = datetime.date


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of a day in Beijing time."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


class Builder:
    """Rows as the workflow leaves them (see the module's docstring)."""

    def __init__(self, world, deputies):
        self.w = world
        self.deputies = deputies
        self.n = 0

    def suggestion(self, *, region="county", assigned_on, organ=None, signers=None, **extra) -> Suggestion:
        self.n += 1
        congress, term = self.w.congresses[region], self.w.terms[region]
        signers = signers or [self.deputies[region][0]]
        s = Suggestion.objects.create(
            congress=congress,
            term=term,
            region_path=congress.region.path,
            number=self.n,
            status=Suggestion.Status.ASSIGNED,
            lead=signers[0],
            title=f"建议{self.n}",
            text="关于改善农村道路的建议。",
            assigning_organ=organ,
            assigned_on=assigned_on,
            deadline=deadlines.add_months(assigned_on, 3),
            deadline_cap=deadlines.add_months(assigned_on, 6),
            submitted_at=at(assigned_on - datetime.timedelta(days=20)),
            registered_at=at(assigned_on - datetime.timedelta(days=10)),
            **extra,
        )
        for i, person in enumerate(signers):
            Signer.objects.create(
                suggestion=s,
                person=person,
                mandate=person.mandates.first(),
                is_lead=i == 0,
                status=Signer.Status.CONFIRMED,
            )
        return s

    def assign(self, item, unit, *, role="lead", round=1, assigned_on=None, status="accepted", deadline=None):
        assigned_on = assigned_on or item.assigned_on
        field = "suggestion" if isinstance(item, Suggestion) else "motion"
        return Assignment.objects.create(
            **{field: item},
            unit=unit,
            role=role,
            round=round,
            status=status,
            assigned_on=assigned_on,
            deadline=deadline
            or (item.deadline if isinstance(item, Suggestion) else deadlines.add_months(assigned_on, 3)),
            accepted_at=at(assigned_on + datetime.timedelta(days=2)),
        )

    def reply(self, assignment, when: datetime.datetime, answer_class="A", *, commitment=None):
        kind = Reply.Kind.ANSWER if assignment.role == "lead" else Reply.Kind.CO_OPINION
        reply = Reply.objects.create(
            assignment=assignment,
            kind=kind,
            answer_class=answer_class if kind == Reply.Kind.ANSWER else "",
            text="答复意见",
        )
        Assignment.objects.filter(pk=assignment.pk).update(status="replied", replied_at=when)
        assignment.refresh_from_db()
        if kind == Reply.Kind.ANSWER and assignment.suggestion_id:
            Suggestion.objects.filter(pk=assignment.suggestion_id).update(
                status=Suggestion.Status.REPLIED, replied_at=when, answer_class=answer_class
            )
        if commitment is not None:
            Commitment.objects.create(reply=reply, text="明年完成改造", due=D(YEAR + 1, 6, 30), **commitment)
        return reply

    def extension(self, assignment, new_deadline, *, approved: bool):
        ext = Extension.objects.create(
            assignment=assignment,
            requested_deadline=new_deadline,
            reason="涉及面广，需要更多时间",
            status=Extension.Status.APPROVED if approved else Extension.Status.REFUSED,
        )
        if approved:
            Assignment.objects.filter(pk=assignment.pk).update(deadline=new_deadline)
            if assignment.suggestion_id:
                Suggestion.objects.filter(pk=assignment.suggestion_id).update(deadline=new_deadline)
            assignment.refresh_from_db()
        return ext

    def rate(self, suggestion, person, satisfaction, *, round=1):
        Evaluation.objects.create(suggestion=suggestion, person=person, round=round, satisfaction=satisfaction)

    def rehandle(self, suggestion, on: datetime.date, units):
        """A dissatisfied rating sent it back: round 2 for the same units, one month from `on`."""
        deadline = deadlines.add_months(on, 1)
        Suggestion.objects.filter(pk=suggestion.pk).update(
            status=Suggestion.Status.RE_HANDLING,
            round=2,
            assigned_on=on,
            deadline=deadline,
            deadline_cap=deadlines.add_months(on, 6),
        )
        suggestion.refresh_from_db()
        return [
            self.assign(suggestion, unit, role=role, round=2, assigned_on=on, deadline=deadline) for unit, role in units
        ]

    def evaluated(self, suggestion):
        Suggestion.objects.filter(pk=suggestion.pk).update(status=Suggestion.Status.EVALUATED)


@pytest.fixture
def data(world):
    """A year (2025) of the county's suggestions; the figures each test expects are worked out here."""
    w = world
    county = w.congresses["county"]
    zhang, li = make_deputy(w, "county", "张代表"), make_deputy(w, "county", "李代表")
    deputies = {
        "county": [zhang, li],
        "other_county": [make_deputy(w, "other_county", "赵代表")],
        "county2": [make_deputy(w, "county2", "钱代表")],
    }
    b = Builder(w, deputies)
    edu, gov = w.units["county_edu"], w.units["county_gov"]
    water = unit_create(actor=None, region=w.regions["county"], name="甲一县水利局", kind="department")
    other_edu = w.units["other_edu"]
    county2_unit = unit_create(actor=None, region=w.regions["county2"], name="甲二县交通局", kind="department")
    works = Organ.objects.create(congress=county, kind=Organ.Kind.WORKING_BODY, name="县人大常委会代表工作委员会")
    office = Organ.objects.create(congress=county, kind=Organ.Kind.WORKING_BODY, name="县人大常委会办公室")
    committee = Organ.objects.create(congress=county, kind=Organ.Kind.SPECIAL_COMMITTEE, name="县人大社会建设委员会")
    term = w.terms["county"]
    session4 = Session.objects.create(term=term, number=4, start_date=D(2025, 1, 8), end_date=D(2025, 1, 11))
    session5 = Session.objects.create(term=term, number=5, start_date=D(2026, 1, 7), end_date=D(2026, 1, 10))

    # S1 — edu replies early, class A; rated satisfied and basically satisfied.
    s1 = b.suggestion(assigned_on=D(YEAR, 2, 10), organ=works, signers=[zhang, li])
    b.reply(b.assign(s1, edu), at(D(YEAR, 4, 20)), "A")
    b.rate(s1, zhang, "satisfied")
    b.rate(s1, li, "basically")
    b.evaluated(s1)

    # S2 — key supervision; edu asks for more time (approved), replies after the first deadline but
    # before the new one: on time; class B with an open commitment; rated basically satisfied.
    s2 = b.suggestion(assigned_on=D(YEAR, 3, 3), organ=works, key_supervision=True, supervising_organ=committee)
    a2 = b.assign(s2, edu)
    first_deadline = a2.deadline
    b.extension(a2, D(YEAR, 8, 1), approved=True)
    b.reply(a2, at(first_deadline + datetime.timedelta(days=20)), "B", commitment={})
    b.rate(s2, zhang, "basically")
    b.evaluated(s2)

    # S3 — edu's extension refused; a late class C reply; rated dissatisfied, handled again (round 2):
    # a class B reply with a fulfilled commitment, rated dissatisfied again (the limit of one
    # re-handling reached, the rating stands).
    s3 = b.suggestion(assigned_on=D(YEAR, 3, 3), organ=works)
    a3 = b.assign(s3, edu)
    b.extension(a3, D(YEAR, 8, 1), approved=False)
    b.reply(a3, at(a3.deadline + datetime.timedelta(days=17)), "C")
    b.rate(s3, zhang, "dissatisfied")
    (a3b,) = b.rehandle(s3, D(YEAR, 7, 1), [(edu, "lead")])
    b.reply(a3b, at(D(YEAR, 7, 25)), "B", commitment={"fulfilled_at": at(D(YEAR, 10, 1))})
    b.rate(s3, zhang, "dissatisfied", round=2)
    b.evaluated(s3)

    # S4 — gov leads (still handling: overdue now), edu co-unit sent its opinion.
    s4 = b.suggestion(assigned_on=D(YEAR, 4, 1), organ=works)
    b.assign(s4, gov)
    b.reply(b.assign(s4, edu, role="co"), at(D(YEAR, 5, 1)))

    # S5 — gov sent it back; water took it over and has not replied (overdue now).
    s5 = b.suggestion(assigned_on=D(YEAR, 5, 6), organ=works)
    b.assign(s5, gov, status="returned")
    Suggestion.objects.filter(pk=s5.pk).update(
        assigned_on=D(YEAR, 5, 12), deadline=deadlines.add_months(D(YEAR, 5, 12), 3)
    )
    s5.refresh_from_db()
    b.assign(s5, water, status="pending")

    # S6 — assigned to edu, withdrawn by the organ, given to gov, which replies on time, class A.
    s6 = b.suggestion(assigned_on=D(YEAR, 6, 2), organ=works)
    b.assign(s6, edu, status="withdrawn")
    b.reply(b.assign(s6, gov, assigned_on=D(YEAR, 6, 5)), at(D(YEAR, 8, 1)), "A")
    b.rate(s6, zhang, "satisfied")
    b.evaluated(s6)

    # S7 — assigned by the office on 30 December; edu replies at 23:30 Beijing time on the deadline
    # (15:30 UTC): on time. S8 — gov replies at 00:30 Beijing time the day after (16:30 UTC the day
    # before, the deadline's date in UTC): late.
    s7 = b.suggestion(assigned_on=D(YEAR, 12, 30), organ=office)
    a7 = b.assign(s7, edu)
    b.reply(a7, at(a7.deadline, 23, 30), "A")
    s8 = b.suggestion(assigned_on=D(YEAR, 12, 30), organ=office)
    a8 = b.assign(s8, gov)
    b.reply(a8, at(a8.deadline + datetime.timedelta(days=1), 0, 30), "C")

    # Outside: assigned the year before; another county's; a county of the same prefecture.
    b.reply(b.assign(b.suggestion(assigned_on=D(YEAR - 1, 12, 20)), edu), at(D(YEAR, 1, 15)), "A")
    s10 = b.suggestion(region="other_county", assigned_on=D(YEAR, 3, 1))
    b.reply(b.assign(s10, other_edu), at(D(YEAR, 4, 1)), "A")
    s12 = b.suggestion(region="county2", assigned_on=D(YEAR, 5, 1))
    b.reply(b.assign(s12, county2_unit), at(D(YEAR, 6, 1)), "B")

    # A motion of the county congress, handled by gov: on time, class A.
    motion = Motion.objects.create(
        congress=county,
        term=term,
        session=session4,
        region_path=county.region.path,
        number=1,
        status=Motion.Status.ASSIGNED,
        title="关于加强农村饮水安全的议案",
        grounds="案据",
        plan="方案",
    )
    m_assignment = b.assign(motion, gov, assigned_on=D(YEAR, 2, 1))
    b.reply(m_assignment, at(D(YEAR, 3, 15)), "A")

    return SimpleNamespace(
        w=w,
        b=b,
        edu=edu,
        gov=gov,
        water=water,
        other_edu=other_edu,
        county2_unit=county2_unit,
        works=works,
        office=office,
        session4=session4,
        session5=session5,
        suggestions=[s1, s2, s3, s4, s5, s6, s7, s8],
        zhang=zhang,
        li=li,
    )


EDU = dict(
    assigned_lead=4,  # S1, S2, S3, S7 (S6 was withdrawn from it; S9 is of the year before)
    assigned_co=1,  # S4
    answered=4,
    on_time=3,  # S3 is late
    overdue=0,
    extensions_asked=2,
    extensions_approved=1,
    class_a=2,  # S1, S7
    class_b=2,  # S2, S3 (its latest reply)
    class_c=0,
    open_commitments=1,  # S2's
    satisfied=1,  # S1
    basically=2,  # S1, S2
    dissatisfied=1,  # S3's second round (the first round's rating no longer stands)
    rehandled=1,
)
GOV = dict(
    assigned_lead=3,  # S4, S6, S8 (S5 was sent back)
    assigned_co=0,
    answered=2,
    on_time=1,  # S6; S8 replied after midnight in Beijing
    overdue=1,  # S4
    extensions_asked=0,
    extensions_approved=0,
    class_a=1,
    class_b=0,
    class_c=1,
    open_commitments=0,
    satisfied=1,
    basically=0,
    dissatisfied=0,
    rehandled=0,
)
WATER = dict(
    assigned_lead=1,
    assigned_co=0,
    answered=0,
    on_time=0,
    overdue=1,
    extensions_asked=0,
    extensions_approved=0,
    class_a=0,
    class_b=0,
    class_c=0,
    open_commitments=0,
    satisfied=0,
    basically=0,
    dissatisfied=0,
    rehandled=0,
)


def figures(**values) -> reports.Figures:
    return reports.Figures(**values)


def by_name(report) -> dict[str, reports.Figures]:
    return {row.name: row.figures for row in report.rows}


def report(user, **kwargs):
    kwargs.setdefault("period", PERIOD)
    kwargs.setdefault("today", TODAY)
    return reports.handling_report(user=user, **kwargs)


# --- the figures -----------------------------------------------------------------------------------------


def test_per_unit_figures(data):
    r = report(data.w.users["officer"])
    assert by_name(r) == {
        "甲一县教育局": figures(**EDU),
        "甲一县人民政府": figures(**GOV),
        "甲一县水利局": figures(**WATER),
    }
    t = r.totals
    assert (t.assigned_lead, t.assigned_co, t.answered, t.on_time, t.overdue) == (8, 1, 6, 4, 2)
    assert (t.class_a, t.class_b, t.class_c, t.open_commitments, t.rehandled) == (3, 2, 1, 1, 1)
    assert (t.satisfied, t.basically, t.dissatisfied, t.rated) == (2, 2, 1, 5)
    assert t.satisfaction_rate == pytest.approx(0.8)
    assert t.on_time_rate == pytest.approx(4 / 6)
    assert (t.share_a, t.share_b, t.share_c) == (pytest.approx(0.5), pytest.approx(1 / 3), pytest.approx(1 / 6))
    edu = by_name(r)["甲一县教育局"]
    assert edu.on_time_rate == pytest.approx(0.75)
    assert edu.satisfaction_rate == pytest.approx(0.75)
    assert by_name(r)["甲一县水利局"].satisfaction_rate is None  # nothing rated: no rate, not 0 %
    assert [row.place for row in r.rows] == ["甲一县"] * 3


def test_on_time_follows_the_deadline_in_force(data):
    """S2's reply came after its first deadline and before the one its approved extension set (the
    approval moves the assignment's deadline): on time. Without the extension it would be late."""
    s2 = data.suggestions[1]
    assignment = Assignment.objects.get(suggestion=s2)
    assert assignment.deadline == D(YEAR, 8, 1)
    Extension.objects.filter(assignment=assignment).update(status="refused")
    Assignment.objects.filter(pk=assignment.pk).update(deadline=deadlines.add_months(s2.assigned_on, 3))
    assert by_name(report(data.w.users["officer"]))["甲一县教育局"].on_time == 2


def test_reply_dates_in_another_time_zone(data):
    """The reply's day is taken in the current time zone: SQLite's own date arithmetic for a zone with a
    fixed offset (Beijing), Django's function otherwise. In Berlin, S8's reply (16:30 UTC) is still on
    the deadline day, so it is on time."""
    assert reports._fixed_offset("Asia/Shanghai") == 8 * 3600
    assert reports._fixed_offset("Europe/Berlin") is None
    with timezone.override("Europe/Berlin"):
        r = report(data.w.users["officer"])
    assert by_name(r)["甲一县人民政府"].on_time == 2
    assert r.totals.on_time == 5


def test_overdue_now_depends_on_today(data):
    s4_deadline = Assignment.objects.get(suggestion=data.suggestions[3], role="lead").deadline
    before = report(data.w.users["officer"], today=s4_deadline)
    after = report(data.w.users["officer"], today=s4_deadline + datetime.timedelta(days=1))
    assert by_name(before)["甲一县人民政府"].overdue == 0
    assert by_name(after)["甲一县人民政府"].overdue == 1


def test_rehandling_stays_in_the_period_of_the_first_assignment(data):
    """S7 (assigned 30 December 2025) is sent back in 2026: the re-handling round belongs to 2025's
    report, where S7 was assigned, even though the suggestion's own date of assignment moves."""
    s7 = data.suggestions[6]
    Evaluation.objects.create(suggestion=s7, person=data.zhang, round=1, satisfaction="dissatisfied")
    (again,) = data.b.rehandle(s7, D(YEAR + 1, 5, 6), [(data.edu, "lead")])
    officer = data.w.users["officer"]
    edu = by_name(report(officer))["甲一县教育局"]
    assert (edu.assigned_lead, edu.answered, edu.rehandled, edu.overdue) == (4, 4, 2, 1)
    assert edu.class_a == 2  # S7's first reply (A) stands until the new round is answered
    assert report(officer, period=reports.period_of_year(YEAR + 1)).rows == []
    data.b.reply(again, at(D(YEAR + 1, 5, 20)), "C")
    edu = by_name(report(officer))["甲一县教育局"]
    assert (edu.class_a, edu.class_b, edu.class_c, edu.overdue) == (1, 2, 1, 0)


def test_per_organ_figures(data):
    r = report(data.w.users["officer"], by="organ")
    rows = by_name(r)
    assert set(rows) == {"县人大常委会代表工作委员会", "县人大常委会办公室"}
    works, office = rows["县人大常委会代表工作委员会"], rows["县人大常委会办公室"]
    assert (works.assigned_lead, works.assigned_co, works.answered, works.on_time, works.overdue) == (6, 1, 4, 3, 2)
    assert (works.class_a, works.class_b, works.class_c) == (2, 2, 0)
    assert (works.satisfied, works.basically, works.dissatisfied, works.rehandled) == (2, 2, 1, 1)
    assert (works.extensions_asked, works.extensions_approved, works.open_commitments) == (2, 1, 1)
    assert (office.assigned_lead, office.answered, office.on_time, office.class_a, office.class_c) == (2, 2, 1, 1, 1)
    assert r.totals == report(data.w.users["officer"]).totals


def test_motions(data):
    r = report(data.w.users["officer"], kind="motion")
    assert by_name(r) == {
        "甲一县人民政府": figures(
            **{**WATER, "assigned_lead": 1, "answered": 1, "on_time": 1, "overdue": 0, "class_a": 1}
        )
    }
    with pytest.raises(ValueError):
        report(data.w.users["officer"], kind="motion", by="organ")


# --- scope ------------------------------------------------------------------------------------------------


def test_another_countys_units_do_not_appear(data):
    names = set(by_name(report(data.w.users["officer"])))
    assert "乙一县教育局" not in names and "甲二县交通局" not in names
    assert set(by_name(report(data.w.users["other_officer"]))) == {"乙一县教育局"}
    # the prefecture's officer sees both of its counties
    assert set(by_name(report(data.w.users["pref_officer"]))) == {
        "甲一县教育局",
        "甲一县人民政府",
        "甲一县水利局",
        "甲二县交通局",
    }


def test_a_unit_sees_its_own_row_only(data):
    for by in ("unit", "organ"):
        officer = report(data.w.users["officer"], by=by)
        mine = report(data.w.users["unit"], by=by)
        if by == "unit":
            assert [row.name for row in mine.rows] == ["甲一县教育局"]
            assert mine.rows[0].figures == figures(**EDU)
        assert mine.totals == figures(**EDU)
        assert mine.totals != officer.totals


def test_leadership_and_region_filter(data):
    leader = report(data.w.users["leader"])
    assert leader.totals == report(data.w.users["officer"]).totals
    town = report(data.w.users["pref_officer"], region_path=data.w.regions["county2"].path)
    assert set(by_name(town)) == {"甲二县交通局"}


def test_session_period(data):
    period = reports.period_of_session(data.session4, today=TODAY)
    assert (period.date_from, period.date_to) == (D(2025, 1, 8), D(2026, 1, 6))
    r = report(data.w.users["pref_officer"], period=period)
    assert "甲二县交通局" not in by_name(r)  # the session is the county congress's
    assert r.totals.assigned_lead == 8
    latest = reports.period_of_session(data.session5, today=TODAY)
    assert (latest.date_from, latest.date_to) == (D(2026, 1, 7), TODAY)
    assert report(data.w.users["officer"], period=latest).rows == []


def test_lists_of_the_report(data):
    officer = data.w.users["officer"]
    overdue = list(reports.overdue_items(user=officer, kind="suggestion", period=PERIOD, today=TODAY))
    assert [a.suggestion.title for a in overdue] == ["建议4", "建议5"]
    rehandled = list(reports.rehandled_items(user=officer, kind="suggestion", period=PERIOD))
    assert [(a.suggestion.title, a.answer_class) for a in rehandled] == [("建议3", "B")]
    key = list(reports.key_supervision_items(user=officer, period=PERIOD))
    assert [(s.title, s.lead_unit, s.supervising_organ.name) for s in key] == [
        ("建议2", "甲一县教育局", "县人大社会建设委员会")
    ]
    assert list(reports.key_supervision_items(user=data.w.users["other_officer"], period=PERIOD)) == []
    edu_items = reports.unit_items(user=officer, kind="suggestion", period=PERIOD, unit_id=data.edu.pk)
    assert [(a.suggestion.title, a.role, a.round) for a in edu_items] == [
        ("建议1", "lead", 1),
        ("建议2", "lead", 1),
        ("建议3", "lead", 1),
        ("建议4", "co", 1),
        ("建议3", "lead", 2),
        ("建议7", "lead", 1),
    ]


# --- queries ----------------------------------------------------------------------------------------------


def test_queries_do_not_grow_with_the_data(data, django_assert_num_queries):
    officer = data.w.users["officer"]
    officer.active_roles()  # the roles are loaded once per request (cached on the user)
    with CaptureQueriesContext(connection) as before:
        first = report(officer)
        report(officer, by="organ")
    # twice the data: every suggestion again, with its assignments, extensions, replies and ratings
    b = data.b
    for s in data.suggestions:
        copy = b.suggestion(assigned_on=s.assigned_on, organ=data.works, signers=[data.zhang, data.li])
        a = b.assign(copy, data.edu)
        b.assign(copy, data.water, role="co")
        b.extension(a, a.deadline + datetime.timedelta(days=30), approved=True)
        b.reply(a, at(a.deadline), "B", commitment={})
        b.rate(copy, data.zhang, "satisfied")
        b.rate(copy, data.li, "dissatisfied")
    officer = type(officer).objects.get(pk=officer.pk)
    officer.active_roles()
    with django_assert_num_queries(len(before.captured_queries)):
        second = report(officer)
        report(officer, by="organ")
    assert len(before.captured_queries) <= 10
    assert second.totals.assigned_lead == first.totals.assigned_lead + 8
    assert second.totals.extensions_approved == first.totals.extensions_approved + 8


def test_page_queries_do_not_grow(client, data, django_assert_max_num_queries):
    client.force_login(data.w.users["officer"])
    with CaptureQueriesContext(connection) as before:
        assert (
            client.get(URL, {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"}).status_code == 200
        )
    b = data.b
    for s in data.suggestions * 3:
        copy = b.suggestion(assigned_on=s.assigned_on, organ=data.office)
        b.reply(b.assign(copy, data.water), at(copy.assigned_on + datetime.timedelta(days=30)), "C")
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(URL, {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert response.status_code == 200


# --- the page --------------------------------------------------------------------------------------------


def test_page_access(client, data):
    assert client.get(URL).status_code == 302  # logged out: to the log-in page
    for key, status in {"officer": 200, "leader": 200, "unit": 200, "nobody": 403, "sysadmin": 403}.items():
        client.force_login(data.w.users[key])
        assert client.get(URL).status_code == status, key


def test_page_shows_rows_totals_and_links(client, data):
    client.force_login(data.w.users["officer"])
    response = client.get(URL, {"date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲一县教育局" in html and "乙一县教育局" not in html
    units = response.context["units"]
    assert {row.name for row in units} == {"甲一县人民政府", "甲一县水利局", "甲一县教育局"}
    totals = response.context["unit_totals"]
    assert totals[:6] == ["8", "1", "6", "4", "66.7%", "2"]
    assert totals[-2:] == ["80.0%", "1"]
    assert f"/work/proposals/reports/units/{data.edu.pk}/?" in html
    assert response.context["organs"] is not None
    assert "县人大常委会办公室" in html
    assert "2025年1月1日" in html  # the period, in Chinese by default


def test_page_for_a_unit(client, data):
    client.force_login(data.w.users["unit"])
    response = client.get(URL, {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert [row.name for row in response.context["units"]] == ["甲一县教育局"]
    assert response.context["organs"] is None
    assert "甲一县人民政府" not in response.content.decode()


def test_presets(client, data):
    client.force_login(data.w.users["officer"])
    b = data.b
    this_year = timezone.localdate()
    fresh = b.suggestion(assigned_on=this_year, organ=data.works)
    b.assign(fresh, data.water)
    response = client.get(URL)  # this year by default
    assert response.context["period"].date_from == D(this_year.year, 1, 1)
    assert [row.name for row in response.context["units"]] == ["甲一县水利局"]
    last = client.get(URL, {"preset": "last_year"}).context["period"]
    assert last.date_from == D(this_year.year - 1, 1, 1)
    session = client.get(URL, {"preset": "session", "session": data.session4.pk})
    assert session.status_code == 200
    assert session.context["period"].session == data.session4
    assert session.context["unit_totals"][0] == "8"


@pytest.mark.parametrize(
    "params,field,message",
    [
        (
            {"preset": "custom", "date_from": "2025-12-31", "date_to": "2025-01-01"},
            "date_to",
            "期间的结束日期早于开始日期",
        ),
        ({"preset": "custom", "date_from": "2025-01-01"}, "date_to", "请输入期间的最后一天"),
        ({"preset": "custom", "date_from": "2025-13-01", "date_to": "2025-12-31"}, "date_from", ""),
        ({"preset": "custom", "date_from": "1900-01-01", "date_to": "2025-12-31"}, "date_from", "2000"),
        ({"preset": "session", "session": "999999"}, "session", "未知的会议"),
        ({"preset": "session"}, "session", "请选择会议"),
        ({"preset": "session", "session": "abc"}, "session", ""),
        ({"preset": "yesterday"}, "preset", ""),
        ({"kind": "petition"}, "kind", ""),
        ({"region": "999999"}, "region", ""),
    ],
)
def test_bad_parameters_are_form_errors(client, data, params, field, message):
    client.force_login(data.w.users["officer"])
    for path in (URL, URL + "export.xlsx", URL + "report.docx", f"{URL}units/{data.edu.pk}/"):
        response = client.get(path, params)
        assert response.status_code == 400, path
        assert response["Content-Type"].startswith("text/html")
        errors = response.context["form"].errors
        assert field in errors
        if message:
            assert message in " ".join(errors[field])
            assert message in response.content.decode()


def test_session_of_another_area_is_unknown(client, data):
    other = Session.objects.create(
        term=data.w.terms["other_county"], number=1, start_date=D(2025, 1, 5), end_date=D(2025, 1, 8)
    )
    client.force_login(data.w.users["officer"])
    response = client.get(URL, {"preset": "session", "session": other.pk})
    assert response.status_code == 400
    assert "session" in response.context["form"].errors
    region = data.w.regions["other_county"].pk
    response = client.get(URL, {"region": region})
    assert response.status_code == 400 and "region" in response.context["form"].errors


def test_unit_page(client, data):
    client.force_login(data.w.users["officer"])
    params = {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"}
    response = client.get(f"{URL}units/{data.edu.pk}/", params)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 6
    assert response.context["figures"][:4] == ["4", "1", "4", "3"]
    late = [r for r in response.context["rows"] if r["a"].role == "lead" and r["on_time"] is False]
    assert [r["item"].title for r in late] == ["建议3"]
    s1 = data.suggestions[0]
    assert f'href="/work/proposals/{s1.pk}/"' in response.content.decode()
    # another county's unit: as if it did not exist
    assert client.get(f"{URL}units/{data.other_edu.pk}/", params).status_code == 404
    assert client.get(f"{URL}units/999999/", params).status_code == 404
    client.force_login(data.w.users["unit"])
    response = client.get(f"{URL}units/{data.edu.pk}/", params)
    assert response.status_code == 200
    assert f'href="/work/proposals/units/suggestions/{s1.pk}/"' in response.content.decode()
    assert client.get(f"{URL}units/{data.gov.pk}/", params).status_code == 404


def test_menu_entry(client, data):
    client.force_login(data.w.users["officer"])
    assert "/work/proposals/reports/" in client.get("/work/").content.decode()
    client.force_login(data.w.users["sysadmin"])
    assert "/work/proposals/reports/" not in client.get("/work/").content.decode()


# --- the files -------------------------------------------------------------------------------------------


def test_xlsx(client, data):
    from openpyxl import load_workbook

    client.force_login(data.w.users["officer"])
    response = client.get(URL + "export.xlsx", {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    disposition = response["Content-Disposition"]
    assert 'filename="suggestion-handling-20250101-20251231.xlsx"' in disposition
    assert "filename*=UTF-8''" in disposition
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 2
    sheet = book.worksheets[0]
    assert "2025年1月1日" in sheet["A1"].value and "2025年12月31日" in sheet["A1"].value
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    edu = rows["甲一县教育局"]
    assert edu[1] == "甲一县"
    assert list(edu[2:9]) == [4, 1, 4, 3, 0.75, 0, 2]
    assert edu[-2] == pytest.approx(0.75) and edu[-1] == 1
    total = rows["合计"]
    assert list(total[2:8]) == [8, 1, 6, 4, pytest.approx(4 / 6), 2]
    assert total[-2] == pytest.approx(0.8)
    organs = {r[0]: r for r in book.worksheets[1].iter_rows(min_row=4, values_only=True)}
    assert organs["县人大常委会办公室"][2] == 2
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, actor=data.w.users["officer"]).count() == 1


def test_xlsx_for_a_unit(client, data):
    from openpyxl import load_workbook

    client.force_login(data.w.users["unit"])
    response = client.get(URL + "export.xlsx", {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1
    names = [r[0] for r in book.worksheets[0].iter_rows(min_row=4, values_only=True)]
    assert names == ["甲一县教育局", "合计"]


def _docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def test_docx_in_chinese(client, data):
    client.force_login(data.w.users["officer"])
    response = client.get(URL + "report.docx", {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert 'filename="suggestion-handling-report-20250101-20251231.docx"' in response["Content-Disposition"]
    text = _docx_text(response.content)
    assert "代表建议办理情况的报告" in text
    assert "2025年1月1日至2025年12月31日" in text
    for expected in ("交办代表建议8件", "已答复6件", "按期答复4件", "66.7%", "A类3件", "50.0%", "满意率为80.0%"):
        assert expected in text, expected
    assert "三、各承办单位办理情况" in text
    assert "建议2" in text and "县人大社会建设委员会" in text  # key supervision
    assert "建议4" in text and "建议5" in text  # overdue
    assert "建议3" in text  # handled again
    assert "甲一县教育局 | 4 | 1 | 4 | 3 | 0 | 2 | 2 | 0 | 75.0% | 1" in text
    assert "合计 | 8 | 1 | 6 | 4 | 2 | 3 | 2 | 1 | 80.0% | 1" in text
    assert "乙一县教育局" not in text


def test_docx_in_english(client, data):
    client.force_login(data.w.users["officer"])
    client.cookies["liaison_language"] = "en"
    response = client.get(URL + "report.docx", {"preset": "custom", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert response.status_code == 200
    text = _docx_text(response.content)
    assert "Report on the handling of deputies' suggestions" in text
    assert "Deputies' suggestions assigned in the period Jan. 1, 2025 to Dec. 31, 2025: 8, to 3 handling units" in text
    assert "satisfaction rate 80.0%" in text
    assert "3. Handling by unit" in text
    assert "代表建议办理情况" not in text


def test_docx_of_motions(client, data):
    client.force_login(data.w.users["officer"])
    response = client.get(URL + "report.docx", {"kind": "motion", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert response.status_code == 200
    text = _docx_text(response.content)
    assert "议案办理情况的报告" in text and "交办议案1件" in text
    assert "重点督办" not in text
    assert "满意" not in text and "重新办理件" not in text  # motions are neither rated nor handled again
    page = client.get(URL, {"kind": "motion", "date_from": "2025-01-01", "date_to": "2025-12-31"})
    assert page.status_code == 200 and "满意率" not in page.content.decode()
    assert [row.name for row in page.context["units"]] == ["甲一县人民政府"]
