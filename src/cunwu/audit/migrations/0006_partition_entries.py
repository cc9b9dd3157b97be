"""On PostgreSQL, the audit log is partitioned by month (cunwu.pgpartitions); SQLite keeps a plain table."""

from django.db import migrations

TABLE = "audit_auditentry"


def partition(apps, schema_editor):
    from django.utils import timezone

    from cunwu import pgpartitions

    if schema_editor.connection.vendor == "postgresql":
        pgpartitions.partition(schema_editor.connection, TABLE, pgpartitions.TABLES[TABLE], timezone.localdate())


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_audit_archive")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
