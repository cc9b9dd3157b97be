"""Department returns computed, not typed (seed 004: collect once, use many times; do not judge villages by
uploaded screenshots). A form on the county's annual list may have each of its fields defined as a count over
the village's own data: households, people (by age band or sex), key-group labels in force, visits made,
visits missed, requests by category. A form whose every field is defined is computed for every village of the
county at once, one grouped query per field, and no village fills it in: the burden index counts only the
forms villages still fill by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunwu.accounts import permissions
from cunwu.accounts.permissions import CHANGE, VIEW, within
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.cases.choices import Category
from cunwu.cases.models import Case
from cunwu.households.choices import KeyGroup, Mode
from cunwu.households.choices import Status as PersonStatus
from cunwu.households.models import Household, Label, MissedVisit, Resident, Visit
from cunwu.regions.models import Region

from .choices import Frequency
from .models import FormsListEntry


def _catalogue() -> dict[str, object]:
    """Every metric a field can be defined as: its key and what it counts."""
    out: dict[str, object] = {
        "households": gettext_lazy("households"),
        "people": gettext_lazy("people living in the village's households"),
        "people:0-17": gettext_lazy("people aged under 18"),
        "people:18-59": gettext_lazy("people aged 18 to 59"),
        "people:60-": gettext_lazy("people aged 60 and over"),
        "people:80-": gettext_lazy("people aged 80 and over"),
        "people:F": gettext_lazy("women"),
        "people:M": gettext_lazy("men"),
        "people:away": gettext_lazy("people registered here, living elsewhere"),
        "visits": gettext_lazy("key-group visits made in the period"),
        "visits:in_person": gettext_lazy("key-group visits in person in the period"),
        "missed": gettext_lazy("key-group visits missed in the period"),
        "cases": gettext_lazy("requests received in the period"),
    }
    for value, label in KeyGroup.choices:
        out[f"label:{value}"] = label
    for value, label in Category.choices:
        out[f"cases:{value}"] = gettext_lazy("requests about: %(c)s") % {"c": label}
    return out


def catalogue() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in _catalogue().items()]


def period_of(entry: FormsListEntry, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the return that `day` falls in, by the form's frequency (a week, month, quarter, half year;
    a year for the others)."""
    if entry.frequency == Frequency.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=6)
    elif entry.frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif entry.frequency == Frequency.QUARTERLY:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
    elif entry.frequency == Frequency.HALF_YEARLY:
        first = day.month <= 6
        start = day.replace(month=1 if first else 7, day=1)
        end = day.replace(month=6, day=30) if first else day.replace(month=12, day=31)
    else:
        start, end = day.replace(month=1, day=1), day.replace(month=12, day=31)
    return start, end


def define(actor: Actor, entry_id: int, columns: list[str]) -> FormsListEntry:
    """The county administrator defines each field of a listed form as a metric (or leaves it to be typed,
    with ""). A form whose every field is defined is computed and leaves the villages' burden."""
    entry = permissions.get_or_404(FormsListEntry.objects.select_related("forms_list"), actor, VIEW, pk=entry_id)
    acting = permissions.require(actor, CHANGE, entry, _("Only the county administrator defines computed returns."))
    known = _catalogue()
    if not entry.fields:
        raise ValidationError({"columns": [_("This form lists no fields to compute.")]})
    columns = [(c or "").strip() for c in columns]
    if len(columns) != len(entry.fields):
        raise ValidationError({"columns": [_("Give one definition per field of the form (%(n)s).")
                                           % {"n": len(entry.fields)}]})
    bad = [f"{field}: {c}" for field, c in zip(entry.fields, columns, strict=True) if c and c not in known]
    if bad:
        raise ValidationError({"columns": [_("Not a known count: %(list)s.") % {"list": "；".join(bad)}]})
    with transaction.atomic():
        entry.columns = columns
        entry.computed = all(columns)
        entry.save(update_fields=["columns", "computed"])
        record(acting, "forms_list.computed", entry, region_code=entry.forms_list.county_id,
               detail={"columns": columns, "computed": entry.computed})
    return entry


