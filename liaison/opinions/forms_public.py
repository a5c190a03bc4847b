"""Forms of the citizen-facing opinion pages: send an opinion, look up a tracking code, rate an
answer. They check the shape of what was typed; the rules (lengths, phone and SMS code, region,
category, attachments) are the services' and come back as ApplicationErrors mapped onto the form."""

import re
import uuid

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.regions.models import Region
from liaison.regions.selectors import region_lineage

from .models import Opinion
from .services import category_choices

ACCEPT = "image/jpeg,image/png,application/pdf"
MAX_CHAIN = 6  # province → village is five levels


# --- the region picker ------------------------------------------------------------------------------


def region_chain(values, *, root: Region | None) -> Region | None:
    """The region a row of cascading menus names: each menu's choice must lie below the one before
    (the first below `root`, anywhere when there is none); the walk stops at the first empty or
    inconsistent menu (a menu left over from an earlier choice, when scripts are off). `root` itself
    when nothing below it is chosen. One query."""
    ids = []
    for value in values or []:
        value = str(value or "").strip()
        if not value.isdigit() or len(value) > 12:
            break
        ids.append(int(value))
    ids = ids[:MAX_CHAIN]
    found = Region.objects.in_bulk(ids) if ids else {}
    current = root
    for pk in ids:
        region = found.get(pk)
        if region is None or (current is not None and not region.path.startswith(current.path)) or region == current:
            break
        current = region
    return current


def picker_levels(selected: Region | None, *, root: Region | None) -> tuple[list[Region], list[dict]]:
    """What the picker shows: the fixed places above and at `root` (text), then one menu per level
    below it — the chosen place in each, and a last menu to go one level further when there is one.
    Two queries: the lineage and the children of every place on it."""
    lineage = region_lineage(selected or root)
    depth = root.depth if root is not None else -1
    fixed = [r for r in lineage if r.depth <= depth]
    chain = [r for r in lineage if r.depth > depth]
    parents = [root, *chain]
    parent_ids = [p.pk for p in parents if p is not None]
    q = Q(parent_id__in=parent_ids)
    if root is None:
        q |= Q(parent__isnull=True)
    children: dict[int | None, list[Region]] = {}
    for region in Region.objects.filter(q).only("pk", "name", "parent_id", "level", "code").order_by("code", "pk"):
        children.setdefault(region.parent_id, []).append(region)
    levels = []
    for i, parent in enumerate(parents):
        options = children.get(parent.pk if parent else None, [])
        if not options:
            break
        levels.append(
            {
                "parent": parent,
                "options": options,
                "selected": chain[i].pk if i < len(chain) else None,
                "label": options[0].get_level_display(),
            }
        )
    return fixed, levels


class RegionPicker(forms.Widget):
    """Cascading menus, one per level of the region tree (like the home page's drill-down); with
    scripts on, choosing a place reloads the menus below it (htmx), with scripts off the deepest
    consistent choice counts. Every menu is named `region`."""

    template_name = "opinions/public/_region_picker.html"

    def __init__(self, *args, root: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = root

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        region = region_chain(values, root=self.root)
        return region.pk if region is not None else None

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        selected = value if isinstance(value, Region) else None
        if selected is None and value not in (None, ""):
            selected = Region.objects.filter(pk=value).first() if str(value).isdigit() else None
        fixed, levels = picker_levels(selected, root=self.root)
        context["picker"] = {"fixed": fixed, "levels": levels, "root": self.root}
        return context


# --- send an opinion --------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each by its content and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _text(**attrs) -> dict:
    return {"class": "form-control", **attrs}


def _phone_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs=_text(type="tel", inputmode="tel", autocomplete="tel", maxlength=20)),
    )


def _sms_code_field() -> forms.CharField:
    return forms.CharField(
        label=_("SMS code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs=_text(inputmode="numeric", autocomplete="one-time-code", maxlength=6, pattern="[0-9]*")
        ),
    )


class OpinionForm(forms.Form):
    text = forms.CharField(
        label=_("Your opinion or suggestion"),
        max_length=5000,
        widget=forms.Textarea(attrs=_text(rows=6, maxlength=5000)),
        help_text=_("What is the matter, where, since when, and what you would like done."),
    )
    region = forms.ModelChoiceField(
        label=_("Where is the matter?"),
        queryset=Region.objects.all(),
        error_messages={"required": _("Choose the place the opinion is about.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=category_choices(None),
        required=False,
        empty_label=_("— not sure —"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    title = forms.CharField(
        label=_("Subject"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs=_text(maxlength=120)),
        help_text=_("Optional: a few words; the beginning of your text is used otherwise."),
    )
    location = forms.CharField(
        label=_("Place concerned"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=_text(maxlength=200)),
        help_text=_("Optional: a street, a building, a landmark."),
    )
    attachments = MultipleFileField(
        label=_("Photos or documents"),
        required=False,
        help_text=_("Optional: JPEG or PNG photos, PDF documents."),
    )
    name = forms.CharField(
        label=_("Your name"), max_length=50, required=False, widget=forms.TextInput(attrs=_text(maxlength=50))
    )
    phone = _phone_field(_("Mobile phone"))
    sms_code = _sms_code_field()
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=200,
        required=False,
        widget=forms.EmailInput(attrs=_text(autocomplete="email", maxlength=200)),
    )
    notify_by = forms.ChoiceField(
        label=_("How should we tell you about the answer?"),
        choices=Opinion.NotifyBy.choices,
        initial=Opinion.NotifyBy.NONE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, root: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = root
        self.fields["region"].widget = RegionPicker(root=root)
        if root is not None:
            self.fields["region"].required = False
        self.fields["category"].queryset = category_choices(self.current_region())
        size = round(settings.OPINION_ATTACHMENT_MAX_BYTES / 1024 / 1024, 1)
        self.fields["attachments"].help_text = _(
            "Optional: up to %(n)s JPEG or PNG photos or PDF documents, each at most %(mb)s MB."
        ) % {"n": settings.OPINION_ATTACHMENTS_MAX, "mb": f"{size:g}"}
        self.sms_required = settings.OPINION_SMS_VERIFICATION
        if not self.sms_required:
            del self.fields["sms_code"]

    def current_region(self) -> Region | None:
        """The region chosen so far (for the category list): from the posted menus, the initial value
        or the root."""
        if self.is_bound:
            return region_chain(self.data.getlist("region"), root=self.root) if hasattr(self.data, "getlist") else None
        initial = self.initial.get("region")
        if isinstance(initial, Region):
            return initial
        return self.root

    def clean_idempotency_key(self):
        """The key the form was shown with; a missing or odd one (a hand-made request) gets a fresh
        key, so that request is still taken, once."""
        key = self.cleaned_data.get("idempotency_key") or ""
        return key if re.fullmatch(r"[0-9A-Za-z_.:-]{16,64}", key) else uuid.uuid4().hex

    def clean_region(self):
        return self.cleaned_data.get("region") or self.root

    def clean(self):
        data = super().clean()
        if self.sms_required and (data.get("phone") or "").strip() and not (data.get("sms_code") or "").strip():
            self.add_error("sms_code", _("Enter the code we sent by SMS to this number (press “Send code” first)."))
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs=_text(autocomplete="off", autocapitalize="characters", spellcheck="false", maxlength=40)
        ),
        help_text=_("The 12 characters you got when you sent the opinion; spaces, dashes and lower case are fine."),
    )


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=Opinion.Satisfaction.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs=_text(rows=3, maxlength=2000)),
    )
    phone = _phone_field(_("The mobile phone number you gave"))
    sms_code = _sms_code_field()
