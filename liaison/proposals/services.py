"""Writes of the suggestion workflow (代表建议、批评和意见, DESIGN §5; 003 §20–27, §34), and the machinery
every write of this app shares (motions.py and handling.py build on it).

Every step: lock the item's row, check — in this order — that the user may see it (else NotFound,
the same answer as for a missing item), that the user stands in a capacity the workflow table allows
for the step (NotYourStep), that nobody acted since the version the user saw (ItemChanged), and that
the item is in a state the step starts from (TransitionNotAllowed); then change, write the timeline
entry and the audit record, and emit the domain event whose handler writes the notifications — all in
one transaction, so a rolled-back step leaves nothing and sends nothing.

Decisions worth knowing (docs/proposals.md has the full list):
- **Drafts are the deputies' own.** The liaison office sees a suggestion once it is submitted.
- **Co-signing (003 §22).** Co-signers are deputies with a serving mandate in the same congress and
  term; each confirms or declines. When the lead changes the title or the text, the confirmations
  given so far are asked again: a signature confirms a text, not a draft that changed after it.
  Submission waits until nobody is left unanswered; those who declined do not sign.
- **When a suggestion may go in.** A session suggestion from the session's notice date (its opening
  day when no notice date is recorded) to its closing day; an interim suggestion while no session of
  the term is running (during a session the secretariat takes suggestions as session suggestions,
  003 §23).
- **Opinions taken up.** The opinions a suggestion starts from are linked with the draft; their
  public timelines say "converted to a suggestion" when the suggestion is submitted — not before, so
  a discarded draft never promises the citizen anything.
- **Numbers** are given at registration from a NumberSequence row per (kind, term, session or
  interim) taken under a row lock: no repeats, no gaps among registered suggestions.
- **Assignment (交办, 003 §23–24).** By an organ of the congress that assigns (standing committee,
  its working body, or the presidium where a township congress has no standing committee), to one
  lead unit and any co-units of the congress's own region. Deadline: add_months(assigned_on,
  SUGGESTION_REPLY_MONTHS); latest possible deadline: add_months(assigned_on, SUGGESTION_MAX_MONTHS).
  Each handling round starts a period of its own (re-handling is a new assignment).
- **Rating and re-handling.** When every confirmed signer has rated the round, one 不满意 sends it
  back for re-handling (round + 1, the same units, deadline add_months(today,
  SUGGESTION_REHANDLING_MONTHS)) at most SUGGESTION_REHANDLING_MAX times; beyond that, or when
  nobody is dissatisfied, it is evaluated. The office closes it.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core import deadlines
from liaison.core.audit import audit_record, snapshot
from liaison.core.exceptions import NotFound, ValidationFailed
from liaison.core.models import AuditLog
from liaison.deputies.models import Mandate, Person
from liaison.regions.models import Congress, HandlingUnit, Organ, Session

from . import events, rules
from . import exceptions as errors
from .models import Assignment, Evaluation, Event, Extension, Motion, NumberSequence, Satisfaction, Signer, Suggestion
from .workflow import table_for

S = Suggestion.Status
ASSIGNING_ORGANS = (Organ.Kind.STANDING_COMMITTEE, Organ.Kind.WORKING_BODY, Organ.Kind.PRESIDIUM)
MAX_OPINIONS = 50


# --- clock -----------------------------------------------------------------------------------------


def today() -> datetime.date:
    """Today in Asia/Shanghai. Every date rule of this app asks here (tests move the clock here)."""
    return timezone.localdate()


def now() -> datetime.datetime:
    return timezone.now()


# --- small helpers ---------------------------------------------------------------------------------


def pk_of(value) -> int:
    """An id from a model instance, an int or a string of digits; NotFound for anything else."""
    if hasattr(value, "pk"):
        value = value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def clean_text(value, *, field: str, minimum: int, maximum: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(
            _("%(label)s needs at least %(n)s characters.") % {"label": label, "n": minimum}, field=field
        )
    if len(value) > maximum:
        raise ValidationFailed(
            _("%(label)s can have at most %(n)s characters.") % {"label": label, "n": maximum}, field=field
        )
    return value


def required_reason(value, *, field: str = "comment", label: str | None = None) -> str:
    return clean_text(value, field=field, minimum=2, maximum=2000, label=label or _("The reason"))


def optional_text(value, *, maximum: int = 2000) -> str:
    return (value or "").strip()[:maximum]


def actor_label(actor) -> str:
    if actor is None:
        return _("system")
    return getattr(actor, "name", "") or actor.get_username()


def item_kind(item) -> str:
    return "motion" if isinstance(item, Motion) else "suggestion"


def item_repr(item) -> str:
    return f"{item.label} {item.title}"[:255]


# --- locking and checking --------------------------------------------------------------------------


def lock(model, pk):
    """The item's row, locked until the transaction ends (PostgreSQL; SQLite's write transaction is
    exclusive anyway)."""
    try:
        return (
            model.objects.select_for_update(of=("self",))
            .select_related("congress__region", "term", "session")
            .get(pk=pk_of(pk))
        )
    except model.DoesNotExist:
        raise NotFound() from None


def begin(model, actor, pk, action: str, *, version=None, denied=None):
    """Lock the item, then check scope, capacity, version and state — in that order, so someone outside
    the scope learns nothing about the item's state. Returns (item, capacities)."""
    item = lock(model, pk)
    caps = rules.capacities(actor, item)
    if not caps and not model.objects.filter(rules.visible_q(actor, model), pk=item.pk).exists():
        raise NotFound()
    transition = table_for(item)[action]
    if not (transition.by & caps):
        raise (denied or errors.NotYourStep)()
    if version is not None and str(version).strip() != str(item.version):
        raise errors.ItemChanged()
    if item.status not in transition.sources:
        raise errors.TransitionNotAllowed(
            _("This step is not possible now: it is “%(status)s”.") % {"status": item.get_status_display()}
        )
    return item, caps


