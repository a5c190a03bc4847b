"""Forms of the stations workspace. They only parse input; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.accounts.scope import scope_for
from liaison.deputies.models import Person
from liaison.regions.models import Region

from .models import StandardItem, Station
from .services import Frequency


def _control(field: forms.Field, css: str = "form-control") -> forms.Field:
    field.widget.attrs.setdefault("class", css)
    return field


class StationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Station.Kind.choices)
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    address = forms.CharField(label=_("address"), max_length=200)
    latitude = forms.DecimalField(
        label=_("latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    opening_hours = forms.CharField(
        label=_("opening hours"),
        max_length=200,
        required=False,
        help_text=_("For example: Mon–Fri 9:00–17:00; reception day on the 10th of every month"),
    )
    phone = forms.CharField(label=_("phone"), max_length=32, required=False)
    description = forms.CharField(label=_("introduction"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    is_active = forms.BooleanField(label=_("open"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["region"].queryset = Region.objects.filter(scope.region_q("path")).order_by("path")
        for name, field in self.fields.items():
            if name == "is_active":
                continue
            _control(field, "form-select" if name in ("kind", "region") else "form-control")


class EvidenceForm(forms.Form):
    item = forms.ModelChoiceField(label=_("item"), queryset=StandardItem.objects.all(), widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("file"),
        help_text=_("A JPEG or PNG photo or a PDF document."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _control(self.fields["file"])
        _control(self.fields["note"])


class CheckboxGrid(forms.CheckboxSelectMultiple):
    """Deputies as a compact grid of checkboxes (a station may have dozens)."""

    template_name = "stations/widgets/checkbox_grid.html"


class SlotForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("to"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    deputies = forms.ModelMultipleChoiceField(
        label=_("deputies on duty"),
        queryset=Person.objects.none(),
        required=False,
        widget=CheckboxGrid,
        help_text=_("Only deputies assigned to the station are listed."),
    )
    topic = forms.CharField(label=_("topic"), max_length=100, required=False)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = Person.objects.filter(station_assignments__station=station).order_by(
            "name_pinyin", "pk"
        )
        for name in ("date", "start_time", "end_time", "topic"):
            _control(self.fields[name])


class SlotCreateForm(SlotForm):
    publish = forms.BooleanField(
        label=_("publish now"),
        required=False,
        help_text=_("Published slots appear on the public page; the date must be far enough ahead."),
    )
    repeat = forms.ChoiceField(
        label=_("repeat"),
        required=False,
        choices=[("", _("does not repeat")), *Frequency.choices],
    )
    repeat_until = forms.DateField(
        label=_("repeat until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _control(self.fields["repeat"], "form-select")
        _control(self.fields["repeat_until"])

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("repeat_until"):
            self.add_error("repeat_until", _("Give the date until which the slot repeats."))
        return data


class RepeatForm(forms.Form):
    frequency = forms.ChoiceField(label=_("repeat"), choices=Frequency.choices)
    until = forms.DateField(label=_("until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _control(self.fields["frequency"], "form-select")
        _control(self.fields["until"])
