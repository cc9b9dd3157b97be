"""The reduction seed 004 wants to see: certificates issued, refused (and why) and replaced by commitments, per
place and period.

Requests are counted by the day they were made (local time) and by what became of them: issued, refused because
village organisations must not issue the type, refused by the staff after their checks, a commitment instead, or
still open. Revocations are counted by the day of revocation. Definitions: docs/certificates.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from cunwu.accounts.permissions import within
from cunwu.regions import codes
from cunwu.regions.models import Region

from .models import Certificate, CertificateRequest, RequestState, Status


@dataclass
class Row:
    code: str
    name: str
    requests: int = 0
    issued: int = 0
    refused_not_issuable: int = 0  # the type is on the list villages must not issue
    refused_by_staff: int = 0  # refused after the checks
    committed: int = 0  # a signed commitment instead of a certificate
    open: int = 0
    revoked: int = 0

    @property
    def avoided(self) -> int:
        """Requests that ended without a village certificate and without the villager being left with nothing:
        the non-issuable ones (sent to who verifies instead) and the commitments."""
        return self.refused_not_issuable + self.committed

    @property
    def avoided_share(self) -> float:
        return round(self.avoided / self.requests, 4) if self.requests else 0.0


@dataclass
class Report:
    region: Region
    start: dt.date
    end: dt.date
    rows: list[Row]
    total: Row
    refusals: list[dict] = field(default_factory=list)  # by type: name, who verifies instead, count


COUNTS = {
    "requests": Count("pk"),
    "issued": Count("pk", filter=Q(state=RequestState.ISSUED)),
    "refused_not_issuable": Count("pk", filter=Q(state=RequestState.REFUSED, type__status=Status.NON_ISSUABLE)),
    "refused_by_staff": Count("pk", filter=Q(state=RequestState.REFUSED) & ~Q(type__status=Status.NON_ISSUABLE)),
    "committed": Count("pk", filter=Q(state=RequestState.COMMITTED)),
    "open": Count("pk", filter=Q(state__in=[RequestState.PENDING, RequestState.REVIEW])),
}


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, zone),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, zone))


def report(region: Region, start: dt.date, end: dt.date) -> Report:
    """One row per region directly below `region` (the village itself when it is one), and their total."""
    level = codes.level_of(region.code)
    if level >= 5:
        children, width = [region], 12
    else:
        children = list(Region.objects.active().filter(parent_id=region.code).order_by("code"))
        width = codes.LENGTH_BY_LEVEL[level + 1]
    rows = {r.code: Row(r.code, r.name) for r in children}
    since, until = _bounds(start, end)
    requests = (CertificateRequest.objects.filter(within("village_id", region.code), created_at__gte=since,
                                                  created_at__lt=until))
    for found in requests.annotate(part=Substr("village_id", 1, width)).values("part").annotate(**COUNTS):
        row = rows.get(found["part"])
        if row:
            for name in COUNTS:
                setattr(row, name, found[name])
    revoked = (Certificate.objects.filter(within("village_id", region.code), revoked_at__gte=since,
                                          revoked_at__lt=until)
               .annotate(part=Substr("village_id", 1, width)).values("part").annotate(n=Count("pk")))
    for found in revoked:
        if found["part"] in rows:
            rows[found["part"]].revoked = found["n"]
    total = Row(region.code, region.name)
    for row in rows.values():
        for name in (*COUNTS, "revoked"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    refusals = list(requests.filter(state=RequestState.REFUSED, type__status=Status.NON_ISSUABLE)
                    .values("type__code", "type__name", "type__verify_instead").annotate(n=Count("pk"))
                    .order_by("-n", "type__code"))
    return Report(region, start, end, list(rows.values()), total, [
        {"type": r["type__code"], "name": r["type__name"], "verify_instead": r["type__verify_instead"],
         "count": r["n"]} for r in refusals])


HEADERS = ["区划代码", "名称", "申请", "已出具", "不应出具而拒绝", "核查后不予出具", "告知承诺替代", "办理中", "撤销",
           "减少比例"]


def to_xlsx(result: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "证明事项"
    sheet.append([f"{result.region.name} 村级证明 {result.start.isoformat()} 至 {result.end.isoformat()}"])
    sheet.append(HEADERS)
    for row in [*result.rows, result.total]:
        sheet.append([row.code, row.name, row.requests, row.issued, row.refused_not_issuable, row.refused_by_staff,
                      row.committed, row.open, row.revoked, row.avoided_share])
    reasons = book.create_sheet("拒绝原因")
    reasons.append(["事项", "名称", "次数", "改由谁核实"])
    for r in result.refusals:
        reasons.append([r["type"], r["name"], r["count"], r["verify_instead"]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