def record(
    item,
    *,
    actor,
    action: str,
    from_status: str,
    comment: str = "",
    data: dict | None = None,
    fields: list[str] | None = None,
    before: dict | None = None,
    audit_action: str | None = None,
) -> Event:
    """Save the item (with a new version), add the timeline entry and the audit record."""
    item.version += 1
    if fields is None:
        item.save()
    else:
        item.save(update_fields=[*fields, "version", "updated_at"])
    event = Event.objects.create(
        **{item_kind(item): item},
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor)[:150],
        action=action,
        from_status=from_status,
        to_status=item.status,
        comment=comment,
        data=data or {},
    )
    if audit_action is None:
        audit_action = AuditLog.Action.TRANSITION if from_status != item.status else AuditLog.Action.UPDATE
    audit_record(
        actor=actor,
        action=audit_action,
        obj=item,
        object_repr=item_repr(item),
        before=before if before is not None else {"status": from_status},
        after=snapshot(item) if before is not None else {"status": item.status, **(data or {})},
        reason=f"{action}: {comment}"[:2000] if comment else action,
    )
    return event


def record_created(item, *, actor, data: dict | None = None) -> Event:
    event = Event.objects.create(
        **{item_kind(item): item},
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor)[:150],
        action="create",
        to_status=item.status,
        data=data or {},
    )
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=item, object_repr=item_repr(item), after=snapshot(item)
    )
    return event


# --- numbers ---------------------------------------------------------------------------------------


def next_number(kind: str, *, term, session) -> tuple[NumberSequence, int]:
    """The next registration number of `kind` in the term and session (None: the interim), from the
    sequence row locked for the rest of the transaction. The first number of a sequence creates its
    row; two first numbers at once both try, one insert wins, the other reads the winner's row."""
    for _attempt in range(5):
        sequence = NumberSequence.objects.select_for_update().filter(kind=kind, term=term, session=session).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    sequence = NumberSequence.objects.create(kind=kind, term=term, session=session)
            except IntegrityError:  # created meanwhile by a concurrent first number: read it (and wait)
                continue
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence, sequence.last
    raise errors.ItemChanged()  # pragma: no cover - five lost inserts in a row do not happen


# --- deputies and mandates -------------------------------------------------------------------------


def _serving(qs):
    return qs.filter(status=Mandate.Status.SERVING).filter(Q(end_date__isnull=True) | Q(end_date__gte=today()))


def actor_mandate(actor, congress: Congress) -> Mandate:
    """The user's own serving mandate in the congress (as a deputy)."""
    persons = rules.person_ids_of(actor)
    if not persons:
        raise errors.NotADeputy()
    mandate = (
        _serving(Mandate.objects.filter(person_id__in=persons, congress=congress))
        .select_related("person", "term")
        .order_by("-term__number", "pk")
        .first()
    )
    if mandate is None:
        raise errors.MandateNotServing(
            _("You do not hold a serving mandate in %(congress)s.") % {"congress": congress.name}, field="congress"
        )
    return mandate


def mandate_of(person: Person, congress: Congress, term) -> Mandate:
    """The serving mandate of a deputy asked to sign; a clear error for a deputy of another congress
    and for one whose mandate ended."""
    mandate = (
        _serving(Mandate.objects.filter(person=person, congress=congress, term=term)).select_related("person").first()
    )
    if mandate is not None:
        return mandate
    if Mandate.objects.filter(person=person, congress=congress).exists():
        raise errors.MandateNotServing(
            _("%(name)s no longer holds a serving mandate in %(congress)s.")
            % {"name": person.name, "congress": congress.name},
            field="persons",
        )
    raise errors.OtherCongress(
        _("%(name)s is not a deputy of %(congress)s: only deputies of the same congress can sign together.")
        % {"name": person.name, "congress": congress.name},
        field="persons",
    )


def check_signers_serving(item) -> list[Signer]:
    """Every signer who signed still holds a serving mandate; returns the confirmed signers."""
    confirmed = list(item.signers.filter(status=Signer.Status.CONFIRMED).select_related("mandate", "person"))
    ended = [
        s.person.name
        for s in confirmed
        if s.mandate.status != Mandate.Status.SERVING or (s.mandate.end_date and s.mandate.end_date < today())
    ]
    if ended:
        raise errors.MandateNotServing(
            _("These deputies no longer hold a serving mandate: %(names)s. Remove them first.")
            % {"names": "、".join(ended)},
            field="signers",
        )
    return confirmed


def persons_from(values) -> list[Person]:
    ids = []
    for value in values or []:
        if value in (None, ""):
            continue
        try:
            ids.append(pk_of(value))
        except NotFound:
            raise ValidationFailed(_("Choose the deputies from the list."), field="persons") from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationFailed(_("Choose at least one deputy."), field="persons")
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise ValidationFailed(_("Choose the deputies from the list."), field="persons")
    return [found[pk] for pk in ids]


