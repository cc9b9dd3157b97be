from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cunwu.web"
    verbose_name = "Web interface"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 - registers the production checks

        # (sent once for each app with models; this one has none)
        post_migrate.connect(_cache_table, dispatch_uid="cunwu-cache-table")


def _cache_table(sender, using="default", **kwargs):
    """`migrate` also makes the shared cache's table (settings.CACHES), so no deployment step is forgotten."""
    from django.core.management import call_command

    if sender.label != "accounts":  # one app's signal is enough
        return

    call_command("createcachetable", database=using, verbosity=0)
