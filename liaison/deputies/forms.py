"""Forms of the workspace. They parse input only; the rules live in services.py."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from liaison.regions.models import Congress, Level, Region
from liaison.stations.models import Station

from .models import Delegation, ElectoralDistrict, GroupMembership, Household, Mandate, Person
from .scoping import paths_q
from .services import STATUS_TRANSITIONS


def bootstrap(form: forms.BaseForm) -> forms.BaseForm:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * obj.depth + obj.name


PERSON_FORM_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_year",
    "party",
    "occupation",
    "work_unit",
    "region",
    "phone",
    "phone_public",
    "email",
    "email_public",
    "wechat",
    "wechat_public",
    "address",
    "address_public",
    "bio",
]


class PersonForm(forms.Form):
    """A person's record with the visibility flag of each contact field, and a photo."""

    photo = forms.FileField(
        label=_("Photo"), required=False, help_text=_("JPEG, PNG or WebP, a portrait, at most 2 MB.")
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    confirm = forms.BooleanField(
        label=_("This is a different person with the same details; save anyway"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, paths=(), person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = fields_for_model(Person, fields=PERSON_FORM_FIELDS)
        photo, remove, confirm = self.fields.pop("photo"), self.fields.pop("remove_photo"), self.fields.pop("confirm")
        self.fields.update(fields)
        self.fields["region"] = RegionChoiceField(
            label=_("Managing region"),
            queryset=Region.objects.filter(paths_q("path", paths)).exclude(level=Level.VILLAGE).order_by("path"),
            help_text=Person._meta.get_field("region").help_text,
        )
        self.fields["bio"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["photo"] = photo
        if person is not None and person.photo:
            self.fields["remove_photo"] = remove
        self.fields["confirm"] = confirm
        bootstrap(self)

    def show_confirm(self):
        """After a probable-duplicate error, offer the confirmation box."""
        self.fields["confirm"].widget = forms.CheckboxInput(attrs={"class": "form-check-input"})

    def person_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in PERSON_FORM_FIELDS}
        for key in ("ethnicity", "party", "occupation", "work_unit", "phone", "email", "wechat", "address", "bio"):
            data[key] = data[key] or ""
        return data


class CongressChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ChooseCongressForm(forms.Form):
    congress = CongressChoiceField(label=_("Congress"), queryset=Congress.objects.none())

    def __init__(self, *args, paths=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["congress"].queryset = (
            Congress.objects.filter(paths_q("region__path", paths)).select_related("region").order_by("region__path")
        )
        bootstrap(self)


class MandateForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Term"), queryset=None)
    election = forms.ChoiceField(label=_("Election"), choices=Mandate.Election.choices)
    district = forms.ModelChoiceField(
        label=_("Electoral district"), queryset=None, required=False, help_text=_("For direct election.")
    )
    electing_congress = CongressChoiceField(
        label=_("Electing congress"),
        queryset=None,
        required=False,
        help_text=_("For indirect election: the congress one level below that elected the deputy."),
    )
    delegation = forms.ModelChoiceField(label=_("Delegation"), queryset=None, required=False)
    start_date = forms.DateField(
        label=_("Start date"), required=False, widget=DateInput(), help_text=_("Empty: the start of the term.")
    )
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput())

    def __init__(self, *args, congress: Congress, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.congress = congress
        self.fields["term"].queryset = congress.terms.order_by("-number")
        self.fields["district"].queryset = ElectoralDistrict.objects.filter(congress=congress).order_by("name")
        self.fields["electing_congress"].queryset = Congress.objects.filter(region__parent=congress.region_id).order_by(
            "region__path"
        )
        self.fields["delegation"].queryset = Delegation.objects.filter(congress=congress).order_by("name")
        if editing:
            del self.fields["term"]
        else:
            del self.fields["end_date"]
        if congress.level in (Level.COUNTY, Level.TOWNSHIP):
            self.initial.setdefault("election", Mandate.Election.DIRECT)
        else:
            self.initial.setdefault("election", Mandate.Election.INDIRECT)
        bootstrap(self)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=())
    date = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, mandate: Mandate, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS.get(mandate.status, set())
        self.fields["status"].choices = [(v, label) for v, label in Mandate.Status.choices if v in allowed]
        bootstrap(self)


class NameForm(forms.Form):
    name = forms.CharField(label=_("Designation"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=100)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none())
    station = forms.ModelChoiceField(label=_("Home station"), queryset=Station.objects.none(), required=False)

    def __init__(self, *args, paths=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.filter(paths_q("path", paths)).exclude(level=Level.VILLAGE).order_by("path")
        )
        self.fields["station"].queryset = Station.objects.filter(paths_q("region_path", paths)).order_by(
            "region_path", "name"
        )
        if editing:
            del self.fields["region"]
        bootstrap(self)


class MemberAddForm(forms.Form):
    mandate = forms.IntegerField(widget=forms.HiddenInput)
    position = forms.ChoiceField(label=_("Position"), choices=GroupMembership.Position.choices, initial="member")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class PositionForm(forms.Form):
    position = forms.ChoiceField(label=_("Position"), choices=GroupMembership.Position.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class HouseholdForm(forms.Form):
    name = forms.CharField(label=_("Head of household"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=Household.Kind.choices)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none())
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, paths=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(paths_q("path", paths)).order_by("path")
        bootstrap(self)


class LinkForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    since = forms.DateField(label=_("In touch since"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx)"))
    check_only = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        bootstrap(self)