def invite_signers(item, *, actor, persons, congress, term) -> list[Signer]:
    """Ask deputies to co-sign (suggestions and motions alike): checked, then created or re-asked
    (a deputy who declined may be asked again); each is notified."""
    people = persons_from(persons)
    existing = {s.person_id: s for s in item.signers.all()}
    plan = []
    for person in people:
        mandate = mandate_of(person, congress, term)
        current = existing.get(person.pk)
        if current is not None and current.status != Signer.Status.DECLINED:
            raise ValidationFailed(
                _("%(name)s is already on the list of signers.") % {"name": person.name}, field="persons"
            )
        plan.append((person, mandate, current))
    rows = []
    for person, mandate, current in plan:
        if current is None:
            current = Signer.objects.create(
                **{item_kind(item): item}, person=person, mandate=mandate, status=Signer.Status.INVITED
            )
        else:
            current.status = Signer.Status.INVITED
            current.mandate = mandate
            current.responded_at = None
            current.save(update_fields=["status", "mandate", "responded_at", "updated_at"])
        rows.append(current)
    for signer in rows:
        events.emit(events.CosignRequested(signer_id=signer.pk))
    return rows


def own_invitation(item, actor) -> Signer:
    signer = (
        item.signers.select_for_update()
        .select_related("mandate", "person")
        .filter(person_id__in=rules.person_ids_of(actor), status=Signer.Status.INVITED)
        .first()
    )
    if signer is None:
        raise errors.NotYourStep()
    return signer


def answer_invitation(item, *, actor, confirm: bool, comment: str = "") -> Signer:
    signer = own_invitation(item, actor)
    if confirm:
        mandate = signer.mandate
        if mandate.status != Mandate.Status.SERVING or (mandate.end_date and mandate.end_date < today()):
            raise errors.MandateNotServing(_("Your mandate in this congress has ended: you cannot sign."))
    signer.status = Signer.Status.CONFIRMED if confirm else Signer.Status.DECLINED
    signer.responded_at = now()
    signer.save(update_fields=["status", "responded_at", "updated_at"])
    record(
        item,
        actor=actor,
        action="confirm" if confirm else "decline",
        from_status=item.status,
        comment=optional_text(comment),
        data={"person": signer.person_id, "name": signer.person.name},
        fields=[],
    )
    events.emit(events.CosignAnswered(signer_id=signer.pk))
    return signer


def remove_signer(item, *, actor, signer_id) -> None:
    signer = item.signers.select_related("person").filter(pk=pk_of(signer_id)).first()
    if signer is None:
        raise NotFound()
    if signer.is_lead:
        raise ValidationFailed(_("The lead deputy cannot be removed."), field="signer")
    signer.delete()
    record(
        item,
        actor=actor,
        action="remove_signer",
        from_status=item.status,
        data={"person": signer.person_id, "name": signer.person.name},
        fields=[],
    )


def reask_confirmations(item) -> list[str]:
    """The text changed: every co-signer who confirmed is asked again."""
    rows = list(item.signers.filter(is_lead=False, status=Signer.Status.CONFIRMED).select_related("person"))
    for signer in rows:
        signer.status = Signer.Status.INVITED
        signer.responded_at = None
        signer.save(update_fields=["status", "responded_at", "updated_at"])
    for signer in rows:
        events.emit(events.CosignRequested(signer_id=signer.pk))
    return [s.person.name for s in rows]


# --- units and organs ------------------------------------------------------------------------------


def assigning_organs(congress: Congress):
    return Organ.objects.filter(congress=congress, kind__in=ASSIGNING_ORGANS)


def supervising_organs(congress: Congress):
    return Organ.objects.filter(congress=congress, kind=Organ.Kind.SPECIAL_COMMITTEE)


def units_for(congress: Congress):
    """The handling units an item of the congress may be assigned to: the active units of its region."""
    return HandlingUnit.objects.filter(region_id=congress.region_id, is_active=True)


def id_or(value, error):
    """An id from a form value, or `error` (an ApplicationError) for anything that is not one."""
    try:
        return pk_of(value)
    except NotFound:
        raise error from None


def congress_of(value) -> Congress:
    if value in (None, ""):
        raise ValidationFailed(_("Choose the congress."), field="congress")
    congress_id = id_or(value, ValidationFailed(_("Choose the congress."), field="congress"))
    congress = Congress.objects.select_related("region").filter(pk=congress_id).first()
    if congress is None:
        raise ValidationFailed(_("Choose the congress."), field="congress")
    return congress


def check_organ(congress: Congress, organ, *, kinds, field: str, message: str) -> Organ:
    if organ in (None, ""):
        raise errors.WrongOrgan(message, field=field)
    organ = Organ.objects.filter(pk=id_or(organ, errors.WrongOrgan(message, field=field))).first()
    if organ is None or organ.congress_id != congress.pk or organ.kind not in kinds:
        raise errors.WrongOrgan(message, field=field)
    return organ


