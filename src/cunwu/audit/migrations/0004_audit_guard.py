from django.db import migrations


def install(apps, schema_editor):
    from cunwu.audit import guard

    guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    from cunwu.audit import guard

    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_key_id")]

    operations = [migrations.RunPython(install, remove)]
