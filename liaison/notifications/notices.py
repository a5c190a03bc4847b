"""The notification kinds of the notifications part itself (imported from NotificationsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from .kinds import register_kind

register_kind(
    "sms_code",
    subject=_("Verification code"),
    body=_(
        "[Deputy liaison platform] Your verification code is {code}, valid for {minutes} minutes. "
        "Do not tell it to anyone."
    ),
    secret=("code",),
)
