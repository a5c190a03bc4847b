"""Suggestions and motions in `manage.py demo` (every state, idempotent, the demo accounts have work)
and in `manage.py gen_data` (proportional counts); in both, rows that agree with each other as the
workflow would have left them: numbering without gaps, one live lead assignment while handling,
deadlines by the Civil Code's months, ratings only by signers, timelines that end in the item's state."""

import datetime
import io
import zipfile
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from liaison.accounts.models import Role, User
from liaison.core import deadlines
from liaison.core.tests.test_demo import demo_output  # noqa: F401  (the demo, loaded once for the module)
from liaison.opinions.models import Event as OpinionEvent
from liaison.proposals import scale
from liaison.proposals.models import (
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
)
from liaison.proposals.workflow import LIVE_ASSIGNMENT, MOTION_TRANSITIONS, OTHER_STEPS, SUGGESTION_TRANSITIONS
from liaison.regions.models import Level, Organ, Region, Session

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Suggestion.Status
M = Motion.Status
HANDLING = {S.ASSIGNED, S.RE_HANDLING}
NUMBERED = set(S.values) - {S.DRAFT, S.SUBMITTED, S.NOT_REGISTERED}
ANSWERED = {S.REPLIED, S.EVALUATED, S.CLOSED}
MOTION_NUMBERED = set(M.values) - {M.DRAFT, M.COLLECTING}


# --- what must hold of any set of generated items ---------------------------------------------------------
def assert_coherent(suggestions, motions) -> None:
    assert_timing(suggestions, motions)
    assert_numbering(suggestions, motions)
    assert_signers(suggestions, motions)
    assert_assignments(suggestions, motions)
    assert_replies_and_ratings(suggestions, motions)
    assert_timelines(suggestions, motions)


def assert_timing(suggestions, motions) -> None:
    """Session suggestions handed in while their session is open for them, interim ones not while a
    session of the term sits; motions before their session's deadline."""
    sittings = defaultdict(list)
    for term, start, end in Session.objects.values_list("term_id", "start_date", "end_date"):
        sittings[term].append((start, end))
    rows = suggestions.filter(submitted_at__isnull=False, from_motion__isnull=True).values_list(
        "timing", "term_id", "submitted_at", "session__notice_date", "session__start_date", "session__end_date"
    )
    assert rows
    for timing, term, submitted_at, notice, start, end in rows:
        day = timezone.localdate(submitted_at)
        if timing == "session":
            assert (notice or start) <= day <= end, (day, start, end)
        else:
            assert not any(a <= day <= b for a, b in sittings[term]), day
    for submitted_at, deadline, start in motions.filter(submitted_at__isnull=False).values_list(
        "submitted_at", "session__motion_deadline", "session__start_date"
    ):
        limit = deadline or datetime.datetime.combine(start, datetime.time(23, 59, 59), tzinfo=SHANGHAI)
        assert submitted_at <= limit, (submitted_at, limit)


def assert_numbering(suggestions, motions) -> None:
    """Registered items carry a number of their congress, term and session; per sequence the numbers
    run 1..last without a gap, and `last` is the highest given."""
    assert not suggestions.filter(status__in=NUMBERED, number__isnull=True).exists()
    assert not suggestions.exclude(status__in=NUMBERED).filter(number__isnull=False).exists()
    # motions: numbered when submitted (a withdrawn one may never have been)
    assert not motions.filter(submitted_at__isnull=False, number__isnull=True).exists()
    assert not motions.filter(submitted_at__isnull=True, number__isnull=False).exists()
    assert not motions.filter(status__in=MOTION_NUMBERED - {M.WITHDRAWN}, submitted_at__isnull=True).exists()
    assert not motions.exclude(status__in=MOTION_NUMBERED).filter(number__isnull=False).exists()
    numbers = defaultdict(list)
    for qs in (suggestions, motions):
        for seq, number, term, session in qs.filter(number__isnull=False).values_list(
            "sequence_id", "number", "term_id", "session_id"
        ):
            numbers[seq].append(number)
            sequence = NumberSequence.objects.get(pk=seq)
            assert (sequence.term_id, sequence.session_id) in ((term, session), (term, None))
    assert numbers
    for seq, given in numbers.items():
        sequence = NumberSequence.objects.get(pk=seq)
        assert sorted(given) == list(range(1, sequence.last + 1)), sequence.pk
    # interim suggestions in the interim sequence, session ones in the session's
    assert not suggestions.filter(timing="interim", sequence__session__isnull=False).exists()
    assert not suggestions.filter(timing="session", number__isnull=False, sequence__session__isnull=True).exists()
    assert not suggestions.filter(sequence__kind="motion").exists()
    assert not motions.filter(sequence__kind="suggestion").exists()


