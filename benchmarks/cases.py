"""`make bench` part 3: cases at provincial scale. One million cases over Jilin's villages, then
- case submissions through the API under load, beside a plain INSERT of the same rows into the same table;
- a township's and a county's work queue page, beside a plain SELECT of the same rows;
- the worker's sweep (it reads only rows that are due), beside a plain read of every open case;
- the four rates for the whole province and a monthly ranking, beside a plain COUNT of the same rows.

Expects parts 1 and 2 to have run first (the national region tree, the demo and Jilin's directories).
Set CUNWU_BENCH_CASES to load fewer cases while trying things out.
"""

import datetime as dt
import json
import logging
import os
import random
import threading
import time
import uuid
from http.client import HTTPConnection

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
django.setup()

from directory import client, run_clients  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from foundation import pct, timed  # noqa: E402
from waitress import create_server  # noqa: E402

from cunwu.accounts import personal_data  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.accounts.services import create_api_token  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.cases import queues, rates, worker  # noqa: E402
from cunwu.cases.choices import (  # noqa: E402
    OPEN_STATES,
    CaseKind,
    Category,
    Channel,
    DemandType,
    Stage,
    State,
    Unit,
    Urgency,
)
from cunwu.cases.models import Case  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402
from cunwu.text import words  # noqa: E402

TOTAL = int(os.environ.get("CUNWU_BENCH_CASES", "1000000"))
DUE = 1000  # cases whose check has come when the sweep runs (a backlog, as after an hour's outage)
BATCH = 5000
CATEGORIES = list(Category.values)
GRADES = [5] * 70 + [4] * 20 + [3] * 6 + [2] * 3 + [1]


COLUMNS = [f for f in Case._meta.concrete_fields if f.column != "id"]
DEFAULTS = {f.attname: f.get_default() for f in COLUMNS}


TITLES = {True: "村道路灯不亮", False: "城乡居民养老保险参保登记"}
WORDS = {d: " ".join(sorted(words(t + " "))) for d, t in TITLES.items()}  # as intake cuts them


def _case(village: str, created: dt.datetime, number: str, now: dt.datetime, sealed: str, index: str) -> dict:
    """One case as the service layer would have left it by now: old ones finished, recent ones in hand."""
    r = random.random()
    demand = r < 0.4
    limit = 24 if demand else random.choice([1, 3, 5, 7, 10])
    due = created + (dt.timedelta(hours=limit) if demand else dt.timedelta(days=limit * 1.4))
    case = DEFAULTS | dict(
        number=number, village_id=village, township_code=village[:9], county_code=village[:6],
        kind=CaseKind.DEMAND if demand else CaseKind.APPLICATION,
        item_code="" if demand else f"22{random.randint(1, 40):04d}",
        demand_type=DemandType.PROBLEM if demand else "", category=random.choice(CATEGORIES) if demand else "other",
        urgency=Urgency.NORMAL, title=TITLES[demand], words=WORDS[demand],
        channel=random.choice([Channel.COUNTER, Channel.ONLINE, Channel.TERMINAL, Channel.HOTLINE]),
        applicant_name="村民", applicant_phone_sealed=sealed, applicant_phone_index=index, created_at=created,
        respond_by=created + dt.timedelta(hours=24), limit_amount=limit,
        limit_unit=Unit.HOURS if demand else Unit.WORKDAYS, clock_from=created,
        clock_remaining=limit * 3600 if demand else limit * 8 * 3600, due_at=due,
        warn_at=created + (due - created) * 0.75,
        stage=random.choice([Stage.VILLAGE] * 17 + [Stage.TOWNSHIP] * 2 + [Stage.DEPARTMENT]),
    )
    state = State.CLOSED
    if now - created < dt.timedelta(days=20):
        state = random.choice([State.NEW, State.HANDLING, State.AWAITING_MATERIALS, State.RESOLVED, State.CLOSED])
    elif r > 0.97:
        state = State.WITHDRAWN
    elif r > 0.94:
        state = State.REFUSED
    case["state"] = state
    if state != State.NEW or random.random() < 0.5:
        case["responded_at"] = created + dt.timedelta(minutes=random.randint(5, 30 * 60))
        case["responded_on_time"] = case["responded_at"] <= case["respond_by"]
    elif case["respond_by"] < now:
        case["responded_on_time"] = False
    if state in (State.CLOSED, State.RESOLVED):
        resolved = (case["responded_at"] or created) + dt.timedelta(hours=random.randint(1, 24 * 12))
        case.update(resolved_at=resolved, result_at=resolved, resolved_on_time=resolved <= due, result="已办结",
                    warned=resolved >= case["warn_at"], overdue=resolved > due)
        if state == State.CLOSED:
            case["closed_at"] = resolved + dt.timedelta(days=random.randint(0, 10))
            if random.random() < 0.8:
                case["grade"] = random.choice(GRADES)
                case["satisfied"] = case["grade"] >= 3
        else:
            case["next_check_at"] = now + dt.timedelta(hours=random.randint(1, 240))
    elif state in (State.REFUSED, State.WITHDRAWN):
        case["closed_at"] = created + dt.timedelta(days=1)
        case["refusal_reason"] = "不属于本村受理范围" if state == State.REFUSED else ""
    else:  # still in hand: its next check lies ahead
        case.update(warned=now >= case["warn_at"], overdue=now >= due)
        case["next_check_at"] = now + dt.timedelta(minutes=random.randint(5, 240 * 60))
    return case