def check_units(congress: Congress, lead_unit, co_units) -> tuple[HandlingUnit, list[HandlingUnit]]:
    if lead_unit in (None, ""):
        raise errors.WrongUnit(_("Choose the lead unit."), field="lead_unit")
    wrong = errors.WrongUnit(_("Choose the units from the list."), field="lead_unit")
    ids = [id_or(lead_unit, wrong), *[id_or(u, wrong) for u in (co_units or []) if u not in (None, "")]]
    units = {u.pk: u for u in HandlingUnit.objects.filter(pk__in=ids)}
    lead = units.get(ids[0])
    co_ids = list(dict.fromkeys(ids[1:]))
    if lead is None or any(pk not in units for pk in co_ids):
        raise errors.WrongUnit(_("Choose the units from the list."), field="lead_unit")
    if lead.pk in co_ids:
        raise errors.WrongUnit(_("The lead unit cannot also be a co-unit."), field="co_units")
    for unit in [lead, *(units[pk] for pk in co_ids)]:
        if not unit.is_active or unit.region_id != congress.region_id:
            raise errors.WrongUnit(
                _("“%(unit)s” is not an active handling unit of %(region)s.")
                % {"unit": unit.name, "region": congress.region.name},
                field="lead_unit" if unit.pk == lead.pk else "co_units",
            )
    return lead, [units[pk] for pk in co_ids]


def create_assignments(
    item, *, actor, lead: HandlingUnit, co: list[HandlingUnit], assigned_on, deadline, round_: int
) -> list[Assignment]:
    by = actor if getattr(actor, "is_authenticated", False) else None
    rows = []
    for unit, role in [(lead, Assignment.Role.LEAD), *((u, Assignment.Role.CO) for u in co)]:
        rows.append(
            Assignment.objects.create(
                **{item_kind(item): item},
                unit=unit,
                role=role,
                round=round_,
                assigned_on=assigned_on,
                deadline=deadline,
                assigned_by=by,
            )
        )
    return rows


def assigned_on_checked(value, item) -> datetime.date:
    """The day of assignment: today, or an earlier day of at most a month ago (an assignment meeting
    recorded afterwards), never before the item was registered or accepted."""
    day = today()
    if value in (None, ""):
        return day
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(_("Enter a valid date."), field="assigned_on")
    if value > day:
        raise ValidationFailed(_("The date of assignment cannot be in the future."), field="assigned_on")
    if value < day - datetime.timedelta(days=31):
        raise ValidationFailed(_("The date of assignment is more than a month ago."), field="assigned_on")
    since = getattr(item, "registered_at", None) or getattr(item, "decided_at", None)
    if since is not None and value < timezone.localdate(since):
        raise ValidationFailed(_("The date of assignment cannot be before the registration."), field="assigned_on")
    return value


# --- suggestions: drafting -------------------------------------------------------------------------


def _session_for(timing: str, session, term) -> Session | None:
    if timing not in Suggestion.Timing.values:
        raise ValidationFailed(_("Say whether it is raised during a session or between sessions."), field="timing")
    if timing == Suggestion.Timing.INTERIM:
        return None
    if session in (None, ""):
        raise ValidationFailed(_("Choose the session."), field="session")
    wrong = ValidationFailed(_("Choose a session of the current term of this congress."), field="session")
    session = Session.objects.filter(pk=id_or(session, wrong)).first()
    if session is None or session.term_id != term.pk:
        raise wrong
    if session.end_date < today():
        raise errors.WrongTiming(
            _("The session closed on %(day)s: raise it as a suggestion between sessions.")
            % {"day": session.end_date.isoformat()},
            field="session",
        )
    return session


def _category_checked(category, congress: Congress):
    if category in (None, ""):
        return None
    from liaison.opinions.services import category_choices

    wrong = ValidationFailed(_("Choose a category from the list."), field="category")
    found = category_choices(congress.region).filter(pk=id_or(category, wrong)).first()
    if found is None:
        raise wrong
    return found


def _opinions_checked(actor, opinion_ids) -> list:
    """Opinions the deputy may see (those they received), to start the suggestion from."""
    from liaison.opinions.models import Opinion
    from liaison.opinions.rules import visible_q as opinion_visible_q

    ids = []
    for value in opinion_ids or []:
        if value in (None, ""):
            continue
        try:
            ids.append(pk_of(value))
        except NotFound:
            raise ValidationFailed(_("Choose the opinions from the list."), field="opinions") from None
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_OPINIONS:
        raise ValidationFailed(_("At most %(n)s opinions.") % {"n": MAX_OPINIONS}, field="opinions")
    found = list(Opinion.objects.filter(opinion_visible_q(actor), pk__in=ids)) if ids else []
    if len(found) != len(ids):
        raise ValidationFailed(_("Choose opinions you received."), field="opinions")
    return found


def _title(value) -> str:
    return clean_text(value, field="title", minimum=2, maximum=200, label=_("The title"))


def _text(value) -> str:
    return clean_text(value, field="text", minimum=10, maximum=20000, label=_("The text"))


