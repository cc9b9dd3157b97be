from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cunwu.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cunwu.notify import hours

        from . import alerts, clock, outward, policies  # noqa: F401 - alerts registers the applicants' texts

        policies.register_policies()
        outward.register()
        hours.use_calendar(clock.is_workday)
