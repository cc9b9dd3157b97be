"""The command view (指挥调度) of a township, county, city or province: what is open and late now, the rates
over twelve months, what villagers ask about most, the worst villages and departments, and drill-down to the
places below. Every figure comes from indexed reads: one grouped read of the open cases (bounded by the open
queue, never all cases), the rates' tallies, and the monthly tallies of what each village asked about."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.models import Department
from cunwu.regions.models import Region

from . import rates
from .choices import OPEN_STATES, Category, DispatchState, Stage, State
from .models import AskedTally, Case, Dispatch
from .policies import in_region


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


# The open states written into the SQL, as the partial index `case_open` is defined: SQLite uses a partial
# index only when the query states its condition in constants, not in bound parameters.
_OPEN_SQL = ", ".join(f"'{state}'" for state in OPEN_STATES)
OPEN_LITERAL = ExpressionWrapper(RawSQL(f'"cases_case"."state" IN ({_OPEN_SQL})', []), output_field=BooleanField())

CHILD_LENGTH = {1: 4, 2: 6, 3: 9, 4: 12}  # the code length of the places one level down


def _asked(region: Region, months: tuple[dt.date, dt.date]):
    """The monthly tallies of what the region's villages asked about in the given months."""
    rows = AskedTally.objects.filter(month__in=months)
    if len(region.code) == 6:
        rows = rows.filter(county_code=region.code)
    elif len(region.code) < 6:
        rows = rows.filter(permissions.within("county_code", region.code))
    else:
        rows = rows.filter(permissions.within("village_code", region.code))
    return rows


def build(region: Region, today: dt.date | None = None) -> CommandView:
    now = timezone.now()
    today = today or timezone.localdate()
    this_month = _month_start(today)
    last_month = _months_back(this_month, 1)
    tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    open_cases = _cases(region).filter(state__in=list(OPEN_STATES))
    # One read of the open cases, grouped by village: the key figures, the places below and the worst villages.
    per_village = list(Case.objects.filter(permissions.within("village_id", region.code), OPEN_LITERAL)
                       .values("village_id").annotate(
        open=Count("pk"), due_today=Count("pk", filter=Q(due_at__lt=tomorrow)),
        overdue=Count("pk", filter=Q(overdue=True)),
        whistles=Count("pk", filter=Q(stage=Stage.TOWNSHIP, state__in=[State.HANDLING, State.RECTIFYING])))
        .order_by())
    figures = {name: sum(r[name] for r in per_village) for name in ("open", "due_today", "overdue", "whistles")}
    county = region.code[:6] if len(region.code) > 6 else region.code
    calls = Dispatch.objects.filter(case__in=open_cases) if len(region.code) > 6 else Dispatch.objects.filter(
        permissions.within("case__county_code", county), case__state__in=list(OPEN_STATES))
    figures["report_in_late"] = calls.filter(state=DispatchState.CALLED, sign_in_by__lt=now).count()
    figures["rates"] = rates.region_rates(region, this_month, today)

    trend = build_trend(region, today)

    asked = _asked(region, (this_month, last_month))
    sums = {"now": Sum("n", filter=Q(month=this_month), default=0),
            "before": Sum("n", filter=Q(month=last_month), default=0)}
    labels = dict(Category.choices)
    categories = sorted(((str(labels.get(r["category"], r["category"])), r["now"], r["before"])
                         for r in asked.values("category").annotate(**sums).order_by()),
                        key=lambda c: (-c[1], -c[2], c[0]))
    asking = [(r["village_code"], (r["now"], r["before"])) for r in asked.values("village_code").annotate(**sums)
              .order_by("-now", "-before", "village_code")[:10]]
    worst = sorted((r for r in per_village if r["overdue"]), key=lambda r: (-r["overdue"], r["village_id"]))[:10]
    names = dict(Region.objects.filter(code__in={v for v, _n in asking} | {r["village_id"] for r in worst})
                 .values_list("code", "name"))
    late_departments = list(calls.filter(Q(sign_in_overdue=True) | Q(respond_overdue=True)).exclude(
        state__in=[DispatchState.WITHDRAWN, DispatchState.RETURNED, DispatchState.RESPONDED])
        .values("department_id").annotate(n=Count("pk")).order_by("-n", "department_id")[:10])
    departments = {d.pk: str(d) for d in Department.objects.filter(pk__in=[r["department_id"] for r in late_departments])}

    view = CommandView(
        region, this_month.strftime("%Y-%m"), figures, trend, categories,
        [(code, names.get(code, code), n[0], n[1]) for code, n in asking],
        [(r["village_id"], names.get(r["village_id"], r["village_id"]), r["overdue"]) for r in worst],
        [(departments.get(r["department_id"], ""), r["n"]) for r in late_departments])
    view.places = _places(region, per_village, asked.filter(month=this_month))
    return view


def _places(region: Region, per_village: list[dict], asked_this_month) -> list[Place]:
    """The places one level down with their open and overdue cases and this month's received."""
    if region.level not in CHILD_LENGTH:
        return []
    length = CHILD_LENGTH[region.level]
    children = {r.code: Place(r.code, r.name) for r in Region.objects.active().filter(parent=region).order_by("code")}
    for row in per_village:
        place = children.get(row["village_id"][:length])
        if place is not None:
            place.open += row["open"]
            place.overdue += row["overdue"]
    received = asked_this_month.annotate(place=Substr("village_code", 1, length)).values("place").annotate(
        n=Sum("n")).order_by()
    for row in received:
        place = children.get(row["place"])
        if place is not None:
            place.received += row["n"]
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
