"""Who is told what along the opinion workflow (through the notification outbox)."""

import pytest
from django.db import transaction

from liaison.notifications.models import Notification
from liaison.opinions import services
from liaison.opinions.models import Opinion

pytestmark = pytest.mark.django_db


def kinds_for(user):
    return set(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_the_station_is_told_of_a_new_opinion(ow, submit):
    submit()
    assert "opinion.received" in kinds_for(ow.users["staff"])
    assert "opinion.received" in kinds_for(ow.users["town_officer"])
    assert not kinds_for(ow.users["other_staff"])


def test_the_unit_is_told_of_an_assignment_and_the_office_of_the_reply(ow, submit):
    opinion = submit()
    services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
    (assignment,) = services.opinion_assign(
        actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]]
    )
    assert "opinion.assigned" in kinds_for(ow.users["town_unit"])
    assert "opinion.assigned" not in kinds_for(ow.users["water_unit"])
    services.assignment_reply(
        actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=assignment.pk, text="已安排修复路面。"
    )
    assert "opinion.replied" in kinds_for(ow.users["staff"])


def test_the_citizen_is_told_by_sms_when_answered(ow, submit):
    opinion = submit(actor=ow.users["staff"], channel="phone", phone="13812345678", notify_by="sms")
    services.opinion_answer_on_spot(actor=ow.users["staff"], opinion_id=opinion.pk, answer="已在电话中解答。")
    sms = Notification.objects.get(kind="opinion.answered", channel="sms")
    assert opinion.tracking_code in sms.body


def test_merged_submitters_are_told_too(ow, submit):
    earlier = submit(actor=ow.users["staff"], channel="phone", phone="13812345678", notify_by="sms")
    later = submit(actor=ow.users["staff"], channel="phone", phone="13900001111", notify_by="sms")
    services.opinion_merge(actor=ow.users["staff"], opinion_id=later.pk, into=earlier.tracking_code)
    services.opinion_answer_on_spot(actor=ow.users["staff"], opinion_id=earlier.pk, answer="已解答。")
    # answered on the spot is not a feed back: the merged one is told when fed back
    assert Notification.objects.filter(kind="opinion.answered", related_id=str(earlier.pk)).count() == 1


def test_a_rolled_back_step_sends_nothing(ow, submit):
    opinion = submit()
    before = Notification.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
        services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]])
        raise RuntimeError("abort")
    assert Notification.objects.count() == before
    assert Opinion.objects.get(pk=opinion.pk).status == Opinion.Status.SUBMITTED


def test_overdue_goes_to_the_unit_and_the_office(ow, submit):
    import datetime

    opinion = submit()
    services.opinion_accept(actor=ow.users["staff"], opinion_id=opinion.pk, level="township")
    (assignment,) = services.opinion_assign(
        actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]]
    )
    services.assignments_remind(today=assignment.deadline + datetime.timedelta(days=1))
    assert "opinion.overdue" in kinds_for(ow.users["town_unit"])
    assert "opinion.overdue" in kinds_for(ow.users["town_officer"])
