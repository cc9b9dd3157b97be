"""The command view (指挥调度) of a township, county, city or province: what is open and late now, the rates
over twelve months, what villagers ask about most, the worst villages and departments, and drill-down to the
places below. Every figure comes from indexed reads: the open queue indexes, the monthly tallies and the
(region, received) indexes; the few counts over open cases are bounded by the open queue, never all cases."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.models import Department
from cunwu.regions.models import Region

from . import rates
from .choices import OPEN_STATES, Category, DispatchState, Stage, State
from .models import Case, Dispatch
from .policies import in_region

CHILD_COLUMN = {1: ("county_code", 4), 2: ("county_code", 6), 3: ("township_code", 9), 4: ("village_id", 12)}


@dataclass
class Place:
    code: str
    name: str
    open: int = 0
    overdue: int = 0
    received: int = 0


@dataclass
class CommandView:
    region: Region
    month: str
    figures: dict
    trend: list[tuple[str, rates.Rates]]
    categories: list[tuple[str, int, int]]  # label, this month, last month
    villages_asking: list[tuple[str, str, int, int]]  # code, name, this month, last month
    worst_villages: list[tuple[str, str, int]]
    worst_departments: list[tuple[str, int]]
    places: list[Place] = field(default_factory=list)

    def trend_rows(self) -> list[dict]:
        return [{"month": m, **r.as_dict()} for m, r in self.trend]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months_back(first: dt.date, n: int) -> dt.date:
    """The first of the month `n` months before `first` (after it, for a negative `n`)."""
    index = first.year * 12 + first.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def build_trend(region: Region, today: dt.date) -> list[tuple[str, rates.Rates]]:
    """The four rates of each of the last twelve months (this one so far)."""
    this_month = _month_start(today)
    trend = []
    for back in range(11, -1, -1):
        first = _months_back(this_month, back)
        last = min(today, _months_back(first, -1) - dt.timedelta(days=1))
        trend.append((first.strftime("%Y-%m"), rates.region_rates(region, first, last)))
    return trend


def _cases(region: Region):
    return Case.objects.filter(in_region(region.code))


def build(region: Region, today: dt.date | None = None) -> CommandView:
    now = timezone.now()
    today = today or timezone.localdate()
    this_month = _month_start(today)
    last_month = _months_back(this_month, 1)
    open_cases = _cases(region).filter(state__in=list(OPEN_STATES))
    tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    figures = open_cases.aggregate(
        open=Count("pk"), due_today=Count("pk", filter=Q(due_at__lt=tomorrow)),
        overdue=Count("pk", filter=Q(overdue=True)),
        whistles=Count("pk", filter=Q(stage=Stage.TOWNSHIP, state__in=[State.HANDLING, State.RECTIFYING])))
    county = region.code[:6] if len(region.code) > 6 else region.code
    calls = Dispatch.objects.filter(case__in=open_cases) if len(region.code) > 6 else Dispatch.objects.filter(
        permissions.within("case__county_code", county), case__state__in=list(OPEN_STATES))
    figures["report_in_late"] = calls.filter(state=DispatchState.CALLED, sign_in_by__lt=now).count()
    figures["rates"] = rates.region_rates(region, this_month, today)

    trend = build_trend(region, today)

    lo, _hi = rates.period_bounds(last_month, today)
    month_lo, _x = rates.period_bounds(this_month, today)
    recent = _cases(region).filter(created_at__gte=lo)
    per_category = recent.values("category").annotate(
        now=Count("pk", filter=Q(created_at__gte=month_lo)), before=Count("pk", filter=Q(created_at__lt=month_lo)))
    labels = dict(Category.choices)
    categories = sorted(((str(labels.get(r["category"], r["category"])), r["now"], r["before"]) for r in per_category),
                        key=lambda c: (-c[1], -c[2], c[0]))
    per_village = list(recent.values("village_id").annotate(
        now=Count("pk", filter=Q(created_at__gte=month_lo)), before=Count("pk", filter=Q(created_at__lt=month_lo)))
        .order_by("-now", "-before", "village_id")[:10])
    worst = list(open_cases.filter(overdue=True).values("village_id").annotate(n=Count("pk"))
                 .order_by("-n", "village_id")[:10])
    names = dict(Region.objects.filter(code__in={r["village_id"] for r in per_village + worst})
                 .values_list("code", "name"))
    late_departments = list(calls.filter(Q(sign_in_overdue=True) | Q(respond_overdue=True)).exclude(
        state__in=[DispatchState.WITHDRAWN, DispatchState.RETURNED, DispatchState.RESPONDED])
        .values("department_id").annotate(n=Count("pk")).order_by("-n", "department_id")[:10])
    departments = {d.pk: str(d) for d in Department.objects.filter(pk__in=[r["department_id"] for r in late_departments])}

    view = CommandView(
        region, this_month.strftime("%Y-%m"), figures, trend, categories,
        [(r["village_id"], names.get(r["village_id"], r["village_id"]), r["now"], r["before"]) for r in per_village],
        [(r["village_id"], names.get(r["village_id"], r["village_id"]), r["n"]) for r in worst],
        [(departments.get(r["department_id"], ""), r["n"]) for r in late_departments])
    view.places = _places(region, open_cases, month_lo)
    return view


def _places(region: Region, open_cases, month_lo) -> list[Place]:
    """The places one level down with their open and overdue cases and this month's received."""
    if region.level >= 5:
        return []
    column, length = CHILD_COLUMN[region.level]
    key = Substr(column, 1, length) if length < {"county_code": 6, "township_code": 9, "village_id": 12}[column] \
        else None
    children = {r.code: Place(r.code, r.name) for r in Region.objects.active().filter(parent=region).order_by("code")}

    def grouped(queryset, **counts):
        rows = queryset.annotate(place=key).values("place") if key is not None else queryset.values(column)
        for row in rows.annotate(**counts).order_by():
            code = row["place"] if key is not None else row[column]
            yield code, row

    for code, row in grouped(open_cases, open=Count("pk"), overdue=Count("pk", filter=Q(overdue=True))):
        if code in children:
            children[code].open, children[code].overdue = row["open"], row["overdue"]
    for code, row in grouped(_cases(region).filter(created_at__gte=month_lo), received=Count("pk")):
        if code in children:
            children[code].received = row["received"]
    return list(children.values())


