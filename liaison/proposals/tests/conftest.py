"""Fixtures of the proposals tests: the shared world (liaison.core.testing) plus, for the county
congress, deputies with serving mandates and their accounts, a deputy of another county's congress, a
deputy whose mandate ended, the congress's organs, a session three weeks ahead whose notice went out
yesterday (session suggestions and motions can go in; no session runs today, so interim suggestions
can too), and staff of two county units.

`pw` gives everything, with helpers that take an item through the services to a given state."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from liaison.core.testing import World, make_user
from liaison.deputies.services import mandate_change_status
from liaison.proposals import handling, motions, services
from liaison.proposals.models import Assignment, Motion, Suggestion
from liaison.regions.services import congress_update, organ_create, session_create, term_update
from liaison.stations.tests.conftest import make_deputy

TITLE = "关于改善县城主干道交通拥堵的建议"
TEXT = "县城主干道早晚高峰拥堵严重，建议优化信号灯配时、增设公交专用道，并规划建设停车场。"
REPLY = "我局已会同交警部门完成主干道信号灯配时优化，并将在明年建成两处公共停车场。"


def today() -> datetime.date:
    return timezone.localdate()


@dataclass
class ProposalWorld:
    w: World
    congress: object
    term: object
    session: object
    organ: object
    committee: object
    persons: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    organs: dict = field(default_factory=dict)

    # --- suggestions through the services ---

    def draft(self, lead: str = "li", cosigners=(), **kwargs) -> Suggestion:
        args = {"congress": self.congress, "title": TITLE, "text": TEXT}
        args.update(kwargs)
        suggestion = services.suggestion_create_draft(actor=self.users[lead], **args)
        if cosigners:
            services.suggestion_invite(
                actor=self.users[lead], suggestion_id=suggestion.pk, persons=[self.persons[c] for c in cosigners]
            )
            for name in cosigners:
                services.suggestion_confirm(actor=self.users[name], suggestion_id=suggestion.pk)
        return Suggestion.objects.get(pk=suggestion.pk)

    def submitted(self, lead: str = "li", cosigners=(), **kwargs) -> Suggestion:
        suggestion = self.draft(lead, cosigners, **kwargs)
        return services.suggestion_submit(actor=self.users[lead], suggestion_id=suggestion.pk)

    def registered(self, lead: str = "li", cosigners=(), **kwargs) -> Suggestion:
        suggestion = self.submitted(lead, cosigners, **kwargs)
        return services.suggestion_register(actor=self.users["officer"], suggestion_id=suggestion.pk)

    def assigned(self, lead: str = "li", cosigners=(), co=("county_gov",), **kwargs) -> tuple[Suggestion, list]:
        suggestion = self.registered(lead, cosigners, **kwargs)
        rows = services.suggestion_assign(
            actor=self.users["officer"],
            suggestion_id=suggestion.pk,
            organ=self.organ,
            lead_unit=self.units["county_edu"],
            co_units=[self.units[u] for u in co],
        )
        return Suggestion.objects.get(pk=suggestion.pk), rows

    def lead_assignment(self, item) -> Assignment:
        fk = "motion" if isinstance(item, Motion) else "suggestion"
        return Assignment.objects.get(
            **{fk: item}, role="lead", status__in=["pending", "accepted"], round=getattr(item, "round", 1)
        )

    def reply(self, item, answer_class: str = "A", **kwargs):
        assignment = self.lead_assignment(item)
        return handling.assignment_reply(
            actor=self.users["edu_unit"], assignment_id=assignment.pk, answer_class=answer_class, text=REPLY, **kwargs
        )

    def replied(self, lead: str = "li", cosigners=(), **kwargs) -> Suggestion:
        suggestion, _rows = self.assigned(lead, cosigners, **kwargs)
        self.reply(suggestion)
        return Suggestion.objects.get(pk=suggestion.pk)

    # --- motions through the services ---

    def motion_draft(self, lead: str = "li", cosigners=(), **kwargs) -> Motion:
        args = {
            "congress": self.congress,
            "session": self.session,
            "title": "关于制定县城市容环境卫生管理办法的议案",
            "grounds": "县城环境卫生管理缺乏统一规范，群众反映强烈，现行规定已不适应城市发展。",
            "plan": "建议县人大常委会组织制定县城市容环境卫生管理办法，明确责任主体与监督机制。",
        }
        args.update(kwargs)
        motion = motions.motion_create_draft(actor=self.users[lead], **args)
        if cosigners:
            motions.motion_invite(
                actor=self.users[lead], motion_id=motion.pk, persons=[self.persons[c] for c in cosigners]
            )
            for name in cosigners:
                motions.motion_confirm(actor=self.users[name], motion_id=motion.pk)
        return Motion.objects.get(pk=motion.pk)

    def motion_submitted(self, **kwargs) -> Motion:
        motion = self.motion_draft(cosigners=("zhang", "wang"), **kwargs)
        return motions.motion_submit(actor=self.users["li"], motion_id=motion.pk)

    def motion_reviewed(self, **kwargs) -> Motion:
        motion = self.motion_submitted(**kwargs)
        return motions.motion_review(
            actor=self.users["officer"], motion_id=motion.pk, opinion="议案审查委员会建议列为本次会议议案。"
        )

    def motion_accepted(self, **kwargs) -> Motion:
        motion = self.motion_reviewed(**kwargs)
        return motions.motion_accept(actor=self.users["officer"], motion_id=motion.pk)


DEPUTIES = {
    "li": "李代表",
    "zhang": "张代表",
    "wang": "王代表",
    "zhao": "赵代表",
    "chen": "陈代表",
    "zhou": "周代表",  # whose mandate ends
}


@pytest.fixture
def pw(world) -> ProposalWorld:
    day = today()
    congress = world.congresses["county"]
    congress = congress_update(actor=None, congress=congress, name=congress.name, motion_threshold=3)
    term = world.terms["county"]
    if term.end_date < day + datetime.timedelta(days=400):
        term = term_update(
            actor=None,
            term=term,
            number=term.number,
            start_date=term.start_date,
            end_date=day + datetime.timedelta(days=400),
        )
    session = session_create(
        actor=None,
        term=term,
        number=3,
        start_date=day + datetime.timedelta(days=20),
        end_date=day + datetime.timedelta(days=24),
        notice_date=day - datetime.timedelta(days=1),
    )
    organ = organ_create(actor=None, congress=congress, kind="standing_committee", name="甲一县人大常委会")
    committee = organ_create(actor=None, congress=congress, kind="special_committee", name="甲一县人大财政经济委员会")
    p = ProposalWorld(w=world, congress=congress, term=term, session=session, organ=organ, committee=committee)
    p.organs = {
        "standing": organ,
        "committee": committee,
        "working": organ_create(actor=None, congress=congress, kind="working_body", name="甲一县人大代表工作委员会"),
        "other": organ_create(actor=None, congress=world.congresses["county2"], kind="standing_committee", name="甲二县人大常委会"),
    }  # fmt: skip
    p.users = dict(world.users)
    for key, name in DEPUTIES.items():
        p.persons[key] = make_deputy(world, "county", name)
        p.users[key] = make_user(f"d_{key}", name=name, roles=[("deputy", {"person": p.persons[key]})])
    p.persons["sun"] = make_deputy(world, "county2", "孙代表")  # a deputy of another county's congress
    p.users["sun"] = make_user("d_sun", name="孙代表", roles=[("deputy", {"person": p.persons["sun"]})])
    mandate = p.persons["zhou"].mandates.get()
    mandate_change_status(actor=None, mandate=mandate, status="resigned", date=day, reason="辞去代表职务")
    p.units = dict(world.units)
    p.users["edu_unit"] = world.users["unit"]  # staff of county_edu
    p.users["gov_unit"] = make_user(
        "gov_unit", name="县政府办理员", roles=[("handling_unit", {"unit": world.units["county_gov"]})]
    )
    p.users["other_unit"] = make_user(
        "other_unit", name="乙县教育局办理员", roles=[("handling_unit", {"unit": world.units["other_edu"]})]
    )
    return p