def assert_signers(suggestions, motions) -> None:
    """One lead signer (the item's lead), every signer with a mandate of the item's congress."""
    for qs, field in ((suggestions, "suggestion"), (motions, "motion")):
        signers = Signer.objects.filter(**{f"{field}__in": qs})
        assert not signers.exclude(mandate__congress=F(f"{field}__congress")).exists()
        assert not signers.exclude(person=F("mandate__person")).exists()
        assert not signers.filter(is_lead=True).exclude(status="confirmed").exists()
        assert not signers.filter(status="invited", responded_at__isnull=False).exists()
        assert not signers.exclude(status="invited").filter(responded_at__isnull=True).exists()
    with_lead = suggestions.annotate(n=Count("signers", filter=Q(signers__is_lead=True)))
    assert not with_lead.exclude(n=1).exists()
    assert (
        not Signer.objects.filter(suggestion__in=suggestions, is_lead=True)
        .exclude(person=F("suggestion__lead"))
        .exists()
    )
    by_deputies = motions.filter(proposer="deputies")
    assert not by_deputies.annotate(n=Count("signers", filter=Q(signers__is_lead=True))).exclude(n=1).exists()
    # submitted motions of deputies had the congress's threshold of signatures
    counted = by_deputies.filter(submitted_at__isnull=False).annotate(
        n=Count("signers", filter=Q(signers__status="confirmed"))
    )
    assert not counted.filter(n__lt=F("congress__motion_threshold")).exists()
    # not yet submitted: nobody co-signs an invitation still open on a submitted item
    assert not Signer.objects.filter(suggestion__in=suggestions.exclude(status=S.DRAFT), status="invited").exists()


def assert_assignments(suggestions, motions) -> None:
    """While handling, one live lead assignment of the current round; its deadline add_months(assigned_on,
    3) (1 when handled again), or the approved extension's, never past add_months(assigned_on, 6)."""
    live = Q(assignments__status__in=LIVE_ASSIGNMENT, assignments__role="lead")
    counted = suggestions.annotate(n=Count("assignments", filter=live))
    assert not counted.filter(status__in=HANDLING).exclude(n=1).exists()
    assert not counted.exclude(status__in=HANDLING).filter(n__gt=0).exists()
    assert not suggestions.exclude(status__in=HANDLING).filter(assignments__status__in=LIVE_ASSIGNMENT).exists()
    m_counted = motions.annotate(n=Count("assignments", filter=live))
    assert not m_counted.filter(status=M.ASSIGNED).exclude(n=1).exists()
    assert not m_counted.exclude(status=M.ASSIGNED).filter(n__gt=0).exists()
    assert (
        not Assignment.objects.filter(suggestion__in=suggestions, status__in=LIVE_ASSIGNMENT)
        .exclude(round=F("suggestion__round"))
        .exists()
    )
    approved = defaultdict(set)
    for assignment, wanted in Extension.objects.filter(status="approved").values_list(
        "assignment_id", "requested_deadline"
    ):
        approved[assignment].add(wanted)
    rows = Assignment.objects.filter(Q(suggestion__in=suggestions) | Q(motion__in=motions)).exclude(status="returned")
    leads = {}
    for pk, s_id, m_id, role, rnd, assigned_on, deadline in rows.values_list(
        "id", "suggestion_id", "motion_id", "role", "round", "assigned_on", "deadline"
    ):
        cap = deadlines.add_months(assigned_on, 6)
        assert deadline <= cap, pk
        if role == "lead":
            expected = deadlines.add_months(assigned_on, 3 if rnd == 1 else 1)
            assert deadline == expected or deadline in approved[pk], (pk, assigned_on, deadline)
            leads[(s_id, m_id, rnd)] = (assigned_on, deadline)
    for s_id, m_id, rnd, assigned_on, deadline in rows.filter(role="co").values_list(
        "suggestion_id", "motion_id", "round", "assigned_on", "deadline"
    ):
        assert leads[(s_id, m_id, rnd)] == (assigned_on, deadline)
    # the suggestion shows its current round's dates
    for pk, rnd, assigned_on, deadline, cap in suggestions.filter(assigned_on__isnull=False).values_list(
        "id", "round", "assigned_on", "deadline", "deadline_cap"
    ):
        assert leads[(pk, None, rnd)] == (assigned_on, deadline), pk
        assert cap == deadlines.add_months(assigned_on, 6)
    assert not suggestions.filter(status__in=HANDLING | ANSWERED, assigned_on__isnull=True).exists()
    assert not suggestions.filter(status__in=HANDLING | ANSWERED, assigning_organ__isnull=True).exists()
    # an open request for more time only on a live assignment
    assert not Extension.objects.filter(status="pending").exclude(assignment__status__in=LIVE_ASSIGNMENT).exists()


