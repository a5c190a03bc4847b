"""Re-handling after a dissatisfied return visit: the opinion goes back to the unit that answered it
(a township matter has only the township government to go to)."""

import pytest

from liaison.core.exceptions import ValidationFailed
from liaison.opinions import services
from liaison.opinions.models import Assignment, Opinion

from .test_services import assigned, fed_back

S = Opinion.Status


def test_a_unit_that_replied_is_not_assigned_the_same_opinion_twice(ow, submit):
    opinion, rows = assigned(ow, submit, ow.units["town_gov"], ow.units["town_water"])
    gov = next(a for a in rows if a.unit == ow.units["town_gov"])
    services.assignment_reply(
        actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=gov.pk, text="已安排施工队本周内修复路面。"
    )
    assert Opinion.objects.get(pk=opinion.pk).status == S.ASSIGNED  # the water station has not replied
    with pytest.raises(ValidationFailed):
        services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]])


def test_reopened_opinion_goes_back_to_the_unit_that_replied(ow, submit):
    opinion = fed_back(ow, submit)
    services.opinion_return_visit(
        actor=ow.users["staff"], opinion_id=opinion.pk, satisfaction="dissatisfied", method="phone", comment="没修好"
    )
    (again,) = services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]])
    assert Opinion.objects.get(pk=opinion.pk).status == S.ASSIGNED
    assert Assignment.objects.filter(opinion=opinion, unit=ow.units["town_gov"]).count() == 2
    # one live assignment per unit still holds
    with pytest.raises(ValidationFailed):
        services.opinion_assign(actor=ow.users["staff"], opinion_id=opinion.pk, units=[ow.units["town_gov"]])
    services.assignment_reply(
        actor=ow.users["town_unit"], opinion_id=opinion.pk, assignment_id=again.pk, text="已重新施工，路面全部修复。"
    )
    opinion = Opinion.objects.get(pk=opinion.pk)
    assert opinion.status == S.REPLIED
    assert "已重新施工" in services.replies_text(opinion)
