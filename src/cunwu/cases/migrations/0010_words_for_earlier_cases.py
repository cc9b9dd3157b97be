"""Cases recorded before 0009 have no `words`: cut them now, so the duplicate check reads them instead of cutting
them again on every page of the queue."""

from django.db import migrations

BATCH = 2000


def cut(apps, schema_editor):
    from cunwu.text import words  # a pure function of the text: jieba's cut, common words left out

    case_model = apps.get_model("cases", "Case")
    last = 0
    while True:
        rows = list(case_model.objects.filter(pk__gt=last, words="").order_by("pk")
                    .values_list("pk", "title", "description")[:BATCH])
        if not rows:
            return
        same: dict[str, list[int]] = {}  # one UPDATE for the cases of the same words (a text sent many times)
        cut_before: dict[str, str] = {}
        for pk, title, description in rows:
            text = f"{title} {description}"
            if text not in cut_before:
                cut_before[text] = " ".join(sorted(words(text)))[:2000]
            same.setdefault(cut_before[text], []).append(pk)
        for found, pks in same.items():
            case_model.objects.filter(pk__in=pks).update(words=found)
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_case_location_transfer_merge")]
    operations = [migrations.RunPython(cut, migrations.RunPython.noop, elidable=True)]