def assert_replies_and_ratings(suggestions, motions) -> None:
    answers = Reply.objects.filter(kind="answer").filter(
        Q(assignment__suggestion__in=suggestions) | Q(assignment__motion__in=motions)
    )
    assert not answers.filter(answer_class="").exists()
    assert not answers.exclude(assignment__role="lead").exists()
    assert not answers.filter(answer_class="B", commitments__isnull=True).exists()
    assert not Commitment.objects.filter(reply__in=answers).exclude(reply__answer_class="B").exists()
    assert not Assignment.objects.filter(status="replied", replies__isnull=True).exists()
    assert not suggestions.filter(status__in=ANSWERED).filter(Q(answer_class="") | Q(replied_at__isnull=True)).exists()
    assert not suggestions.filter(status__in={S.ASSIGNED, S.RE_HANDLING}, replied_at__isnull=False).exists()
    assert not suggestions.filter(status=S.NOT_REGISTERED, refusal="").exists()
    assert not suggestions.exclude(status=S.NOT_REGISTERED).exclude(refusal="").exists()
    # ratings: only by deputies who signed, once per round, every one of them once it is evaluated
    signed = Signer.objects.filter(suggestion=OuterRef("suggestion"), person=OuterRef("person"), status="confirmed")
    ratings = Evaluation.objects.filter(suggestion__in=suggestions)
    assert ratings.exists()
    assert not ratings.exclude(Exists(signed)).exists()
    assert not Evaluation.objects.filter(motion__in=motions).exists()
    assert not ratings.filter(round__gt=F("suggestion__round")).exists()
    rated = suggestions.filter(status__in={S.EVALUATED, S.CLOSED}).annotate(
        signers_n=Count("signers", filter=Q(signers__status="confirmed"), distinct=True),
        rated_n=Count("evaluations", filter=Q(evaluations__round=F("round")), distinct=True),
    )
    assert rated.exists() and not rated.exclude(rated_n=F("signers_n")).exists()
    assert (
        not suggestions.filter(round=2).exclude(evaluations__round=1, evaluations__satisfaction="dissatisfied").exists()
    )
    # published only with the deputies' consent, once rated
    published = suggestions.filter(published_at__isnull=False)
    assert not published.filter(disclosure_agreed=False).exists()
    assert not published.exclude(status__in={S.EVALUATED, S.CLOSED}).exists()
    keys = suggestions.filter(key_supervision=True)
    assert not keys.exclude(supervising_organ__kind=Organ.Kind.SPECIAL_COMMITTEE).exists()
    assert not keys.exclude(supervising_organ__congress=F("congress")).exists()
    # a converted motion and its suggestion point at each other
    assert motions.filter(status=M.CONVERTED).count() == suggestions.filter(from_motion__isnull=False).count()
    assert not motions.filter(status=M.CONVERTED, suggestion__isnull=True).exists()


def assert_timelines(suggestions, motions) -> None:
    for qs in (suggestions, motions):
        counted = qs.annotate(n=Count("events"))
        assert not counted.filter(n=0).exists()
        assert not counted.exclude(version=F("n")).exists()
        now = timezone.now()
        for item in qs.order_by("?")[:1000]:
            steps = list(item.events.order_by("at", "id"))
            assert steps[0].at == item.created_at, item.pk
            assert steps[-1].to_status == item.status, (item.pk, [e.action for e in steps])
            assert all(e.at <= now for e in steps)
            table = MOTION_TRANSITIONS if isinstance(item, Motion) else SUGGESTION_TRANSITIONS
            state = ""
            for e in steps:  # each step starts where the one before left the item, as the workflow allows
                assert e.from_status == state, (item.pk, e.action, e.from_status, state)
                if e.action in table:
                    transition = table[e.action]
                    assert e.from_status in transition.sources, (item.pk, e.action, e.from_status)
                    assert transition.target in (None, e.to_status), (item.pk, e.action, e.to_status)
                else:
                    assert e.action in OTHER_STEPS, e.action
                state = e.to_status
    assert (
        not Event.objects.filter(suggestion__in=suggestions, action="register")
        .exclude(data__number__isnull=False)
        .exists()
    )


