"""The database's own full-text index over Article.terms: FTS5 with triggers on SQLite, GIN on PostgreSQL."""

from django.db import migrations

from cunwu.legal.search import create_index, drop_index


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
