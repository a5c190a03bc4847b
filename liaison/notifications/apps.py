from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "liaison.notifications"
    label = "notifications"
    verbose_name = _("notifications")

    def ready(self):
        from . import checks, notices  # noqa: F401  (system checks; the kinds of this part)
