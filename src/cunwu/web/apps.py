from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cunwu.web"
    verbose_name = "Web interface"
