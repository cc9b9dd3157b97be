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

from cunwu.accounts.models import Department
from cunwu.cases.choices import FINAL_STATES, CaseKind, Category, Stage, State
from cunwu.cases.models import Case, Dispatch
from cunwu.directory import services as directory
from cunwu.regions.models import Region

DEMAND = "demand."
DATATYPES = {"text": "string", "number": "number", "date": "datetime", "choice": "singlevaluelist",
             "multi_choice": "multivaluelist", "file": "string"}
WINDOW = dt.timedelta(days=90)  # the specification's longest range and its default
MOST = 1000  # requests in one answer, newest first: the specification's default, and the largest page


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


def page_of(query) -> tuple[int, int]:
    """Our extension for paging: `page_size` (1 to 1000; 1000 when absent, as the specification's default answer
    holds) and `page` (from 1)."""
    def number(name, default, most):
        value = (query.get(name) or "").strip()
        if not value:
            return default
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= most:  # (not "²" or "１")
            raise Problem(400, _("%(n)s must be a whole number from 1 to %(m)s.") % {"n": name, "m": most})
        return int(value)
    return number("page", 1, 10**6), number("page_size", MOST, MOST)


def requests(place: Region, query) -> list[dict]:
    """The specification's GET requests: service_request_id (a list, which overrides the rest), service_code (a
    list), start_date and end_date (at most 90 days apart; the last 90 days by default), status (open, closed);
    and `page`/`page_size` (see page_of)."""
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
    page, size = page_of(query)
    return _requests(cases.order_by("-created_at", "-id")[(page - 1) * size:page * size])


def request(place: Region, number: str) -> dict:
    found = _requests(Case.objects.filter(number=number, **(
        {"village_id": place.code} if place.level == 5 else {"county_code": place.code})))
    if not found:
        raise Problem(404, _("There is no request %(n)s in %(place)s.") % {"n": number[:40], "place": place.name})
    return found[0]


CLOSED = (State.RESOLVED, *FINAL_STATES)


def _w3c(moment: dt.datetime | None, zone=None) -> str | None:
    return moment.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds") if moment else None


COLUMNS = ("pk", "number", "state", "kind", "category", "item_code", "entry_id", "title", "stage", "township_code",
           "village_id", "created_at", "responded_at", "escalated_at", "result_at", "closed_at", "due_at", "latitude",
           "longitude")


def _requests(cases) -> list[dict]:
    """Each case as a request. The columns the answer needs are read as plain values, and the names they point to
    (villages, townships, directory items, lead departments, the words for states and categories) once for all
    rows, since a county's answer holds up to a thousand."""
    from cunwu.directory.models import DirectoryEntry

    rows = [dict(zip(COLUMNS, r, strict=True)) for r in cases.values_list(*COLUMNS)]
    villages = dict(Region.objects.filter(code__in={r["village_id"] for r in rows}).values_list("code", "name"))
    townships = dict(Region.objects.filter(
        code__in={r["township_code"] for r in rows if r["stage"] == Stage.TOWNSHIP}).values_list("code", "name"))
    kinds = dict(Department._meta.get_field("kind").flatchoices)
    leads = {case: str(kinds.get(kind, kind)) for case, kind in Dispatch.objects.filter(
        case_id__in=[r["pk"] for r in rows if r["stage"] == Stage.DEPARTMENT], lead=True)
        .values_list("case_id", "department__kind")}
    entries = dict(DirectoryEntry.objects.filter(pk__in={r["entry_id"] for r in rows if r["entry_id"]})
                   .values_list("pk", "name"))
    zone = timezone.get_current_timezone()
    states = {value: str(label) for value, label in State.choices}
    categories = {value: str(label) for value, label in Category.choices}
    found = []
    for r in rows:
        village = villages.get(r["village_id"], r["village_id"])
        if r["stage"] == Stage.VILLAGE:
            agency = village
        else:
            agency = leads.get(r["pk"]) or townships.get(r["township_code"]) or village
        if r["kind"] == CaseKind.DEMAND:
            code, name = DEMAND + r["category"], categories.get(r["category"], r["category"])
        else:
            code, name = r["item_code"], entries.get(r["entry_id"]) or r["title"]
        moments = [m for m in (r["created_at"], r["responded_at"], r["escalated_at"], r["result_at"], r["closed_at"])
                   if m]
        found.append({
            "service_request_id": r["number"],
            "status": "closed" if r["state"] in CLOSED else "open",
            "status_notes": states.get(r["state"], r["state"]),
            "service_name": name,
            "service_code": code,
            "description": name,
            "agency_responsible": agency,
            "service_notice": "",
            "requested_datetime": _w3c(r["created_at"], zone),
            "updated_datetime": _w3c(max(moments), zone),
            "expected_datetime": _w3c(r["due_at"], zone),
            "address": village,
            "address_id": r["village_id"],
            "zipcode": None,
            "lat": _rounded(r["latitude"]),
            "long": _rounded(r["longitude"]),
            "media_url": None,
        })
    return found


def _rounded(value) -> float | None:
    """A point published to about a hundred metres: where the matter is, not whose door it is."""
    return None if value is None else float(round(value, 3))
