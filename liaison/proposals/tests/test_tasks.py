"""Deadline reminders and overdue notices (the periodic job): a reminder when the deadline comes within
SUGGESTION_REMIND_DAYS and a last one three days before, an overdue notice once to the unit and the
liaison office — only for the current round of items still being handled."""

import datetime

import pytest

from liaison.notifications.models import Notification
from liaison.notifications.schedule import get_job
from liaison.proposals import handling, motions, tasks
from liaison.proposals.models import Assignment

pytestmark = pytest.mark.django_db


def count(user, kind: str) -> int:
    return Notification.objects.filter(user=user, kind=kind).count()


def test_reminders_before_the_deadline_and_one_overdue_notice(pw):
    suggestion, _rows = pw.assigned()
    deadline = suggestion.deadline
    remind = handling.assignments_remind
    assert remind(today=deadline - datetime.timedelta(days=20)) == (0, 0)
    assert remind(today=deadline - datetime.timedelta(days=14)) == (2, 0)  # the lead unit and the co-unit
    assert count(pw.users["edu_unit"], "proposal.due_soon") == 1
    assert count(pw.users["gov_unit"], "proposal.due_soon") == 1
    assert remind(today=deadline - datetime.timedelta(days=14)) == (0, 0)  # once a day at most
    assert remind(today=deadline - datetime.timedelta(days=10)) == (0, 0)  # already reminded
    assert remind(today=deadline - datetime.timedelta(days=3)) == (2, 0)  # the last call
    assert remind(today=deadline - datetime.timedelta(days=1)) == (0, 0)
    assert count(pw.users["edu_unit"], "proposal.due_soon") == 2
    row = Notification.objects.filter(user=pw.users["edu_unit"], kind="proposal.due_soon").latest("id")
    assert deadline.isoformat() in row.body
    assert remind(today=deadline + datetime.timedelta(days=1)) == (0, 2)
    assert remind(today=deadline + datetime.timedelta(days=2)) == (0, 0)
    assert count(pw.users["edu_unit"], "proposal.overdue") == 1
    assert count(pw.users["officer"], "proposal.overdue") == 2  # one notice per late unit
    assert Assignment.objects.filter(suggestion=suggestion, overdue_notified=True).count() == 2


def test_an_approved_extension_starts_the_reminders_again(pw):
    suggestion, rows = pw.assigned(co=())
    (lead,) = rows
    assert handling.assignments_remind(today=lead.deadline - datetime.timedelta(days=2)) == (1, 0)
    new = lead.deadline + datetime.timedelta(days=30)
    extension = handling.extension_request(
        actor=pw.users["edu_unit"], assignment_id=lead.pk, deadline=new, reason="需协调"
    )
    handling.extension_decide(
        actor=pw.users["officer"], extension_id=extension.pk, approve=True, explanation="同意延期"
    )
    assert handling.assignments_remind(today=lead.deadline + datetime.timedelta(days=1)) == (0, 0)  # not late now
    assert handling.assignments_remind(today=new - datetime.timedelta(days=14)) == (1, 0)


def test_nothing_is_sent_once_the_round_is_answered(pw):
    suggestion, _rows = pw.assigned()
    pw.reply(suggestion)  # the co-unit never sent its opinion; the round is over anyway
    assert handling.assignments_remind(today=suggestion.deadline + datetime.timedelta(days=1)) == (0, 0)
    assert not Notification.objects.filter(kind__in=["proposal.due_soon", "proposal.overdue"]).exists()


def test_accepted_motions_are_reminded_too(pw):
    motion = pw.motion_accepted()
    (lead,) = motions.motion_assign(
        actor=pw.users["officer"], motion_id=motion.pk, organ=pw.organ, lead_unit=pw.units["county_gov"]
    )
    assert handling.assignments_remind(today=lead.deadline + datetime.timedelta(days=1)) == (0, 1)
    assert count(pw.users["gov_unit"], "proposal.overdue") == 1


def test_the_periodic_job_runs_the_reminders(pw):
    job = get_job("proposals.remind_deadlines")
    assert job.every == datetime.timedelta(hours=1)
    pw.assigned()
    assert tasks.remind_deadlines.call() == [0, 0]  # due in three months: nothing yet
