"""`make bench`, PostgreSQL only, last: a province over ten years. The same figures twice, first with the
million cases of part 3 (a year of Jilin), then with ten million (nine earlier years added, closed):

- the township's and the county's queue pages, the county's search of all its cases, the inbox (home page) of a
  village's staff and of a township officer, a person's notifications page, an old case's page with its timeline,
  each p50/p99 through waitress, beside a plain SELECT of one region by its key in the same run;
- the province's rates over the last year and the last month (from the tallies), and over all ten years;
- what loading took: the cases, then two events (received; closed) and one notification a case written by
  the database from the cases, into the tables partitioned by month.

Every case has its two events and its notification at both sizes, so the partitioned tables grow with the
cases (3,000,000 rows at a million, 30,000,000 at ten). The notifications go to 5,000 staff accounts made here.
The nine earlier years are the present year's cases again, moved back a year at a time and closed (written by
the database: generating ten million rows in Python takes longer than the rest of `make bench`). Set
CUNWU_BENCH_SCALE_YEARS (default 9) to add fewer years while trying things out.
"""

import datetime as dt
import logging
import os
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from directory import client, run_clients  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import DateTimeField  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu import pgpartitions  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.cases import rates  # noqa: E402
from cunwu.cases.choices import OPEN_STATES  # noqa: E402
from cunwu.cases.models import Case  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402

YEARS = int(os.environ.get("CUNWU_BENCH_SCALE_YEARS", "9"))  # the earlier years added to the present one
STAFF = 5000


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cur:
        cur.execute(statement, params or [])
        return cur.rowcount


def bench_staff() -> list[int]:
    """5,000 accounts to be told (village staff of Jilin in number), made once."""
    have = list(User.objects.filter(username__startswith="scale.").values_list("pk", flat=True))
    if len(have) < STAFF:
        User.objects.bulk_create([User(username=f"scale.{i}", full_name="村干部", password="!")
                                  for i in range(len(have), STAFF)], batch_size=5000)
        have = list(User.objects.filter(username__startswith="scale.").values_list("pk", flat=True))
    return have + list(User.objects.filter(username__in=["village1.staff", "township1.officer"])
                       .values_list("pk", flat=True))


def history(after_id: int, staff: list[int]) -> tuple[int, int, float]:
    """Events and notifications of the cases with ids above `after_id`, written by the database from the cases:
    (events, notifications, seconds)."""
    began = time.perf_counter()
    with transaction.atomic():
        events = _sql("INSERT INTO cases_caseevent (case_id, at, actor_label, role_label, action, note, state_after) "
                      "SELECT id, created_at, '村民', '', 'submitted', '', 'new' FROM cases_case WHERE id > %s",
                      [after_id])
        events += _sql("INSERT INTO cases_caseevent (case_id, at, actor_label, role_label, action, note, "
                       "state_after) SELECT id, closed_at, '村干部', '村务工作人员', 'closed', '已办结', state "
                       "FROM cases_case WHERE id > %s AND closed_at IS NOT NULL", [after_id])
        told = _sql("INSERT INTO notify_notification (recipient_id, kind, event_key, role, region_code, urgent, "
                    "params, link, created_at, read_at) SELECT (%s::bigint[])[1 + id %% %s], 'case_new', "
                    "'case:' || number || ':new', 'village_staff', village_id, false, "
                    "jsonb_build_object('ref', title, 'due', ''), '/cases/' || number || '/', created_at, "
                    "CASE WHEN closed_at IS NOT NULL THEN created_at + interval '1 hour' END "
                    "FROM cases_case WHERE id > %s", [staff, len(staff), after_id])
    return events, told, time.perf_counter() - began


def grow(years: int) -> tuple[int, float]:
    """The present year's cases again for each of `years` earlier years, by the database: every time moved back
    by 365 days a year, a number of its own (its day moved back as well, the year's index before its sequence), no idempotency key, and what
    was still open closed ten days after it came in. Returns (rows, seconds)."""
    fields = [f for f in Case._meta.concrete_fields if f.column != "id"]
    open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    last = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    began = time.perf_counter()
    rows = 0
    for k in range(1, years + 1):
        shift = f"interval '{365 * k} days'"
        exprs = []
        for f in fields:
            c = f.column
            if c == "number":
                exprs.append(f"village_id || '-' || to_char(to_date(split_part(number, '-', 2), 'YYYYMMDD') - {365 * k},"
                             f" 'YYYYMMDD') || '-{k}' || split_part(number, '-', 3)")
            elif c in ("idempotency_key", "next_check_at", "merged_into_id"):
                exprs.append("NULL")
            elif c == "state":
                exprs.append(f"CASE WHEN state IN ({open_states}) THEN 'closed' ELSE state END")
            elif c == "closed_at":
                exprs.append(f"COALESCE(closed_at, created_at + interval '10 days') - {shift}")
            elif isinstance(f, DateTimeField):
                exprs.append(f"{c} - {shift}")
            else:
                exprs.append(c)
        with transaction.atomic():
            rows += _sql(f"INSERT INTO cases_case ({', '.join(f.column for f in fields)}) "  # noqa: S608
                         f"SELECT {', '.join(exprs)} FROM cases_case WHERE id <= %s", [last])
        print(f"  year -{k}: {rows} rows so far, {time.perf_counter() - began:.0f} s")
    return rows, time.perf_counter() - began


