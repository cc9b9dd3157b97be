from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "cunwu.partners"
    verbose_name = "Connected systems"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cunwu.audit.services import recorded

        from . import events, policies

        policies.register_policies()
        recorded.connect(events.on_recorded, dispatch_uid="cunwu.partners.events")
