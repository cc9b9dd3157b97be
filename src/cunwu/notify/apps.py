from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "cunwu.notify"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 - registers the provider configuration check
