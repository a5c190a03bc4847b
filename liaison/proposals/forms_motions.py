"""Forms of the motions workspace (/work/proposals/motions/). They parse input and offer choices; who
may do what, in which state, with which deputies, units and dates is decided by workflow.py and the
services (motions.py), whose named errors come back onto these forms.

Every step's form carries the motion's `version` as the user saw it, so that a step overtaken by
someone else's is reported (ItemChanged), not applied."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.accounts.scope import scope_for
from liaison.deputies.models import Delegation, Mandate
from liaison.regions.models import Congress, Session

from . import services
from .models import Extension, Motion, Signer

MAX_CHOICES = 300  # sessions and delegations offered on the new motion form
TEXT_MAX = 20000


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.MultipleHiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def _textarea(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _text(label, *, rows: int = 3, required: bool = False, max_length: int = 2000, help_text="") -> forms.CharField:
    """A text the service checks (lengths, required): the form only caps what it reads."""
    attrs = {"required": True} if required else {}
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=_textarea(rows, **attrs),
        help_text=help_text,
    )


class StepForm(forms.Form):
    """A step on one motion; `motion` gives the choices some steps offer."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, *args, motion: Motion, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", motion.version)
        super().__init__(data, *args, **kwargs)
        self.motion = motion
        _style(self)


# --- the new motion --------------------------------------------------------------------------------


def _serving_congress_ids(user) -> set[int]:
    persons = scope_for(user).person_ids
    if not persons:
        return set()
    today = timezone.localdate()
    return set(
        Mandate.objects.filter(person_id__in=persons, status=Mandate.Status.SERVING)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("congress_id", flat=True)
    )


def _office_congresses_q(user) -> Q:
    return scope_for(user).region_q("region__path")


def proposer_choices(user) -> list[tuple[str, object]]:
    scope = scope_for(user)
    choices = []
    if scope.person_ids:
        choices.append((Motion.Proposer.DEPUTIES, _("I, with other deputies who sign")))
    if scope.has("liaison_officer"):
        choices += [
            (Motion.Proposer.DELEGATION, Motion.Proposer.DELEGATION.label),
            (Motion.Proposer.PRESIDIUM, Motion.Proposer.PRESIDIUM.label),
        ]
    return choices


def session_choices(user) -> tuple[list, dict[int, int]]:
    """Sessions not yet over of the congresses the user may raise or enter motions in, grouped by
    congress (the higher congresses first), and each session's congress."""
    congresses = Q(pk__in=_serving_congress_ids(user))
    if scope_for(user).has("liaison_officer"):
        congresses |= _office_congresses_q(user)
    today = timezone.localdate()
    sessions = (
        Session.objects.filter(term__congress__in=Congress.objects.filter(congresses), end_date__gte=today)
        .select_related("term__congress__region")
        .order_by("term__congress__region__depth", "term__congress__region__path", "start_date", "id")[:MAX_CHOICES]
    )
    groups: dict[str, list] = {}
    congress_of: dict[int, int] = {}
    for session in sessions:
        congress = session.term.congress
        label = _("Term %(term)s, session %(n)s (opens %(day)s)") % {
            "term": session.term.number,
            "n": session.number,
            "day": session.start_date.isoformat(),
        }
        groups.setdefault(congress.name, []).append((str(session.pk), label))
        congress_of[session.pk] = congress.pk
    return [("", "---------"), *groups.items()], congress_of


def delegation_choices(user) -> list:
    if not scope_for(user).has("liaison_officer"):
        return [("", "---------")]
    rows = (
        Delegation.objects.filter(congress__in=Congress.objects.filter(_office_congresses_q(user)))
        .select_related("congress__region")
        .order_by("congress__region__depth", "congress__region__path", "name", "id")[:MAX_CHOICES]
    )
    groups: dict[str, list] = {}
    for delegation in rows:
        groups.setdefault(delegation.congress.name, []).append((str(delegation.pk), delegation.name))
    return [("", "---------"), *groups.items()]


