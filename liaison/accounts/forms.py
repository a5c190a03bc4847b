from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from liaison.core.requestlocal import client_ip

from .security import is_locked_out
from .services import login_attempt_record


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid": _("The user name or password is wrong."),
        "locked": _("Too many failed attempts. This account is locked from your address for a while; try again later."),
    }

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        ip = client_ip(self.request)
        if is_locked_out(username=username, ip=ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        user = authenticate(self.request, username=username, password=password)
        login_attempt_record(username=username, ip=ip, success=user is not None, user=user)
        if user is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        self.user = user
        return self.cleaned_data