# --- the demo ----------------------------------------------------------------------------------------------
@pytest.fixture
def demo(demo_output, db):  # noqa: F811
    return demo_output


def demo_items():
    path = Region.objects.get(code="990100000000").path
    return Suggestion.objects.filter(region_path__startswith=path), Motion.objects.filter(region_path__startswith=path)


def test_demo_has_suggestions_and_motions_in_every_state(demo):
    suggestions, motions = demo_items()
    s_counts = dict(suggestions.values_list("status").annotate(n=Count("id")))
    m_counts = dict(motions.values_list("status").annotate(n=Count("id")))
    for status in S.values:
        assert s_counts.get(status, 0) > 0, status
    for status in M.values:
        assert m_counts.get(status, 0) > 0, status
    assert 300 <= suggestions.count() <= 600 and 60 <= motions.count() <= 200
    assert "suggestions and motions: " in demo["first"] and " created" in demo["first"]
    # both sessions and between sessions, in every demo congress
    assert {"session", "interim"} == set(suggestions.values_list("timing", flat=True))
    assert suggestions.values("session").distinct().count() >= 3
    assert suggestions.values("congress").distinct().count() == 19
    # the particular cases
    today = timezone.localdate()
    live = Assignment.objects.filter(suggestion__in=suggestions, status__in=LIVE_ASSIGNMENT, role="lead")
    assert live.filter(deadline__lt=today).exists() and live.filter(deadline__gte=today).exists()
    extensions = set(Extension.objects.filter(assignment__suggestion__in=suggestions).values_list("status", flat=True))
    assert extensions == {"pending", "approved", "refused"}
    assert Assignment.objects.filter(suggestion__in=suggestions, status="returned").exists()
    assert set(Reply.objects.filter(assignment__suggestion__in=suggestions, kind="answer").values_list(
        "answer_class", flat=True)) == {"A", "B", "C"}  # fmt: skip
    assert Commitment.objects.filter(fulfilled_at__isnull=False).exists()
    assert Commitment.objects.filter(fulfilled_at__isnull=True).exists()
    assert Reply.objects.filter(kind="co_opinion", assignment__suggestion__in=suggestions).exists()
    assert suggestions.filter(round=2).exists()
    keys = suggestions.filter(key_supervision=True, supervising_organ__kind=Organ.Kind.SPECIAL_COMMITTEE)
    assert keys.filter(congress__level=Level.COUNTY).exists() and keys.filter(congress__level=Level.PREFECTURE).exists()
    assert suggestions.filter(opinions__isnull=False).exists()
    # the citizens see on their opinion's timeline that a deputy took the matter up
    links = Suggestion.opinions.through.objects.filter(suggestion__in=suggestions.filter(submitted_at__isnull=False))
    taken_up = OpinionEvent.objects.filter(action="taken_up", public=True, opinion__suggestions__in=suggestions)
    assert {(e.data["suggestion"], e.opinion_id) for e in taken_up} == {(x.suggestion_id, x.opinion_id) for x in links}
    assert suggestions.filter(from_motion__isnull=False).exists()
    assert suggestions.filter(disclosure_agreed=True, published_at__isnull=False).exists()
    assert motions.filter(status=M.WITHDRAWN).exclude(withdrawal_reason="").exists()
    assert motions.filter(proposer="delegation").exists() and motions.filter(proposer="presidium").exists()
    assert motions.filter(status=M.CONVERTED, outside_powers="").exists()
    assert Signer.objects.filter(suggestion__in=suggestions, status="declined").exists()
    # reply documents the demo accounts open
    documents = Reply.objects.filter(assignment__suggestion__in=suggestions).exclude(document="")
    assert documents.exists()
    stored = demo["media"] / documents.first().document.name  # (the demo ran with its own media folder)
    assert stored.exists() and zipfile.is_zipfile(stored)


def test_demo_rows_are_coherent(demo):
    assert_coherent(*demo_items())


