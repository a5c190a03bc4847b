"""The fast entry form of a station's work log (民情工作日志). The station is the page's (chosen above
the form); the places, deputies and categories offered are that station's. The form only parses
input; `services.opinion_register` validates and writes."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.deputies.models import Person
from liaison.regions.models import Region
from liaison.stations.models import Station

from .models import Category, Opinion
from .services import STAFF_CHANNELS, category_choices

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
# Places offered below the station: two levels (a county station: its townships and their villages).
REGION_DEPTH = 2
CHANNELS = [(value, label) for value, label in Opinion.Channel.choices if value in STAFF_CHANNELS]


class RegionChoiceField(forms.ModelChoiceField):
    """The station's region and the places below it, indented by level."""

    def __init__(self, *args, top_depth: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.top_depth = top_depth

    def label_from_instance(self, obj):
        return "\u3000" * max(obj.depth - self.top_depth, 0) + obj.name


class WorklogForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    channel = forms.ChoiceField(label=_("How it came in"), choices=CHANNELS, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("What the citizen raised"),
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4, "autofocus": True}),
    )
    name = forms.CharField(label=_("Citizen's name"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(
        label=_("Citizen's phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Optional; no SMS code is needed for a number taken down by staff."),
    )
    region = RegionChoiceField(
        label=_("Place concerned"), queryset=Region.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.none(),
        empty_label=_("(the office classifies it)"),
        widget=forms.Select(attrs=SELECT),
    )
    received_by = forms.ModelChoiceField(
        label=_("Deputy who received the citizen"),
        required=False,
        queryset=Person.objects.none(),
        empty_label=_("(staff, no deputy)"),
        widget=forms.Select(attrs=SELECT),
    )
    received_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}, format="%Y-%m-%d")
    )
    answer = forms.CharField(
        label=_("Answered on the spot"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text=_(
            "Fill in only when the citizen got the answer there and then; the entry is then closed as answered."
        ),
    )

    def __init__(self, *args, station: Station, own_persons: list[int] | None = None, **kwargs):
        """`own_persons`: for a deputy who keeps the log alone, the deputy is the one who received the
        citizen (and must be named)."""
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.station = station
        region = station.region
        self.fields["region"].queryset = Region.objects.filter(
            path__startswith=region.path, depth__lte=region.depth + REGION_DEPTH
        ).order_by("path")
        self.fields["region"].top_depth = region.depth
        self.fields["category"].queryset = category_choices(region)
        deputies = Person.objects.filter(station_assignments__station=station).order_by("name_pinyin", "pk")
        if own_persons:
            deputies = Person.objects.filter(pk__in=own_persons).order_by("name_pinyin", "pk")
            self.fields["received_by"].required = True
            self.fields["received_by"].empty_label = None
        self.fields["received_by"].queryset = deputies
