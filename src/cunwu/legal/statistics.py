"""The figures a county justice bureau reports (seed 001), for any region and period, one row per place below it.

Definitions (docs/legal.md):
- consultations: asked in the period; answered; answered within the limit; mean hours to the answer;
- legal aid: applied in the period; decisions made in the period (granted, refused); assignments made in the
  period and those within their limit; cases closed in the period and the amounts recovered in them;
- mediation: screening visits and disputes found in the period; cases accepted in the period; cases ended in the
  period ("mediated") and those that succeeded; success rate = succeeded / mediated; agreements confirmed by a
  court (decision in the period);
- publicity: events and attendance, performances and their subsidies;
- the network (as of today): villages with an adviser, a standard committee, 3 legal-understanding people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from io import BytesIO

from django.db.models import Avg, CharField, Count, F, Func, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from cunwu.accounts import permissions
from cunwu.accounts.permissions import within
from cunwu.audit.context import Actor
from cunwu.regions import codes
from cunwu.regions.models import Region

from .models import (
    AidApplication,
    AidState,
    Consultation,
    DisputeCategory,
    EventKind,
    MediationCase,
    MediationState,
    PublicityEvent,
    Screening,
)
from .policies import TRACKERS, is_justice


@dataclass
class Row:
    code: str
    name: str
    consultations: int = 0
    answered: int = 0
    answered_on_time: int = 0
    response_hours: float = 0.0
    aid_applications: int = 0
    aid_granted: int = 0
    aid_refused: int = 0
    aid_assigned: int = 0
    aid_assigned_on_time: int = 0
    aid_closed: int = 0
    recovered: Decimal = Decimal(0)
    screenings: int = 0
    disputes_found: int = 0
    mediations_accepted: int = 0
    mediated: int = 0
    succeeded: int = 0
    court_confirmed: int = 0
    events: int = 0
    attendance: int = 0
    performances: int = 0
    subsidy: Decimal = Decimal(0)

    @property
    def success_rate(self) -> float:
        return round(self.succeeded / self.mediated, 4) if self.mediated else 0.0

    @property
    def success_pct(self) -> float:
        return round(self.success_rate * 100, 1)

    @property
    def on_time_rate(self) -> float:
        return round(self.answered_on_time / self.answered, 4) if self.answered else 0.0

    @property
    def assigned_on_time_rate(self) -> float:
        return round(self.aid_assigned_on_time / self.aid_assigned, 4) if self.aid_assigned else 0.0


@dataclass
class Report:
    region: Region
    start: dt.date
    end: dt.date
    rows: list[Row]
    total: Row
    by_category: list[tuple[str, int, int]] = field(default_factory=list)  # label, mediated, succeeded
    by_month: list[tuple[str, int, int]] = field(default_factory=list)  # "2026-03", mediations, aid applications
    coverage: object = None


def region_in_scope(actor: Actor, code: str) -> Region:
    """A region whose figures the actor may read: the county's justice bureau, and the officials of the chain."""
    mine = [a.region_id for a in permissions.assignments_of(actor.user) if a.role in TRACKERS or is_justice(a)]
    code = (code or "").strip() or (mine[0] if mine else "")
    region = Region.objects.filter(code=code, level__lte=5).first() if code else None
    if region is None or not (actor.system or any(code.startswith(r) for r in mine)):
        raise permissions.NotFound
    return region


class YearMonth(Func):
    """"YYYY-MM" of a date, or of a moment in the current time zone, by the database's own date functions
    (Django's month truncation is a Python function on SQLite, several times slower over a province's year)."""

    output_field = CharField()

    def __init__(self, expression, moment: bool = False):
        self.moment = moment
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if not self.moment:
            return f"strftime(%s, {sql})", ["%Y-%m", *params]
        # China keeps one offset all year, so a fixed shift from the stored UTC is exact.
        minutes = int(timezone.localtime().utcoffset().total_seconds() // 60)
        return f"strftime(%s, {sql}, %s)", ["%Y-%m", *params, f"{minutes:+d} minutes"]

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if self.moment:
            return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM')", [*params, timezone.get_current_timezone_name()]
        return f"to_char({sql}, 'YYYY-MM')", params


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, zone))


