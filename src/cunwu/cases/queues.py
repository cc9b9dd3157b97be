"""Work queues and the scope of rate figures, shared by pages and the API.

A queue is the caller's visible cases (the permission module decides), filtered. Open cases are ordered by due
time: cases past their due time come first because their due time is earliest, and the order follows the queue
indexes (village, township or county, state, due time), so a page stays fast with millions of cases. Other tabs
show the newest first (the (region, received) indexes).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema

from cunwu.accounts import permissions
from cunwu.accounts.models import Department
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.regions.models import Region

from . import rates
from .choices import OPEN_STATES, CaseKind, DispatchState, Stage, State, Urgency
from .models import Case, Dispatch

COUNT_CAP = 10000
STATUS_GROUPS = {
    "open": list(OPEN_STATES),
    "resolved": [State.RESOLVED],
    "done": [State.CLOSED, State.REFUSED, State.WITHDRAWN],
}


class Filters(Schema):
    status: str = "open"  # open, resolved, done, all, or one state
    stage: str = ""
    kind: str = ""
    urgency: str = ""
    village: str = ""
    township: str = ""
    overdue: bool = False
    mine: bool = False
    called: bool = False  # cases my department is called in on and has not answered
    q: str = ""


def queue(actor: Actor, filters: Filters):
    """An official's queue holds the cases of their jurisdiction; a villager's (or an official's who is also a
    villager somewhere) adds their own requests."""
    roles = {a.role for a in permissions.assignments_of(actor.user)}
    own = not roles or Role.VILLAGER in roles
    queryset = permissions.restrict(Case.objects.select_related("village", "owner"), actor, own=own)
    status = filters.status or "open"
    if status in STATUS_GROUPS:
        queryset = queryset.filter(state__in=STATUS_GROUPS[status])
    elif status in State.values:
        queryset = queryset.filter(state=status)
    if filters.stage in Stage.values:
        queryset = queryset.filter(stage=filters.stage)
    if filters.kind in CaseKind.values:
        queryset = queryset.filter(kind=filters.kind)
    if filters.urgency in Urgency.values:
        queryset = queryset.filter(urgency=filters.urgency)
    if filters.village:
        queryset = queryset.filter(village_id=filters.village.strip())
    if filters.township:
        queryset = queryset.filter(township_code=filters.township.strip())
    if filters.overdue:
        queryset = queryset.filter(Q(overdue=True) | Q(due_at__lt=timezone.now()))
    if filters.mine and actor.user is not None:
        queryset = queryset.filter(owner=actor.user)
    if filters.called and actor.user is not None:
        mine = [a.department_id for a in permissions.assignments_of(actor.user) if a.department_id]
        queryset = queryset.filter(pk__in=Dispatch.objects.filter(
            department_id__in=mine, state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN]).values("case_id"))
    text = (filters.q or "").strip()
    if text:
        spoken = SHORT.fullmatch(text.replace(" ", ""))
        if spoken:  # the short number read over the phone: 261203-9 is the ninth case of 3 December 2026
            queryset = queryset.filter(number__endswith=f"-20{spoken[1]}-{int(spoken[2]):04d}")
        else:
            queryset = queryset.filter(Q(number__startswith=text) | Q(title__icontains=text))
    if status == "open" or status in OPEN_STATES:
        return queryset.order_by(F("due_at").asc(nulls_last=True), "-id")
    return queryset.order_by("-created_at", "-id")  # finished or all: the newest first


SHORT = re.compile(r"(\d{6})[-－—](\d{1,4})")


def count(queryset) -> int:
    """The number of cases, counted up to COUNT_CAP (pages say "10000+" beyond)."""
    return queryset.order_by()[:COUNT_CAP + 1].count()


FIRST_YEAR = 2000  # no figure of the platform lies before this


def check_year(day: dt.date, field_name: str) -> None:
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= day.year <= last:
        raise ValidationError({field_name: [_("Choose a date between %(a)d and %(b)d.") % {"a": FIRST_YEAR,
                                                                                          "b": last}]})


def period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    end = end or today
    check_year(end, "to")
    start = start or end.replace(day=1)
    check_year(start, "from")
    if start > end:
        raise ValidationError({"from": [_("The period starts after it ends.")]})
    if (end - start).days > 3660:
        raise ValidationError({"from": [_("A period is at most ten years.")]})
    return start, end


def _official_regions(actor: Actor) -> list[str]:
    return [a.region_id for a in permissions.assignments_of(actor.user)
            if a.role not in (Role.VILLAGER, Role.DEPARTMENT_OFFICER, Role.LEGAL_ADVISER, Role.MEDIATOR)]


def region_in_scope(actor: Actor, code: str) -> Region:
    """A region whose rates the actor may read: within one of their official jurisdictions."""
    code = (code or "").strip()
    if not code:
        regions = _official_regions(actor)
        if not regions:
            raise permissions.NotFound
        code = regions[0]
    if actor.system or any(code.startswith(r) for r in _official_regions(actor)):
        region = Region.objects.filter(code=code).first()
        if region is not None:
            return region
    raise permissions.NotFound


def may_read_rates(actor: Actor, code: str) -> bool:
    return actor.system or any(code.startswith(r) for r in _official_regions(actor))


def department_in_scope(actor: Actor, department_id: int, start: dt.date, end: dt.date) -> rates.Rates:
    department = Department.objects.filter(pk=department_id).select_related("county").first()
    if department is None:
        raise permissions.NotFound
    mine = any(a.department_id == department.pk for a in permissions.assignments_of(actor.user))
    above = any(department.county_id.startswith(r) for r in _official_regions(actor)
                if len(r) <= 6)
    if not (actor.system or mine or above):
        raise permissions.NotFound
    return rates.department_rates(department, start, end)


@dataclass
class Ranking:
    region: Region
    month: str
    overall: rates.Rates
    townships: list[rates.Rates]
    departments: list[rates.Rates]

    def as_dict(self) -> dict:
        return {"region": self.region.code, "month": self.month, "overall": self.overall.as_dict(),
                "townships": [r.as_dict() | {"score": r.score} for r in self.townships],
                "departments": [r.as_dict() | {"score": r.score} for r in self.departments]}

    def xlsx(self) -> bytes:
        return rates.to_xlsx(f"{self.region.name} {self.month} 三率排名", self.overall, self.townships,
                             self.departments)


def ranking(region: Region, month: str = "") -> Ranking:
    month = (month or "").strip() or timezone.localdate().strftime("%Y-%m")
    try:
        start, end = rates.month_bounds(month) if FIRST_YEAR <= int(month[:4]) <= 9998 else (None, None)
    except ValueError:
        raise ValidationError({"month": [_("Give the month as YYYY-MM.")]}) from None
    if start is None:
        raise ValidationError({"month": [_("Give the month as YYYY-MM.")]})
    check_year(start, "month")
    return Ranking(region, month, rates.region_rates(region, start, end),
                   rates.township_ranking(region, start, end), rates.department_ranking(region, start, end))
