"""A listed form is in force within its list's year: rows made before this rule get that period."""

import datetime as dt

from django.db import migrations


def within_the_list_year(apps, schema_editor):
    Obligation = apps.get_model("burden", "Obligation")
    for row in Obligation.objects.filter(form__isnull=False).select_related("form__forms_list").iterator():
        year = row.form.forms_list.year
        since = max(row.since, dt.date(year, 1, 1))
        ended = min(row.ended or dt.date(year, 12, 31), dt.date(year, 12, 31))
        if (since, ended) != (row.since, row.ended):
            Obligation.objects.filter(pk=row.pk).update(since=since, ended=ended)


class Migration(migrations.Migration):
    dependencies = [("burden", "0003_formslistentry_columns_formslistentry_computed")]
    operations = [migrations.RunPython(within_the_list_year, migrations.RunPython.noop)]
