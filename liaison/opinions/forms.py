"""Forms of the opinions workspace. They only parse input and offer choices; the rules (who may do
what, in which state, with which unit, by which date) live in workflow.py and services.py.

Every step's form carries the opinion's `version` as the user saw it, so that a step taken by
someone else in between is reported (OpinionChanged) instead of silently overwritten."""

import datetime
from functools import reduce
from operator import or_

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.accounts.scope import path_prefix_q, scope_for
from liaison.core import deadlines
from liaison.regions.models import CONGRESS_LEVELS, HandlingUnit, Level, Region, path_ids
from liaison.regions.selectors import path_depth

from . import services
from .models import Category, Extension, Opinion, ReturnVisit
from .workflow import LIVE_ASSIGNMENT

LEVEL_CHOICES = [(lv, Level(lv).label) for lv in CONGRESS_LEVELS]
MAX_CHOICES = 500


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def default_deadline() -> datetime.date:
    """The reply deadline proposed on the assign forms: OPINION_REPLY_WORKING_DAYS working days from
    today on the official calendar (the service uses the same rule when no date is given)."""
    return deadlines.add_working_days(timezone.localdate(), settings.OPINION_REPLY_WORKING_DAYS)


# --- choices in the user's scope ------------------------------------------------------------------


def _scope_lineage_ids(user) -> set[int]:
    """Ids of the regions above and at each region the user works in (roles' regions and their
    stations' regions): where default and inherited categories and upper units come from."""
    ids: set[int] = set()
    scope = scope_for(user)
    for path in scope.region_paths:
        ids.update(path_ids(path))
    for role in user.active_roles():
        if role.station_id and role.station is not None:
            ids.update(path_ids(role.station.region_path))
    return ids


def categories_for(user):
    """Active categories the user's localities use: the default list, those of the regions above
    them and those of any region in their subtrees."""
    q = Q(region__isnull=True) | Q(region_id__in=_scope_lineage_ids(user)) | scope_for(user).region_q("region__path")
    return Category.objects.filter(q, is_active=True).order_by("sort", "id")


def units_for(user):
    """Handling units the queue's bulk assignment offers: those of the regions the user works in and
    of the regions above (the service still checks each opinion's level and region). Units further
    down (a province holds thousands) are chosen on the opinion's own page, which offers exactly the
    units of its level and place."""
    return (
        HandlingUnit.objects.filter(region_id__in=_scope_lineage_ids(user), is_active=True)
        .select_related("region")
        .order_by("region__path", "name")
    )


# Levels below the top of a user's area that the queue's region menu lists at once: a province's
# prefectures and counties, a county's townships. A province has 1,700 townships: listed at once they
# made the menu 100 KB of the page.
REGION_MENU_LEVELS = 2


def regions_for(user, around: str = "") -> list[tuple[int, str, int]]:
    """(id, name, depth) of the regions for the queue's region filter: the user's areas down to
    REGION_MENU_LEVELS below their top, and, around the region chosen (`around`, its path), the line
    above it and its own subdivisions, so that one goes down a level at a choice; station staff get
    their stations' regions. Never villages."""
    scope = scope_for(user)
    parts = [path_prefix_q("path", p) & Q(depth__lte=path_depth(p) + REGION_MENU_LEVELS) for p in scope.region_paths]
    if around and scope.covers_path(around):
        parts.append(Q(pk__in=path_ids(around)) & scope.region_q("path"))
        parts.append(path_prefix_q("path", around) & Q(depth=path_depth(around) + 1))
    station_regions = [r.station.region_id for r in user.active_roles() if r.station_id and r.station is not None]
    if station_regions:
        parts.append(Q(pk__in=station_regions))
    if not parts:
        return []
    return list(
        Region.objects.filter(reduce(or_, parts))
        .exclude(level=Level.VILLAGE)
        .order_by("path")
        .values_list("id", "name", "depth")[:2000]
    )