def _age_band(key: str, on: dt.date) -> Q:
    low, _sep, high = key.partition("-")
    q = Q()
    if low:
        q &= Q(birth_date__lte=_years_before(on, int(low)))
    if high:
        q &= Q(birth_date__gt=_years_before(on, int(high) + 1))
    return q


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _count(metric: str, county: str, start: dt.date, end: dt.date) -> dict[str, int]:
    """village code -> the metric's count, for every village of the county, in one grouped query."""
    name, _sep, arg = metric.partition(":")
    rows: Any
    place = within("village_id", county)
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    finish = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    if name == "households":
        rows = Household.objects.filter(place, members__status=PersonStatus.MEMBER).values("village_id").annotate(
            n=Count("id", distinct=True))
    elif name == "people":
        people = Resident.objects.filter(place, status=PersonStatus.MEMBER)
        if arg in ("F", "M"):
            people = people.filter(sex=arg)
        elif arg == "away":
            people = people.filter(residence="registered_away")
        elif arg:
            people = people.filter(_age_band(arg, end))
        rows = people.values("village_id").annotate(n=Count("id"))
    elif name == "label":
        rows = Label.objects.filter(place, group=arg, started_on__lte=end).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=end)).values("village_id").annotate(n=Count("id"))
    elif name == "visits":
        visits = Visit.objects.filter(place, visited_at__gte=begin, visited_at__lt=finish)
        if arg == Mode.IN_PERSON:
            visits = visits.filter(mode=Mode.IN_PERSON)
        rows = visits.values("village_id").annotate(n=Count("id"))
    elif name == "missed":
        rows = MissedVisit.objects.filter(place, due_on__gte=start, due_on__lte=end).values("village_id").annotate(
            n=Count("id"))
    elif name == "cases":
        cases = Case.objects.filter(place, created_at__gte=begin, created_at__lt=finish)
        if arg:
            cases = cases.filter(category=arg)
        rows = cases.values("village_id").annotate(n=Count("id"))
    else:
        raise ValueError(metric)
    return {r["village_id"]: r["n"] for r in rows}


@dataclass
class Return:
    entry: FormsListEntry
    start: dt.date
    end: dt.date
    fields: list[str]
    rows: list[tuple[str, str, list[int | None]]]  # village code, name, one value per field (None: typed)


def compute(actor: Actor, entry_id: int, day: dt.date | None = None) -> Return:
    """The return of every village of the county (only the caller's own village for a village's staff) for the
    period holding `day`: counts only, no names. Fields left undefined stay empty, to be typed."""
    entry = permissions.get_or_404(FormsListEntry.objects.select_related("forms_list"), actor, VIEW, pk=entry_id)
    county = entry.forms_list.county_id
    start, end = period_of(entry, day or timezone.localdate())
    villages = Region.objects.filter(within("code", county), level=5, is_rural=True, active=True).order_by("code")
    own = _own_villages(actor)
    if own is not None:
        villages = villages.filter(code__in=own)
    columns = entry.columns or [""] * len(entry.fields)
    counts = {c: _count(c, county, start, end) for c in dict.fromkeys(columns) if c}
    rows = [(v.code, v.name, [counts[c].get(v.code, 0) if c else None for c in columns])
            for v in villages.only("code", "name")]
    record(actor, "forms_list.return", entry, region_code=county,
           detail={"start": start.isoformat(), "end": end.isoformat(), "villages": len(rows)})
    return Return(entry, start, end, list(entry.fields), rows)


def _own_villages(actor: Actor) -> list[str] | None:
    """Those who work in one village see its row only; officials of the county and above see every row."""
    if actor.system:
        return None
    mine = permissions.assignments_of(actor.user)
    if any(len(a.region_id) <= 9 and a.role != Role.VILLAGER for a in mine):
        return None
    return [a.region_id for a in mine]


def to_xlsx(result: Return) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = result.entry.title[:31]
    sheet.append([result.entry.title, f"{result.start:%Y-%m-%d} — {result.end:%Y-%m-%d}",
                  _("computed from the villages' own records")])
    sheet.append([_("Village code"), _("Village"), *result.fields])
    for code, name, values in result.rows:
        sheet.append([code, name, *["" if v is None else v for v in values]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