class NewMotionForm(forms.Form):
    """A deputy's draft (they lead it and then ask others to sign), or the office's for a delegation
    or the presidium. The session says the congress; the service checks the mandate and the deadline."""

    proposer = forms.ChoiceField(label=_("Raised by"), widget=forms.RadioSelect)
    session = forms.ChoiceField(label=_("Session"))
    delegation = forms.ChoiceField(label=_("Delegation"), required=False, help_text=_("For a delegation's motion."))
    title = forms.CharField(
        label=_("Cause (案由)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"required": True, "maxlength": 200}),
        help_text=_("What the motion asks the congress to decide, in one line."),
    )
    grounds = _text(
        _("Grounds (案据)"),
        rows=6,
        required=True,
        max_length=TEXT_MAX,
        help_text=_("The facts and the reasons: why the congress should act."),
    )
    plan = _text(
        _("Plan (方案)"),
        rows=6,
        required=True,
        max_length=TEXT_MAX,
        help_text=_("What should be done, concretely (a law to make or amend, a measure, by whom)."),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["proposer"].choices = proposer_choices(user)
        if len(self.fields["proposer"].choices) == 1:
            self.fields["proposer"].initial = self.fields["proposer"].choices[0][0]
            self.fields["proposer"].widget = forms.HiddenInput()
        self.fields["session"].choices, self.congress_of = session_choices(user)
        self.fields["delegation"].choices = delegation_choices(user)
        if len(self.fields["delegation"].choices) == 1:
            del self.fields["delegation"]
        _style(self)

    def clean(self):
        data = super().clean()
        session = data.get("session")
        if session:
            data["congress"] = self.congress_of.get(int(session))
        data.setdefault("delegation", "")
        return data


# --- steps on one motion ----------------------------------------------------------------------------


class EditForm(StepForm):
    title = forms.CharField(label=_("Cause (案由)"), required=False, max_length=200)
    grounds = _text(_("Grounds (案据)"), rows=6, required=True, max_length=TEXT_MAX)
    plan = _text(_("Plan (方案)"), rows=6, required=True, max_length=TEXT_MAX)

    def __init__(self, data=None, *args, motion: Motion, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for name in ("title", "grounds", "plan"):
            initial.setdefault(name, getattr(motion, name))
        super().__init__(data, *args, motion=motion, **kwargs)
        self.fields["title"].widget.attrs.update(required=True, maxlength=200)


class PersonIdsField(forms.Field):
    """The deputies ticked in the co-signer picker (any number of person ids). Which of them may sign
    is the service's question; here only "is it an id"."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose the deputies from the list.")}

    def to_python(self, value):
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for item in values:
            item = str(item).strip()
            if not item:
                continue
            if not item.isdigit() or len(item) > 10:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(item))
        return list(dict.fromkeys(ids))


class InviteForm(StepForm):
    persons = PersonIdsField(label=_("Deputies"), required=False)


class RemoveSignerForm(StepForm):
    signer = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ConfirmForm(StepForm):
    pass


class DeclineForm(StepForm):
    comment = _text(_("Why (optional)"), rows=2)


class SubmitForm(StepForm):
    pass


class WithdrawForm(StepForm):
    reason = _text(_("Reason (optional)"), rows=2)


class WithdrawConsentedForm(StepForm):
    presidium_consent = forms.BooleanField(label=_("The presidium consented to the withdrawal"), required=False)
    reason = _text(_("The proposers' reason for withdrawing"), rows=3, required=True)


class ReviewForm(StepForm):
    opinion = _text(_("The review committee's opinion"), rows=5, required=True, max_length=TEXT_MAX)
    outside_powers = forms.ChoiceField(
        label=_("Within the congress's powers? (003 §15)"),
        required=False,
        choices=[("", _("Yes, within the congress's powers")), *Motion.OutsidePowers.choices],
        help_text=_("When it is not, say why: it can then only be handled as a suggestion."),
    )


class DecisionForm(StepForm):
    note = _text(_("The presidium's decision (optional note)"), rows=2, max_length=TEXT_MAX)


class AssignForm(StepForm):
    organ = forms.ChoiceField(label=_("Assigning organ"))
    lead_unit = forms.ChoiceField(label=_("Lead unit"))
    co_units = forms.MultipleChoiceField(label=_("Co-units"), required=False, widget=forms.CheckboxSelectMultiple)
    assigned_on = forms.DateField(
        label=_("Assigned on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Today when left empty; the reply is due three months later (003 §24)."),
    )
    instructions = _text(_("Instructions to the units (optional)"), rows=2)

    def __init__(self, data=None, *args, motion: Motion, **kwargs):
        super().__init__(data, *args, motion=motion, **kwargs)
        organs = [(str(o.pk), o.name) for o in services.assigning_organs(motion.congress).order_by("kind", "name")]
        units = [(str(u.pk), u.name) for u in services.units_for(motion.congress).order_by("name")]
        self.fields["organ"].choices = [("", "---------"), *organs]
        self.fields["lead_unit"].choices = [("", "---------"), *units]
        self.fields["co_units"].choices = units


class DecideExtensionForm(StepForm):
    extension = forms.ChoiceField(label=_("Request"), widget=forms.RadioSelect)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("approve")), ("refuse", _("refuse"))],
        widget=forms.RadioSelect,
    )
    explanation = _text(
        _("Explanation"),
        rows=3,
        required=True,
        help_text=_("Approved: the explanation to the deputies (003 §24). Refused: the reason, to the unit."),
    )

    def __init__(self, data=None, *args, motion: Motion, **kwargs):
        super().__init__(data, *args, motion=motion, **kwargs)
        choices = []
        for assignment in motion.assignments.all():
            for extension in assignment.extensions.all():
                if extension.status == Extension.Status.PENDING:
                    label = _("%(unit)s: until %(date)s — %(reason)s") % {
                        "unit": assignment.unit.name,
                        "date": extension.requested_deadline.isoformat(),
                        "reason": extension.reason,
                    }
                    choices.append((str(extension.pk), label))
        self.fields["extension"].choices = choices
        if len(choices) == 1:
            self.fields["extension"].initial = choices[0][0]


class ReportForm(StepForm):
    report = _text(_("The handling report to the standing committee (its gist)"), rows=4, required=True)


def removable_signers(motion: Motion) -> list[Signer]:
    return [s for s in motion.signers.all() if not s.is_lead]
