"""Writes of the motion workflow (议案, DESIGN §6; 003 §13–19).

A motion is raised by deputies of the congress — at least Congress.motion_threshold of them signing,
the lead included (10 at county level and above, 003 §13) — or by a delegation or the presidium,
whose motions the liaison office drafts and submits for them. It states its cause, grounds and plan
(案由、案据、方案, 003 §16) and goes in before the session's deadline (003 §18). The review committee
reports (the office records its opinion, and whether the matter is outside the congress's powers,
003 §15); the presidium decides: accepted as a motion, or handled as a suggestion. Until the vote the
proposers may withdraw it with the presidium's consent. Accepted motions are assigned and handled
like suggestions (handling.py) and the handling is reported to the standing committee.

Decisions:
- **Deadline.** Session.motion_deadline; when none is recorded, the end of the session's opening day
  in Asia/Shanghai.
- **Signatures.** Only confirmed signers count; every one of them must still hold a serving mandate
  at submission. Invitations still unanswered at submission are dropped (named on the timeline): a
  motion does not wait for every deputy asked, only for enough of them.
- **Numbers** are given at submission, from the (motion, term, session) sequence.
- **Outside the congress's powers.** A motion the review committee found outside the congress's
  powers cannot be accepted as a motion; the presidium may have it handled as a suggestion.
- **Conversion** makes a submitted suggestion (from_motion set, the signers copied as confirmed,
  timing "session") that the office then registers; its timeline starts with the motion's steps.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core.audit import snapshot
from liaison.core.exceptions import ValidationFailed
from liaison.deputies.models import Delegation
from liaison.regions.models import Congress, Session

from . import events, rules
from . import exceptions as errors
from . import services as base
from .models import Motion, NumberSequence, Signer, Suggestion

M = Motion.Status


# --- helpers ---------------------------------------------------------------------------------------


def motion_deadline(session: Session) -> datetime.datetime:
    """The moment motions stop being taken: the session's deadline, or the end of its opening day
    (Asia/Shanghai) when none is recorded."""
    if session.motion_deadline is not None:
        return session.motion_deadline
    end_of_day = datetime.datetime.combine(session.start_date, datetime.time(23, 59, 59, 999999))
    return timezone.make_aware(end_of_day, timezone.get_default_timezone())


def _check_open(session: Session) -> None:
    deadline = motion_deadline(session)
    if base.now() > deadline:
        raise errors.DeadlinePassed(
            _("The deadline for motions to this session was %(at)s.")
            % {"at": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
            field="session",
        )


def _texts(title, grounds, plan) -> tuple[str, str, str]:
    errs = {}
    values = []
    for field, value, label, minimum, maximum in (
        ("title", title, _("The cause (案由)"), 2, 200),
        ("grounds", grounds, _("The grounds (案据)"), 10, 20000),
        ("plan", plan, _("The plan (方案)"), 10, 20000),
    ):
        try:
            values.append(base.clean_text(value, field=field, minimum=minimum, maximum=maximum, label=label))
        except ValidationFailed as exc:
            errs[field] = [str(exc.message)]
    if errs:
        first = next(iter(errs))
        raise ValidationFailed(errs[first][0], field=first, errors=errs)
    return values[0], values[1], values[2]


def _session_of(congress: Congress, session) -> Session:
    if session in (None, ""):
        raise ValidationFailed(_("Choose the session."), field="session")
    wrong = ValidationFailed(_("Choose a session of this congress."), field="session")
    found = Session.objects.select_related("term").filter(pk=base.id_or(session, wrong)).first()
    if found is None or found.term.congress_id != congress.pk:
        raise wrong
    return found


def threshold(motion: Motion) -> int:
    return motion.congress.motion_threshold


def signature_count(motion: Motion) -> int:
    return motion.signers.filter(status=Signer.Status.CONFIRMED).count()


# --- drafting --------------------------------------------------------------------------------------


@transaction.atomic
def motion_create_draft(
    *,
    actor,
    congress: Congress,
    session: Session,
    title: str,
    grounds: str,
    plan: str,
    proposer: str = Motion.Proposer.DEPUTIES,
    delegation: Delegation | None = None,
) -> Motion:
    """A deputy drafts a motion (they lead it and collect signatures), or the liaison office drafts one
    for a delegation or the presidium."""
    congress = base.congress_of(congress)
    session = _session_of(congress, session)
    if proposer not in Motion.Proposer.values:
        raise ValidationFailed(_("Say who raises the motion."), field="proposer")
    title, grounds, plan = _texts(title, grounds, plan)
    mandate = None
    if proposer == Motion.Proposer.DEPUTIES:
        if not rules.can(actor, "draft"):
            raise errors.NotADeputy()
        mandate = base.actor_mandate(actor, congress)
        if mandate.term_id != session.term_id:
            raise ValidationFailed(_("Choose a session of the current term."), field="session")
        delegation = None
    else:
        if not rules.office_covers(actor, congress.region.path):
            raise errors.NotYourStep(_("The liaison office enters the motions of delegations and of the presidium."))
        if proposer == Motion.Proposer.DELEGATION:
            wrong = ValidationFailed(_("Choose a delegation of this congress."), field="delegation")
            if delegation in (None, ""):
                raise wrong
            delegation = Delegation.objects.filter(pk=base.id_or(delegation, wrong)).first()
            if delegation is None or delegation.congress_id != congress.pk:
                raise wrong
        else:
            delegation = None
    _check_open(session)
    motion = Motion.objects.create(
        congress=congress,
        term=session.term,
        session=session,
        region_path=congress.region.path,
        proposer=proposer,
        delegation=delegation,
        lead=mandate.person if mandate else None,
        title=title,
        grounds=grounds,
        plan=plan,
        created_by=actor,
    )
    if mandate is not None:
        Signer.objects.create(
            motion=motion,
            person=mandate.person,
            mandate=mandate,
            is_lead=True,
            status=Signer.Status.CONFIRMED,
            responded_at=base.now(),
        )
    base.record_created(motion, actor=actor, data={"proposer": proposer})
    return motion


@transaction.atomic
def motion_update(*, actor, motion_id, title: str, grounds: str, plan: str, version=None) -> Motion:
    """Cause, grounds and plan, all three required (003 §16). A changed text asks the deputies who
    signed it again."""
    motion, _caps = base.begin(Motion, actor, motion_id, "edit", version=version)
    before = snapshot(motion)
    title, grounds, plan = _texts(title, grounds, plan)
    changed = (title, grounds, plan) != (motion.title, motion.grounds, motion.plan)
    motion.title, motion.grounds, motion.plan = title, grounds, plan
    data = {}
    if changed:
        asked = base.reask_confirmations(motion)
        if asked:
            data["asked_again"] = asked
    base.record(motion, actor=actor, action="edit", from_status=motion.status, data=data, before=before)
    return motion


@transaction.atomic
def motion_invite(*, actor, motion_id, persons, version=None) -> list[Signer]:
    """The lead asks deputies of the same congress (serving in the session's term) to sign."""
    motion, _caps = base.begin(Motion, actor, motion_id, "invite", version=version)
    rows = base.invite_signers(motion, actor=actor, persons=persons, congress=motion.congress, term=motion.term)
    before = motion.status
    motion.status = M.COLLECTING
    base.record(
        motion,
        actor=actor,
        action="invite",
        from_status=before,
        data={"persons": [s.person_id for s in rows], "names": [s.person.name for s in rows]},
    )
    return rows


@transaction.atomic
def motion_remove_signer(*, actor, motion_id, signer_id, version=None) -> None:
    motion, _caps = base.begin(Motion, actor, motion_id, "remove_signer", version=version)
    base.remove_signer(motion, actor=actor, signer_id=signer_id)


@transaction.atomic
def motion_confirm(*, actor, motion_id, version=None) -> Signer:
    motion, _caps = base.begin(Motion, actor, motion_id, "confirm", version=version)
    _check_open(motion.session)
    return base.answer_invitation(motion, actor=actor, confirm=True)


@transaction.atomic
def motion_decline(*, actor, motion_id, comment: str = "", version=None) -> Signer:
    motion, _caps = base.begin(Motion, actor, motion_id, "decline", version=version)
    return base.answer_invitation(motion, actor=actor, confirm=False, comment=comment)


@transaction.atomic
def motion_submit(*, actor, motion_id, version=None) -> Motion:
    """Hand the motion to the session (003 §18): enough signatures of serving deputies (unless a
    delegation or the presidium raises it), before the session's deadline; numbered."""
    motion, caps = base.begin(Motion, actor, motion_id, "submit", version=version)
    by_deputies = motion.proposer == Motion.Proposer.DEPUTIES
    if by_deputies and "lead" not in caps:
        raise errors.NotYourStep(_("The lead deputy submits a motion raised by deputies."))
    _check_open(motion.session)
    _texts(motion.title, motion.grounds, motion.plan)
    confirmed = base.check_signers_serving(motion)
    needed = threshold(motion)
    if by_deputies and len(confirmed) < needed:
        raise errors.ThresholdNotMet(
            _("A motion needs the signatures of at least %(needed)s deputies of the congress; it has %(have)s.")
            % {"needed": needed, "have": len(confirmed)},
            field="signers",
        )
    dropped = list(motion.signers.filter(status=Signer.Status.INVITED).select_related("person"))
    for signer in dropped:
        signer.delete()
    sequence, number = base.next_number(NumberSequence.Kind.MOTION, term=motion.term, session=motion.session)
    before = motion.status
    motion.status = M.SUBMITTED
    motion.sequence = sequence
    motion.number = number
    motion.submitted_at = base.now()
    base.record(
        motion,
        actor=actor,
        action="submit",
        from_status=before,
        data={"number": number, "signatures": len(confirmed), "dropped": [s.person.name for s in dropped]},
    )
    events.emit(events.ItemSubmitted(kind="motion", item_id=motion.pk))
    return motion


@transaction.atomic
def motion_withdraw(*, actor, motion_id, reason: str = "", presidium_consent: bool = False, version=None) -> Motion:
    """Withdrawal: a draft by its lead; a submitted motion, until the presidium's decision, only with
    the presidium's consent, recorded by the office (003 §18)."""
    current = Motion.objects.filter(pk=base.pk_of(motion_id)).values_list("status", flat=True).first()
    consented = current in (M.SUBMITTED, M.UNDER_REVIEW)
    action = "withdraw_consented" if consented else "withdraw"
    motion, _caps = base.begin(Motion, actor, motion_id, action, version=version)
    if motion.status in (M.SUBMITTED, M.UNDER_REVIEW):
        if not presidium_consent:
            raise ValidationFailed(
                _("A submitted motion is withdrawn only with the presidium's consent."), field="presidium_consent"
            )
        reason = base.required_reason(reason, field="reason")
    else:
        reason = base.optional_text(reason)
    before = motion.status
    motion.status = M.WITHDRAWN
    motion.withdrawal_reason = reason
    base.record(
        motion,
        actor=actor,
        action=action,
        from_status=before,
        comment=reason,
        data={"presidium_consent": bool(presidium_consent)} if action == "withdraw_consented" else {},
    )
    if action == "withdraw_consented":
        events.emit(events.MotionDecided(motion_id=motion.pk))
    return motion


# --- review and decision ---------------------------------------------------------------------------


@transaction.atomic
def motion_review(*, actor, motion_id, opinion: str, outside_powers: str = "", version=None) -> Motion:
    """The review committee's opinion (003 §18) and, when it finds the matter outside the congress's
    powers, which of the cases of 003 §15."""
    motion, _caps = base.begin(Motion, actor, motion_id, "review", version=version)
    opinion = base.clean_text(
        opinion, field="opinion", minimum=2, maximum=20000, label=_("The review committee's opinion")
    )
    outside_powers = (outside_powers or "").strip()
    if outside_powers and outside_powers not in Motion.OutsidePowers.values:
        raise ValidationFailed(_("Choose why the matter is outside the congress's powers."), field="outside_powers")
    before = motion.status
    motion.status = M.UNDER_REVIEW
    motion.review_opinion = opinion
    motion.outside_powers = outside_powers
    motion.reviewed_at = base.now()
    base.record(
        motion,
        actor=actor,
        action="review",
        from_status=before,
        comment=opinion,
        data={"outside_powers": outside_powers},
    )
    return motion


@transaction.atomic
def motion_accept(*, actor, motion_id, note: str = "", version=None) -> Motion:
    """The presidium decides: a motion of this session."""
    motion, _caps = base.begin(Motion, actor, motion_id, "accept", version=version)
    if motion.outside_powers:
        raise errors.OutsidePowers(
            _("The review committee found it outside the congress's powers (003 §15: %(case)s): it cannot be "
              "accepted as a motion; have it handled as a suggestion.")
            % {"case": motion.get_outside_powers_display()},
            field="outside_powers",
        )  # fmt: skip
    before = motion.status
    motion.status = M.ACCEPTED
    motion.decided_at = base.now()
    motion.decision_note = base.optional_text(note, maximum=20000)
    base.record(motion, actor=actor, action="accept", from_status=before, comment=motion.decision_note)
    events.emit(events.MotionDecided(motion_id=motion.pk))
    return motion


def _suggestion_text(motion: Motion) -> str:
    """The suggestion's text made of the motion's three parts, each under its heading."""
    cause, grounds, plan = _("Cause (案由)"), _("Grounds (案据)"), _("Plan (方案)")
    return f"{cause}：{motion.title}\n\n{grounds}：\n{motion.grounds}\n\n{plan}：\n{motion.plan}"


@transaction.atomic
def motion_convert(*, actor, motion_id, note: str = "", version=None) -> Suggestion:
    """The presidium has the motion handled as a suggestion: a suggestion of the session is made with
    the motion's text and signers, already submitted, for the office to register."""
    motion, _caps = base.begin(Motion, actor, motion_id, "convert", version=version)
    signers = list(motion.signers.filter(status=Signer.Status.CONFIRMED).select_related("person", "mandate"))
    lead = next((s for s in signers if s.is_lead), None) or (signers[0] if signers else None)
    if lead is None:
        raise ValidationFailed(
            _("Only a motion signed by deputies can be handled as their suggestion."), field="motion"
        )
    before = motion.status
    motion.status = M.CONVERTED
    motion.decided_at = base.now()
    motion.decision_note = base.optional_text(note, maximum=20000)
    suggestion = Suggestion.objects.create(
        congress=motion.congress,
        term=motion.term,
        session=motion.session,
        timing=Suggestion.Timing.SESSION,
        region_path=motion.region_path,
        lead=lead.person,
        title=motion.title,
        text=_suggestion_text(motion),
        from_motion=motion,
        status=Suggestion.Status.SUBMITTED,
        submitted_at=motion.submitted_at or base.now(),
        created_by=actor,
    )
    Signer.objects.bulk_create(
        [
            Signer(
                suggestion=suggestion,
                person=s.person,
                mandate=s.mandate,
                is_lead=s.pk == lead.pk,
                status=Signer.Status.CONFIRMED,
                responded_at=s.responded_at,
            )
            for s in signers
        ]
    )
    base.record(
        motion,
        actor=actor,
        action="convert",
        from_status=before,
        comment=motion.decision_note,
        data={"suggestion": suggestion.pk},
    )
    base.record_created(suggestion, actor=actor, data={"from_motion": motion.pk, "motion_label": motion.label})
    events.emit(events.MotionDecided(motion_id=motion.pk))
    events.emit(events.ItemSubmitted(kind="suggestion", item_id=suggestion.pk))
    return suggestion


# --- handling --------------------------------------------------------------------------------------


@transaction.atomic
def motion_assign(
    *,
    actor,
    motion_id,
    organ,
    lead_unit,
    co_units=(),
    assigned_on: datetime.date | None = None,
    instructions: str = "",
    version=None,
):
    """交办 of an accepted motion (003 §19), with the suggestions' deadline machinery."""
    motion, _caps = base.begin(Motion, actor, motion_id, "assign", version=version)
    rows, data = base.assign_units(
        motion, actor=actor, organ=organ, lead_unit=lead_unit, co_units=co_units, assigned_on=assigned_on
    )
    before = motion.status
    motion.status = M.ASSIGNED
    base.record(
        motion, actor=actor, action="assign", from_status=before, comment=base.optional_text(instructions), data=data
    )
    events.emit(events.ItemAssigned(kind="motion", item_id=motion.pk, assignment_ids=tuple(a.pk for a in rows)))
    return rows


@transaction.atomic
def motion_report(*, actor, motion_id, report: str, version=None) -> Motion:
    """The handling reported to the standing committee (003 §26): the report's gist on the record."""
    motion, _caps = base.begin(Motion, actor, motion_id, "report", version=version)
    report = base.clean_text(report, field="report", minimum=2, maximum=20000, label=_("The report"))
    before = motion.status
    motion.status = M.REPORTED
    base.record(motion, actor=actor, action="report", from_status=before, comment=report)
    return motion
