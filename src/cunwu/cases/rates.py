"""The three rates (response, resolution, satisfaction) and the on-time rate, computed one way everywhere.

Definitions (docs/cases.md): the cases received in the period (by receipt date) within a region, or the
calls a department received in the period.

- response rate   = cases taken in charge within the response limit / cases whose response is judged
                    (taken in charge, or past the response limit whether or not the worker has marked it yet);
                    cases still inside their response limit are shown apart as pending
- resolution rate = cases with a result / cases received, less those withdrawn by the applicant and those
                    refused (redirected elsewhere)
- satisfaction    = cases whose counted rating is fairly satisfied or better / cases with a counted rating
                    (the latest rating not set aside by a supervisor)
- on-time rate    = cases whose first result came by the due time / cases with a result

For a department: response = calls reported in within the sign-in limit / calls judged (reported in, or past
the sign-in limit; calls still inside it are pending); resolution = calls answered / calls not returned;
on-time = answers within the answer limit / answers; satisfaction over the cases it led.

Every township and department of the place is ranked, those without cases last and shown as such.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.models import Department
from cunwu.regions.models import Region

from .choices import DispatchState, State
from .models import TALLY_COUNTS, AskedTally, Case, CaseTally, Dispatch
from .policies import in_region


@dataclass
class Rates:
    key: str
    name: str
    received: int
    response: tuple[int, int]
    resolution: tuple[int, int]
    satisfaction: tuple[int, int]
    on_time: tuple[int, int]
    pending: int = 0  # still inside the response (or sign-in) limit: judged neither way yet

    @staticmethod
    def ratio(pair: tuple[int, int]) -> float | None:
        done, total = pair
        return round(100.0 * done / total, 2) if total else None

    def as_dict(self) -> dict:
        out = {"key": self.key, "name": self.name, "received": self.received, "pending": self.pending}
        for name in ("response", "resolution", "satisfaction", "on_time"):
            done, total = getattr(self, name)
            out[name] = {"count": done, "of": total, "rate": self.ratio((done, total))}
        return out

    @property
    def score(self) -> float:
        rates = [self.ratio(getattr(self, n)) for n in ("response", "resolution", "satisfaction", "on_time")]
        rates = [r for r in rates if r is not None]
        return round(sum(rates) / len(rates), 2) if rates else 0.0


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


CASE_AGGREGATES = {
    "n_received": Count("pk"),
    "n_responded_ok": Count("pk", filter=Q(responded_on_time=True)),
    "n_response_judged": Count("pk", filter=Q(responded_on_time__isnull=False)),
    "n_resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
    "n_resolvable": Count("pk", filter=~Q(state__in=[State.WITHDRAWN, State.REFUSED])),
    "n_satisfied": Count("pk", filter=Q(satisfied=True)),
    "n_rated": Count("pk", filter=Q(satisfied__isnull=False)),
    "n_on_time": Count("pk", filter=Q(resolved_on_time=True)),
}


def _case_rates(key: str, name: str, row: dict) -> Rates:
    return Rates(key, name, row["n_received"], (row["n_responded_ok"], row["n_response_judged"]),
                 (row["n_resolved"], row["n_resolvable"]), (row["n_satisfied"], row["n_rated"]),
                 (row["n_on_time"], row["n_resolved"]))


TALLY_SUMS = {name: Coalesce(Sum(name), 0) for name in TALLY_COUNTS}
assert tuple(CASE_AGGREGATES) == TALLY_COUNTS  # Case.counted() gives each case's part in this order


def _cases_in(region_code: str, start: dt.date, end: dt.date):
    lo, hi = period_bounds(start, end)
    return Case.objects.filter(in_region(region_code), created_at__gte=lo, created_at__lt=hi)


def _spans(start: dt.date, end: dt.date) -> Q:
    """The tally rows that add up to [start, end]: month rows of the whole months, day rows of the rest."""
    first_whole = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after_end = end + dt.timedelta(days=1)
    last_whole = end if after_end.day == 1 else end.replace(day=1) - dt.timedelta(days=1)
    if first_whole > last_whole:
        return Q(span="d", day__gte=start, day__lte=end)
    rows = Q(span="m", day__gte=first_whole, day__lte=last_whole)
    if start < first_whole:
        rows |= Q(span="d", day__gte=start, day__lt=first_whole)
    if last_whole < end:
        rows |= Q(span="d", day__gt=last_whole, day__lte=end)
    return rows


def _tallies_in(region_code: str, start: dt.date, end: dt.date):
    queryset = CaseTally.objects.filter(_spans(start, end))
    if len(region_code) == 9:
        return queryset.filter(township_code=region_code)
    if len(region_code) == 6:
        return queryset.filter(county_code=region_code)
    return queryset.filter(permissions.within("county_code", region_code))


def _unjudged(region_code: str, start: dt.date, end: dt.date):
    """Cases nobody has taken charge of yet and whose lateness the worker has not marked (a partial index
    holds only these): past their response limit they count against the rate now, inside it they are pending."""
    return _cases_in(region_code, start, end).filter(responded_on_time__isnull=True).exclude(
        state=State.WITHDRAWN)


def _waiting(region_code: str, start: dt.date, end: dt.date, by: str | None = None) -> dict:
    """{key: (late, pending)} of the unjudged cases, by township (or one row under "" for the whole region)."""
    now = timezone.now()
    rows = _unjudged(region_code, start, end)
    counts = {"late": Count("pk", filter=Q(respond_by__lte=now)), "pending": Count("pk", filter=Q(respond_by__gt=now))}
    if not by:
        row = rows.aggregate(**counts)
        return {"": (row["late"], row["pending"])}
    return {row[by]: (row["late"], row["pending"]) for row in rows.values(by).annotate(**counts).order_by()}


def _with_waiting(rates: Rates, waiting: tuple[int, int]) -> Rates:
    late, pending = waiting
    rates.response = (rates.response[0], rates.response[1] + late)
    rates.pending = pending
    return rates


def region_rates(region: Region, start: dt.date, end: dt.date) -> Rates:
    """A village's rates come from its cases; a township's and above from the daily tallies, with the cases
    still waiting for a first response read live."""
    if len(region.code) == 12:
        row = _cases_in(region.code, start, end).aggregate(**CASE_AGGREGATES)
    else:
        row = _tallies_in(region.code, start, end).aggregate(**TALLY_SUMS)
    return _with_waiting(_case_rates(region.code, region.name, row), _waiting(region.code, start, end).get("", (0, 0)))


REPORTED_COUNTS = (*TALLY_COUNTS, "n_late", "n_pending")  # a day's counts as a province reports them


def county_day_counts(province_code: str, day: dt.date) -> dict[str, dict[str, int]]:
    """{county code: {count: n}} of the cases the province's counties received on `day`: the daily tallies, and
    the cases nobody has taken charge of yet (late: past the response limit; pending: inside it), so that rates
    made from these counts are the province's own (`from_counts`). Counts only: no case, name or number."""
    rows = (CaseTally.objects.filter(span="d", day=day, county_code__startswith=province_code)
            .values("county_code").annotate(**{name: Coalesce(Sum(name), 0) for name in TALLY_COUNTS}).order_by())
    out = {row.pop("county_code"): {**row, "n_late": 0, "n_pending": 0} for row in rows}
    waiting = _waiting(province_code, day, day, by="county_code")
    for county, (late, pending) in waiting.items():
        counts = out.setdefault(county, {**dict.fromkeys(TALLY_COUNTS, 0), "n_late": 0, "n_pending": 0})
        counts["n_late"], counts["n_pending"] = late, pending
    return out