def test_demo_accounts_have_proposals_waiting(demo):
    suggestions, motions = demo_items()
    deputy = Role.objects.get(user__username="deputy", kind=Role.Kind.DEPUTY).person_id
    # drafts to co-sign (suggestions in the county and the township congress, and a motion)
    asked = Signer.objects.filter(person_id=deputy, status="invited")
    assert asked.filter(suggestion__status=S.DRAFT).values("suggestion__congress").distinct().count() == 2
    assert asked.filter(motion__status=M.COLLECTING).exists()
    # replies to rate
    to_rate = suggestions.filter(status=S.REPLIED, signers__person_id=deputy, signers__status="confirmed").exclude(
        Exists(Evaluation.objects.filter(suggestion=OuterRef("pk"), person_id=deputy, round=OuterRef("round")))
    )
    assert to_rate.count() >= 3
    # the deputy's own drafts and items
    assert suggestions.filter(lead_id=deputy, status=S.DRAFT).exists()
    assert motions.filter(lead_id=deputy, status=M.DRAFT).exists()
    # unit_staff's queue: new, in time, overdue, a request for more time, a motion
    unit = Role.objects.get(user__username="unit_staff", kind=Role.Kind.HANDLING_UNIT).unit_id
    queue = Assignment.objects.filter(unit_id=unit, status__in=LIVE_ASSIGNMENT)
    today = timezone.localdate()
    assert queue.filter(status="pending").exists() and queue.filter(status="accepted").exists()
    assert queue.filter(deadline__lt=today).exists() and queue.filter(deadline__gte=today).exists()
    assert queue.filter(extensions__status="pending").exists()
    assert queue.filter(motion__isnull=False).exists() and queue.filter(suggestion__round=2).exists()
    # county_officer: to register and to assign; timelines name the accounts that acted
    county = Region.objects.get(code="990121000000")
    mine = suggestions.filter(region_path=county.path)
    assert mine.filter(status=S.SUBMITTED).exists() and mine.filter(status=S.REGISTERED).exists()
    officer = User.objects.get(username="county_officer")
    assert Event.objects.filter(suggestion__in=mine, actor=officer, action="register").exists()
    assert Event.objects.filter(actor__username="unit_staff", action="reply").exists()
    assert Event.objects.filter(actor__username="deputy", action="rate").exists()
    assert Event.objects.filter(actor__username="leader", action="key_supervision").exists()


def test_second_demo_run_adds_no_proposal(demo):
    assert "suggestions and motions: already loaded" in demo["second"]
    for model in scale.MODELS:
        if model._meta.auto_created:  # (the counts leave out the tables of many-to-many fields)
            continue
        label = model._meta.label
        assert demo["before"][label] == demo["after"][label], label


# --- gen_data ----------------------------------------------------------------------------------------------
@pytest.fixture
def township_scale(db):
    out = io.StringIO()
    call_command("gen_data", "--scale", "township", stdout=out)
    root = Region.objects.get(code="980000000000")
    suggestions = Suggestion.objects.filter(region_path__startswith=root.path)
    motions = Motion.objects.filter(region_path__startswith=root.path)
    return suggestions, motions, out.getvalue()


def test_gen_data_makes_proportional_coherent_proposals(township_scale):
    suggestions, motions, out = township_scale
    per_suggestions, per_motions = scale.PER_CONGRESS[Level.TOWNSHIP]
    assert suggestions.count() == per_suggestions
    assert motions.count() == round(per_motions)
    assert "proposals: 100 suggestions, 1 motions" in out and "proposals_event" in out
    assert_coherent(suggestions, motions)
    # five years: every session of the term, most of the old ones closed, open ones recent
    assert suggestions.values("session").distinct().count() == 6  # five sessions and the interim
    first = suggestions.order_by("created_at").first().created_at
    assert (timezone.now() - first).days > 4 * 365
    states = dict(suggestions.values_list("status").annotate(n=Count("id")))
    assert states[S.CLOSED] > 0.6 * per_suggestions
    year_ago = timezone.now() - timezone.timedelta(days=365)
    assert not suggestions.filter(status__in={S.DRAFT, S.SUBMITTED, S.REGISTERED}, created_at__lt=year_ago).exists()
    assert set(suggestions.values_list("timing", flat=True)) == {"session", "interim"}
    # the units the opinions' data made, and the organ that assigns (the township presidium)
    assert (
        not Assignment.objects.filter(suggestion__in=suggestions)
        .exclude(unit__region__path__startswith=_root())
        .exists()
    )
    assert not suggestions.exclude(assigning_organ=None).exclude(assigning_organ__kind=Organ.Kind.PRESIDIUM).exists()


def _root() -> str:
    return Region.objects.get(code="980000000000").path


def test_gen_data_without_proposals(db):
    call_command("gen_data", "--scale", "township", "--no-proposals", "--no-opinions", stdout=io.StringIO())
    root = _root()
    assert not Suggestion.objects.filter(region_path__startswith=root).exists()
    assert not Motion.objects.filter(region_path__startswith=root).exists()