def chart_points(trend: list[tuple[str, rates.Rates]], name: str, width: int = 600,
                 height: int = 160) -> list[tuple[float, float, float, str]]:
    """The points (x, y, value, month) of one rate over the months, for a server-drawn SVG line; a month
    without cases has no point."""
    step = width / max(1, len(trend) - 1)
    points = []
    for i, (month, r) in enumerate(trend):
        value = r.ratio(getattr(r, name))
        if value is not None:
            points.append((round(i * step, 1), round(height - value * height / 100, 1), value, month))
    return points


def to_xlsx(view: CommandView) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "指挥调度"
    sheet.append([f"{view.region.name} 指挥调度 {view.month}"])
    f = view.figures
    sheet.append(["在办", "今日到期", "超时", "待吹哨", "报到超时"])
    sheet.append([f["open"], f["due_today"], f["overdue"], f["whistles"], f["report_in_late"]])
    trend = book.create_sheet("近12个月")
    trend.append(["月份", "受理数", "响应率%", "时限内待响应", "解决率%", "满意率%", "按时办结率%"])
    for month, r in view.trend:
        trend.append([month, r.received, r.ratio(r.response), r.pending, r.ratio(r.resolution),
                      r.ratio(r.satisfaction), r.ratio(r.on_time)])
    asked = book.create_sheet("诉求类别")
    asked.append(["类别", "本月", "上月"])
    for row in view.categories:
        asked.append(list(row))
    places = book.create_sheet("下级")
    places.append(["代码", "名称", "在办", "超时", "本月受理"])
    for p in view.places:
        places.append([p.code, p.name, p.open, p.overdue, p.received])
    worst = book.create_sheet("超时最多")
    worst.append(["村", "超时在办"])
    for _code, name, n in view.worst_villages:
        worst.append([name, n])
    worst.append([])
    worst.append(["部门", "超时"])
    for name, n in view.worst_departments:
        worst.append([name, n])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
