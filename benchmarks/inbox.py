"""`make bench` part 9: work finding its people, with the million cases of part 3 in Jilin.

- each role's inbox (the home page through waitress), p50 and p99, beside a plain SELECT of the rows of its
  first section;
- the province's command view (built in the process), beside a plain COUNT of the province's open cases;
- the notifications of one dispatch to a department of 20 officers, beside a plain insert of as many rows.

Expects parts 1 to 3 to have run first (regions, demo, a million cases).
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
from django.core.exceptions import EmptyResultSet  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu.accounts import permissions  # noqa: E402
from cunwu.accounts import services as accounts  # noqa: E402
from cunwu.accounts.models import Assignment, Department, User  # noqa: E402
from cunwu.accounts.roles import Role  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.cases import command  # noqa: E402
from cunwu.cases.models import Case, Dispatch  # noqa: E402
from cunwu.notify import services as notify  # noqa: E402
from cunwu.notify.models import Delivery, Notification  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402
from cunwu.web import inbox  # noqa: E402

ROLES = ("village1.staff", "township1.officer", "lishu.civil_affairs", "village1.adviser", "lishu.admin")


def inboxes(vendor: str) -> None:
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()
    for username in ROLES:
        user = User.objects.get(username=username)
        session = Client()
        session.force_login(user)
        cookie = f"sessionid={session.cookies['sessionid'].value}"
        actor = Actor(user=user)
        first = inbox.sections_for(actor, Assignment.objects.filter(user=user).first())[0]
        # the baseline: the same first section's rows, read by one plain SELECT
        cases = permissions.restrict(Case.objects.all(), actor, own=False)
        region = user.assignments.first().region_id
        queryset = {"village1.staff": cases.filter(village_id=region, state="new"),
                    "township1.officer": cases.filter(township_code=region, stage="township")}.get(username)
        if username.startswith("lishu.civil"):
            queryset = Dispatch.objects.filter(department__in=user.assignments.values("department"), state="called")
        elif queryset is None:
            queryset = cases.filter(overdue=True)
        try:
            sql, params = queryset[:inbox.ROWS].query.sql_with_params()
        except EmptyResultSet:  # the role sees no cases (a legal adviser): its baseline is its questions' read
            sql, params = ("SELECT id FROM legal_consultation WHERE adviser_id = %s AND state = 'open' "
                           "ORDER BY due_at LIMIT 8", [user.pk])

        def raw(sql=sql, params=params):
            with connection.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()

        base = timed(raw, 100)
        rps, lat = run_clients(client, [(port, "/", 6, {"Cookie": cookie})])
        print(f"[{vendor}] inbox of {username} ({first.title}: {first.count}): {rps:.0f} req/s, "
              f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms; plain SELECT of its first rows p50 "
              f"{pct(base, 50):.2f} ms; ratio {pct(lat, 50) / pct(base, 50):.1f}")
    server.close()


def command_view(vendor: str) -> None:
    province = Region.objects.get(code="22")
    took = timed(lambda: command.build(province), 5)

    def plain():
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM cases_case WHERE county_code >= '22' AND county_code < '23' AND "
                        "state IN ('new', 'handling', 'awaiting_materials', 'rectifying')")
            cur.fetchone()

    base = timed(plain, 5)
    print(f"[{vendor}] command view of Jilin: p50 {pct(took, 50):.0f} ms, max {max(took):.0f} ms; plain COUNT of "
          f"its open cases {pct(base, 50):.0f} ms; ratio {pct(took, 50) / pct(base, 50):.1f}")


def dispatch_fan_out(vendor: str) -> None:
    county = Region.objects.get(code="220322")
    department = accounts.department_for(county, "emergency")
    User.objects.filter(username__startswith="bench.d.").delete()
    officers = [accounts.create_user(Actor.console(), accounts.PersonInput(
        f"bench.d.{i}", "应急干部", f"1380000{i:04d}", "", "Bench-pass-2026"), Role.DEPARTMENT_OFFICER, county.code,
        "emergency") for i in range(20)]
    assert Department.objects.filter(pk=department.pk).exists()
    runs = []
    for n in range(30):
        began = time.perf_counter()
        with transaction.atomic():
            notify.tell(officers, "dispatch_called", f"bench:dispatch:{n}", "村道塌陷",
                        due=timezone.now() + dt.timedelta(minutes=30), link="/cases/x/", region_code="220322100201",
                        role=Role.DEPARTMENT_OFFICER)
        runs.append((time.perf_counter() - began) * 1000)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_plain_n")
        cur.execute("CREATE TABLE bench_plain_n (a varchar(120), b int, c varchar(200))")
    plain = []
    for n in range(30):
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany("INSERT INTO bench_plain_n VALUES (%s, %s, %s)",
                            [(f"bench:{n}", i, "x") for i in range(2 * len(officers))])
        plain.append((time.perf_counter() - began) * 1000)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_plain_n")
    print(f"[{vendor}] one dispatch told to a department of 20 officers (20 notifications, 20 deliveries): "
          f"p50 {pct(runs, 50):.1f} ms, max {max(runs):.1f} ms; plain insert of 40 rows p50 {pct(plain, 50):.2f} ms; "
          f"ratio {pct(runs, 50) / pct(plain, 50):.1f}")
    Notification.objects.filter(event_key__startswith="bench:").delete()
    Delivery.objects.filter(key__startswith="bench:").delete()
    User.objects.filter(username__startswith="bench.d.").delete()


def main():
    vendor = connection.vendor
    with connection.cursor() as cur:  # statistics for the planner, as the nightly job keeps them
        cur.execute("ANALYZE")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    inboxes(vendor)
    command_view(vendor)
    dispatch_fan_out(vendor)


if __name__ == "__main__":
    main()
