from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "cunwu.regions"
    verbose_name = "Regions"
