"""The burden index: how much is demanded of villages, per village, township or county.

For one village in one year, counting what was in force on any day of that year:
    index = work items + mechanisms + plaques beyond the standard set + government apps and work groups
            + form returns per year / 12 + 2 x demands reported outside admission (not found unfounded)
For a township or county the components are summed over its rural villages and the index is the average per
village, so that places of different size compare. Definitions: docs/figures.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from cunwu.accounts.permissions import within
from cunwu.regions import codes
from cunwu.regions.models import Region

from .choices import CHANNELS, DemandKind, ReportOutcome
from .models import DemandReport, Obligation

REPORT_WEIGHT = 2
# Forms a village fills by hand: a listed form computed from the village's own records is no burden on it.
BY_HAND = Q(kind=DemandKind.FORM) & (Q(form__isnull=True) | Q(form__computed=False))


@dataclass
class BurdenRow:
    code: str
    name: str
    villages: int = 0
    work_items: int = 0
    mechanisms: int = 0
    plaques: int = 0  # plaques beyond the standard set
    channels: int = 0  # government apps and work groups villages are asked to use
    forms: int = 0  # distinct forms listed that villages fill by hand
    form_returns: int = 0  # returns per year
    reports: int = 0  # demands reported outside admission (not found unfounded)
    open_reports: int = 0

    @property
    def index(self) -> float:
        if not self.villages:
            return 0.0
        total = (self.work_items + self.mechanisms + self.plaques + self.channels + self.form_returns / 12
                 + REPORT_WEIGHT * self.reports)
        return round(total / self.villages, 2)


def compare(region_code: str, year: int) -> list[BurdenRow]:
    """One row per region directly below `region_code` (per village when it is a township)."""
    level = codes.level_of(region_code)
    if level >= 5:
        region = Region.objects.get(code=region_code)
        children = [region]
        width = 12
    else:
        children = list(Region.objects.active().filter(parent_id=region_code).order_by("code"))
        width = codes.LENGTH_BY_LEVEL[level + 1]
    rows = {r.code: BurdenRow(r.code, r.name) for r in children}
    villages = (Region.objects.active().filter(level=5, is_rural=True).filter(within("code", region_code))
                .annotate(part=Substr("code", 1, width)).values("part").annotate(n=Count("code")))
    for v in villages:
        if v["part"] in rows:
            rows[v["part"]].villages = v["n"]
    obligations = (Obligation.objects.filter(within("village_id", region_code))
                   .in_force(dt.date(year, 1, 1), dt.date(year, 12, 31))
                   .annotate(part=Substr("village_id", 1, width)).values("part")
                   .annotate(work=Count("pk", filter=Q(kind=DemandKind.WORK_ITEM)),
                             mech=Count("pk", filter=Q(kind=DemandKind.MECHANISM, standard=False)),
                             plaq=Count("pk", filter=Q(kind=DemandKind.PLAQUE, standard=False)),
                             chan=Count("pk", filter=Q(kind__in=CHANNELS)),
                             forms=Count("pk", filter=BY_HAND),
                             returns=Sum("times_per_year", filter=BY_HAND)))
    for o in obligations:
        row = rows.get(o["part"])
        if row:
            row.work_items, row.mechanisms, row.plaques, row.channels = o["work"], o["mech"], o["plaq"], o["chan"]
            row.forms, row.form_returns = o["forms"], o["returns"] or 0
    reports = (DemandReport.objects.filter(within("village_id", region_code), demanded_on__year=year)
               .exclude(outcome=ReportOutcome.UNFOUNDED)
               .annotate(part=Substr("village_id", 1, width)).values("part")
               .annotate(n=Count("pk"), open=Count("pk", filter=Q(state="open"))))
    for r in reports:
        row = rows.get(r["part"])
        if row:
            row.reports, row.open_reports = r["n"], r["open"]
    return list(rows.values())


def total(rows: list[BurdenRow], code: str, name: str) -> BurdenRow:
    out = BurdenRow(code, name)
    for row in rows:
        for field in ("villages", "work_items", "mechanisms", "plaques", "channels", "forms", "form_returns",
                      "reports", "open_reports"):
            setattr(out, field, getattr(out, field) + getattr(row, field))
    return out


HEADERS = ["区划代码", "名称", "村数", "工作事项", "工作机制", "标准外牌子", "政务应用和工作群", "表格种数", "表格年填报次数",
           "未准入事项报告", "待处理报告", "负担指数（村均）"]


def to_xlsx(rows: list[BurdenRow], summary: BurdenRow, year: int):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"村级负担{year}"
    sheet.append(HEADERS)
    for row in [*rows, summary]:
        sheet.append([row.code, row.name, row.villages, row.work_items, row.mechanisms, row.plaques, row.channels,
                      row.forms,
                      row.form_returns, row.reports, row.open_reports, row.index])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
