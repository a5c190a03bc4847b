"""Forms of the suggestions workspace (`/work/proposals/`). They only parse input and offer choices; the
rules (who may do what, in which state, with which congress, deputy, organ or unit) live in workflow.py,
rules.py and the services, whose errors come back onto these forms (liaison.core.errors.add_to_form),
so the field names are the services' own (`persons`, `lead_unit`, `explanation` …).

Every step's form carries the suggestion's `version` as the user saw it, so a step someone else took
in between is reported (ItemChanged) instead of silently overwritten."""

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.accounts.scope import scope_for
from liaison.deputies.models import Mandate, Person
from liaison.opinions.models import Category, Opinion
from liaison.regions.models import Congress, HandlingUnit, Organ, Session

from . import services
from .models import Extension, Satisfaction, Signer, Suggestion
from .workflow import LIVE_ASSIGNMENT

MAX_CHOICES = 300
RECENT_OPINIONS = 50


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


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _digits(form: forms.BaseForm, name: str) -> list[str]:
    """The posted values of a multiple field that are ids (the services judge each one)."""
    values = form.data.getlist(name) if hasattr(form.data, "getlist") else []
    return [v for v in values if str(v).isdigit() and len(str(v)) < 10]


# --- choices in the user's scope --------------------------------------------------------------------


def serving_mandates(user):
    """The user's own serving mandates (as a deputy), with their congress and term."""
    persons = scope_for(user).person_ids
    today = timezone.localdate()
    return (
        Mandate.objects.filter(person_id__in=persons, status=Mandate.Status.SERVING)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("congress", "term")
        .order_by("congress__region__path", "-term__number")
    )


def congresses_for(user):
    """Congresses whose suggestions the user may look for: those of their region subtrees, those they
    serve in, those of their units' regions."""
    scope = scope_for(user)
    q = scope.region_q("region__path")
    if scope.person_ids:
        q |= Q(pk__in=Mandate.objects.filter(person_id__in=scope.person_ids).values("congress_id"))
    if scope.unit_ids:
        q |= Q(region__units__id__in=sorted(scope.unit_ids))
    return Congress.objects.filter(q).distinct().order_by("region__path")[:MAX_CHOICES]


def session_label(session: Session) -> str:
    return str(_("term %(term)s, session %(session)s") % {"term": session.term.number, "session": session.number})


def open_sessions(congress_ids, term_ids):
    """Sessions of the deputy's current terms that have not closed: those a session suggestion may
    name (the service checks the dates again)."""
    return (
        Session.objects.filter(term_id__in=term_ids, term__congress_id__in=congress_ids)
        .filter(end_date__gte=timezone.localdate())
        .select_related("term__congress")
        .order_by("term__congress__region__path", "start_date")
    )


def categories_for_congresses(congresses):
    """The categories the congresses' localities offer (the default list, their own and their
    ancestors'): the same list the opinions use."""
    from liaison.opinions.services import category_choices

    q = Q(pk__in=category_choices(None).values("pk"))
    for congress in congresses:
        q |= Q(pk__in=category_choices(congress.region).values("pk"))
    return Category.objects.filter(q).order_by("sort", "id")


def opinion_choices(user, *, wanted=()) -> list[tuple[int, str]]:
    """The opinions a deputy received, the latest first, and those asked for by id (checked again by
    the service: only opinions the deputy may see)."""
    from liaison.opinions.rules import visible_q

    persons = scope_for(user).person_ids
    recent = list(
        Opinion.objects.filter(received_by_id__in=persons)
        .order_by("-received_on", "-id")
        .only("id", "tracking_code", "title")[:RECENT_OPINIONS]
    )
    seen = {o.pk for o in recent}
    extra_ids = [int(v) for v in wanted if str(v).isdigit() and int(v) not in seen]
    extra = list(Opinion.objects.filter(visible_q(user), pk__in=extra_ids).only("id", "tracking_code", "title"))
    return [(o.pk, f"{o.tracking_code} {o.title}") for o in [*extra, *recent]]


def chosen_people(ids) -> list[Person]:
    """The deputies already ticked in a co-signer picker, by name."""
    ids = [int(v) for v in ids if str(v).isdigit() and len(str(v)) < 10]
    if not ids:
        return []
    return list(Person.objects.filter(pk__in=ids).only("id", "name").order_by("name", "id"))


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.term.congress.name} · {session_label(obj)}"


class CongressChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


# --- drafting -------------------------------------------------------------------------------------------


