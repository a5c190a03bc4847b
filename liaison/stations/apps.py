from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "liaison.stations"
    label = "stations"

    def ready(self):
        from . import notices  # noqa: F401  (the notification kinds of this part)
