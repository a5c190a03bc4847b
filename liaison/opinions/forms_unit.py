"""Forms of the handling unit's workspace (/work/units/). Each step's form carries the opinion's
version the unit saw, so that a step overtaken by someone else's is reported, not applied. The forms
only parse input; the services validate against the opinion's state and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import UnitContact

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DOCUMENT_TYPES = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={**TEXT, "type": "date"}, format="%Y-%m-%d")


def _text(label, *, rows: int = 4, max_length: int = 2000, placeholder="") -> forms.CharField:
    attrs = {**TEXT, "rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, max_length=max_length, widget=forms.Textarea(attrs=attrs))


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(StepForm):
    pass


class ReturnForm(StepForm):
    reason = _text(
        _("Why the opinion is not for your unit"),
        rows=3,
        placeholder=_("For example: the matter is the responsibility of the county water bureau."),
    )


class ContactForm(StepForm):
    kind = forms.ChoiceField(label=_("How"), choices=UnitContact.Kind.choices, widget=forms.Select(attrs=SELECT))
    date = forms.DateField(label=_("Date"), widget=_date_input())
    note = _text(_("What was said"), rows=3)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)


class ExtensionForm(StepForm):
    deadline = forms.DateField(label=_("New reply date"), widget=_date_input())
    reason = _text(_("Why more time is needed"), rows=3)

    def __init__(self, *args, latest=None, **kwargs):
        super().__init__(*args, **kwargs)
        if latest is not None:
            self.fields["deadline"].widget.attrs["max"] = latest.isoformat()
            self.fields["deadline"].help_text = _("At the latest %(date)s.") % {"date": latest.isoformat()}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is judged by its content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={**TEXT, "accept": DOCUMENT_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReplyForm(StepForm):
    text = _text(_("Reply"), rows=8, max_length=10000)
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Photos (JPEG, PNG) or PDF documents; checked by their content."),
    )
