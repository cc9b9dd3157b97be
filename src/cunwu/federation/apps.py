from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "cunwu.federation"
    label = "federation"
    verbose_name = _("The nation's figures from each province")
    default_auto_field = "django.db.models.BigAutoField"