@transaction.atomic
def suggestion_create_draft(
    *,
    actor,
    congress: Congress,
    title: str,
    text: str,
    timing: str = Suggestion.Timing.INTERIM,
    session: Session | None = None,
    category=None,
    opinion_ids=(),
    cosigners=(),
    disclosure_agreed: bool = False,
) -> Suggestion:
    """A deputy drafts a suggestion to a congress they serve in; they are its lead (first signer).
    Deputies to co-sign (`cosigners`, persons or ids) may be asked at once, and the lead may agree
    to its publication (003 §84) from the start."""
    if not rules.can(actor, "draft"):
        raise errors.NotADeputy()
    congress = congress_of(congress)
    mandate = actor_mandate(actor, congress)
    session = _session_for(timing, session, mandate.term)
    title, text = _title(title), _text(text)
    category = _category_checked(category, congress)
    opinions = _opinions_checked(actor, opinion_ids)
    suggestion = Suggestion.objects.create(
        congress=congress,
        term=mandate.term,
        session=session,
        timing=timing,
        region_path=congress.region.path,
        lead=mandate.person,
        title=title,
        text=text,
        category=category,
        disclosure_agreed=bool(disclosure_agreed),
        created_by=actor,
    )
    Signer.objects.create(
        suggestion=suggestion,
        person=mandate.person,
        mandate=mandate,
        is_lead=True,
        status=Signer.Status.CONFIRMED,
        responded_at=now(),
    )
    if opinions:
        suggestion.opinions.set(opinions)
    record_created(suggestion, actor=actor, data={"opinions": [o.pk for o in opinions]})
    if any(value not in (None, "") for value in cosigners or []):
        rows = invite_signers(suggestion, actor=actor, persons=cosigners, congress=congress, term=mandate.term)
        record(
            suggestion,
            actor=actor,
            action="invite",
            from_status=suggestion.status,
            data={"persons": [s.person_id for s in rows], "names": [s.person.name for s in rows]},
            fields=[],
        )
    return suggestion


@transaction.atomic
def suggestion_update(
    *,
    actor,
    suggestion_id,
    title: str,
    text: str,
    timing: str,
    session: Session | None = None,
    category=None,
    opinion_ids=None,
    version=None,
) -> Suggestion:
    """The lead edits the draft. A changed title or text asks every co-signer who confirmed again."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "edit", version=version)
    before = snapshot(suggestion)
    title, text = _title(title), _text(text)
    session = _session_for(timing, session, suggestion.term)
    category = _category_checked(category, suggestion.congress)
    changed_text = title != suggestion.title or text != suggestion.text
    suggestion.title, suggestion.text, suggestion.timing, suggestion.session = title, text, timing, session
    suggestion.category = category
    data = {}
    if opinion_ids is not None:
        opinions = _opinions_checked(actor, opinion_ids)
        suggestion.opinions.set(opinions)
        data["opinions"] = [o.pk for o in opinions]
    if changed_text:
        asked = reask_confirmations(suggestion)
        if asked:
            data["asked_again"] = asked
    record(suggestion, actor=actor, action="edit", from_status=suggestion.status, data=data, before=before)
    return suggestion


@transaction.atomic
def suggestion_invite(*, actor, suggestion_id, persons, version=None) -> list[Signer]:
    """The lead asks deputies of the same congress (serving in the same term) to co-sign."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "invite", version=version)
    rows = invite_signers(suggestion, actor=actor, persons=persons, congress=suggestion.congress, term=suggestion.term)
    record(
        suggestion,
        actor=actor,
        action="invite",
        from_status=suggestion.status,
        data={"persons": [s.person_id for s in rows], "names": [s.person.name for s in rows]},
        fields=[],
    )
    return rows


@transaction.atomic
def suggestion_remove_signer(*, actor, suggestion_id, signer_id, version=None) -> None:
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "remove_signer", version=version)
    remove_signer(suggestion, actor=actor, signer_id=signer_id)


@transaction.atomic
def suggestion_confirm(*, actor, suggestion_id, version=None) -> Signer:
    """The deputy asked to co-sign confirms that the text speaks for them (003 §22)."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "confirm", version=version)
    return answer_invitation(suggestion, actor=actor, confirm=True)


@transaction.atomic
def suggestion_decline(*, actor, suggestion_id, comment: str = "", version=None) -> Signer:
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "decline", version=version)
    return answer_invitation(suggestion, actor=actor, confirm=False, comment=comment)


@transaction.atomic
def suggestion_discard(*, actor, suggestion_id, version=None) -> None:
    """The lead throws the draft away. It was never submitted: the row goes, the audit trail keeps it."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "discard", version=version)
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=suggestion,
        object_repr=item_repr(suggestion),
        before=snapshot(suggestion),
        reason="discard",
    )
    suggestion.delete()


def submission_window_check(suggestion: Suggestion) -> None:
    day = today()
    if suggestion.timing == Suggestion.Timing.SESSION:
        session = suggestion.session
        opens = session.notice_date or session.start_date
        if day < opens:
            raise errors.WrongTiming(
                _("Session suggestions are taken from %(day)s.") % {"day": opens.isoformat()}, field="timing"
            )
        if day > session.end_date:
            raise errors.WrongTiming(
                _("The session closed on %(day)s: raise it as a suggestion between sessions.")
                % {"day": session.end_date.isoformat()},
                field="timing",
            )
        return
    running = Session.objects.filter(term=suggestion.term, start_date__lte=day, end_date__gte=day).first()
    if running is not None:
        raise errors.WrongTiming(
            _("The congress is in session until %(day)s: raise it as a suggestion to the session.")
            % {"day": running.end_date.isoformat()},
            field="timing",
        )


