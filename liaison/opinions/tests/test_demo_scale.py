"""Opinions in `manage.py demo` (every state, through the services, idempotent) and in
`manage.py gen_data` (bulk rows that agree with each other as the services would have left them)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from liaison.accounts.models import User
from liaison.core.models import AuditLog
from liaison.core.tests.test_demo import demo_output  # noqa: F401  (the demo, loaded once for the module)
from liaison.opinions import scale, selectors
from liaison.opinions.models import Assignment, Event, Extension, Opinion, Reply, ReturnVisit
from liaison.opinions.workflow import LIVE_ASSIGNMENT
from liaison.regions.models import Region

S = Opinion.Status
DEMO_STATES = set(S.values) - {S.CONVERTED}  # converting into a suggestion comes with the proposals part


@pytest.fixture
def demo(demo_output, db):  # noqa: F811
    return demo_output


def demo_opinions():
    return Opinion.objects.filter(idempotency_key__startswith="demo:")


def test_demo_has_opinions_in_every_state(demo):
    opinions = demo_opinions()
    assert 280 <= opinions.count() <= 400
    assert set(opinions.values_list("status", flat=True)) == DEMO_STATES
    closed = opinions.filter(status=S.CLOSED)
    assert {"satisfied", "basically", "dissatisfied"} <= set(closed.values_list("satisfaction", flat=True))
    assert opinions.filter(reopen_count=1).exists()
    assert opinions.filter(is_published=True, published_at__isnull=False).exists()
    assert opinions.filter(status=S.MERGED, merged_into__isnull=False).exists()
    today = timezone.localdate()
    live = Assignment.objects.filter(opinion__in=opinions, status__in=LIVE_ASSIGNMENT)
    assert live.filter(deadline__lt=today).exists()  # overdue
    assert live.filter(deadline__gte=today).exists()
    assert Extension.objects.filter(status=Extension.Status.PENDING, assignment__opinion__in=opinions).exists()
    assert Assignment.objects.filter(status=Assignment.Status.RETURNED, opinion__in=opinions).exists()
    # over the last months, from every channel, some anonymous
    span = opinions.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days >= 120
    assert len(set(opinions.values_list("channel", flat=True))) >= 6
    assert opinions.filter(submitter_name="").exists() and opinions.exclude(submitter_name="").exists()


def test_demo_opinions_went_through_the_services(demo):
    opinions = demo_opinions()
    # a timeline for every opinion, ending in its state, and audit rows for the steps
    assert not opinions.filter(events__isnull=True).exists()
    assert not opinions.exclude(events__action="submit").exists()
    for opinion in opinions.order_by("?")[:40]:
        last = opinion.events.order_by("-at", "-id").first()
        assert last.to_status == opinion.status, opinion.tracking_code
        assert last.at <= timezone.now()
    ids = [str(pk) for pk in opinions.values_list("pk", flat=True)]
    audited = AuditLog.objects.filter(model="opinions.Opinion", object_id__in=ids)
    assert audited.filter(action="create").count() == len(ids)
    assert audited.filter(action="transition").count() > len(ids)
    # phone numbers are encrypted at rest (by the model field)
    opinion = opinions.exclude(submitter_phone="").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT submitter_phone FROM opinions_opinion WHERE id = %s", [opinion.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(("v1:", "s1:")) and opinion.submitter_phone not in stored


def test_demo_accounts_have_work_waiting(demo):
    users = {u.username: u for u in User.objects.filter(username__in=["unit_staff", "station_staff", "town_officer"])}
    queue = selectors.unit_queue_for(user=users["unit_staff"])
    assert queue.count() >= 5
    assert queue.filter(deadline__lt=timezone.localdate()).exists()
    assert any(a.extension_pending for a in queue)
    assert selectors.worklog_for(user=users["station_staff"], day=timezone.localdate()).count() >= 3
    assert selectors.opinion_queue_for(user=users["town_officer"]).filter(status=S.SUBMITTED).exists()
    county_queue = selectors.opinion_queue_for(user=User.objects.get(username="county_officer"))
    assert county_queue.filter(status=S.ESCALATED).exists() and county_queue.count() >= 5
    assert "/track/" in demo["first"] and "/track/" in demo["second"]


def test_second_demo_run_adds_no_opinion(demo):
    assert "opinions: already loaded" in demo["second"]
    for model in (Opinion, Event, Assignment, Reply, ReturnVisit):
        assert demo["before"][model._meta.label] == demo["after"][model._meta.label]


# --- gen_data ----------------------------------------------------------------------------------------


@pytest.fixture
def township_scale(db):
    out = io.StringIO()
    call_command("gen_data", "--scale", "township", stdout=out)
    root = Region.objects.get(code="980000000000")
    return Opinion.objects.filter(region_path__startswith=root.path), out.getvalue()


def test_gen_data_opinions_are_coherent(township_scale):
    opinions, out = township_scale
    assert opinions.count() == scale.PER_TOWNSHIP
    assert "opinions_event" in out and "opinions: " in out
    states = set(opinions.values_list("status", flat=True))
    # the states an opinion stays in for weeks or for good (and the few sent within the last hour);
    # a short stop such as "replied" (until the office feeds back) is there on some days only, so
    # the timelines must show it
    assert {S.SUBMITTED, S.ASSIGNED, S.CLOSED, S.ANSWERED_ON_SPOT, S.REDIRECTED, S.MERGED} <= states
    assert Event.objects.filter(opinion__in=opinions, to_status=S.REPLIED).exists()
    span = opinions.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days > 4 * 365
    assert span["last"] <= timezone.now()
    live = Q(assignments__status__in=LIVE_ASSIGNMENT)
    with_live = opinions.annotate(n=Count("assignments", filter=live))
    # assigned ⇔ a live assignment; its due date is the earliest live deadline
    assert not with_live.filter(status=S.ASSIGNED, n=0).exists()
    assert not with_live.exclude(status=S.ASSIGNED).filter(n__gt=0).exists()
    for opinion in opinions.filter(status=S.ASSIGNED)[:200]:
        deadlines = opinion.assignments.filter(status__in=LIVE_ASSIGNMENT).values_list("deadline", flat=True)
        assert opinion.due_date == min(deadlines)
    # replied: every assignment answered; answered states carry the answer
    replied = opinions.filter(status=S.REPLIED)
    assert not replied.filter(assignments__status__in=LIVE_ASSIGNMENT).exists()
    assert not Assignment.objects.filter(status="replied", replies__isnull=True, opinion__in=opinions).exists()
    assert not Assignment.objects.filter(replies__isnull=False).exclude(status="replied").exists()
    assert not opinions.filter(status__in=[S.FED_BACK, S.ANSWERED_ON_SPOT, S.CLOSED, S.REDIRECTED], answer="").exists()
    assert not opinions.filter(status=S.CLOSED, closed_at__isnull=True).exists()
    assert not opinions.filter(status=S.MERGED, merged_into__isnull=True).exists()
    assert not opinions.filter(status=S.MERGED, merged_into__created_at__gt=F("created_at")).exists()
    assert not opinions.filter(status=S.REDIRECTED, redirect_target="").exists()
    assert not opinions.filter(
        status__in=[S.ACCEPTED, S.ASSIGNED, S.ESCALATED, S.REPLIED, S.FED_BACK], level=""
    ).exists()
    assert not opinions.exclude(satisfaction="").filter(visits__isnull=True).exists()
    assert opinions.filter(reopen_count=1).exists()
    # a timeline per opinion: starts with the submission, ends in the opinion's state, one version a step
    assert not opinions.exclude(events__action="submit").exists()
    counted = opinions.annotate(n=Count("events"))
    assert not counted.exclude(version=F("n")).exists()
    for opinion in opinions.order_by("?")[:150]:
        steps = list(opinion.events.order_by("at", "id"))
        assert steps[0].action == "submit"
        assert steps[-1].to_status == opinion.status, (opinion.pk, [e.action for e in steps])
        assert all(a.at <= b.at for a, b in zip(steps, steps[1:], strict=False))
        assert opinion.created_at == steps[0].at
    # open extension requests only on open assignments; overdue ones flagged
    assert not Extension.objects.filter(status="pending").exclude(assignment__status__in=LIVE_ASSIGNMENT).exists()
    today = timezone.localdate()
    assert Assignment.objects.filter(status__in=LIVE_ASSIGNMENT, deadline__lt=today, opinion__in=opinions).exists()
    # units of the matter's level; contact data encrypted, purged after the retention period
    assert not Assignment.objects.filter(opinion__in=opinions).exclude(unit__level=F("opinion__level")).exists()
    opinion = opinions.exclude(submitter_phone="").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT submitter_phone FROM opinions_opinion WHERE id = %s", [opinion.pk])
        assert cursor.fetchone()[0].startswith(("v1:", "s1:"))
    assert opinion.phone_index
    purged = opinions.filter(contact_purged_at__isnull=False)
    assert purged.exists() and not purged.exclude(submitter_name="").exists()
    # the queue reads it (no error on the generated rows) and the tracking codes are unique
    assert opinions.values("tracking_code").distinct().count() == opinions.count()


def test_gen_data_never_assigns_one_opinion_twice_to_a_unit():
    """A government's own matter that also draws the government as co-unit is one assignment: two would
    break assignment_one_live_per_unit (it stopped a province run on PostgreSQL)."""
    from types import SimpleNamespace

    from liaison.opinions.texts import TEMPLATES
    from liaison.regions.models import Level

    government = [t for t in TEMPLATES if t.dept == "人民政府"]
    assert government, "the templates have matters of the government itself"
    draws = iter([0.9, 0.01] * len(government))  # no co-department, then the 5 % draw of the government
    depts = {t.dept for t in TEMPLATES} | {t.co_dept for t in TEMPLATES if t.co_dept} | {"人民政府"}
    fake = SimpleNamespace(
        units={(1, dept): n for n, dept in enumerate(sorted(depts))}, rng=SimpleNamespace(random=lambda: next(draws))
    )
    queue = SimpleNamespace(id=1)
    for t in government:
        units = scale.OpinionScale.units_for(fake, t, queue, Level.COUNTY)
        assert len(units) == len(set(units)) == 1