class DraftFields(forms.Form):
    """What a deputy writes: shared by the new suggestion and the draft's edit form."""

    timing = forms.ChoiceField(
        label=_("raised"), choices=Suggestion.Timing.choices, widget=forms.RadioSelect, initial="interim"
    )
    session = SessionChoiceField(
        label=pgettext_lazy("congress", "session"), queryset=Session.objects.none(), required=False
    )
    title = forms.CharField(label=_("title"), max_length=200)
    text = forms.CharField(
        label=_("text"),
        max_length=20000,
        widget=_textarea(10),
        help_text=_("State the problem, the reasons and what you suggest; one matter per suggestion."),
    )
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.none(), required=False)
    opinions = forms.TypedMultipleChoiceField(
        label=_("from opinions"),
        coerce=int,
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Opinions you received that this suggestion takes up; the citizens see that it was taken up."),
    )

    def setup_choices(self, user, *, congresses, terms, wanted_opinions=()) -> None:
        self.fields["session"].queryset = open_sessions([c.pk for c in congresses], terms)
        self.fields["category"].queryset = categories_for_congresses(congresses)
        wanted = [*wanted_opinions, *_digits(self, "opinions")]
        self.fields["opinions"].choices = opinion_choices(user, wanted=wanted)


class SuggestionForm(DraftFields):
    """A new suggestion: to one of the congresses the deputy serves in."""

    congress = CongressChoiceField(label=_("congress"), queryset=Congress.objects.none(), empty_label=None)
    persons = forms.TypedMultipleChoiceField(label=_("co-signers"), coerce=int, choices=[], required=False)
    disclosure_agreed = forms.BooleanField(
        label=_("I agree that the suggestion and its reply are published on the portal (003 §84)"),
        required=False,
    )

    field_order = ["congress", "timing", "session", "title", "text", "category", "opinions"]

    def __init__(self, *args, user, opinion_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        mandates = list(serving_mandates(user))
        congresses = list({m.congress_id: m.congress for m in mandates}.values())
        self.mandates = mandates
        self.fields["congress"].queryset = Congress.objects.filter(pk__in=[c.pk for c in congresses]).order_by(
            "region__path"
        )
        if congresses:
            self.initial.setdefault("congress", congresses[0].pk)
        # another congress, other deputies: the co-signer picker reloads (htmx)
        self.fields["congress"].widget.attrs.update(
            {
                "hx-get": reverse("proposals:cosigners"),
                "hx-trigger": "change",
                "hx-target": "#cosigner-options",
                "hx-include": "#cosigner-q",
            }
        )
        self.setup_choices(
            user, congresses=congresses, terms=[m.term_id for m in mandates], wanted_opinions=opinion_ids
        )
        if opinion_ids:
            self.initial.setdefault("opinions", [int(v) for v in opinion_ids if str(v).isdigit()])
        self.fields["persons"].choices = [(v, v) for v in _digits(self, "persons")]
        self.taking_session = next(
            (
                s
                for s in self.fields["session"].queryset
                if (s.notice_date or s.start_date) <= timezone.localdate() <= s.end_date
            ),
            None,
        )
        if self.taking_session is not None:
            self.initial.setdefault("timing", Suggestion.Timing.SESSION)
            self.initial.setdefault("session", self.taking_session.pk)
        _style(self)

    def congress_id(self) -> int | None:
        value = self.data.get("congress") if self.is_bound else self.initial.get("congress")
        return int(value) if str(value or "").isdigit() else None

    def chosen_ids(self) -> list[str]:
        if not self.is_bound:  # a form shown again after a conflict carries the input as initial
            return [str(v) for v in self.initial.get("persons", []) if str(v).isdigit()]
        return _digits(self, "persons")


class EditForm(DraftFields):
    """The lead's draft, edited."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, suggestion: Suggestion, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "version": suggestion.version,
            "timing": suggestion.timing,
            "session": suggestion.session_id,
            "title": suggestion.title,
            "text": suggestion.text,
            "category": suggestion.category_id,
            "opinions": [o.pk for o in suggestion.opinions.all()],
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        linked = [o.pk for o in suggestion.opinions.all()]
        self.setup_choices(user, congresses=[suggestion.congress], terms=[suggestion.term_id], wanted_opinions=linked)
        _style(self)


# --- the steps on one suggestion --------------------------------------------------------------------------


class StepForm(forms.Form):
    """A step on one suggestion: carries the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"version": suggestion.version, **kwargs["initial"]}
        # several steps' forms share a page: ids are prefixed with the form's name
        kwargs.setdefault("auto_id", type(self).__name__.lower() + "-%s")
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion
        self.setup(suggestion)
        _style(self)

    def setup(self, suggestion: Suggestion) -> None:
        """Choices and initial values that depend on the suggestion."""


class PlainStepForm(StepForm):
    """A step with nothing to fill in: confirm, submit, discard, publish."""


class InviteForm(StepForm):
    persons = forms.TypedMultipleChoiceField(label=_("deputies to ask"), coerce=int, choices=[])

    def setup(self, suggestion):
        self.fields["persons"].choices = [(v, v) for v in _digits(self, "persons")]

    def chosen_ids(self) -> list[str]:
        if not self.is_bound:  # a form shown again after a conflict carries the input as initial
            return [str(v) for v in self.initial.get("persons", []) if str(v).isdigit()]
        return _digits(self, "persons")