@transaction.atomic
def suggestion_submit(*, actor, suggestion_id, version=None) -> Suggestion:
    """The lead hands the suggestion in, once every co-signer asked has answered."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "submit", version=version)
    waiting = list(
        suggestion.signers.filter(status=Signer.Status.INVITED)
        .select_related("person")
        .values_list("person__name", flat=True)
    )
    if waiting:
        raise errors.SignersMissing(
            _("These deputies have not confirmed yet: %(names)s. Wait for them or remove them.")
            % {"names": "、".join(waiting)},
            field="signers",
        )
    check_signers_serving(suggestion)
    submission_window_check(suggestion)
    before = suggestion.status
    suggestion.status = S.SUBMITTED
    suggestion.submitted_at = now()
    opinion_ids = list(suggestion.opinions.values_list("pk", flat=True))
    record(suggestion, actor=actor, action="submit", from_status=before, data={"opinions": opinion_ids})
    if opinion_ids:
        from liaison.opinions.services import opinion_taken_up

        for opinion_id in opinion_ids:
            opinion_taken_up(actor=actor, opinion_id=opinion_id, suggestion_id=suggestion.pk)
    events.emit(events.ItemSubmitted(kind="suggestion", item_id=suggestion.pk))
    return suggestion


# --- suggestions: the office -----------------------------------------------------------------------


@transaction.atomic
def suggestion_register(*, actor, suggestion_id, comment: str = "", version=None) -> Suggestion:
    """登记: the next number of the congress's term and session (or of the interim)."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "register", version=version)
    session = suggestion.session if suggestion.timing == Suggestion.Timing.SESSION else None
    sequence, number = next_number(NumberSequence.Kind.SUGGESTION, term=suggestion.term, session=session)
    before = suggestion.status
    suggestion.status = S.REGISTERED
    suggestion.sequence = sequence
    suggestion.number = number
    suggestion.registered_at = now()
    record(
        suggestion,
        actor=actor,
        action="register",
        from_status=before,
        comment=optional_text(comment),
        data={"number": number},
    )
    events.emit(events.SuggestionRegistered(suggestion_id=suggestion.pk))
    return suggestion


@transaction.atomic
def suggestion_refuse(*, actor, suggestion_id, reason: str, explanation: str, version=None) -> Suggestion:
    """Not registered, for one of the reasons of 003 §21, explained to the deputies."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "refuse", version=version)
    if reason not in Suggestion.Refusal.values:
        raise ValidationFailed(_("Choose the reason why it is not a suggestion."), field="reason")
    explanation = required_reason(explanation, field="explanation", label=_("The explanation"))
    before = suggestion.status
    suggestion.status = S.NOT_REGISTERED
    suggestion.refusal = reason
    suggestion.refusal_note = explanation
    record(suggestion, actor=actor, action="refuse", from_status=before, comment=explanation, data={"reason": reason})
    events.emit(events.SuggestionRefused(suggestion_id=suggestion.pk))
    return suggestion


def reply_months(item) -> int:
    return settings.SUGGESTION_REPLY_MONTHS if getattr(item, "round", 1) <= 1 else settings.SUGGESTION_REHANDLING_MONTHS


def assign_units(item, *, actor, organ, lead_unit, co_units, assigned_on) -> tuple[list[Assignment], dict]:
    """交办, shared by suggestions and accepted motions: the assigning organ and the units checked, the
    period computed from the day of assignment (Civil Code months, rolled to a working day), the
    assignments of the item's round created. Returns the rows and the timeline entry's data."""
    congress = item.congress
    organ = check_organ(
        congress,
        organ,
        kinds=ASSIGNING_ORGANS,
        field="organ",
        message=_("Choose the standing committee, its working body or the presidium of this congress."),
    )
    lead, co = check_units(congress, lead_unit, co_units)
    day = assigned_on_checked(assigned_on, item)
    deadline = deadlines.add_months(day, reply_months(item))
    cap = deadlines.add_months(day, settings.SUGGESTION_MAX_MONTHS)
    rows = create_assignments(
        item, actor=actor, lead=lead, co=co, assigned_on=day, deadline=deadline, round_=getattr(item, "round", 1)
    )
    data = {
        "organ": organ.pk,
        "organ_name": organ.name,
        "lead_unit": lead.pk,
        "co_units": [u.pk for u in co],
        "unit_names": [lead.name, *(u.name for u in co)],
        "assigned_on": day.isoformat(),
        "deadline": deadline.isoformat(),
        "deadline_cap": cap.isoformat(),
    }
    return rows, data


@transaction.atomic
def suggestion_assign(
    *,
    actor,
    suggestion_id,
    organ,
    lead_unit,
    co_units=(),
    assigned_on: datetime.date | None = None,
    instructions: str = "",
    version=None,
) -> list[Assignment]:
    """交办 to one lead unit and any co-units, by the organ that assigns (003 §23–24, §34)."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "assign", version=version)
    rows, data = assign_units(
        suggestion, actor=actor, organ=organ, lead_unit=lead_unit, co_units=co_units, assigned_on=assigned_on
    )
    before = suggestion.status
    suggestion.status = S.ASSIGNED if suggestion.round <= 1 else S.RE_HANDLING
    suggestion.assigning_organ_id = data["organ"]
    suggestion.assigned_on = rows[0].assigned_on
    suggestion.deadline = rows[0].deadline
    suggestion.deadline_cap = datetime.date.fromisoformat(data["deadline_cap"])
    record(suggestion, actor=actor, action="assign", from_status=before, comment=optional_text(instructions), data=data)
    events.emit(events.ItemAssigned(kind="suggestion", item_id=suggestion.pk, assignment_ids=tuple(a.pk for a in rows)))
    return rows


