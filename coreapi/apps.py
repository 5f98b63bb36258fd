from django.apps import AppConfig


class CoreapiConfig(AppConfig):
    verbose_name = "Built-in core API"
    name = "coreapi"
