"""What Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) reads from cunwu.

- A jurisdiction is a county (6 digits) or a village (12 digits): `jurisdiction_id` is required, since one
  endpoint serves every place.
- Services: the directory items the place offers (the county's published directory) and, for what is not an
  application, the demand categories as `demand.<category>` (a problem, complaint or suggestion of that kind).
- A service definition: the item's questions as attributes (text is `string`, a choice `singlevaluelist`).
- Requests: cases of the place, newest first. `status` is `closed` once a result is given (or the case is closed,
  refused or withdrawn), `open` otherwise; `status_notes` is the state in words; `agency_responsible` who holds it
  now (the village, the township, or the lead department); `expected_datetime` its deadline.
- Personal data is never in an answer: no name, phone, free text typed by the applicant or result written about
  them; the description is the service's name and the address is the place's name. A point the applicant gave
  is published rounded to three decimals (about a hundred metres).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.cases.choices import FINAL_STATES, CaseKind, Category, Stage, State
from cunwu.cases.models import Case, Dispatch
from cunwu.directory import services as directory
from cunwu.regions.models import Region

DEMAND = "demand."
DATATYPES = {"text": "string", "number": "number", "date": "datetime", "choice": "singlevaluelist",
             "multi_choice": "multivaluelist", "file": "string"}
WINDOW = dt.timedelta(days=90)  # the specification's longest range and its default
MOST = 1000  # requests in one answer, newest first


class Problem(Exception):
    """An answer in the specification's error format."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def jurisdiction(code: str) -> Region:
    code = (code or "").strip()
    if not code:
        raise Problem(400, _("jurisdiction_id is required: a county (6 digits) or a village (12 digits) code."))
    place = Region.objects.filter(code=code, level__in=(3, 5)).first() if len(code) in (6, 12) else None
    if place is None:
        raise Problem(404, _("No county or village has the jurisdiction_id %(c)s.") % {"c": code[:20]})
    return place


def services(place: Region) -> list[dict]:
    found = [{"service_code": e.code, "service_name": e.name, "description": e.acceptance_conditions or e.name,
              "metadata": bool([q for q in e.questions if q.get("type") != "file"]), "type": "realtime",
              "keywords": [e.department], "group": e.domain or e.get_item_type_display()}
             for e in directory.directory_for(place.code)]
    found += [{"service_code": DEMAND + value, "service_name": str(label), "description": str(label),
               "metadata": False, "type": "realtime", "keywords": ["demand"], "group": _("problems and suggestions")}
              for value, label in Category.choices]
    return found


def definition(place: Region, code: str) -> dict:
    if code.startswith(DEMAND) and code[len(DEMAND):] in Category.values:
        return {"service_code": code, "attributes": []}
    entry = directory.entry_for(place.code, code)
    if entry is None:
        raise Problem(404, _("%(place)s has no service %(code)s.") % {"place": place.name, "code": code[:64]})
    attributes = []
    for order, question in enumerate((q for q in entry.questions if q.get("type") != "file"), 1):
        kind = DATATYPES.get(question.get("type"), "string")
        attribute = {"variable": True, "code": question["key"], "datatype": kind,
                     "required": bool(question.get("required")), "datatype_description": "",
                     "order": order, "description": question["label"]}
        if kind.endswith("valuelist"):
            attribute["values"] = [{"key": c, "name": c} for c in question.get("choices", [])]
        attributes.append(attribute)
    return {"service_code": code, "attributes": attributes}


