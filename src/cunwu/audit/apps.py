from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _guard_after_migrating(sender, using="default", **kwargs):
    """A later migration that rebuilds the audit table (SQLite remakes a table to alter it) would drop its
    triggers silently: they are put back after every migrate."""
    from django.db import connections

    from . import guard

    if sender.name == AuditConfig.name:
        guard.install(connections[using])


class AuditConfig(AppConfig):
    name = "cunwu.audit"
    verbose_name = "Audit"

    def ready(self):
        post_migrate.connect(_guard_after_migrating, sender=self)
