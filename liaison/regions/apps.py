from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "liaison.regions"
    label = "regions"
