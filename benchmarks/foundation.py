"""`make bench` part 1: national import, region lookup and scoped lists, each beside a plain baseline.

Run with DATABASE_URL unset (SQLite under var/bench) or pointing at PostgreSQL. Prints figures and ratios.
"""

import os
import random
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cunwu.accounts import permissions  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.regions.importer import DATA_DIR, read_rows  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402
from cunwu.regions.services import import_division_codes  # noqa: E402
from cunwu.web.demo import build_demo, demo_exists  # noqa: E402


def pct(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    vendor = connection.vendor
    call_command("migrate", verbosity=0)
    Region.objects.all().delete() if Region.objects.exists() and "--fresh" in sys.argv else None
    t = time.perf_counter()
    first = import_division_codes(Actor.console())
    import_s = time.perf_counter() - t
    t = time.perf_counter()
    second = import_division_codes(Actor.console())
    again_s = time.perf_counter() - t
    # baseline: the same rows, plain executemany into a bare table (no validation, no indexes, no diff)
    rows = [(c, n, lv, p) for c, lv, n, p, _f, _l in read_rows(DATA_DIR)]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_plain")
        cur.execute("CREATE TABLE bench_plain (code varchar(12), name varchar(100), level int, parent varchar(12))")
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:  # one transaction, as the importer uses
        cur.executemany("INSERT INTO bench_plain VALUES (%s, %s, %s, %s)", rows)
    plain_s = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_plain")
    print(f"[{vendor}] national import: {first.read} rows in {import_s:.1f} s (created {first.created}); "
          f"second run {again_s:.1f} s, changed {second.changed}; plain insert {plain_s:.1f} s; ratio {import_s / plain_s:.2f}")

    codes = list(Region.objects.filter(level=5).values_list("code", flat=True)[::997])
    random.seed(1)
    lookups = timed(lambda: Region.objects.get(code=random.choice(codes)), 2000)

    def raw():
        with connection.cursor() as cur:
            cur.execute("SELECT code, name FROM regions_region WHERE code = %s", [random.choice(codes)])
            cur.fetchone()

    raw_lookups = timed(raw, 2000)
    print(f"[{vendor}] region lookup p50 {pct(lookups, 50):.3f} ms p99 {pct(lookups, 99):.3f} ms; "
          f"raw SELECT p50 {pct(raw_lookups, 50):.3f} ms; ratio {pct(lookups, 50) / pct(raw_lookups, 50):.2f}")

    counties = list(Region.objects.filter(level=3).values_list("code", flat=True))
    scoped = timed(lambda: list(Region.objects.within(random.choice(counties)).filter(level=5)[:50]), 1000)
    print(f"[{vendor}] villages of a county (range scan, 50 rows) p50 {pct(scoped, 50):.3f} ms p99 {pct(scoped, 99):.3f} ms")
    if not demo_exists():
        build_demo(totp=False)
    admin = User.objects.get(username="lishu.admin")

    def people():
        admin.__dict__.pop("_cunwu_assignments", None)
        list(permissions.restrict(User.objects.all(), admin).order_by("id")[:50])

    plain_people = timed(lambda: list(User.objects.order_by("id")[:50]), 1000)
    scoped_people = timed(people, 1000)
    print(f"[{vendor}] people scoped to a county admin p50 {pct(scoped_people, 50):.3f} ms p99 {pct(scoped_people, 99):.3f} ms; "
          f"unscoped p50 {pct(plain_people, 50):.3f} ms; ratio {statistics.median(scoped_people) / statistics.median(plain_people):.2f}")


if __name__ == "__main__":
    main()