@transaction.atomic
def suggestion_reassign(
    *, actor, suggestion_id, lead_unit, co_units=(), comment: str, version=None
) -> list[Assignment]:
    """The office changes the units while the suggestion is handled (another lead unit, co-units added
    or taken off), with the reason. The deadline stays; units taken off are withdrawn (not theirs any
    more), new ones are told. Returns the assignments created."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "reassign", version=version)
    comment = required_reason(comment)
    lead, co = check_units(suggestion.congress, lead_unit, co_units)
    live = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(suggestion=suggestion, round=suggestion.round, status__in=["pending", "accepted"])
        .select_related("unit")
    )
    wanted = {lead.pk: Assignment.Role.LEAD, **{u.pk: Assignment.Role.CO for u in co}}
    kept = {a.unit_id for a in live if wanted.get(a.unit_id) == a.role}
    removed = [a for a in live if a.unit_id not in kept]
    if not removed and set(wanted) <= kept:
        raise ValidationFailed(_("Nothing changes: choose other units."), field="lead_unit")
    for row in removed:
        row.status = Assignment.Status.WITHDRAWN
        row.save(update_fields=["status", "updated_at"])
    Extension.objects.filter(assignment__in=removed, status=Extension.Status.PENDING).update(
        status=Extension.Status.REFUSED, decided_by=actor, decided_at=now(), explanation=comment
    )
    answered = set(
        Assignment.objects.filter(
            suggestion=suggestion, round=suggestion.round, role=Assignment.Role.CO, status=Assignment.Status.REPLIED
        ).values_list("unit_id", flat=True)
    )
    new_lead = lead if lead.pk not in kept else None
    new_co = [u for u in co if u.pk not in kept and u.pk not in answered]
    created = []
    if new_lead is not None:
        created += create_assignments(
            suggestion,
            actor=actor,
            lead=new_lead,
            co=[],
            assigned_on=today(),
            deadline=suggestion.deadline,
            round_=suggestion.round,
        )
    for unit in new_co:
        created.append(
            Assignment.objects.create(
                suggestion=suggestion,
                unit=unit,
                role=Assignment.Role.CO,
                round=suggestion.round,
                assigned_on=today(),
                deadline=suggestion.deadline,
                assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    record(
        suggestion,
        actor=actor,
        action="reassign",
        from_status=suggestion.status,
        comment=comment,
        data={
            "withdrawn": [a.unit_id for a in removed],
            "withdrawn_names": [a.unit.name for a in removed],
            "added": [a.unit_id for a in created],
            "unit_names": [a.unit.name for a in created],
            "lead_unit": lead.pk,
        },
        fields=[],
    )
    if created:
        events.emit(
            events.ItemAssigned(kind="suggestion", item_id=suggestion.pk, assignment_ids=tuple(a.pk for a in created))
        )
    return created


@transaction.atomic
def suggestion_key_supervision(
    *, actor, suggestion_id, organ=None, on: bool = True, comment: str = "", version=None
) -> Suggestion:
    """重点督办 (003 §27): chosen by the leadership, followed by a special committee of the congress."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "key_supervision", version=version)
    before = snapshot(suggestion)
    if on:
        organ = check_organ(
            suggestion.congress,
            organ,
            kinds=(Organ.Kind.SPECIAL_COMMITTEE,),
            field="organ",
            message=_("Choose a special committee of this congress to follow it."),
        )
        suggestion.key_supervision = True
        suggestion.supervising_organ = organ
        data = {"on": True, "organ": organ.pk, "organ_name": organ.name}
    else:
        if not suggestion.key_supervision:
            raise errors.TransitionNotAllowed(_("It is not under key supervision."))
        suggestion.key_supervision = False
        suggestion.supervising_organ = None
        data = {"on": False}
    record(
        suggestion,
        actor=actor,
        action="key_supervision",
        from_status=suggestion.status,
        comment=optional_text(comment),
        data=data,
        before=before,
    )
    if on:
        events.emit(events.KeySupervisionChosen(suggestion_id=suggestion.pk))
    return suggestion


# --- suggestions: rating, re-handling, closing -----------------------------------------------------


def round_units(item) -> tuple[HandlingUnit, list[HandlingUnit]]:
    """The units of the item's current round for re-handling: the lead unit that replied and the
    co-units assigned with it that did not send the item back."""
    fk = item_kind(item)
    lead = (
        Assignment.objects.filter(
            **{fk: item}, round=item.round, role=Assignment.Role.LEAD, status=Assignment.Status.REPLIED
        )
        .select_related("unit")
        .order_by("-created_at", "-id")
        .first()
    )
    if lead is None:  # pragma: no cover - a replied item always has its replying lead unit
        raise errors.TransitionNotAllowed()
    co = (
        Assignment.objects.filter(
            **{fk: item}, round=item.round, role=Assignment.Role.CO, created_at__gte=lead.created_at
        )
        .exclude(status__in=[Assignment.Status.RETURNED, Assignment.Status.WITHDRAWN])
        .select_related("unit")
        .order_by("created_at", "id")
    )
    units = list(dict.fromkeys(a.unit for a in co if a.unit.is_active and a.unit_id != lead.unit_id))
    return lead.unit, units


