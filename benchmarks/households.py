"""`make bench`: the village's own data at a province's scale. Jilin's rural population, generated: about
3.5 million households and 10 million people across its rural villages, four grids a village, key-group labels
on about one person in twelve, a month of visits. Then, each beside a plain baseline in the same run:
- a grid worker's due-visit list (the page, signed in), p50 and p99, beside a plain indexed SELECT of its rows;
- a county's key-group coverage page, beside a plain GROUP BY of the same label rows;
- a department return computed for every village of a county, beside a plain GROUP BY of the same rows.

Expects part 1 (the national region tree) to have run. CUNWU_BENCH_HOUSEHOLDS loads fewer while trying things.
"""

import datetime as dt
import os
import random
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402

from cunwu.accounts import services as accounts  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.burden import returns  # noqa: E402
from cunwu.burden import services as burden  # noqa: E402
from cunwu.households.choices import DEFAULT_RULES, WARN_AT, KeyGroup  # noqa: E402
from cunwu.households.models import Grid, Household, Label, Resident, Visit  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402

HOUSEHOLDS = int(os.environ.get("CUNWU_BENCH_HOUSEHOLDS", "3500000"))
PEOPLE_PER_HOUSEHOLD = 2.86  # 10 million people in 3.5 million households
LABELLED = 1 / 12
GRIDS = 4
BATCH = 20000
SAMPLE_WORKERS = 20
GROUPS = list(KeyGroup.values)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _writer(table: str, columns: list[str]):
    """Rows in as fast as the database takes them: COPY on PostgreSQL, executemany on SQLite."""
    names = ", ".join(f'"{c}"' for c in columns)  # "group" is a keyword
    if connection.vendor == "postgresql":
        def write(rows):
            with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return write
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})"

    def value(v):
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    def write(rows):
        connection.ensure_connection()
        connection.connection.executemany(sql, [[value(v) for v in row] for row in rows])
    return write


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def load(villages: list[str]) -> float:
    """Grids, households, people, labels and visits, straight into the tables (no encryption: no ID numbers)."""
    random.seed(18)
    now = timezone.now()
    today = timezone.localdate()
    began = time.perf_counter()
    grid_id = _next_id(Grid)
    with transaction.atomic():
        _writer("households_grid", ["id", "village_id", "name", "created_at"])(
            [[grid_id + i * GRIDS + g, v, f"{g + 1}网格", now] for i, v in enumerate(villages) for g in range(GRIDS)])
    grids = {v: [grid_id + i * GRIDS + g for g in range(GRIDS)] for i, v in enumerate(villages)}
    household_cols = ["id", "village_id", "grid_id", "group_name", "address", "phone", "created_at", "updated_at"]
    resident_cols = ["id", "household_id", "village_id", "grid_id", "name", "relation", "sex", "birth_date",
                     "national_id_sealed", "national_id_index", "phone", "residence", "status", "note", "updated_at"]
    label_cols = ["id", "household_id", "resident_id", "village_id", "grid_id", "group", "started_on", "note",
                  "last_visit_on", "last_in_person_on", "warn_on", "due_on", "created_at"]
    visit_cols = ["id", "household_id", "resident_id", "village_id", "grid_id", "worker_id", "visited_at", "mode",
                  "condition", "needs", "recorded_at"]
    write_h, write_r = _writer("households_household", household_cols), _writer("households_resident", resident_cols)
    write_l, write_v = _writer("households_label", label_cols), _writer('households_visit', visit_cols)
    worker = User.objects.get(username="village1.grid").pk
    hid, rid, lid, vid = (_next_id(m) for m in (Household, Resident, Label, Visit))
    per_village = max(1, HOUSEHOLDS // len(villages))
    hs, rs, ls, vs = [], [], [], []

    def flush(force=False):
        nonlocal hs, rs, ls, vs
        if force or len(rs) >= BATCH:
            with transaction.atomic():
                write_h(hs)
                write_r(rs)
                write_l(ls)
                write_v(vs)
            hs, rs, ls, vs = [], [], [], []

    for village in villages:
        for n in range(per_village):
            grid = grids[village][n % GRIDS]
            hs.append([hid, village, grid, f"{n % 9 + 1}组", f"{n + 1}号", "", now, now])
            size = max(1, round(random.gauss(PEOPLE_PER_HOUSEHOLD, 1.2)))
            for m in range(size):
                born = today - dt.timedelta(days=random.randint(0, 95 * 365) if m else random.randint(20, 90) * 365)
                rs.append([rid, hid, village, grid, random.choice(SURNAMES) + "某", "head" if m == 0 else "child",
                           random.choice("FM"), born, "", "", "", "registered_here", "member", "", now])
                if random.random() < LABELLED:
                    group = random.choice(GROUPS)
                    rule = DEFAULT_RULES[group]
                    started = today - dt.timedelta(days=random.randint(0, 700))
                    last = today - dt.timedelta(days=random.randint(0, 2 * rule.every))
                    last = max(last, started)
                    in_person = last if random.random() < 0.5 else None
                    any_from, person_from = last, in_person or started
                    due = min(any_from + dt.timedelta(days=rule.every), person_from + dt.timedelta(days=rule.in_person))
                    warn = min(any_from + dt.timedelta(days=round(rule.every * WARN_AT)),
                               person_from + dt.timedelta(days=round(rule.in_person * WARN_AT)))
                    ls.append([lid, hid, rid, village, grid, group, started, "", last, in_person, warn, due, now])
                    lid += 1
                    if (today - last).days <= 30:
                        at = timezone.make_aware(dt.datetime.combine(last, dt.time(10)))
                        vs.append([vid, hid, rid, village, grid, worker, at,
                                   "in_person" if in_person else "phone", "well", "", at])
                        vid += 1
                rid += 1
            hid += 1
            flush()
    flush(force=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return time.perf_counter() - began


def main():
    vendor = connection.vendor
    jilin = list(Region.objects.filter(code__startswith="22", level=5, is_rural=True, active=True)
                 .order_by("code").values_list("code", flat=True))
    if not Resident.objects.filter(village_id__gte="22", village_id__lt="23").exclude(village_id="220322100201").exists():
        seconds = load(jilin)
        print(f"[{vendor}] loaded {Household.objects.count():,} households, {Resident.objects.count():,} people, "
              f"{Label.objects.count():,} labels, {Visit.objects.count():,} visits in {len(jilin):,} villages "
              f"in {seconds:.0f} s")
    today = timezone.localdate()

    # 1. a grid worker's due-visit list: twenty grid workers, each with one grid of a different village
    client = Client(HTTP_HOST="127.0.0.1")
    sample = random.Random(5).sample(jilin, SAMPLE_WORKERS)
    workers = []
    for code in sample:
        username = f"bench.grid.{code}"
        user = User.objects.filter(username=username).first() or accounts.create_user(
            Actor.console(), accounts.PersonInput(username, "网格员", "", "", "Long-enough-pass-42"), "grid_worker", code)
        grid = Grid.objects.filter(village_id=code).order_by("pk").first()
        grid.workers.add(user)
        workers.append((user, grid.pk))
    page, plain = [], []
    for user, grid in workers:
        client.force_login(user)
        assert client.get("/households/visits/").status_code == 200  # warm
        page += timed(lambda: client.get("/households/visits/"), 10)

        def raw(grid=grid):
            with connection.cursor() as cur:
                cur.execute("SELECT id, household_id, resident_id, due_on FROM households_label WHERE grid_id = %s "
                            "AND due_on IS NOT NULL AND warn_on <= %s ORDER BY due_on, id LIMIT 30", [grid, today])
                cur.fetchall()
        plain += timed(raw, 10)
    due_rows = Label.objects.filter(grid_id=workers[0][1], warn_on__lte=today, due_on__isnull=False).count()
    print(f"[{vendor}] grid worker's due-visit page ({SAMPLE_WORKERS} workers, e.g. {due_rows} due in one grid): "
          f"p50 {pct(page, 50):.1f} ms, p99 {pct(page, 99):.1f} ms (target < 100 ms); plain SELECT p99 "
          f"{pct(plain, 99):.2f} ms")

    # 2. a county's coverage page
    county = "220322"
    admin = User.objects.get(username="lishu.admin")
    client.force_login(admin)
    path = f"/households/coverage/?region={county}"
    assert client.get(path).status_code == 200
    cover = timed(lambda: client.get(path), 10)

    def group_by():
        with connection.cursor() as cur:
            cur.execute("SELECT substr(village_id, 1, 9), count(*), sum(CASE WHEN due_on < %s THEN 1 ELSE 0 END) "
                        "FROM households_label WHERE village_id >= %s AND village_id < %s AND due_on IS NOT NULL "
                        "GROUP BY 1", [today, county, county + "z"])
            cur.fetchall()
    base = timed(group_by, 10)
    labels = Label.objects.filter(village_id__gte=county, village_id__lt=county + "z").count()
    print(f"[{vendor}] county coverage page ({labels:,} labels): p50 {pct(cover, 50):.0f} ms, max {max(cover):.0f} ms "
          f"(target < 300 ms); plain GROUP BY p50 {pct(base, 50):.0f} ms; ratio {pct(cover, 50) / pct(base, 50):.1f}")

    # 3. one return for every village of the county
    entry = burden.add_listed_form(Actor.console(), county, today.year, "人口与重点人群年报（基准）", "civil_affairs",
                                   "yearly", fields=["户数", "人口", "60岁以上", "未成年人", "独居老人", "低保",
                                                     "走访次数"])
    returns.define(Actor.console(), entry.pk, ["households", "people", "people:60-", "people:0-17",
                                               "label:elderly_alone", "label:subsistence", "visits"])
    computed = timed(lambda: returns.compute(Actor.console(), entry.pk), 3)

    def plain_return():
        with connection.cursor() as cur:
            cur.execute("SELECT village_id, count(*) FROM households_resident WHERE village_id >= %s AND "
                        "village_id < %s AND status = 'member' GROUP BY village_id", [county, county + "z"])
            cur.fetchall()
    base = timed(plain_return, 3)
    villages = Region.objects.filter(code__startswith=county, level=5, is_rural=True).count()
    print(f"[{vendor}] a 7-field return for every village of a county ({villages} villages): "
          f"{min(computed):.0f} ms (target < 2000 ms); one plain GROUP BY of its people {min(base):.0f} ms; "
          f"ratio {min(computed) / min(base):.1f} (the return runs one grouped query per field)")


if __name__ == "__main__":
    main()
