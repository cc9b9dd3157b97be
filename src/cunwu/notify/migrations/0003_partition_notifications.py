"""On PostgreSQL, notifications are partitioned by month (cunwu.pgpartitions); SQLite keeps a plain table."""

from django.db import migrations

TABLE = "notify_notification"


def partition(apps, schema_editor):
    from django.utils import timezone

    from cunwu import pgpartitions

    if schema_editor.connection.vendor == "postgresql":
        pgpartitions.partition(schema_editor.connection, TABLE, pgpartitions.TABLES[TABLE], timezone.localdate())


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_claimed_state")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
