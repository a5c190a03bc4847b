from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notification


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any status")), *Notification.Status.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("any channel")), *Notification.Channel.choices]
    )
    kind = forms.CharField(label=_("Kind"), required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css


class RetryForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
