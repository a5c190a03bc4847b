"""Forms of the working-day calendar pages (/work/admin/calendar/). They only parse input; the
services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _reason() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs=TEXT),
        help_text=_("Written to the audit log."),
    )


class CalendarDayForm(forms.Form):
    KIND_CHOICES = [("holiday", _("Holiday or rest day (放假)")), ("workday", _("Working day (调休上班)"))]

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("The day is"), choices=KIND_CHOICES, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=CalendarDay._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs=TEXT),
        help_text=_("For example 元旦 or 春节调休."),
    )
    reason = _reason()

    def __init__(self, *args, fixed_date: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_date:  # an entry is identified by its date: delete it and add another to move it
            self.fields["date"].disabled = True


class CalendarImportForm(forms.Form):
    text = forms.CharField(
        label=_("Schedule"),
        widget=forms.Textarea(
            attrs={
                **TEXT,
                "rows": 14,
                "class": "form-control font-monospace",
                "placeholder": "2027-01-01 holiday 元旦\n2027-02-06~2027-02-12 holiday 春节\n2027-02-14 workday 春节调休",
            }
        ),
        help_text=_(
            "One day or range a line: the date (or first~last), then holiday (休) or workday (班), then the "
            "name. Lines starting with # are skipped."
        ),
    )
    replace = forms.BooleanField(label=_("Delete this year's other entries (the notice was re-issued)"), required=False)
    reason = _reason()