def _make_due(case: dict, now: dt.datetime) -> None:
    """A case left untouched at the village past its response and resolution limits: the sweep must mark it
    late, warn, mark it overdue and escalate it to the township."""
    created = now - dt.timedelta(hours=30)
    case.update(state=State.NEW, stage=Stage.VILLAGE, created_at=created, respond_by=now - dt.timedelta(hours=6),
                responded_at=None, responded_on_time=None, limit_amount=24, limit_unit=Unit.HOURS,
                clock_remaining=24 * 3600, clock_from=created, due_at=now - dt.timedelta(hours=6),
                warn_at=now - dt.timedelta(hours=12), warned=False, overdue=False, resolved_at=None, result_at=None,
                resolved_on_time=None, closed_at=None, grade=None, satisfied=None, result="",
                next_check_at=now - dt.timedelta(hours=6))


def _writer():
    """Rows in, as fast as the database takes them: COPY on PostgreSQL, executemany on SQLite."""
    names = ", ".join(f.column for f in COLUMNS)
    if connection.vendor == "postgresql":
        def write(rows):
            with connection.cursor() as cur, cur.cursor.copy(f"COPY cases_case ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v for v in row])
        return write
    utc = dt.UTC

    def value(v):
        if isinstance(v, dt.datetime):
            return v.astimezone(utc).replace(tzinfo=None).isoformat(" ")
        return json.dumps(v) if isinstance(v, (dict, list)) else v

    sql = f"INSERT INTO cases_case ({names}) VALUES ({', '.join(['?'] * len(COLUMNS))})"

    def write(rows):
        connection.ensure_connection()
        connection.connection.executemany(sql, [[value(v) for v in row] for row in rows])
    return write


def load_cases(villages: list[str], now: dt.datetime) -> float:
    """Insert TOTAL cases created over the past year (up to yesterday) straight into the table; returns seconds.
    The tallies the service layer keeps are then rebuilt from the rows, as `cunwu cases tally --rebuild` does."""
    random.seed(4)
    sealed = personal_data.encrypt("13900000000")
    index = personal_data.blind_index("13900000000")
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=365)
    span = 365 * 86400 - 1
    stamps = sorted(start + dt.timedelta(seconds=random.randint(0, span)) for _ in range(TOTAL))
    due_at = set(random.sample(range(max(0, TOTAL - 200000), TOTAL), min(DUE, TOTAL)))  # among recent cases
    counters: dict[tuple[str, str], int] = {}
    write = _writer()
    began = time.perf_counter()
    rows: list[list] = []
    for i, created in enumerate(stamps):
        village = random.choice(villages)
        day = timezone.localtime(created).strftime("%Y%m%d")
        seq = counters[village, day] = counters.get((village, day), 0) + 1
        case = _case(village, created, f"{village}-{day}-{seq:04d}", now, sealed, index)
        if i in due_at:
            _make_due(case, now)
        rows.append([case[f.attname] for f in COLUMNS])
        if len(rows) == BATCH:
            with transaction.atomic():
                write(rows)
            rows = []
    if rows:
        with transaction.atomic():
            write(rows)
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    tallies = rates.rebuild_tallies()
    print(f"[{connection.vendor}] rebuilt {tallies} daily tallies from the cases in {time.perf_counter() - began:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return loaded


# --- API submissions ------------------------------------------------------------------------------------------


def submitter(args) -> list[float]:
    """One client process posting free demands with fresh idempotency keys for `seconds`."""
    port, token, villages, seconds, seed = args
    rnd = random.Random(seed)
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    mine = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        body = json.dumps({"village": rnd.choice(villages), "kind": "demand", "title": "村道路灯不亮",
                           "description": "三组路口的路灯坏了一周", "applicant_phone": "13900000001"})
        t = time.perf_counter()
        conn.request("POST", "/api/v1/cases", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex})
        response = conn.getresponse()
        response.read()
        assert response.status == 201, response.status
        mine.append((time.perf_counter() - t) * 1000)
    conn.close()
    return mine


def plain_inserts(numbers: list[str]) -> list[float]:
    """The rows the API just made, inserted again into the same table, one plain INSERT per transaction."""
    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(columns)} FROM cases_case WHERE number IN ({', '.join(['%s'] * len(numbers))})",
                    numbers)
        rows = [list(r) for r in cur.fetchall()]
    at_number, at_key = columns.index("number"), columns.index("idempotency_key")
    sql = f"INSERT INTO cases_case ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    out = []
    for row in rows:
        row[at_number], row[at_key] = "B" + row[at_number][1:], None
        if connection.vendor == "postgresql":
            row[columns.index("answers")] = json.dumps(row[columns.index("answers")])
            row[columns.index("materials_supplied")] = json.dumps(row[columns.index("materials_supplied")])
            row[columns.index("missing")] = json.dumps(row[columns.index("missing")])
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, row)
        out.append((time.perf_counter() - t) * 1000)
    Case.objects.filter(number__startswith="B").delete()
    return out