def _fill(rows: dict[str, Row], queryset, width: int, field_name: str, counts: dict, by: dict | None = None,
          each=None) -> None:
    """Grouped counts added to the row of each place. `by` groups further, by expressions or (a string) by
    columns, and each group is also handed to `each`."""
    expressions = {name: value for name, value in (by or {}).items() if not isinstance(value, str)}
    for found in queryset.annotate(part=Substr(field_name, 1, width), **expressions).values(
            "part", *(by or {})).annotate(**counts):
        row = rows.get(found["part"])
        if row is not None:
            for name in counts:
                if by:
                    setattr(row, name, getattr(row, name) + (found[name] or 0))
                else:
                    setattr(row, name, found[name] or getattr(row, name))
        if each is not None:
            each(found)


def report(actor: Actor, region_code: str, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    from cunwu.cases.queues import period

    from .services import coverage

    region = region_in_scope(actor, region_code)
    end = end or timezone.localdate()
    start, end = period(start or end.replace(month=1, day=1), end)  # the year so far by default
    level = codes.level_of(region.code)
    if level >= 5:
        children, width = [region], 12
    else:
        children = list(Region.objects.active().filter(parent_id=region.code).order_by("code"))
        width = codes.LENGTH_BY_LEVEL[level + 1]
    rows = {r.code: Row(r.code, r.name) for r in children}
    since, until = _bounds(start, end)
    place = within("village_id", region.code)

    consultations = Consultation.objects.filter(place, created_at__gte=since, created_at__lt=until)
    _fill(rows, consultations, width, "village_id", {
        "consultations": Count("pk"), "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "answered_on_time": Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("due_at"))),
        "response_hours": Avg(F("answered_at") - F("created_at"), filter=Q(answered_at__isnull=False))})
    for row in rows.values():
        value = row.response_hours
        row.response_hours = round(value.total_seconds() / 3600, 1) if isinstance(value, dt.timedelta) else 0.0

    # One pass over each table: every figure is a count filtered by its own period; the monthly and category
    # charts come out of the same pass.
    months: dict[str, list[int]] = {}
    month = start.replace(day=1)
    while month <= end:
        months[f"{month:%Y-%m}"] = [0, 0]
        month = (month + dt.timedelta(days=32)).replace(day=1)
    categories: dict[str, list[int]] = {}

    def aid_month(found):
        if found["m"] in months:
            months[found["m"]][1] += found["aid_applications"]

    def mediation_charts(found):
        if found["m"] in months:
            months[found["m"]][0] += found["mediations_accepted"]
        if found["mediated"]:
            pair = categories.setdefault(found["category"], [0, 0])
            pair[0] += found["mediated"]
            pair[1] += found["succeeded"]

    applied = Q(applied_at__gte=since, applied_at__lt=until)
    decided = Q(decided_at__gte=since, decided_at__lt=until)
    assigned = Q(assigned_at__gte=since, assigned_at__lt=until)
    closed = Q(closed_at__gte=since, closed_at__lt=until)
    aid = AidApplication.objects.filter(place)
    _fill(rows, aid.filter(applied | decided | assigned | closed), width, "village_id", {
        "aid_applications": Count("pk", filter=applied),
        "aid_granted": Count("pk", filter=decided & ~Q(state=AidState.REFUSED)),
        "aid_refused": Count("pk", filter=decided & Q(state=AidState.REFUSED)),
        "aid_assigned": Count("pk", filter=assigned),
        "aid_assigned_on_time": Count("pk", filter=assigned & Q(assigned_on_time=True)),
        "aid_closed": Count("pk", filter=closed), "recovered": Sum("recovered", filter=closed)},
        by={"m": YearMonth("applied_at", moment=True)}, each=aid_month)

    _fill(rows, Screening.objects.filter(place, day__gte=start, day__lte=end), width, "village_id", {
        "screenings": Count("pk"), "disputes_found": Sum("found")})
    opened = Q(opened_on__gte=start, opened_on__lte=end)
    ending = Q(ended_on__gte=start, ended_on__lte=end) & ~Q(state=MediationState.OPEN)
    confirmed = Q(court="confirmed", court_decided_on__gte=start, court_decided_on__lte=end)
    mediation = MediationCase.objects.filter(place)
    _fill(rows, mediation.filter(opened | ending | confirmed), width, "village_id", {
        "mediations_accepted": Count("pk", filter=opened), "mediated": Count("pk", filter=ending),
        "succeeded": Count("pk", filter=ending & Q(state=MediationState.SUCCEEDED)),
        "court_confirmed": Count("pk", filter=confirmed)},
        by={"m": YearMonth("opened_on"), "category": "category"}, each=mediation_charts)

    _fill(rows, PublicityEvent.objects.filter(within("region_id", region.code), day__gte=start, day__lte=end),
          width, "region_id", {
              "events": Count("pk"), "attendance": Sum("attendance"),
              "performances": Count("pk", filter=Q(kind=EventKind.PERFORMANCE)),
              "subsidy": Sum("subsidy", filter=Q(kind=EventKind.PERFORMANCE))})

    total = Row(region.code, region.name)
    for row in rows.values():
        for f in fields(Row):
            if f.name not in ("code", "name", "response_hours"):
                setattr(total, f.name, getattr(total, f.name) + getattr(row, f.name))
    answered = [r for r in rows.values() if r.answered]
    if answered:
        total.response_hours = round(sum(r.response_hours * r.answered for r in answered)
                                     / sum(r.answered for r in answered), 1)

    labels = dict(DisputeCategory.choices)
    ranked = sorted(categories.items(), key=lambda item: (-item[1][0], item[0]))
    by_category = [(str(labels[c]), n, ok) for c, (n, ok) in ranked]
    result = Report(region, start, end, list(rows.values()), total, by_category,
                    [(k, v[0], v[1]) for k, v in months.items()])
    result.coverage = coverage(Actor.console(), region.code)[2]  # the scope was checked above
    return result


def bars(items: list[tuple[str, int]], width: int = 100) -> list[dict]:
    """Bar lengths (percent of the largest) for the server-drawn charts."""
    top = max((v for _label, v in items), default=0) or 1
    return [{"label": label, "value": value, "pct": round(width * value / top, 1)} for label, value in items]


HEADERS = [
    ("code", "区划代码"), ("name", "名称"), ("consultations", "法律咨询"), ("answered", "已答复"),
    ("answered_on_time", "按时答复"), ("response_hours", "平均答复时长(小时)"), ("aid_applications", "法律援助申请"),
    ("aid_granted", "给予援助"), ("aid_refused", "不予援助"), ("aid_assigned", "指派"),
    ("aid_assigned_on_time", "按时指派"), ("aid_closed", "结案"), ("recovered", "挽回损失(元)"),
    ("screenings", "排查次数"), ("disputes_found", "排查发现纠纷"), ("mediations_accepted", "受理调解"),
    ("mediated", "调解结案"), ("succeeded", "调解成功"), ("success_rate", "调解成功率"),
    ("court_confirmed", "司法确认"), ("events", "普法活动"), ("attendance", "受众人次"),
    ("performances", "法治文艺演出"), ("subsidy", "演出补贴(元)"),
]


def to_xlsx(result: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "公共法律服务"
    sheet.append([f"{result.region.name} 公共法律服务统计 {result.start.isoformat()} 至 {result.end.isoformat()}"])
    sheet.append([label for _name, label in HEADERS])
    for row in [*result.rows, result.total]:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in (getattr(row, name) for name, _l in HEADERS)])
    categories = book.create_sheet("调解纠纷类型")
    categories.append(["类型", "调解结案", "调解成功"])
    for label, n, ok in result.by_category:
        categories.append([label, n, ok])
    monthly = book.create_sheet("按月")
    monthly.append(["月份", "受理调解", "法律援助申请"])
    for month, m, a in result.by_month:
        monthly.append([month, m, a])
    network = book.create_sheet("服务网络")
    c = result.coverage
    network.append(["行政村", "有法律顾问", "调解委员会达标", "法律明白人达标(≥3)", "法律明白人总数"])
    if c is not None:
        network.append([c.villages, c.with_adviser, c.with_committee, c.with_enough_people, c.people])
    out = BytesIO()
    book.save(out)
    return out.getvalue()

