from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from liaison.core.models import AuditLog
from liaison.core.requestlocal import client_ip

from .models import Role, SecuritySettings
from .security import locked_until, minutes_until
from .services import login_attempt_record

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={**TEXT, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid": _("The user name or password is wrong."),
        "locked": _(
            "Too many failed log-ins: this account is locked from your address. Try again in %(minutes)d"
            " minutes, or ask the security administrator to unlock it."
        ),
    }

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def _locked(self, until):
        return forms.ValidationError(
            self.error_messages["locked"], code="locked", params={"minutes": minutes_until(until)}
        )

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        ip = client_ip(self.request)
        until = locked_until(username=username, ip=ip)
        if until is not None:
            raise self._locked(until)
        user = authenticate(self.request, username=username, password=password)
        just_locked = login_attempt_record(username=username, ip=ip, success=user is not None, user=user)
        if user is None:
            if just_locked:
                raise self._locked(locked_until(username=username, ip=ip))
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        self.user = user
        return self.cleaned_data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "new-password"}),
    )

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = help_text

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={**TEXT, "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the digits shown by the app."))
        return token


# --- Administration -------------------------------------------------------------------------------
def _reason(required: bool = False) -> forms.CharField:
    field = forms.CharField(
        label=_("Reason"),
        required=required,
        max_length=500,
        widget=forms.TextInput(attrs=TEXT),
        help_text=_("Written to the audit log."),
    )
    return field


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": _("User name, name or phone")}),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
        widget=forms.Select(attrs=SELECT),
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    name = forms.CharField(label=_("Name"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, widget=forms.TextInput(attrs=TEXT))
    email = forms.EmailField(label=_("E-mail"), required=False, widget=forms.EmailInput(attrs=TEXT))
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "new-password"}),
        help_text=_("The person must change it at first log-in."),
    )
    reason = _reason()

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["password"].help_text = f"{help_text} {self.fields['password'].help_text}"


class UserUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, widget=forms.TextInput(attrs=TEXT))
    email = forms.EmailField(label=_("E-mail"), required=False, widget=forms.EmailInput(attrs=TEXT))
    reason = _reason()


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("New initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "new-password"}),
        help_text=_("The person must change it at next log-in."),
    )
    reason = _reason()


class ReasonForm(forms.Form):
    reason = _reason()


class LookupSelect(forms.Select):
    """A select that renders only the chosen option plus a search box that fills it through htmx:
    there may be 100,000 regions or deputies, too many for one list."""

    template_name = "accounts/widgets/lookup.html"

    def __init__(self, *, source: str, attrs=None):
        super().__init__(attrs={**SELECT, **(attrs or {})})
        self.source = source

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["source"] = self.source
        return context

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in ("", None)]
        field_choices = self.choices
        self.choices = [("", "---------")]
        if chosen and hasattr(field_choices, "queryset"):
            for obj in field_choices.queryset.filter(pk__in=[c for c in chosen if str(c).isdigit()]):
                self.choices.append((obj.pk, lookup_label(obj)))
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = field_choices


def lookup_label(obj) -> str:
    from liaison.deputies.models import Person
    from liaison.regions.models import HandlingUnit, Region
    from liaison.stations.models import Station

    if isinstance(obj, Region):
        return f"{obj.name} ({obj.code})"
    if isinstance(obj, Station):
        return f"{obj.name} · {obj.region.name}"
    if isinstance(obj, HandlingUnit):
        return f"{obj.name} · {obj.region.name}"
    if isinstance(obj, Person):
        extra = " · ".join(str(x) for x in (obj.birth_year, obj.work_unit) if x)
        return f"{obj.name} · {extra}" if extra else obj.name
    return str(obj)


class RoleGrantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Role"), choices=Role.Kind.choices, widget=forms.Select(attrs=SELECT))
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, required=False)
    station = forms.ModelChoiceField(label=_("Station"), queryset=None, required=False)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=None, required=False)
    person = forms.ModelChoiceField(label=_("Deputy"), queryset=None, required=False)
    reason = _reason()

    def __init__(self, *args, lookup_url: str = "", **kwargs):
        from liaison.deputies.models import Person
        from liaison.regions.models import HandlingUnit, Region
        from liaison.stations.models import Station

        super().__init__(*args, **kwargs)
        querysets = {
            "region": Region.objects.all(),
            "station": Station.objects.select_related("region"),
            "unit": HandlingUnit.objects.select_related("region"),
            "person": Person.objects.all(),
        }
        for field, queryset in querysets.items():
            self.fields[field].queryset = queryset
            self.fields[field].widget = LookupSelect(source=f"{lookup_url}?type={field}")
            self.fields[field].widget.choices = self.fields[field].choices
        self.fields["region"].help_text = _("For liaison officers and leadership: the region subtree they work in.")
        self.fields["station"].help_text = _("For station staff.")
        self.fields["unit"].help_text = _("For handling unit staff.")
        self.fields["person"].help_text = _("For a deputy: the deputy's own record.")


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    reason = _reason()


class SecuritySettingsForm(forms.ModelForm):
    reason = _reason()

    class Meta:
        model = SecuritySettings
        fields = [
            "profile",
            "min_length",
            "max_age_days",
            "lockout_attempts",
            "lockout_window_minutes",
            "idle_minutes",
            "absolute_hours",
            "password_history",
        ]
        widgets = {
            "profile": forms.Select(attrs=SELECT),
            "min_length": forms.NumberInput(attrs=TEXT),
            "max_age_days": forms.NumberInput(attrs=TEXT),
            "lockout_attempts": forms.NumberInput(attrs=TEXT),
            "lockout_window_minutes": forms.NumberInput(attrs=TEXT),
            "idle_minutes": forms.NumberInput(attrs=TEXT),
            "absolute_hours": forms.NumberInput(attrs=TEXT),
            "password_history": forms.NumberInput(attrs=TEXT),
        }


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("By"), required=False, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("User name or name")})
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All"))] + list(AuditLog.Action.choices),
        widget=forms.Select(attrs=SELECT),
    )
    model = forms.CharField(
        label=_("Record type"),
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "list": "audit-models", "placeholder": "deputies.Person"}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    q = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": _("Record, reason or address")}),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