def from_counts(key: str, name: str, counts: dict) -> Rates:
    """Rates from counts in the shape `county_day_counts` gives (summed over days or places)."""
    return _with_waiting(_case_rates(key, name, counts), (counts.get("n_late", 0), counts.get("n_pending", 0)))


# --- the daily tallies -----------------------------------------------------------------------------------------


def count_case(case: Case, new: bool = False) -> None:
    """Move the tallies of the case's township, day and month by what the case adds now minus what it added
    when read (all of it for a new case). Called by the service layer inside the transaction that saves the
    case, so that an action rolled back leaves the tallies as they were."""
    now = case.counted()
    if new:
        _count_asked(case)
        delta = now
    else:
        before = getattr(case, "_counted", None) or Case.objects.get(pk=case.pk).counted()
        delta = tuple(a - b for a, b in zip(now, before, strict=True))
    case._counted = now
    if not any(delta):
        return
    day = timezone.localdate(case.created_at)
    keys = (("d", day), ("m", day.replace(day=1)))
    changes = {name: F(name) + d for name, d in zip(TALLY_COUNTS, delta, strict=True) if d}
    # The day's and the month's rows in one statement, which says which of them it found (RETURNING: SQLite
    # 3.35+, PostgreSQL); a row not found is the first of its day or month and is made.
    moved = {name: d for name, d in zip(TALLY_COUNTS, delta, strict=True) if d}
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CaseTally._meta.db_table} SET " + ", ".join(f"{n} = {n} + %s" for n in moved)  # noqa: S608
            + " WHERE township_code = %s AND ((span = 'd' AND day = %s) OR (span = 'm' AND day = %s)) RETURNING span",
            [*moved.values(), case.township_code, adapt(keys[0][1]), adapt(keys[1][1])])
        found = {row[0] for row in cursor.fetchall()}
    for span, key in keys:
        if span in found:
            continue
        rows = CaseTally.objects.filter(township_code=case.township_code, span=span, day=key)
        try:
            with transaction.atomic():
                CaseTally.objects.create(township_code=case.township_code, county_code=case.county_code,
                                         span=span, day=key, **dict(zip(TALLY_COUNTS, delta, strict=True)))
        except IntegrityError:  # another transaction made the row first
            rows.update(**changes)


