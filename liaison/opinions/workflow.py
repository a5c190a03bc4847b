"""The opinion workflow of DESIGN §4 in one table: for every action, the states it may start from,
the state it leads to, and who may take it. Services call `check`; nothing else decides.

Who ("capacities" of a user towards one opinion, computed by `rules.capacities`):
- handler: the liaison office of the congress whose queue holds the opinion (an officer whose region
  covers `queue_path`), or the staff of the station where it was collected, as long as it has not been
  escalated out of the station's hands;
- receiver: the deputy who received the citizen (may answer on the spot);
- unit: staff of a handling unit with a live assignment of the opinion;
- citizen: the submitter, proven by the receipt kept in their browser or an SMS code.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Opinion

S = Opinion.Status


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str | None  # None: the service decides (e.g. reply, return visit)
    by: frozenset
    label: object


def _t(sources, target, by, label):
    return Transition(frozenset(sources), target, frozenset(by), label)


TRANSITIONS: dict[str, Transition] = {
    "accept": _t({S.SUBMITTED, S.ESCALATED}, S.ACCEPTED, {"handler"}, _("accept")),
    "answer_on_spot": _t(
        {S.SUBMITTED, S.ACCEPTED}, S.ANSWERED_ON_SPOT, {"handler", "receiver"}, _("answer on the spot")
    ),
    "assign": _t({S.ACCEPTED, S.ASSIGNED}, S.ASSIGNED, {"handler"}, _("assign to a unit")),
    "escalate": _t({S.ACCEPTED}, S.ESCALATED, {"handler"}, _("escalate to the upper congress")),
    "redirect": _t({S.SUBMITTED, S.ACCEPTED}, S.REDIRECTED, {"handler"}, _("redirect")),
    "merge": _t({S.SUBMITTED, S.ACCEPTED}, S.MERGED, {"handler"}, _("merge into an earlier opinion")),
    "withdraw_assignment": _t({S.ASSIGNED}, None, {"handler"}, _("withdraw an assignment")),
    "decide_extension": _t({S.ASSIGNED}, S.ASSIGNED, {"handler"}, _("decide on more time")),
    "unit_accept": _t({S.ASSIGNED}, S.ASSIGNED, {"unit"}, _("accept the assignment")),
    "unit_return": _t({S.ASSIGNED}, None, {"unit"}, _("send back")),
    "unit_contact": _t({S.ASSIGNED}, S.ASSIGNED, {"unit"}, _("record a contact")),
    "unit_extension": _t({S.ASSIGNED}, S.ASSIGNED, {"unit"}, _("ask for more time")),
    "reply": _t({S.ASSIGNED}, None, {"unit"}, _("reply")),
    "feed_back": _t({S.REPLIED}, S.FED_BACK, {"handler"}, _("feed back to the citizen")),
    "rate": _t({S.FED_BACK, S.ANSWERED_ON_SPOT}, None, {"citizen"}, _("rate the answer")),
    "return_visit": _t({S.FED_BACK, S.ANSWERED_ON_SPOT}, None, {"handler"}, _("return visit")),
    "close": _t({S.FED_BACK, S.ANSWERED_ON_SPOT, S.REDIRECTED}, S.CLOSED, {"handler"}, _("close")),
    "publish": _t({S.ANSWERED_ON_SPOT, S.FED_BACK, S.CLOSED}, None, {"handler"}, _("publish")),
    "unpublish": _t({S.ANSWERED_ON_SPOT, S.FED_BACK, S.CLOSED}, None, {"handler"}, _("withdraw publication")),
}

# What the timeline calls each step: the transitions, and the steps that are not a user's action.
EVENT_LABELS = {
    **{name: t.label for name, t in TRANSITIONS.items()},
    "submit": _("received"),
    "reopen": _("reopened: the citizen was not satisfied"),
    "taken_up": S.CONVERTED.label,  # a deputy raised it in a suggestion (liaison.proposals)
}

# Opinions still waiting for someone: the triage queue and the deadline machinery look at these.
OPEN_STATES = frozenset(S(value) for value in Opinion.OPEN_STATUSES)  # the column `still_open`
# States in which the citizen has an answer to read.
ANSWERED_STATES = frozenset({S.ANSWERED_ON_SPOT, S.FED_BACK, S.CLOSED})
LIVE_ASSIGNMENT = ("pending", "accepted")


def allowed(action: str, status: str, capacities: set[str]) -> bool:
    t = TRANSITIONS[action]
    return status in t.sources and bool(t.by & capacities)


def actions_for(opinion: Opinion, capacities: set[str]) -> list[str]:
    """The actions a user may take on the opinion now (the buttons of its page)."""
    return [name for name in TRANSITIONS if allowed(name, opinion.status, capacities)]
