from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the new token"),
        max_length=100,
        help_text=_("What the token is for, e.g. “county statistics script”."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