def _count_asked(case: Case) -> None:
    """One more case of its category in its village's month (the command view's "what villagers ask")."""
    month = timezone.localdate(case.created_at).replace(day=1)
    rows = AskedTally.objects.filter(village_code=case.village_id, month=month, category=case.category)
    with connection.cursor() as cursor:  # plain SQL (see cunwu.plainsql): every intake counts here
        cursor.execute(f"UPDATE {AskedTally._meta.db_table} SET n = n + 1 WHERE village_code = %s "  # noqa: S608
                       "AND month = %s AND category = %s",
                       [case.village_id, connection.ops.adapt_datefield_value(month), case.category])
        if cursor.rowcount:
            return
    try:
        with transaction.atomic():
            AskedTally.objects.create(village_code=case.village_id, county_code=case.county_code, month=month,
                                      category=case.category, n=1)
    except IntegrityError:  # another transaction made the row first
        rows.update(n=F("n") + 1)


def move_asked(case: Case, from_village: str) -> None:
    """A case passed to another village of its township: its "what villagers ask" count moves with it (the
    township's tallies stay where they are)."""
    month = timezone.localdate(case.created_at).replace(day=1)
    AskedTally.objects.filter(village_code=from_village, month=month, category=case.category).update(n=F("n") - 1)
    _count_asked(case)


def _asked_by_month() -> dict[tuple, list]:
    """{(village, month, category): [county, n]} counted from the cases."""
    counted: dict[tuple, list] = {}
    rows = (Case.objects.annotate(month=TruncMonth("created_at")).values("village_id", "county_code", "category", "month")
            .annotate(n=Count("pk")).order_by())
    for row in rows.iterator(chunk_size=5000):
        month = row["month"]
        month = timezone.localdate(month) if isinstance(month, dt.datetime) else month
        counted[row["village_id"], month, row["category"]] = [row["county_code"], row["n"]]
    return counted


def _counts_by_day():
    return (Case.objects.annotate(day=TruncDate("created_at")).values("township_code", "county_code", "day")
            .annotate(**CASE_AGGREGATES).order_by())


