from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "cunwu.legal"
    label = "legal"
    verbose_name = _("Public legal services")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import aid, mediation, outward, policies, services  # noqa: F401 - they register their text purposes

        policies.register_policies()
        outward.register()
