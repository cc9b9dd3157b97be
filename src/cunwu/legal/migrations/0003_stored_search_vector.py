"""PostgreSQL: keep the search vector in a stored generated column, so ranking does not recompute it per row."""

from django.db import migrations

from cunwu.legal.search import store_vector, unstore_vector


class Migration(migrations.Migration):
    dependencies = [("legal", "0002_article_search_index")]

    operations = [migrations.RunPython(store_vector, unstore_vector)]
