from django.apps import AppConfig


class BurdenConfig(AppConfig):
    name = "cunwu.burden"
    label = "burden"
    verbose_name = "Village burden: admission and registry"

    def ready(self) -> None:
        from .policies import register_policies

        register_policies()
