"""opinion_register: the work log's entry, registered and (when answered on the spot) answered in
one transaction."""

import pytest

from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.opinions import services
from liaison.opinions.models import Event, Opinion

from .conftest import today


def register(ow, actor, **kwargs):
    args = {
        "actor": actor,
        "channel": Opinion.Channel.VISIT,
        "region": ow.regions["village"],
        "station": ow.station,
        "text": "村民反映自来水水压不足，早晚用水高峰时段经常停水。",
        "received_by": ow.deputy,
        "name": "张大爷",
        "phone": "13812345678",
    }
    args.update(kwargs)
    return services.opinion_register(**args)


def test_registered_without_answer_waits_in_the_queue(ow):
    opinion = register(ow, ow.users["staff"])
    assert opinion.status == Opinion.Status.SUBMITTED
    assert opinion.registered_by == ow.users["staff"]
    assert opinion.received_by == ow.deputy
    assert opinion.received_on == today()
    assert opinion.phone_verified is False  # registered by staff: no SMS code asked
    assert opinion.submitter_phone == "13812345678"
    assert AuditLog.objects.filter(object_id=str(opinion.pk), action=AuditLog.Action.CREATE).exists()


def test_answered_on_the_spot_in_the_same_step(ow):
    opinion = register(ow, ow.users["staff"], answer="已电话联系水务站，明日上午派人检修加压泵。")
    opinion.refresh_from_db()
    assert opinion.status == Opinion.Status.ANSWERED_ON_SPOT
    assert opinion.answer.startswith("已电话联系")
    assert list(Event.objects.filter(opinion=opinion).values_list("action", flat=True)) == [
        "submit",
        "answer_on_spot",
    ]
    assert AuditLog.objects.filter(object_id=str(opinion.pk), action=AuditLog.Action.TRANSITION).exists()


def test_the_deputy_who_received_it_may_answer_it(ow):
    opinion = register(ow, ow.users["deputy"], answer="当场解释了停水检修的安排。")
    assert opinion.status == Opinion.Status.ANSWERED_ON_SPOT
    assert opinion.received_by == ow.deputy


def test_a_rejected_answer_registers_nothing(ow):
    before = Opinion.objects.count()
    with pytest.raises(ValidationFailed) as raised:
        register(ow, ow.users["staff"], answer="好")
    assert raised.value.field == "answer"
    assert Opinion.objects.count() == before


def test_the_same_form_twice_registers_once(ow):
    first = register(ow, ow.users["staff"], answer="当场答复。", idempotency_key="k-1")
    second = register(ow, ow.users["staff"], answer="当场答复。", idempotency_key="k-1")
    assert first.pk == second.pk
    assert Opinion.objects.filter(idempotency_key="k-1").count() == 1


def test_outside_the_users_stations_is_not_found(ow):
    with pytest.raises(NotFound):
        register(ow, ow.users["other_staff"])