def _start_rehandling(suggestion: Suggestion, *, actor) -> list[Assignment]:
    lead, co = round_units(suggestion)
    day = today()
    deadline = deadlines.add_months(day, settings.SUGGESTION_REHANDLING_MONTHS)
    cap = deadlines.add_months(day, settings.SUGGESTION_MAX_MONTHS)
    before = suggestion.status
    suggestion.round += 1
    rows = create_assignments(
        suggestion, actor=actor, lead=lead, co=co, assigned_on=day, deadline=deadline, round_=suggestion.round
    )
    suggestion.status = S.RE_HANDLING
    suggestion.assigned_on = day
    suggestion.deadline = deadline
    suggestion.deadline_cap = cap
    record(
        suggestion,
        actor=actor,
        action="re_handling",
        from_status=before,
        data={
            "round": suggestion.round,
            "lead_unit": lead.pk,
            "co_units": [u.pk for u in co],
            "unit_names": [lead.name, *(u.name for u in co)],
            "deadline": deadline.isoformat(),
            "deadline_cap": cap.isoformat(),
        },
    )
    events.emit(events.RehandlingStarted(suggestion_id=suggestion.pk, assignment_ids=tuple(a.pk for a in rows)))
    return rows


@transaction.atomic
def suggestion_rate(*, actor, suggestion_id, satisfaction: str, comment: str = "", version=None) -> Evaluation:
    """满意 / 基本满意 / 不满意 from each deputy who signed, once per handling round. The last rating of a
    round decides: any 不满意 sends it back for re-handling (at most SUGGESTION_REHANDLING_MAX
    times), otherwise it is evaluated."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "rate", version=version, denied=errors.NotASigner)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("Choose how satisfied you are."), field="satisfaction")
    signers = list(suggestion.signers.filter(status=Signer.Status.CONFIRMED))
    mine = next((s for s in signers if s.person_id in rules.person_ids_of(actor)), None)
    if mine is None:  # pragma: no cover - the "signer" capacity says there is one
        raise errors.NotASigner()
    if Evaluation.objects.filter(suggestion=suggestion, person_id=mine.person_id, round=suggestion.round).exists():
        raise errors.AlreadyRated()
    evaluation = Evaluation.objects.create(
        suggestion=suggestion,
        person_id=mine.person_id,
        round=suggestion.round,
        satisfaction=satisfaction,
        comment=optional_text(comment),
    )
    record(
        suggestion,
        actor=actor,
        action="rate",
        from_status=suggestion.status,
        comment=evaluation.comment,
        data={"person": mine.person_id, "satisfaction": satisfaction, "round": suggestion.round},
        fields=[],
    )
    ratings = dict(
        Evaluation.objects.filter(suggestion=suggestion, round=suggestion.round).values_list(
            "person_id", "satisfaction"
        )
    )
    if all(s.person_id in ratings for s in signers):
        dissatisfied = Satisfaction.DISSATISFIED in ratings.values()
        if dissatisfied and suggestion.round - 1 < settings.SUGGESTION_REHANDLING_MAX:
            _start_rehandling(suggestion, actor=actor)
        else:
            before = suggestion.status
            suggestion.status = S.EVALUATED
            record(
                suggestion,
                actor=actor,
                action="evaluated",
                from_status=before,
                data={"round": suggestion.round, "dissatisfied": dissatisfied},
            )
    return evaluation


@transaction.atomic
def suggestion_close(*, actor, suggestion_id, comment: str = "", version=None) -> Suggestion:
    """The office closes it: after the deputies' ratings, or — with a reason — before all came in."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "close", version=version)
    before = suggestion.status
    comment = required_reason(comment) if before == S.REPLIED else optional_text(comment)
    suggestion.status = S.CLOSED
    record(suggestion, actor=actor, action="close", from_status=before, comment=comment)
    return suggestion


# --- suggestions: public disclosure (003 §84) ------------------------------------------------------


@transaction.atomic
def suggestion_agree_disclosure(*, actor, suggestion_id, agreed: bool = True, version=None) -> Suggestion:
    """The lead deputy agrees (or no longer agrees) that the suggestion and its reply be published;
    withdrawing the agreement takes a published suggestion off the portal."""
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "agree_disclosure", version=version)
    suggestion.disclosure_agreed = bool(agreed)
    fields = ["disclosure_agreed"]
    data = {"agreed": bool(agreed)}
    if not agreed and suggestion.published_at:
        suggestion.published_at = None
        fields.append("published_at")
        data["unpublished"] = True
    record(suggestion, actor=actor, action="agree_disclosure", from_status=suggestion.status, data=data, fields=fields)
    return suggestion


@transaction.atomic
def suggestion_publish(*, actor, suggestion_id, version=None) -> Suggestion:
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "publish", version=version)
    if not suggestion.disclosure_agreed:
        raise errors.DisclosureNotAgreed()
    if suggestion.published_at:
        raise errors.TransitionNotAllowed(_("It is already published."))
    suggestion.published_at = now()
    record(suggestion, actor=actor, action="publish", from_status=suggestion.status, fields=["published_at"])
    return suggestion


@transaction.atomic
def suggestion_unpublish(*, actor, suggestion_id, reason: str, version=None) -> Suggestion:
    suggestion, _caps = begin(Suggestion, actor, suggestion_id, "unpublish", version=version)
    if not suggestion.published_at:
        raise errors.TransitionNotAllowed(_("It is not published."))
    reason = required_reason(reason, field="reason")
    suggestion.published_at = None
    record(
        suggestion,
        actor=actor,
        action="unpublish",
        from_status=suggestion.status,
        comment=reason,
        fields=["published_at"],
    )
    return suggestion
