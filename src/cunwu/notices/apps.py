from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "cunwu.notices"
    label = "notices"
    verbose_name = _("Village notices and emergency warnings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import outward, policies

        policies.register_policies()
        outward.register()