def _moment(value: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, _("%(n)s must be a W3C date and time such as 2026-11-01T00:00:00Z.") % {"n": name}) \
            from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def requests(place: Region, query) -> list[dict]:
    """The specification's GET requests: service_request_id (a list, which overrides the rest), service_code (a
    list), start_date and end_date (at most 90 days apart; the last 90 days by default), status (open, closed)."""
    cases = Case.objects.filter(**({"village_id": place.code} if place.level == 5 else {"county_code": place.code}))
    numbers = _split(query.get("service_request_id", ""))
    if numbers:
        return _requests(cases.filter(number__in=numbers[:MOST]))
    end = _moment(query["end_date"], "end_date") if query.get("end_date") else timezone.now()
    try:
        start = _moment(query["start_date"], "start_date") if query.get("start_date") else end - WINDOW
    except OverflowError:  # an end in the first days of year 1: no 90 days before it
        raise Problem(400, _("start_date and end_date may be at most 90 days apart.")) from None
    if start > end:
        raise Problem(400, _("start_date must come before end_date."))
    if end - start > WINDOW:
        raise Problem(400, _("start_date and end_date may be at most 90 days apart."))
    cases = cases.filter(created_at__gte=start, created_at__lte=end)
    codes = _split(query.get("service_code", ""))
    if codes:
        items = [c for c in codes if not c.startswith(DEMAND)]
        categories = [c[len(DEMAND):] for c in codes if c.startswith(DEMAND)]
        from django.db.models import Q

        cases = cases.filter(Q(kind=CaseKind.APPLICATION, item_code__in=items)
                             | Q(kind=CaseKind.DEMAND, category__in=categories))
    statuses = _split(query.get("status", ""))
    if any(s not in ("open", "closed") for s in statuses):
        raise Problem(400, _("status is open or closed (or both, separated by a comma)."))
    if statuses == ["open"]:
        cases = cases.exclude(state__in=CLOSED)
    elif statuses == ["closed"]:
        cases = cases.filter(state__in=CLOSED)
    return _requests(cases.order_by("-created_at", "-id")[:MOST])


def request(place: Region, number: str) -> dict:
    found = _requests(Case.objects.filter(number=number, **(
        {"village_id": place.code} if place.level == 5 else {"county_code": place.code})))
    if not found:
        raise Problem(404, _("There is no request %(n)s in %(place)s.") % {"n": number[:40], "place": place.name})
    return found[0]


CLOSED = (State.RESOLVED, *FINAL_STATES)


def _w3c(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _requests(cases) -> list[dict]:
    """Each case as a request; who holds it now read for all of them at once."""
    rows = list(cases.select_related("village", "entry"))
    townships = dict(Region.objects.filter(code__in={c.township_code for c in rows if c.stage == Stage.TOWNSHIP})
                     .values_list("code", "name"))
    leads = {d.case_id: str(d.department.get_kind_display()) for d in Dispatch.objects.filter(
        case__in=[c for c in rows if c.stage == Stage.DEPARTMENT], lead=True).select_related("department")}
    agency = {c.pk: leads.get(c.pk) or townships.get(c.township_code) if c.stage != Stage.VILLAGE else c.village.name
              for c in rows}
    return [_request(c, agency[c.pk] or c.village.name) for c in rows]


def _rounded(value) -> float | None:
    """A point published to about a hundred metres: where the matter is, not whose door it is."""
    return None if value is None else float(round(value, 3))


def _request(case: Case, agency: str) -> dict:
    demand = case.kind == CaseKind.DEMAND
    entry = case.entry
    service_name = case.get_category_display() if demand else (entry.name if entry is not None else case.title)
    moments = [m for m in (case.created_at, case.responded_at, case.escalated_at, case.result_at, case.closed_at) if m]
    return {
        "service_request_id": case.number,
        "status": "closed" if case.state in CLOSED else "open",
        "status_notes": case.get_state_display(),
        "service_name": str(service_name),
        "service_code": DEMAND + case.category if demand else case.item_code,
        "description": str(service_name),
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _w3c(case.created_at),
        "updated_datetime": _w3c(max(moments)),
        "expected_datetime": _w3c(case.due_at),
        "address": case.village.name,
        "address_id": case.village_id,
        "zipcode": None,
        "lat": _rounded(case.latitude),
        "long": _rounded(case.longitude),
        "media_url": None,
    }