class RemoveSignerForm(StepForm):
    signer = forms.TypedChoiceField(label=_("co-signer"), coerce=int, choices=[])

    def setup(self, suggestion):
        self.fields["signer"].choices = [
            (s.pk, f"{s.person.name} · {s.get_status_display()}") for s in suggestion.signers.all() if not s.is_lead
        ]


class DeclineForm(StepForm):
    comment = forms.CharField(label=_("reason (optional)"), max_length=2000, required=False, widget=_textarea(2))


class RegisterForm(StepForm):
    comment = forms.CharField(label=_("comment"), max_length=2000, required=False, widget=_textarea(2))


class RefuseForm(StepForm):
    reason = forms.ChoiceField(label=_("why it is not a suggestion (003 §21)"), choices=Suggestion.Refusal.choices)
    explanation = forms.CharField(
        label=_("explanation to the deputies"),
        max_length=2000,
        widget=_textarea(3),
        help_text=_("The deputies read this with the reason."),
    )


class AssignForm(StepForm):
    organ = forms.ModelChoiceField(label=_("assigning organ"), queryset=Organ.objects.none())
    lead_unit = UnitChoiceField(label=_("lead unit"), queryset=HandlingUnit.objects.none())
    co_units = UnitsChoiceField(
        label=_("co-units"), queryset=HandlingUnit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    assigned_on = forms.DateField(
        label=_("assigned on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The reply is due three calendar months later."),
    )
    instructions = forms.CharField(label=_("instructions"), max_length=2000, required=False, widget=_textarea(2))

    def setup(self, suggestion):
        congress = suggestion.congress
        organs = services.assigning_organs(congress).order_by("kind", "name")
        self.fields["organ"].queryset = organs
        units = services.units_for(congress).order_by("name")
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units
        self.initial.setdefault("assigned_on", timezone.localdate())
        if suggestion.assigning_organ_id:
            self.initial.setdefault("organ", suggestion.assigning_organ_id)


class ReassignForm(StepForm):
    lead_unit = UnitChoiceField(label=_("lead unit"), queryset=HandlingUnit.objects.none())
    co_units = UnitsChoiceField(
        label=_("co-units"), queryset=HandlingUnit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("reason"),
        max_length=2000,
        widget=_textarea(2),
        help_text=_("The deadline stays; units taken off are told the assignment is withdrawn."),
    )

    def setup(self, suggestion):
        units = services.units_for(suggestion.congress).order_by("name")
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units
        live = [a for a in suggestion.assignments.all() if a.round == suggestion.round and a.status in LIVE_ASSIGNMENT]
        lead = next((a.unit_id for a in live if a.role == "lead"), None)
        if lead:
            self.initial.setdefault("lead_unit", lead)
        self.initial.setdefault("co_units", [a.unit_id for a in live if a.role == "co"])


class ExtensionDecideForm(StepForm):
    extension = forms.TypedChoiceField(label=_("request"), coerce=int, choices=[])
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("approve")), ("refuse", _("refuse"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    explanation = forms.CharField(
        label=_("explanation"),
        max_length=2000,
        widget=_textarea(3),
        help_text=_(
            "When approved, the deputies are told why the reply takes longer (003 §24); when refused, the unit."
        ),
    )

    def setup(self, suggestion):
        self.fields["extension"].choices = [
            (e.pk, f"{a.unit.name} → {e.requested_deadline.isoformat()}")
            for a in suggestion.assignments.all()
            for e in a.extensions.all()
            if e.status == Extension.Status.PENDING
        ]


class KeySupervisionForm(StepForm):
    on = forms.ChoiceField(
        label=_("key supervision"),
        choices=[("on", _("under key supervision")), ("off", _("not under key supervision"))],
        widget=forms.RadioSelect,
    )
    organ = forms.ModelChoiceField(
        label=_("followed by (special committee)"), queryset=Organ.objects.none(), required=False
    )
    comment = forms.CharField(label=_("comment"), max_length=2000, required=False, widget=_textarea(2))

    def setup(self, suggestion):
        self.fields["organ"].queryset = services.supervising_organs(suggestion.congress).order_by("name")
        self.initial.setdefault("on", "on")
        if suggestion.supervising_organ_id:
            self.initial.setdefault("organ", suggestion.supervising_organ_id)


class RateForm(StepForm):
    satisfaction = forms.ChoiceField(label=_("your rating"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("comment"), max_length=2000, required=False, widget=_textarea(3))


class CloseForm(StepForm):
    comment = forms.CharField(
        label=_("comment"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("Required when not every deputy has rated the reply yet."),
    )


class DisclosureForm(StepForm):
    agreed = forms.BooleanField(
        label=_("I agree that the suggestion and its reply are published on the portal (003 §84)"), required=False
    )

    def setup(self, suggestion):
        self.initial.setdefault("agreed", suggestion.disclosure_agreed)


class UnpublishForm(StepForm):
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=_textarea(2))


def pending_signers(suggestion: Suggestion) -> list[str]:
    return [s.person.name for s in suggestion.signers.all() if s.status == Signer.Status.INVITED]
