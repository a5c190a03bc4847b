from django.apps import AppConfig


class DeputiesConfig(AppConfig):
    name = "liaison.deputies"
    label = "deputies"
