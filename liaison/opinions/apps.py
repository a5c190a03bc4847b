from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "liaison.opinions"
    label = "opinions"
    verbose_name = _("opinions")

    def ready(self):
        from . import notices  # noqa: F401  (notification kinds and the handlers of the domain events)