def main():
    vendor = connection.vendor
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    now = timezone.now()
    villages = list(Region.objects.active().within("22").filter(level=5, is_rural=True)
                    .values_list("code", flat=True))
    seconds = load_cases(villages, now)
    print(f"[{vendor}] loaded {TOTAL} cases over {len(villages)} villages of Jilin in {seconds:.0f} s "
          f"({TOTAL / seconds:.0f} rows/s, bulk insert)")

    # The four rates for the province: a year, a month; the ranking of its townships for a month.
    province = Region.objects.get(code="22")
    today = timezone.localdate()
    year = (today - dt.timedelta(days=365), today)
    month = rates.month_bounds((today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"))
    for label, (start, end) in (("a year", year), ("last month", month)):
        figures = rates.region_rates(province, start, end)
        took = timed(lambda s=start, e=end: rates.region_rates(province, s, e), 5)
        lo, hi = rates.period_bounds(start, end)

        def plain(lo=lo, hi=hi):
            with connection.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM cases_case WHERE created_at >= %s AND created_at < %s", [lo, hi])
                cur.fetchone()

        base = timed(plain, 5)
        print(f"[{vendor}] province rates over {label} ({figures.received} cases, from the tallies): median "
              f"{pct(took, 50):.0f} ms, max {max(took):.0f} ms; plain COUNT of the same rows {pct(base, 50):.0f} ms; "
              f"ratio {pct(took, 50) / pct(base, 50):.2f}")
    took = timed(lambda: rates.township_ranking(province, *month), 3)
    print(f"[{vendor}] monthly ranking of the province's townships: median {pct(took, 50):.0f} ms")

    # The worker's sweep: DUE cases due, the rest not.
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SELECT id, state, due_at, warn_at, respond_by FROM cases_case WHERE state IN (%s, %s, %s, %s)",
                    list(OPEN_STATES))
        open_rows = len(cur.fetchall())
        naive_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    done = worker.sweep(timezone.now())
    sweep_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    idle = worker.sweep(timezone.now())
    idle_ms = (time.perf_counter() - t) * 1000
    print(f"[{vendor}] worker sweep with {DUE} cases due among {open_rows} open: {sweep_ms:.0f} ms "
          f"({sweep_ms / DUE:.2f} ms per due case; {dict(done)}); next sweep, nothing due: {idle_ms:.1f} ms "
          f"({sum(idle.values())} steps); plain read of every open case {naive_ms:.0f} ms; "
          f"idle sweep / plain read {idle_ms / naive_ms:.3f}")

    server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()

    # Work queues: the demo township officer's and the county administrator's first page.
    for username, path in (("township1.officer", "/cases/"), ("lishu.admin", "/cases/"),
                           ("lishu.admin", "/cases/?status=all")):
        session = Client()
        session.force_login(User.objects.get(username=username))
        cookie = f"sessionid={session.cookies['sessionid'].value}"
        user = User.objects.get(username=username)
        actor = Actor(user=user)
        filters = queues.Filters(status="all" if "all" in path else "open")
        sql, params = queues.queue(actor, filters)[:50].query.sql_with_params()

        def raw(sql=sql, params=params):
            with connection.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()

        base = timed(raw, 200)
        for workers in (1, 4):
            rps, lat = run_clients(client, [(port, path, 6, {"Cookie": cookie})] * workers)
            print(f"[{vendor}] queue page {path} as {username}, {workers} clients: {rps:.0f} req/s, "
                  f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms; plain SELECT of its 50 rows p50 "
                  f"{pct(base, 50):.2f} ms; ratio {pct(lat, 50) / pct(base, 50):.1f}")

    # Submissions through the API by the county administrator (an intake role for the county's villages).
    admin = User.objects.get(username="lishu.admin")
    token = create_api_token(Actor.console(), admin, "bench")
    lishu = [v for v in villages if v.startswith("220322")]
    before = Case.objects.count()
    for workers in (1, 4):
        rps, lat = run_clients(submitter, [(port, token, lishu, 8, n) for n in range(workers)])
        print(f"[{vendor}] API case submissions, {workers} clients: {rps:.0f} cases/s, p50 {pct(lat, 50):.1f} ms, "
              f"p99 {pct(lat, 99):.1f} ms")
    made = list(Case.objects.filter(channel=Channel.API, submitted_by=admin).values_list("number", flat=True))
    assert len(made) == Case.objects.count() - before
    plain = plain_inserts(made)
    print(f"[{vendor}] plain INSERT of the same {len(plain)} rows into the same table, one per transaction: "
          f"{1000 / (sum(plain) / len(plain)):.0f} rows/s, p50 {pct(plain, 50):.2f} ms, p99 {pct(plain, 99):.2f} ms")
    server.close()


if __name__ == "__main__":
    main()
