"""The three rates (response, resolution, satisfaction) and the on-time rate, computed one way everywhere.

Definitions (docs/cases.md): the cases received in the period (by receipt date) within a region, or the
calls a department received in the period.

- response rate   = cases taken in charge within the response limit / cases whose response is judged
                    (taken in charge, or past the response limit)
- resolution rate = cases with a result / cases received, less those withdrawn by the applicant and those
                    refused (redirected elsewhere)
- satisfaction    = cases whose counted rating is fairly satisfied or better / cases with a counted rating
                    (the latest rating not set aside by a supervisor)
- on-time rate    = cases whose first result came by the due time / cases with a result

For a department: response = calls reported in within the sign-in limit / calls; resolution = calls answered /
calls not returned; on-time = answers within the answer limit / answers; satisfaction over the cases it led.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.models import Department
from cunwu.regions.models import Region

from .choices import DispatchState, State
from .models import Case, Dispatch


@dataclass
class Rates:
    key: str
    name: str
    received: int
    response: tuple[int, int]
    resolution: tuple[int, int]
    satisfaction: tuple[int, int]
    on_time: tuple[int, int]

    @staticmethod
    def ratio(pair: tuple[int, int]) -> float | None:
        done, total = pair
        return round(100.0 * done / total, 2) if total else None

    def as_dict(self) -> dict:
        out = {"key": self.key, "name": self.name, "received": self.received}
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


def _cases_in(region_code: str, start: dt.date, end: dt.date):
    lo, hi = period_bounds(start, end)
    queryset = Case.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if len(region_code) == 6:
        return queryset.filter(county_code=region_code)
    if len(region_code) == 9:
        return queryset.filter(township_code=region_code)
    if len(region_code) == 12:
        return queryset.filter(village_id=region_code)
    return queryset.filter(permissions.within("county_code", region_code))


def region_rates(region: Region, start: dt.date, end: dt.date) -> Rates:
    row = _cases_in(region.code, start, end).aggregate(**CASE_AGGREGATES)
    return _case_rates(region.code, region.name, row)


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
    return Rates(key, name, row["n_calls"], (row["n_signed_ok"], row["n_calls"]), (row["n_answered"], row["n_answerable"]),
                 (row["n_satisfied"], row["n_rated"]), (row["n_answered_ok"], row["n_answered"]))


def department_rates(department: Department, start: dt.date, end: dt.date) -> Rates:
    lo, hi = period_bounds(start, end)
    row = Dispatch.objects.filter(department=department, called_at__gte=lo, called_at__lt=hi).aggregate(
        **DISPATCH_AGGREGATES)
    return _dispatch_rates(str(department.pk), str(department), row)


def township_ranking(region: Region, start: dt.date, end: dt.date) -> list[Rates]:
    """Townships within the region, best first (by the mean of the four rates, then by cases received)."""
    rows = (_cases_in(region.code, start, end).values("township_code").annotate(**CASE_AGGREGATES)
            .order_by("township_code"))
    names = dict(Region.objects.filter(code__in=[r["township_code"] for r in rows]).values_list("code", "name"))
    ranked = [_case_rates(r["township_code"], names.get(r["township_code"], r["township_code"]), r) for r in rows]
    return sorted(ranked, key=lambda r: (-r.score, -r.received, r.key))


def department_ranking(region: Region, start: dt.date, end: dt.date) -> list[Rates]:
    lo, hi = period_bounds(start, end)
    rows = (Dispatch.objects.filter(called_at__gte=lo, called_at__lt=hi)
            .filter(permissions.within("department__county_id", region.code[:6] if len(region.code) > 6
                                       else region.code))
            .values("department").annotate(**DISPATCH_AGGREGATES).order_by("department"))
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[r["department"] for r in rows])
                   .select_related("county")}
    ranked = [_dispatch_rates(str(r["department"]), str(departments[r["department"]]), r) for r in rows]
    return sorted(ranked, key=lambda r: (-r.score, -r.received, r.key))


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