def rebuild_tallies() -> int:
    """Recount every tally from the cases (after a bulk import or a repair). Returns the number of rows."""
    columns = ", ".join(["township_code", "county_code", "span", "day", *TALLY_COUNTS])
    table = CaseTally._meta.db_table
    days = _counts_by_day().annotate(span=Value("d")).values(
        "township_code", "county_code", "span", "day", *TALLY_COUNTS)
    months = (CaseTally.objects.filter(span="d").annotate(month=TruncMonth("day"))
              .values("township_code", "county_code", "month").annotate(m=Value("m"), **TALLY_SUMS)
              .values("township_code", "county_code", "m", "month", *TALLY_COUNTS).order_by())
    with transaction.atomic():
        CaseTally.objects.all().delete()
        for query in (days, months):
            sql, params = query.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        AskedTally.objects.all().delete()
        AskedTally.objects.bulk_create(
            (AskedTally(village_code=village, month=month, category=category, county_code=county, n=n)
             for (village, month, category), (county, n) in _asked_by_month().items()), batch_size=2000)
    return CaseTally.objects.count() + AskedTally.objects.count()


def tally_differences() -> list[dict]:
    """Tallies that disagree with a count of the cases (empty when all is well)."""
    expected: dict[tuple, list[int]] = {}
    for row in _counts_by_day().iterator(chunk_size=5000):
        counts = [row[n] for n in TALLY_COUNTS]
        expected[row["township_code"], "d", row["day"]] = counts
        month = expected.setdefault((row["township_code"], "m", row["day"].replace(day=1)), [0] * len(counts))
        month[:] = [a + b for a, b in zip(month, counts, strict=True)]
    wrong = []
    for t in CaseTally.objects.values("township_code", "span", "day", *TALLY_COUNTS).iterator(chunk_size=5000):
        kept = tuple(t[n] for n in TALLY_COUNTS)
        counted = tuple(expected.pop((t["township_code"], t["span"], t["day"]), ()))
        if kept != counted and (counted or any(kept)):
            wrong.append({"township": t["township_code"], "span": t["span"], "day": t["day"], "tally": kept,
                          "cases": counted or None})
    wrong += [{"township": k[0], "span": k[1], "day": k[2], "tally": None, "cases": tuple(v)}
              for k, v in expected.items()]
    asked = _asked_by_month()
    for t in AskedTally.objects.values("village_code", "month", "category", "n").iterator(chunk_size=5000):
        counted = asked.pop((t["village_code"], t["month"], t["category"]), [None, 0])[1]
        if t["n"] != counted:
            wrong.append({"village": t["village_code"], "span": "asked", "day": t["month"],
                          "category": t["category"], "tally": t["n"], "cases": counted or None})
    wrong += [{"village": k[0], "span": "asked", "day": k[1], "category": k[2], "tally": None, "cases": v[1]}
              for k, v in asked.items()]
    return wrong


def _dispatch_aggregates() -> dict:
    now = timezone.now()
    return {**DISPATCH_AGGREGATES,
            "n_judged": Count("pk", filter=~Q(state=DispatchState.WITHDRAWN)
                              & (Q(signed_in_at__isnull=False) | Q(sign_in_by__lte=now))),
            "n_pending": Count("pk", filter=Q(state=DispatchState.CALLED, sign_in_by__gt=now))}


DISPATCH_AGGREGATES = {
    "n_calls": Count("pk", filter=~Q(state=DispatchState.WITHDRAWN)),
    "n_signed_ok": Count("pk", filter=~Q(state=DispatchState.WITHDRAWN) & Q(signed_in_at__lte=F("sign_in_by"))),
    "n_answered": Count("pk", filter=Q(responded_at__isnull=False)),
    "n_answerable": Count("pk", filter=~Q(state__in=[DispatchState.WITHDRAWN, DispatchState.RETURNED])),
    "n_answered_ok": Count("pk", filter=Q(responded_at__lte=F("respond_by"))),
    "n_satisfied": Count("case", filter=Q(lead=True, case__satisfied=True), distinct=True),
    "n_rated": Count("case", filter=Q(lead=True, case__satisfied__isnull=False), distinct=True),
}


