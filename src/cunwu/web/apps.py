from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cunwu.web"
    verbose_name = "Web interface"

    def ready(self):
        from . import checks  # noqa: F401 - registers the production checks
