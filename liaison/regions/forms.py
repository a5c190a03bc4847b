"""Forms of the regions workspace. They parse input only; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Congress, HandlingUnit, Level, Organ, Region, Session, Term

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{'　' * obj.depth}{obj.name} · {obj.get_level_display()} · {obj.code}"


class RegionForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    code = forms.CharField(
        label=_("division code"),
        max_length=12,
        help_text=_("The statistical division code, digits only (up to 12)."),
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}),
    )
    level = forms.ChoiceField(label=_("level"), choices=Level.choices, widget=forms.Select(attrs=SELECT))
    parent = RegionChoiceField(
        label=_("parent region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("(top level)"),
        widget=forms.Select(attrs=SELECT),
    )
    reason = forms.CharField(
        label=_("reason for the change"),
        required=False,
        max_length=500,
        help_text=_("Recorded in the audit trail, for instance the State Council approval of a boundary change."),
        widget=forms.TextInput(attrs=TEXT),
    )

    def __init__(self, *args, parent_choices, region: Region | None = None, parent_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parent_choices
        self.fields["parent"].required = parent_required
        if parent_required:
            self.fields["parent"].empty_label = None
        if region is not None:
            del self.fields["level"]  # the level is fixed once the region exists
            self.fields["parent"].help_text = _("Choosing another parent moves the region with its whole subtree.")
        else:
            del self.fields["reason"]


class CongressForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=150,
        required=False,
        help_text=_("Leave empty for “<region> People's Congress”."),
        widget=forms.TextInput(attrs=TEXT),
    )
    motion_threshold = forms.IntegerField(
        label=_("co-signers needed for a motion"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=Congress._meta.get_field("motion_threshold").help_text,
        widget=forms.NumberInput(attrs=TEXT),
    )
    reason = forms.CharField(label=_("reason for the change"), required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["name"].required = True
            self.fields["name"].help_text = ""
            self.fields["motion_threshold"].required = True
        else:
            del self.fields["reason"]


class TermForm(forms.Form):
    number = forms.IntegerField(
        label=Term._meta.get_field("number").verbose_name,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs=TEXT),
    )
    start_date = forms.DateField(label=Term._meta.get_field("start_date").verbose_name, widget=DATE)
    end_date = forms.DateField(label=Term._meta.get_field("end_date").verbose_name, widget=DATE)


class SessionForm(forms.Form):
    number = forms.IntegerField(
        label=Session._meta.get_field("number").verbose_name,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs=TEXT),
    )
    start_date = forms.DateField(label=Session._meta.get_field("start_date").verbose_name, widget=DATE)
    end_date = forms.DateField(label=Session._meta.get_field("end_date").verbose_name, widget=DATE)
    notice_date = forms.DateField(
        label=Session._meta.get_field("notice_date").verbose_name,
        required=False,
        help_text=_("003 §4: at least 15 days before the opening. A later notice is recorded with a warning."),
        widget=DATE,
    )
    motion_deadline = forms.DateTimeField(
        label=Session._meta.get_field("motion_deadline").verbose_name,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=DATETIME,
    )


class OrganForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Organ.Kind.choices, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(label=_("name"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    parent = forms.ModelChoiceField(
        label=_("part of"),
        queryset=Organ.objects.none(),
        required=False,
        empty_label=_("(none)"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, parent_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parent_choices


class UnitForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("kind"), choices=HandlingUnit.Kind.choices, widget=forms.Select(attrs=SELECT))
    parent = forms.ModelChoiceField(
        label=_("department of"),
        queryset=HandlingUnit.objects.none(),
        required=False,
        empty_label=_("(none)"),
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, parent_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parent_choices


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