def _dispatch_rates(key: str, name: str, row: dict) -> Rates:
    return Rates(key, name, row["n_calls"], (row["n_signed_ok"], row["n_judged"]),
                 (row["n_answered"], row["n_answerable"]), (row["n_satisfied"], row["n_rated"]),
                 (row["n_answered_ok"], row["n_answered"]), row["n_pending"])


def department_rates(department: Department, start: dt.date, end: dt.date) -> Rates:
    lo, hi = period_bounds(start, end)
    row = Dispatch.objects.filter(department=department, called_at__gte=lo, called_at__lt=hi).aggregate(
        **_dispatch_aggregates())
    return _dispatch_rates(str(department.pk), str(department), row)


def _ranked(rows: list[Rates]) -> list[Rates]:
    """Best first (by the mean of the four rates, then by cases received); those without cases last."""
    return sorted(rows, key=lambda r: (r.received == 0, -r.score, -r.received, r.key))


def township_ranking(region: Region, start: dt.date, end: dt.date) -> list[Rates]:
    """Every township within the region, those without cases included."""
    if len(region.code) == 12:
        rows = (_cases_in(region.code, start, end).values("township_code").annotate(**CASE_AGGREGATES)
                .order_by("township_code"))
        townships = Region.objects.filter(code=region.code[:9])
    else:
        rows = (_tallies_in(region.code, start, end).values("township_code").annotate(**TALLY_SUMS)
                .filter(n_received__gt=0).order_by("township_code"))
        townships = Region.objects.active().within(region.code).filter(level=4)
    by_code = {r["township_code"]: r for r in rows}
    names = dict(townships.values_list("code", "name"))
    names.update(Region.objects.filter(code__in=set(by_code) - set(names)).values_list("code", "name"))
    empty = dict.fromkeys(CASE_AGGREGATES, 0)
    waiting = _waiting(region.code, start, end, by="township_code")
    return _ranked([_with_waiting(_case_rates(code, name, by_code.get(code, empty)), waiting.get(code, (0, 0)))
                    for code, name in names.items()])


def department_ranking(region: Region, start: dt.date, end: dt.date) -> list[Rates]:
    lo, hi = period_bounds(start, end)
    county = region.code[:6] if len(region.code) > 6 else region.code
    rows = {r["department"]: r for r in (
        Dispatch.objects.filter(called_at__gte=lo, called_at__lt=hi)
        .filter(permissions.within("department__county_id", county))
        .values("department").annotate(**_dispatch_aggregates()).order_by("department"))}
    departments = Department.objects.filter(permissions.within("county_id", county)).select_related("county")
    empty = dict.fromkeys([*DISPATCH_AGGREGATES, "n_judged", "n_pending"], 0)
    return _ranked([_dispatch_rates(str(d.pk), str(d), rows.get(d.pk, empty)) for d in departments])


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def to_xlsx(title: str, overall: Rates, townships: list[Rates], departments: list[Rates]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "三率"
    header = ["排名", "代码", "名称", "受理数", "响应率%", "解决率%", "满意率%", "按时办结率%", "综合得分"]

    def block(rows: list[Rates], heading: str, ranked: bool):
        sheet.append([heading])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append(header)
        for position, r in enumerate(rows, start=1):
            sheet.append([position if ranked else "", r.key, r.name, r.received,
                          *(r.ratio(getattr(r, n)) for n in ("response", "resolution", "satisfaction", "on_time")),
                          r.score])
        sheet.append([])

    sheet.append([title])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    block([overall], "总体", False)
    block(townships, "乡镇排名", True)
    block(departments, "部门排名", True)
    for column, width in zip("ABCDEFGHI", (6, 14, 30, 10, 10, 10, 10, 12, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
