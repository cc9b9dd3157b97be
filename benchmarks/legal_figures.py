"""`make bench` part 6: the justice bureau's figures page for all of Jilin over a year of synthetic records
(`CUNWU_BENCH_MEDIATIONS` mediation cases, a screening visit per case and a half, a legal-aid application per
three cases, consultations and publicity events), beside one plain grouped count of the same mediation rows
measured in the same run.

Expects part 1 to have run first (the regions are in the database).
"""

import datetime as dt
import os
import random
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402

from cunwu.accounts import services as accounts  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.accounts.permissions import within  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.legal import statistics  # noqa: E402
from cunwu.legal.models import (  # noqa: E402
    AidApplication,
    Committee,
    Consultation,
    DisputeCategory,
    MediationCase,
    PublicityEvent,
    Screening,
)
from cunwu.regions.models import Region  # noqa: E402

CASES = int(os.environ.get("CUNWU_BENCH_MEDIATIONS", 60_000))
YEAR = 2025
ZONE = timezone.get_current_timezone()


def _day(rng) -> dt.date:
    return dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))


def load() -> float:
    rng = random.Random(61)
    villages = list(Region.objects.filter(code__startswith="22", level=5, is_rural=True).values_list("code",
                                                                                                    flat=True))
    began = time.perf_counter()
    with transaction.atomic():
        for model in (MediationCase, Screening, AidApplication, Consultation, PublicityEvent):
            model.objects.filter(county_code__startswith="22").delete()
        Committee.objects.filter(within("region_id", "22")).delete()
        committees = {c.region_id: c for c in Committee.objects.bulk_create(
            [Committee(region_id=v, name=f"{v}人民调解委员会") for v in villages], batch_size=2000)}
        screenings = [Screening(village_id=v, county_code=v[:6], day=_day(rng), visited=rng.randint(5, 80),
                                found=rng.randint(0, 3)) for v in (rng.choice(villages)
                                                                   for _ in range(CASES * 3 // 2))]
        Screening.objects.bulk_create(screenings, batch_size=5000)
        categories = DisputeCategory.values
        cases = []
        for _i in range(CASES):
            v = rng.choice(villages)
            opened = _day(rng)
            roll = rng.random()
            state = "succeeded" if roll < 0.95 else "failed" if roll < 0.98 else "terminated"
            cases.append(MediationCase(
                village_id=v, county_code=v[:6], committee=committees[v], source="application",
                category=rng.choice(categories), summary="纠纷", risk="yellow", state=state, opened_on=opened,
                due_on=opened + dt.timedelta(days=30), ended_on=opened + dt.timedelta(days=rng.randint(1, 25)),
                court="confirmed" if rng.random() < 0.05 else ""))
        for case in cases:
            case.court_decided_on = case.ended_on if case.court else None
        MediationCase.objects.bulk_create(cases, batch_size=5000)
        aid = []
        for _i in range(CASES // 3):
            v = rng.choice(villages)
            applied = dt.datetime.combine(_day(rng), dt.time(10), ZONE)
            aid.append(AidApplication(
                village_id=v, county_code=v[:6], channel="online", applicant_name="某", matter="labour",
                hardship="pledge", facts="拖欠工资", state="closed", applied_at=applied,
                decided_at=applied + dt.timedelta(days=3), assigned_at=applied + dt.timedelta(days=5),
                assigned_on_time=rng.random() < 0.97, closed_at=applied + dt.timedelta(days=40),
                recovered=Decimal(rng.randint(0, 50000))))
        AidApplication.objects.bulk_create(aid, batch_size=5000)
        asked = []
        for _i in range(CASES // 2):
            v = rng.choice(villages)
            at = dt.datetime.combine(_day(rng), dt.time(9), ZONE)
            asked.append(Consultation(village_id=v, county_code=v[:6], channel="online", asker_name="某",
                                      question="问题", created_at=at, due_at=at + dt.timedelta(days=2),
                                      answered_at=at + dt.timedelta(hours=rng.randint(1, 60)), state="answered"))
        Consultation.objects.bulk_create(asked, batch_size=5000)
        PublicityEvent.objects.bulk_create([PublicityEvent(
            region_id=v, county_code=v[:6], kind="lecture", law="civil_code", title="民法典进乡村", place="村部",
            day=_day(rng), attendance=rng.randint(20, 300)) for v in (rng.choice(villages)
                                                                     for _ in range(CASES // 6))],
            batch_size=5000)
    return time.perf_counter() - began


def main():
    vendor = connection.vendor
    took = load()
    print(f"[{vendor}] loaded a year of Jilin legal records ({CASES} mediations, {CASES * 3 // 2} screenings, "
          f"{CASES // 3} legal-aid applications, {CASES // 2} consultations) in {took:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    result = statistics.report(Actor.console(), "22", start, end)
    t = result.total
    print(f"[{vendor}] Jilin {YEAR}: mediated {t.mediated}, succeeded {t.succeeded} ({t.success_pct}%), "
          f"disputes found {t.disputes_found}, legal aid {t.aid_applications}, recovered {t.recovered}")
    report = timed(lambda: statistics.report(Actor.console(), "22", start, end), 10)

    def plain():
        with connection.cursor() as cur:
            cur.execute("SELECT substr(village_id, 1, 4), count(*) FROM legal_mediationcase "
                        "WHERE village_id LIKE '22%%' AND ended_on BETWEEN %s AND %s GROUP BY 1", [start, end])
            cur.fetchall()

    baseline = timed(plain, 10)
    user = User.objects.filter(username="bench.jilin.supervisor").first() or accounts.create_user(
        Actor.console(), accounts.PersonInput("bench.jilin.supervisor", "吉林省督查", "", "", "Long-enough-pass-42"),
        "supervisor", "22", None)
    session = Client(SERVER_NAME="127.0.0.1")
    session.force_login(user)
    url = f"/legal/figures/?region=22&start={start}&end={end}"
    assert session.get(url).status_code == 200
    page = timed(lambda: session.get(url), 10)
    sheet = timed(lambda: session.get(url + "&format=xlsx"), 5)
    print(f"[{vendor}] statistics for Jilin over a year: report p50 {pct(report, 50):.0f} ms, p99 "
          f"{pct(report, 99):.0f} ms; page p50 {pct(page, 50):.0f} ms, p99 {pct(page, 99):.0f} ms; .xlsx p50 "
          f"{pct(sheet, 50):.0f} ms; one plain grouped count of the mediation rows p50 {pct(baseline, 50):.0f} ms; "
          f"ratio page/baseline {pct(page, 50) / pct(baseline, 50):.1f}")


if __name__ == "__main__":
    main()