def stations_for(user):
    from liaison.stations.models import Station

    scope = scope_for(user)
    q = scope.region_q("region_path")
    if scope.station_ids:
        q |= Q(pk__in=sorted(scope.station_ids))
    return Station.objects.filter(q).order_by("region_path", "name").only("id", "name")[:MAX_CHOICES]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


# --- bulk actions on the queue --------------------------------------------------------------------


class BulkForm(forms.Form):
    ACTIONS = [("accept", _("Accept")), ("assign", _("Assign to a unit"))]

    action = forms.ChoiceField(label=_("action"), choices=ACTIONS)
    level = forms.ChoiceField(label=_("level"), choices=[("", "—")] + LEVEL_CHOICES, required=False)
    category = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.none(), required=False, empty_label=_("keep as it is")
    )
    unit = UnitChoiceField(label=_("handling unit"), queryset=HandlingUnit.objects.none(), required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_for(user)
        self.fields["unit"].queryset = units_for(user)
        # The rows are whatever ids were posted; each one is checked by its service.
        posted = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in posted if str(v).isdigit()]
        _style(self)

    def clean(self):
        data = super().clean()
        if not data.get("ids"):
            raise forms.ValidationError(_("Select at least one opinion."))
        if data.get("action") == "accept" and not data.get("level"):
            self.add_error("level", _("Choose the level the matters belong to."))
        if data.get("action") == "assign" and not data.get("unit"):
            self.add_error("unit", _("Choose the handling unit."))
        return data

    def version_of(self, pk: int) -> int | None:
        value = self.data.get(f"version_{pk}", "")
        return int(value) if str(value).isdigit() else None


# --- the steps on one opinion ----------------------------------------------------------------------


