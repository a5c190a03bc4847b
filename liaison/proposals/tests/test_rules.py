"""Who sees and does what: the scope of every role (404 outside it), the capacities of each role in
each state (the actions a page offers), the django-rules permissions, and the selectors — scoped,
and with a number of queries that does not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.core.exceptions import NotFound
from liaison.proposals import handling, rules, selectors, services
from liaison.proposals.models import Motion, Suggestion
from liaison.proposals.selectors import ListFilters

from .conftest import REPLY

S = Suggestion.Status
pytestmark = pytest.mark.django_db


def visible(user, item) -> bool:
    model = type(item)
    return model.objects.filter(rules.visible_q(user, model), pk=item.pk).exists()


# --- permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "use", "office", "draft"),
    [
        ("li", True, False, True),
        ("officer", True, True, False),
        ("leader", True, False, False),
        ("edu_unit", True, False, False),
        ("sysadmin", False, False, False),
        ("nobody", False, False, False),
    ],
)
def test_permissions_by_role(pw, user, use, office, draft):
    u = pw.users[user]
    assert (rules.can(u, "use"), rules.can(u, "office"), rules.can(u, "draft")) == (use, office, draft)
    assert u.has_perm("proposals.use") is use


# --- scope -------------------------------------------------------------------------------------------


def test_a_draft_is_seen_by_its_signers_only(pw):
    suggestion = pw.draft()
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhang"]])
    seen = {
        name: visible(pw.users[name], suggestion) for name in ("li", "zhang", "wang", "officer", "leader", "edu_unit")
    }
    assert seen == {"li": True, "zhang": True, "wang": False, "officer": False, "leader": False, "edu_unit": False}


def test_the_office_sees_its_subtree_and_units_their_own_assignments(pw):
    suggestion, _rows = pw.assigned(co=())
    expected = {
        "officer": True,
        "pref_officer": True,  # the prefecture covers the county
        "leader": True,
        "other_officer": False,
        "li": True,
        "wang": False,
        "edu_unit": True,  # the lead unit
        "gov_unit": False,  # not assigned
        "other_unit": False,
        "nobody": False,
    }
    assert {name: visible(pw.users[name], suggestion) for name in expected} == expected
    for name, sees in expected.items():
        if sees:
            assert selectors.suggestion_get_for(user=pw.users[name], pk=suggestion.pk) == suggestion
        else:
            with pytest.raises(NotFound):
                selectors.suggestion_get_for(user=pw.users[name], pk=suggestion.pk)
    with pytest.raises(NotFound):
        selectors.suggestion_get_for(user=pw.users["officer"], pk="abc")


def test_out_of_scope_steps_are_not_found(pw):
    suggestion = pw.submitted()
    for step in (
        lambda u: services.suggestion_register(actor=u, suggestion_id=suggestion.pk),
        lambda u: services.suggestion_refuse(
            actor=u, suggestion_id=suggestion.pk, reason="other", explanation="不予登记"
        ),
    ):
        for name in ("other_officer", "wang", "edu_unit", "nobody"):
            with pytest.raises(NotFound):
                step(pw.users[name])
    with pytest.raises(NotFound):
        services.suggestion_register(actor=pw.users["officer"], suggestion_id=999999)


# --- capacities and actions, role × state ------------------------------------------------------------


def test_actions_by_role_and_state(pw):
    suggestion = pw.draft()
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhang"]])
    item = selectors.suggestion_get_for(user=pw.users["li"], pk=suggestion.pk)
    assert selectors.capacities_for(pw.users["li"], item) == {"lead", "signer"}
    assert set(selectors.actions_for(pw.users["li"], item)) >= {"edit", "invite", "submit", "discard"}
    assert set(selectors.actions_for(pw.users["zhang"], item)) == {"confirm", "decline"}

    services.suggestion_confirm(actor=pw.users["zhang"], suggestion_id=suggestion.pk)
    services.suggestion_submit(actor=pw.users["li"], suggestion_id=suggestion.pk)
    item = selectors.suggestion_get_for(user=pw.users["officer"], pk=suggestion.pk)
    assert set(selectors.actions_for(pw.users["officer"], item)) == {"register", "refuse"}
    assert selectors.actions_for(pw.users["li"], item) == ["agree_disclosure"]
    assert selectors.actions_for(pw.users["leader"], item) == []

    services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    item = selectors.suggestion_get_for(user=pw.users["leader"], pk=suggestion.pk)
    assert selectors.actions_for(pw.users["leader"], item) == ["key_supervision"]

    services.suggestion_assign(
        actor=pw.users["officer"],
        suggestion_id=suggestion.pk,
        organ=pw.organ,
        lead_unit=pw.units["county_edu"],
        co_units=[pw.units["county_gov"]],
    )
    item = selectors.suggestion_get_for(user=pw.users["edu_unit"], pk=suggestion.pk)
    assert selectors.capacities_for(pw.users["edu_unit"], item) == {"lead_unit", "lead_unit_any"}
    assert set(selectors.actions_for(pw.users["edu_unit"], item)) == {
        "unit_accept",
        "unit_return",
        "unit_contact",
        "request_extension",
        "reply",
    }
    assert set(selectors.actions_for(pw.users["gov_unit"], item)) == {
        "unit_accept",
        "unit_return",
        "unit_contact",
        "co_opinion",
    }
    assert set(selectors.actions_for(pw.users["officer"], item)) == {"reassign", "decide_extension"}

    pw.reply(item)
    item = selectors.suggestion_get_for(user=pw.users["zhang"], pk=suggestion.pk)
    assert selectors.actions_for(pw.users["zhang"], item) == ["rate"]
    assert set(selectors.actions_for(pw.users["officer"], item)) == {"close"}
    assert selectors.actions_for(pw.users["edu_unit"], item) == ["fulfil"]


def test_motion_capacities_of_the_office_for_its_own_drafts(pw):
    from liaison.proposals import motions

    presidium = pw.motion_draft(lead="officer", proposer="presidium")
    deputies = pw.motion_draft()
    assert rules.capacities(pw.users["officer"], presidium) == {"office"}
    assert rules.capacities(pw.users["officer"], deputies) == set()
    assert rules.capacities(pw.users["leader"], presidium) == set()
    assert visible(pw.users["officer"], presidium) and not visible(pw.users["officer"], deputies)
    motions.motion_withdraw(actor=pw.users["officer"], motion_id=presidium.pk)
    assert Motion.objects.get(pk=presidium.pk).status == Motion.Status.WITHDRAWN


# --- lists and query counts --------------------------------------------------------------------------


def row_text(s: Suggestion) -> str:
    """What a list row shows."""
    return f"{s.congress.name} {s.lead.name} {s.session or ''} {s.category or ''} {s.get_status_display()}"


def test_lists_are_scoped_and_filtered(pw):
    mine = pw.submitted()
    theirs = pw.submitted(lead="zhang")
    draft = pw.draft(lead="wang")
    for_officer = {s.pk for s in selectors.suggestion_list_for(user=pw.users["officer"])}
    assert for_officer == {mine.pk, theirs.pk}  # not the draft
    assert {s.pk for s in selectors.suggestion_list_for(user=pw.users["li"])} == {mine.pk}
    assert {s.pk for s in selectors.suggestion_list_for(user=pw.users["wang"])} == {draft.pk}
    assert not selectors.suggestion_list_for(user=pw.users["other_officer"]).exists()
    registered = services.suggestion_register(actor=pw.users["officer"], suggestion_id=mine.pk)
    found = selectors.suggestion_list_for(user=pw.users["officer"], filters=ListFilters(status="registered"))
    assert [s.pk for s in found] == [registered.pk]
    by_number = selectors.suggestion_list_for(user=pw.users["officer"], filters=ListFilters(q=str(registered.number)))
    assert registered.pk in {s.pk for s in by_number}


def test_list_queries_do_not_grow_with_rows(pw):
    pw.submitted()
    with CaptureQueriesContext(connection) as few:
        rows = [row_text(s) for s in selectors.suggestion_list_for(user=pw.users["officer"])]
    for lead in ("zhang", "wang", "zhao", "chen"):
        pw.submitted(lead=lead)
    pw.users["officer"] = type(pw.users["officer"]).objects.get(pk=pw.users["officer"].pk)
    with CaptureQueriesContext(connection) as many:
        rows = [row_text(s) for s in selectors.suggestion_list_for(user=pw.users["officer"])]
    assert len(rows) == 5
    assert len(many) == len(few)


def test_the_unit_queue_and_the_overdue_board(pw, monkeypatch):
    first, rows = pw.assigned()
    second, _rows = pw.assigned(lead="zhang", co=())
    queue = list(selectors.unit_queue_for(user=pw.users["edu_unit"]))
    assert [a.suggestion_id for a in queue] == [first.pk, second.pk]
    assert [a.suggestion_id for a in selectors.unit_queue_for(user=pw.users["gov_unit"])] == [first.pk]
    assert not selectors.unit_queue_for(user=pw.users["other_unit"]).exists()
    pw.reply(first)  # the round is over for both units
    assert [a.suggestion_id for a in selectors.unit_queue_for(user=pw.users["edu_unit"])] == [second.pk]
    assert not selectors.unit_queue_for(user=pw.users["gov_unit"]).exists()
    assert [a.suggestion_id for a in selectors.unit_queue_for(user=pw.users["edu_unit"], state="replied")] == [first.pk]
    later = second.deadline + datetime.timedelta(days=1)
    board = list(selectors.overdue_board_for(user=pw.users["officer"], today=later))
    assert [a.suggestion_id for a in board] == [second.pk]
    assert selectors.overdue_board_for(user=pw.users["pref_officer"], today=later).count() == 1
    assert not selectors.overdue_board_for(user=pw.users["other_officer"], today=later).exists()
    with CaptureQueriesContext(connection) as queries:
        shown = [
            f"{a.unit.name} {a.suggestion.title} {a.suggestion.congress.name} {a.suggestion.label} {a.extension_pending}"
            for a in selectors.overdue_board_for(user=pw.users["officer"], today=later)
        ]
    assert len(shown) == 1 and len(queries) <= 2


def test_assignment_pages_and_timeline_queries(pw):
    suggestion, rows = pw.assigned(cosigners=("zhang",))
    lead = rows[0]
    handling.assignment_co_opinion(actor=pw.users["gov_unit"], assignment_id=rows[1].pk, text="协办意见：同意。")
    page = selectors.assignment_get_for(user=pw.users["edu_unit"], pk=lead.pk)
    assert page.suggestion == suggestion
    with pytest.raises(NotFound):
        selectors.assignment_get_for(user=pw.users["gov_unit"], pk=lead.pk)
    assert [r.text for r in selectors.co_opinions_for(assignment=page)] == ["协办意见：同意。"]
    handling.assignment_reply(
        actor=pw.users["edu_unit"], assignment_id=lead.pk, answer_class="B", text=REPLY, commitments=["年底前完成"]
    )
    assert [c.text for c in selectors.open_commitments_for(user=pw.users["officer"])] == ["年底前完成"]
    assert [c.text for c in selectors.open_commitments_for(user=pw.users["edu_unit"])] == ["年底前完成"]
    assert not selectors.open_commitments_for(user=pw.users["other_officer"]).exists()
    item = selectors.suggestion_get_for(user=pw.users["officer"], pk=suggestion.pk)
    with CaptureQueriesContext(connection) as queries:
        for a in item.assignments.all():
            for reply in a.replies.all():
                list(reply.commitments.all())
            list(a.contacts.all()), list(a.extensions.all())
        [s.person.name for s in item.signers.all()]
    assert len(queries) == 0
    steps = selectors.timeline_for(item)
    assert [e.action for e in steps][:3] == ["create", "invite", "confirm"]


def test_invitations_and_candidates(pw):
    suggestion = pw.draft()
    candidates = {m.person_id for m in selectors.cosigner_candidates(item=suggestion)}
    assert pw.persons["zhang"].pk in candidates
    assert pw.persons["li"].pk not in candidates  # already the lead
    assert pw.persons["zhou"].pk not in candidates  # mandate ended
    assert pw.persons["sun"].pk not in candidates  # another congress
    services.suggestion_invite(actor=pw.users["li"], suggestion_id=suggestion.pk, persons=[pw.persons["zhang"]])
    assert [s.suggestion_id for s in selectors.invitations_for(user=pw.users["zhang"])] == [suggestion.pk]
    assert pw.persons["zhang"].pk not in {m.person_id for m in selectors.cosigner_candidates(item=suggestion)}
    assert {m.person_id for m in selectors.cosigner_candidates(item=suggestion, q="王")} == {pw.persons["wang"].pk}


def test_every_timeline_step_has_a_label(pw):
    from liaison.proposals import motions, workflow
    from liaison.proposals.workflow import event_label

    motion = pw.motion_reviewed()
    suggestion = motions.motion_convert(actor=pw.users["officer"], motion_id=motion.pk)
    services.suggestion_register(actor=pw.users["officer"], suggestion_id=suggestion.pk)
    services.suggestion_assign(
        actor=pw.users["officer"], suggestion_id=suggestion.pk, organ=pw.organ, lead_unit=pw.units["county_edu"]
    )
    pw.reply(Suggestion.objects.get(pk=suggestion.pk))
    for name in ("li", "zhang", "wang"):
        services.suggestion_rate(actor=pw.users[name], suggestion_id=suggestion.pk, satisfaction="dissatisfied")
    steps = selectors.timeline_for(Suggestion.objects.get(pk=suggestion.pk))
    from django.utils import translation

    with translation.override("en"):
        labels = [event_label(e) for e in steps]
    known = set(workflow.SUGGESTION_TRANSITIONS) | set(workflow.MOTION_TRANSITIONS) | set(workflow.OTHER_STEPS)
    assert {e.action for e in steps} <= known
    assert "made from the motion by the presidium's decision" in labels
    assert "sent back for re-handling: a deputy was not satisfied" in labels
