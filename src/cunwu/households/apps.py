from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "cunwu.households"
    label = "households"
    verbose_name = _("Village households, grids, key groups and visits")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import policies

        policies.register_policies()
