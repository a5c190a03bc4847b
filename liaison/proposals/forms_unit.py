"""Forms of the handling units' pages for suggestions and motions (/work/proposals/units/). Each step's
form carries the version of the item the unit saw, so that a step overtaken by someone else's is
reported, not applied. The forms only parse input; the services (handling.py) check it against the
item's state — classes, commitments, the six-month cap, documents by their content — and write."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Reply, UnitContact

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DOCUMENT_TYPES = (
    ".pdf,.doc,.docx,application/pdf,application/msword,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
MAX_COMMITMENT_ROWS = 20


def _date_input(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={**TEXT, "type": "date", **attrs}, format="%Y-%m-%d")


def _text(label, *, rows: int = 4, max_length: int = 2000, required: bool = True, placeholder="", help_text=""):
    """A text the service checks (lengths); the form marks it required for the browser only, so an
    empty text comes back with the service's message."""
    attrs = {**TEXT, "rows": rows}
    if required:
        attrs["required"] = True
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs=attrs), help_text=help_text
    )


def _document(label):
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.ClearableFileInput(attrs={**TEXT, "accept": DOCUMENT_TYPES}),
        help_text=_("A PDF or Word file; checked by its content."),
    )


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(StepForm):
    pass


class ReturnForm(StepForm):
    reason = _text(
        _("Why it is not for your unit"),
        rows=3,
        placeholder=_("For example: the matter is the responsibility of the county transport bureau."),
    )


class ContactForm(StepForm):
    kind = forms.ChoiceField(label=_("How"), choices=UnitContact.Kind.choices, widget=forms.Select(attrs=SELECT))
    date = forms.DateField(label=_("Date"), widget=_date_input())
    note = _text(_("What was discussed with the deputies"), rows=3)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)


class CoOpinionForm(StepForm):
    text = _text(_("Your unit's opinion to the lead unit"), rows=6, max_length=20000)
    document = _document(_("Document (optional)"))


class ExtensionForm(StepForm):
    deadline = forms.DateField(label=_("New reply date"), widget=_date_input())
    reason = _text(_("Why more time is needed"), rows=3)

    def __init__(self, *args, latest: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if latest is not None:
            self.fields["deadline"].widget.attrs["max"] = latest.isoformat()
            self.fields["deadline"].help_text = _("At the latest %(date)s: six months after assignment (003 §24).") % {
                "date": latest.isoformat()
            }


class ReplyForm(StepForm):
    """The reply to the deputies with its class; a class B reply lists its commitments, each with the
    date by which it will be done (the rows `commitment` and `commitment_due`)."""

    answer_class = forms.ChoiceField(
        label=_("Class of the reply"),
        choices=Reply.AnswerClass.choices,
        required=False,  # the service says what a missing class means
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    text = _text(_("Reply"), rows=8, max_length=20000)
    document = _document(_("Reply document"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment_rows: list[dict] = []
        if self.is_bound:
            texts = self.data.getlist("commitment") if hasattr(self.data, "getlist") else []
            dues = self.data.getlist("commitment_due") if hasattr(self.data, "getlist") else []
            for i in range(max(len(texts), len(dues))):
                text = (texts[i] if i < len(texts) else "").strip()
                due = (dues[i] if i < len(dues) else "").strip()
                if text or due:
                    self.commitment_rows.append({"text": text, "due": due, "error": ""})
        self.commitment_error = ""

    @property
    def show_empty_row(self) -> bool:
        return not self.commitment_rows

    def clean(self):
        data = super().clean()
        found = []
        if len(self.commitment_rows) > MAX_COMMITMENT_ROWS:
            self.commitment_error = _("At most %(n)s commitments.") % {"n": MAX_COMMITMENT_ROWS}
            raise forms.ValidationError(self.commitment_error)
        for row in self.commitment_rows:
            due = None
            if row["due"]:
                try:
                    due = datetime.date.fromisoformat(row["due"])
                except ValueError:
                    row["error"] = _("Enter a valid date.")
            if not row["text"]:
                row["error"] = _("Say what will be done by this date.")
            elif due is None and not row["error"]:
                row["error"] = _("Give the date by which it will be done.")
            found.append({"text": row["text"], "due": due})
        if any(row["error"] for row in self.commitment_rows):
            self.commitment_error = _("Check the commitments.")
            raise forms.ValidationError(self.commitment_error)
        data["commitments"] = found
        return data


class FulfilForm(StepForm):
    commitment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = _text(_("How it was fulfilled"), rows=2)
