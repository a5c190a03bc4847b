from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "liaison.proposals"
    label = "proposals"
    verbose_name = _("suggestions and motions")

    def ready(self):
        from . import notices, rules  # noqa: F401  (notification kinds, event handlers, django-rules permissions)
