from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "liaison.stations"
    label = "stations"