class StepForm(forms.Form):
    """A step on one opinion: carries the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, opinion: Opinion, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"version": opinion.version, **kwargs["initial"]}
        # several steps' forms share a page: ids are prefixed with the form's name
        kwargs.setdefault("auto_id", type(self).__name__.lower() + "-%s")
        super().__init__(*args, **kwargs)
        self.opinion = opinion
        self.setup(opinion)
        _style(self)

    def setup(self, opinion: Opinion) -> None:
        """Choices and initial values that depend on the opinion."""


class AcceptForm(StepForm):
    level = forms.ChoiceField(label=_("level"), choices=LEVEL_CHOICES)
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.none(), required=False)
    comment = forms.CharField(label=_("comment"), max_length=2000, required=False, widget=_textarea(2))

    def setup(self, opinion):
        self.fields["category"].queryset = services.category_choices(opinion.region).order_by("sort", "id")
        self.initial.setdefault("category", opinion.category_id)
        self.initial.setdefault("level", opinion.level or opinion.queue_region.level)


class AnswerOnSpotForm(StepForm):
    answer = forms.CharField(label=_("answer given"), max_length=5000, widget=_textarea(4))


class AssignForm(StepForm):
    units = UnitsChoiceField(
        label=_("handling units"), queryset=HandlingUnit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateField(
        label=_("reply deadline"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    instructions = forms.CharField(label=_("instructions"), max_length=2000, required=False, widget=_textarea(2))

    def setup(self, opinion):
        self.fields["units"].queryset = services.units_for_assignment(opinion).order_by("name")
        self.initial.setdefault("deadline", default_deadline())
        self.fields["deadline"].help_text = _("Default: %(n)s working days from today.") % {
            "n": settings.OPINION_REPLY_WORKING_DAYS
        }


class EscalateForm(StepForm):
    comment = forms.CharField(label=_("reason"), max_length=2000, widget=_textarea(2))


class RedirectForm(StepForm):
    target = forms.ChoiceField(label=_("send to"), choices=Opinion.RedirectTarget.choices)
    comment = forms.CharField(
        label=_("reason"),
        max_length=2000,
        widget=_textarea(3),
        help_text=_("The citizen reads this on the tracking page."),
    )


class MergeForm(StepForm):
    into = forms.CharField(label=_("tracking code of the earlier opinion"), max_length=32)
    comment = forms.CharField(label=_("comment"), max_length=2000, required=False, widget=_textarea(2))


class WithdrawForm(StepForm):
    assignment = forms.TypedChoiceField(label=_("assignment"), coerce=int, choices=[])
    comment = forms.CharField(label=_("reason"), max_length=2000, widget=_textarea(2))

    def setup(self, opinion):
        self.fields["assignment"].choices = [
            (a.pk, f"{a.unit.name} · {a.get_status_display()}")
            for a in opinion.assignments.all()
            if a.status in LIVE_ASSIGNMENT
        ]


class ExtensionDecideForm(StepForm):
    extension = forms.TypedChoiceField(label=_("request"), coerce=int, choices=[])
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("approve")), ("refuse", _("refuse"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    note = forms.CharField(
        label=_("note"),
        max_length=2000,
        required=False,
        widget=_textarea(2),
        help_text=_("Required when refusing."),
    )

    def setup(self, opinion):
        self.fields["extension"].choices = [
            (e.pk, f"{a.unit.name} → {e.requested_deadline.isoformat()}")
            for a in opinion.assignments.all()
            for e in a.extensions.all()
            if e.status == Extension.Status.PENDING
        ]


class FeedBackForm(StepForm):
    answer = forms.CharField(
        label=_("answer to the citizen"),
        max_length=10000,
        widget=_textarea(8),
        help_text=_("Starts from the units' replies; edit it into a plain answer."),
    )

    def setup(self, opinion):
        self.initial.setdefault("answer", opinion.answer or services.replies_text(opinion))


class ReturnVisitForm(StepForm):
    method = forms.ChoiceField(
        label=_("method"), choices=[c for c in ReturnVisit.Method.choices if c[0] != ReturnVisit.Method.ONLINE]
    )
    satisfaction = forms.ChoiceField(label=_("satisfaction"), choices=Opinion.Satisfaction.choices)
    comment = forms.CharField(label=_("comment"), max_length=2000, required=False, widget=_textarea(2))


class CloseForm(StepForm):
    comment = forms.CharField(label=_("reason"), max_length=2000, widget=_textarea(2))


class PublishForm(StepForm):
    title = forms.CharField(label=_("subject"), max_length=120)
    text = forms.CharField(label=_("text"), max_length=5000, widget=_textarea(6))
    answer = forms.CharField(label=_("answer"), max_length=10000, widget=_textarea(6))

    def setup(self, opinion):
        if opinion.is_published:
            current = {
                "title": opinion.published_title,
                "text": opinion.published_text,
                "answer": opinion.published_answer,
            }
        else:
            current = services.publication_preview(opinion)
        for key, value in current.items():
            self.initial.setdefault(key, value)


class UnpublishForm(StepForm):
    comment = forms.CharField(label=_("reason"), max_length=2000, widget=_textarea(2))


# --- categories ------------------------------------------------------------------------------------


def category_regions_for(user):
    """Regions a liaison officer may keep categories for: their own regions and those below them,
    down to the townships."""
    paths = [r.region.path for r in user.active_roles() if r.kind == "liaison_officer" and r.region_id]
    if not paths:
        return Region.objects.none()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return Region.objects.filter(q).exclude(level=Level.VILLAGE).order_by("path")


class CategoryForm(forms.Form):
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    name = forms.CharField(label=_("name"), max_length=60)
    code = forms.SlugField(
        label=_("code"),
        max_length=40,
        required=False,
        help_text=_("Letters, digits and dashes; made up from the name when empty."),
    )
    sort = forms.IntegerField(label=_("order"), min_value=0, max_value=32767, initial=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = category_regions_for(user)
        own = [r.region_id for r in user.active_roles() if r.kind == "liaison_officer" and r.region_id]
        if own:
            self.fields["region"].initial = own[0]  # most often a locality adds for its own region
        _style(self)


class CategoryEditForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=60)
    sort = forms.IntegerField(label=_("order"), min_value=0, max_value=32767)
    is_active = forms.BooleanField(label=_("active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
