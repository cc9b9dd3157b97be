"""`make bench` part 7: an emergency warning to every village of Lishu County and to every village of Jilin.

Three figures each: the issuer's time (the request: check the area, write one row per village, queue the
fan-out), the worker's fan-out (one notification and one delivery row for each staff member of every village, two
per village here) and the worker's texting (every delivery sent through the outbox provider). Beside them, in the
same run, a plain bulk insert of as many bare rows as there are villages, of two rows per person told, and of as
many outbox rows as texts.

Expects part 1 to have run first (the regions are in the database).
"""

import datetime as dt
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402

from cunwu.accounts.models import Assignment, OutboxMessage, User  # noqa: E402
from cunwu.accounts.roles import Role  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.notices import warnings  # noqa: E402
from cunwu.notices.models import Warning  # noqa: E402
from cunwu.notify.models import Delivery, Notification  # noqa: E402
from cunwu.notify.services import deliver_due  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402

STAFF_PER_VILLAGE = 2


def staff(villages: list[str]) -> None:
    """Two staff with phones in every village of Jilin (bulk: the accounts, not what is measured)."""
    User.objects.filter(username__startswith="bench.w.").delete()
    users = [User(username=f"bench.w.{code}.{i}", full_name="村干部", phone=f"1{n:010d}")
             for n, (code, i) in enumerate(((c, i) for c in villages for i in range(STAFF_PER_VILLAGE)), start=1)]
    User.objects.bulk_create(users, batch_size=5000)
    made = {u.username: u.pk for u in User.objects.filter(username__startswith="bench.w.").only("pk", "username")}
    Assignment.objects.bulk_create([Assignment(user_id=made[f"bench.w.{c}.{i}"], role=Role.VILLAGE_STAFF, region_id=c)
                                    for c in villages for i in range(STAFF_PER_VILLAGE)], batch_size=5000)


def issue(area: list[str]) -> Warning:
    return warnings.issue(Actor.console(), warnings.WarningInput(
        "rainstorm", "red", "暴雨红色预警", "未来3小时将有特大暴雨，请立即转移低洼地区群众。", area,
        timezone.now() + dt.timedelta(hours=12)))


def plain_insert(n: int) -> float:
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_plain_w")
        cur.execute("CREATE TABLE bench_plain_w (warning int, village varchar(12), until varchar(40))")
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany("INSERT INTO bench_plain_w VALUES (%s, %s, %s)", [(1, f"{i:012d}", "x") for i in range(n)])
    took = time.perf_counter() - began
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_plain_w")
    return took * 1000


def main():
    vendor = connection.vendor
    villages = list(Region.objects.active().filter(code__startswith="22", level=5).values_list("code", flat=True))
    staff(villages)
    for name, area, runs in (("Lishu County", ["220322"], 10), ("Jilin", ["22"], 3)):
        count = Region.objects.active().filter(code__startswith=area[0], level=5).count()
        Warning.objects.all().delete()
        Notification.objects.filter(kind="warning").delete()
        Delivery.objects.filter(kind="warning").delete()
        OutboxMessage.objects.all().delete()
        issuing = timed(lambda a=area: issue(a), runs)
        made = Warning.objects.order_by("-pk").first()
        began = time.perf_counter()
        told = warnings.fan_out(made.pk)
        fan_out = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        sent = deliver_due(timezone.now() + dt.timedelta(seconds=1)).get("sent", 0)
        texting = (time.perf_counter() - began) * 1000
        baseline = min(plain_insert(count) for _ in range(3))
        pairs = min(plain_insert(2 * told) for _ in range(3))
        outbox = min(plain_insert(sent) for _ in range(3))
        print(f"[{vendor}] warning to {name} ({count} villages): issuer p50 {pct(issuing, 50):.0f} ms, "
              f"max {max(issuing):.0f} ms (plain insert of {count} rows {baseline:.0f} ms, ratio "
              f"{pct(issuing, 50) / baseline:.1f}); worker told {told} staff in {fan_out:.0f} ms (plain insert of "
              f"{2 * told} rows {pairs:.0f} ms, ratio {fan_out / pairs:.1f}); sent {sent} texts in {texting:.0f} ms "
              f"(plain insert of {sent} rows {outbox:.0f} ms, ratio {texting / max(outbox, 0.001):.1f})")
    Warning.objects.all().delete()
    User.objects.filter(username__startswith="bench.w.").delete()


if __name__ == "__main__":
    main()