def figures(size: str, port: int, old_case: str) -> dict[str, float]:
    """The pages and the rates at this size; returns p50 of each (ms) for the comparison."""
    out: dict[str, float] = {}

    def plain():
        with connection.cursor() as cur:
            cur.execute("SELECT code, name FROM regions_region WHERE code = %s", ["220322"])
            cur.fetchall()

    base = timed(plain, 200)
    print(f"[{size}] plain SELECT of one region by its key: p50 {pct(base, 50):.2f} ms")
    pages = [
        ("township queue", "township1.officer", "/cases/"),
        ("county queue", "lishu.admin", "/cases/"),
        ("county search, all states", "lishu.admin", "/cases/?status=all&q=%E8%B7%AF%E7%81%AF"),
        ("village staff inbox", "village1.staff", "/"),
        ("township officer inbox", "township1.officer", "/"),
        ("notifications page", "village1.staff", "/notifications/"),
        ("an old case with its timeline", "lishu.admin", f"/cases/{old_case}/"),
    ]
    for label, username, path in pages:
        session = Client()
        session.force_login(User.objects.get(username=username))
        cookie = f"sessionid={session.cookies['sessionid'].value}"
        run_clients(client, [(port, path, 1, {"Cookie": cookie})])  # warm
        rps, lat = run_clients(client, [(port, path, 5, {"Cookie": cookie})])
        out[label] = pct(lat, 50)
        print(f"[{size}] {label} ({path} as {username}): {rps:.0f} req/s, p50 {pct(lat, 50):.1f} ms, "
              f"p99 {pct(lat, 99):.1f} ms; ratio to the plain SELECT {pct(lat, 50) / pct(base, 50):.0f}")
    province = Region.objects.get(code="22")
    today = timezone.localdate()
    month = rates.month_bounds((today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"))
    for label, (start, end) in (("last year", (today - dt.timedelta(days=365), today)), ("last month", month),
                                ("ten years", (today - dt.timedelta(days=365 * (YEARS + 1)), today))):
        took = timed(lambda s=start, e=end: rates.region_rates(province, s, e), 5)
        received = rates.region_rates(province, start, end).received
        out[f"rates over {label}"] = pct(took, 50)
        print(f"[{size}] Jilin's rates over {label} ({received} cases): p50 {pct(took, 50):.0f} ms, "
              f"max {max(took):.0f} ms")
    return out


def main():
    if connection.vendor != "postgresql":
        print("scale: PostgreSQL only")
        return
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    staff = bench_staff()
    present = Case.objects.count()
    _sql("TRUNCATE cases_caseevent, notify_notification")
    first = pgpartitions.first_of(timezone.localdate() - dt.timedelta(days=365 * (YEARS + 1)))
    made = pgpartitions.cover(connection, first, pgpartitions.first_of(timezone.localdate()))
    print(f"made {len(made)} monthly partitions for the ten years")
    events, told, took = history(0, staff)
    print(f"[1M] {present} cases: wrote {events} events and {told} notifications from them in {took:.0f} s")
    _sql("ANALYZE")
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()
    old_case = Case.objects.filter(county_code="220322").order_by("created_at").values_list("number", flat=True)[0]
    small = figures(f"{present / 1e6:.0f}M", port, old_case)

    last_id = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # As an import of years of history would: the cases table's plain indexes are set aside while the rows go in
    # and built again after (its unique keys stay, and check every row).
    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = 'cases_case'::regclass)")
        saved = cur.fetchall()
        for name, _definition in saved:
            cur.execute(f'DROP INDEX "{name}"')
    adding, took = grow(YEARS)
    print(f"[10M] added {adding} cases over {YEARS} earlier years in {took:.0f} s ({adding / took:.0f} rows/s, "
          "INSERT … SELECT)")
    began = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _name, sql in saved:
            cur.execute(sql)
    print(f"[10M] built the cases table's {len(saved)} other indexes again in {time.perf_counter() - began:.0f} s")
    events, told, took = history(last_id, staff)
    print(f"[10M] wrote {events} events and {told} notifications from them in {took:.0f} s")
    began = time.perf_counter()
    tallies = rates.rebuild_tallies()
    print(f"[10M] rebuilt {tallies} daily tallies from {Case.objects.count()} cases in "
          f"{time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    _sql("ANALYZE")
    print(f"[10M] ANALYZE in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"[10M] database size {cur.fetchone()[0]}")
    large = figures(f"{Case.objects.count() / 1e6:.0f}M", port, old_case)
    server.close()
    print("p50 at the larger size / at the smaller:")
    for label, ms in small.items():
        print(f"  {label}: {ms:.1f} ms -> {large[label]:.1f} ms, {large[label] / ms:.2f}")


if __name__ == "__main__":
    main()
