import datetime as dt

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone


def count_existing(apps, schema_editor):
    """The tallies of the cases already received (each village's month and category)."""
    Case, AskedTally = apps.get_model("cases", "Case"), apps.get_model("cases", "AskedTally")
    rows = (Case.objects.annotate(month=TruncMonth("created_at")).values("village_id", "county_code", "category", "month")
            .annotate(n=Count("pk")).order_by())
    AskedTally.objects.bulk_create(
        (AskedTally(village_code=r["village_id"], county_code=r["county_code"], category=r["category"], n=r["n"],
                    month=timezone.localdate(r["month"]) if isinstance(r["month"], dt.datetime) else r["month"])
         for r in rows.iterator(chunk_size=5000)), batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_case_state_county'),
    ]

    operations = [
        migrations.CreateModel(
            name='AskedTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('village_code', models.CharField(max_length=12)),
                ('county_code', models.CharField(max_length=6)),
                ('month', models.DateField()),
                ('category', models.CharField(max_length=20)),
                ('n', models.IntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_state_county',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ('new', 'handling', 'awaiting_materials', 'rectifying'))), fields=['village', 'stage', 'state', 'overdue', 'due_at'], name='case_open'),
        ),
        migrations.AddIndex(
            model_name='askedtally',
            index=models.Index(fields=['month', 'county_code', 'village_code', 'category', 'n'], name='asked_month_county'),
        ),
        migrations.AddConstraint(
            model_name='askedtally',
            constraint=models.UniqueConstraint(fields=('village_code', 'month', 'category'), name='one_asked_tally'),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
