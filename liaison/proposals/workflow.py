"""The suggestion and motion workflows of DESIGN §5–6 in two tables: for every action, the states it
may start from, the state it leads to (None: the service decides) and who may take it. Services call
`check`; nothing else decides.

Capacities of a user towards one item (computed by `rules.capacities`):
- lead: the deputy who drafts it (the first signer);
- invitee: a deputy asked to co-sign who has not answered yet;
- signer: a deputy who signed it (lead or confirmed co-signer) — rates the reply;
- office: a liaison officer whose region covers the item's congress (registers, assigns, decides
  extensions, records the review committee's and the presidium's decisions, closes, publishes);
- leadership: leadership of that region (chooses key supervision, 003 §27);
- lead_unit / co_unit: staff of a unit with a lead or co assignment of the item's current round
  (waiting, being handled or answered; the handling steps also check that it is still open);
- lead_unit_any: staff of a unit that held the lead assignment of any round (reports commitments).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Assignment, Motion, Suggestion

S = Suggestion.Status
M = Motion.Status


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str | None
    by: frozenset
    label: object


def _t(sources, target, by, label):
    return Transition(frozenset(sources), target, frozenset(by), label)


HANDLING = {S.ASSIGNED, S.RE_HANDLING}

SUGGESTION_TRANSITIONS: dict[str, Transition] = {
    "edit": _t({S.DRAFT}, S.DRAFT, {"lead"}, _("edit the draft")),
    "invite": _t({S.DRAFT}, S.DRAFT, {"lead"}, _("ask a deputy to co-sign")),
    "remove_signer": _t({S.DRAFT}, S.DRAFT, {"lead"}, _("remove a co-signer")),
    "confirm": _t({S.DRAFT}, S.DRAFT, {"invitee"}, _("confirm as co-signer")),
    "decline": _t({S.DRAFT}, S.DRAFT, {"invitee"}, _("decline to co-sign")),
    "discard": _t({S.DRAFT}, None, {"lead"}, _("discard the draft")),
    "submit": _t({S.DRAFT}, S.SUBMITTED, {"lead"}, _("submit")),
    "register": _t({S.SUBMITTED}, S.REGISTERED, {"office"}, _("register")),
    "refuse": _t({S.SUBMITTED}, S.NOT_REGISTERED, {"office"}, _("do not register")),
    "assign": _t({S.REGISTERED}, S.ASSIGNED, {"office"}, _("assign to units")),
    "reassign": _t(HANDLING, None, {"office"}, _("change the units")),
    "key_supervision": _t(
        {S.REGISTERED, S.ASSIGNED, S.RE_HANDLING, S.REPLIED}, None, {"leadership"}, _("key supervision")
    ),
    "unit_accept": _t(HANDLING, None, {"lead_unit", "co_unit"}, _("accept the assignment")),
    "unit_return": _t(HANDLING, None, {"lead_unit", "co_unit"}, _("send back")),
    "unit_contact": _t(HANDLING, None, {"lead_unit", "co_unit"}, _("record a contact with the deputies")),
    "co_opinion": _t(HANDLING, None, {"co_unit"}, _("send the co-unit's opinion")),
    "request_extension": _t(HANDLING, None, {"lead_unit"}, _("ask for more time")),
    "decide_extension": _t(HANDLING, None, {"office"}, _("decide on more time")),
    "reply": _t(HANDLING, S.REPLIED, {"lead_unit"}, _("reply to the deputies")),
    "rate": _t({S.REPLIED}, None, {"signer"}, _("rate the reply")),
    "fulfil": _t({S.REPLIED, S.EVALUATED, S.CLOSED}, None, {"lead_unit_any"}, _("report a commitment fulfilled")),
    "close": _t({S.REPLIED, S.EVALUATED}, S.CLOSED, {"office"}, _("close")),
    "agree_disclosure": _t(set(S) - {S.NOT_REGISTERED}, None, {"lead"}, _("agree to publication")),
    "publish": _t({S.EVALUATED, S.CLOSED}, None, {"office"}, _("publish")),
    "unpublish": _t({S.EVALUATED, S.CLOSED}, None, {"office"}, _("withdraw publication")),
}

MOTION_TRANSITIONS: dict[str, Transition] = {
    "edit": _t({M.DRAFT, M.COLLECTING}, None, {"lead", "office"}, _("edit the draft")),
    "invite": _t({M.DRAFT, M.COLLECTING}, M.COLLECTING, {"lead"}, _("ask deputies to co-sign")),
    "remove_signer": _t({M.DRAFT, M.COLLECTING}, None, {"lead"}, _("remove a co-signer")),
    "confirm": _t({M.COLLECTING}, M.COLLECTING, {"invitee"}, _("sign")),
    "decline": _t({M.COLLECTING}, M.COLLECTING, {"invitee"}, _("decline to sign")),
    "submit": _t({M.DRAFT, M.COLLECTING}, M.SUBMITTED, {"lead", "office"}, _("submit")),
    # the office for the drafts it enters for a delegation or the presidium (rules.capacities)
    "withdraw": _t({M.DRAFT, M.COLLECTING}, M.WITHDRAWN, {"lead", "office"}, _("withdraw")),
    "withdraw_consented": _t(
        {M.SUBMITTED, M.UNDER_REVIEW}, M.WITHDRAWN, {"office"}, _("withdraw with the presidium's consent")
    ),
    "review": _t({M.SUBMITTED}, M.UNDER_REVIEW, {"office"}, _("record the review committee's opinion")),
    "accept": _t({M.UNDER_REVIEW}, M.ACCEPTED, {"office"}, _("presidium: accept as a motion")),
    "convert": _t({M.UNDER_REVIEW}, M.CONVERTED, {"office"}, _("presidium: handle as a suggestion")),
    "assign": _t({M.ACCEPTED}, M.ASSIGNED, {"office"}, _("assign to units")),
    "unit_accept": _t({M.ASSIGNED}, None, {"lead_unit", "co_unit"}, _("accept the assignment")),
    "unit_return": _t({M.ASSIGNED}, None, {"lead_unit", "co_unit"}, _("send back")),
    "unit_contact": _t({M.ASSIGNED}, None, {"lead_unit", "co_unit"}, _("record a contact with the deputies")),
    "co_opinion": _t({M.ASSIGNED}, None, {"co_unit"}, _("send the co-unit's opinion")),
    "request_extension": _t({M.ASSIGNED}, None, {"lead_unit"}, _("ask for more time")),
    "decide_extension": _t({M.ASSIGNED}, None, {"office"}, _("decide on more time")),
    "reply": _t({M.ASSIGNED}, M.REPLIED, {"lead_unit"}, _("reply")),
    "report": _t({M.REPLIED}, M.REPORTED, {"office"}, _("report the handling to the standing committee")),
    "fulfil": _t({M.REPLIED, M.REPORTED}, None, {"lead_unit_any"}, _("report a commitment fulfilled")),
}

LIVE_ASSIGNMENT = Assignment.LIVE_STATUSES  # the column Assignment.is_live
# Suggestions waiting for a unit: the unit queues, reminders and the overdue board look at these.
SUGGESTION_HANDLING_STATES = frozenset(HANDLING)
MOTION_HANDLING_STATES = frozenset({M.ASSIGNED})


# Timeline steps that are not actions of the tables: what the services record besides.
OTHER_STEPS = {
    "create": _("drafted"),
    "converted_from": _("made from the motion by the presidium's decision"),
    "re_handling": _("sent back for re-handling: a deputy was not satisfied"),
    "evaluated": _("rated by every deputy who signed"),
}


def event_label(event) -> str:
    """A timeline entry's action in the user's words (an Event of either table)."""
    if event.action == "create" and (event.data or {}).get("from_motion"):
        return str(OTHER_STEPS["converted_from"])
    table = MOTION_TRANSITIONS if event.motion_id else SUGGESTION_TRANSITIONS
    if event.action in table:
        return str(table[event.action].label)
    return str(OTHER_STEPS.get(event.action, event.action))


def table_for(item) -> dict[str, Transition]:
    return MOTION_TRANSITIONS if isinstance(item, Motion) else SUGGESTION_TRANSITIONS


def allowed(item, action: str, capacities: set[str]) -> bool:
    t = table_for(item).get(action)
    return t is not None and item.status in t.sources and bool(t.by & capacities)


def actions_for(item, capacities: set[str]) -> list[str]:
    """The actions a user may take on the item now (the buttons of its page)."""
    return [name for name in table_for(item) if allowed(item, name, capacities)]
