"""Admission requests and reviews, village registries, the forms list, demand reports and the burden index."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.dates import PlausibleDate

from . import figures, returns, services
from .choices import DemandKind, Frequency, Placement
from .models import AdmissionRequest, DemandReport, FormsList

router = Router(tags=["burden"])


class AdmissionRequestIn(Schema):
    kind: DemandKind
    title: str
    description: str
    legal_basis: str = ""
    scope: list[str] = []
    frequency: Frequency
    funding_yuan: Decimal = Decimal(0)
    funding_source: str = ""
    working_conditions: str = ""
    form_fields: list[str] = []
    placement: str = ""
    negative_duties: list[str] = []


class ReviewOut(Schema):
    reviewer: str
    decision: str
    reason: str
    at: dt.datetime


class AdmissionEventOut(Schema):
    at: dt.datetime
    who: str
    action: str
    note: str


class AdmissionRequestOut(Schema):
    id: int
    number: str
    county: str
    kind: str
    title: str
    description: str
    legal_basis: str
    applicant: str
    scope: list[str]
    frequency: str
    funding_yuan: Decimal
    funding_source: str
    working_conditions: str
    form_fields: list[str]
    placement: str
    negative_duties: list[str]
    reviewers: list[str]
    state: str
    reason: str
    created_at: dt.datetime
    reviews: list[ReviewOut]
    events: list[AdmissionEventOut]


class ReviewIn(Schema):
    decision: str
    reason: str


class AdmissionDecisionIn(Schema):
    approve: bool
    reason: str = ""


class AdmissionReasonIn(Schema):
    reason: str


class ObligationOut(Schema):
    id: int
    kind: str
    title: str
    demanded_by: str
    basis: str
    times_per_year: int
    placement: str
    standard: bool
    admission: str | None
    since: dt.date


class PlaqueIn(Schema):
    title: str
    placement: Placement
    demanded_by: str
    basis: str = ""


class ReportIn(Schema):
    village: str
    demanded_by: str
    what: str
    demanded_on: PlausibleDate | None = None
    anonymous: bool = False
    kind: str = "demand"


class ReportOut(Schema):
    id: int
    village: str
    village_name: str
    reported_by: str
    demanded_by: str
    kind: str
    what: str
    demanded_on: dt.date
    state: str
    outcome: str
    resolution: str


class ResolveIn(Schema):
    outcome: str
    resolution: str


class FormIn(Schema):
    title: str
    department: str
    frequency: Frequency
    basis: str = ""
    fields: list[str] = []


class FormOut(Schema):
    id: int
    title: str
    demanded_by: str
    frequency: str
    basis: str
    fields: list[str]
    active: bool
    columns: list[str] = []  # one count per field ("" where villages type it)
    computed: bool = False  # every field computed: no village fills it in


class FormsListOut(Schema):
    county: str
    year: int
    published_at: dt.datetime | None
    forms: list[FormOut]


class BurdenRowOut(Schema):
    code: str
    name: str
    villages: int
    work_items: int
    mechanisms: int
    plaques: int
    channels: int
    forms: int
    form_returns: int
    reports: int
    open_reports: int
    index: float


class BurdenOut(Schema):
    region: str
    year: int
    total: BurdenRowOut
    rows: list[BurdenRowOut]


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


def _request_out(r: AdmissionRequest) -> dict:
    return {
        "id": r.pk, "number": r.number, "county": r.county_id, "kind": r.kind, "title": r.title,
        "description": r.description, "legal_basis": r.legal_basis, "applicant": r.applicant_name, "scope": r.scope,
        "frequency": r.frequency, "funding_yuan": r.funding_yuan, "funding_source": r.funding_source,
        "working_conditions": r.working_conditions, "form_fields": r.form_fields, "placement": r.placement,
        "negative_duties": r.negative_duties, "reviewers": r.reviewers, "state": r.state, "reason": r.reason,
        "created_at": r.created_at,
        "reviews": [{"reviewer": v.reviewer_kind, "decision": v.decision, "reason": v.reason, "at": v.at}
                    for v in r.reviews.all()],
        "events": [{"at": e.at, "who": e.actor_label, "action": e.action, "note": e.note} for e in r.events.all()],
    }


def _report_out(r: DemandReport, actor: Actor) -> dict:
    return {"id": r.pk, "village": r.village_id, "village_name": r.village.name,
            "reported_by": services.reporter_name(r, actor), "demanded_by": r.demanded_by, "kind": r.kind,
            "what": r.what,
            "demanded_on": r.demanded_on, "state": r.state, "outcome": r.outcome, "resolution": r.resolution}


def _row(row: figures.BurdenRow) -> dict:
    return {**row.__dict__, "index": row.index}


@router.post("/requests", response={201: AdmissionRequestOut}, summary="File an admission request")
def file_request(request, data: AdmissionRequestIn):
    made = services.file_request(_actor(request), services.RequestInput(**data.dict()))
    return 201, _request_out(made)


@router.get("/requests", response=list[AdmissionRequestOut], summary="Admission requests the caller may see")
def list_requests(request, state: str = "", limit: int = 100):
    queryset = permissions.restrict(AdmissionRequest.objects.select_related("applicant_department__county",
                                                                              "applicant_region"), _actor(request))
    if state:
        queryset = queryset.filter(state=state)
    queryset = queryset.prefetch_related("reviews", "events")
    return [_request_out(r) for r in queryset[: max(1, min(limit, 500))]]


@router.get("/requests/{request_id}", response=AdmissionRequestOut, summary="One admission request with its history")
def get_request(request, request_id: int):
    return _request_out(permissions.get_or_404(AdmissionRequest.objects.all(), _actor(request), pk=request_id))


@router.post("/requests/{request_id}/reviews", response={201: ReviewOut}, summary="A reviewing department decides")
def review(request, request_id: int, data: ReviewIn):
    made = services.review(_actor(request), request_id, data.decision, data.reason)
    return 201, {"reviewer": made.reviewer_kind, "decision": made.decision, "reason": made.reason, "at": made.at}


@router.post("/requests/{request_id}/decision", response=AdmissionRequestOut, summary="The county admits or declines")
def decide(request, request_id: int, data: AdmissionDecisionIn):
    return _request_out(services.decide(_actor(request), request_id, data.approve, data.reason))


@router.post("/requests/{request_id}/consent", response=AdmissionRequestOut,
             summary="The province consents to (or refuses) what the county approved")
def consent(request, request_id: int, data: AdmissionDecisionIn):
    return _request_out(services.consent(_actor(request), request_id, data.approve, data.reason))


class CapsIn(Schema):
    work_items: int | None = None
    mechanisms: int | None = None
    forms: int | None = None


class CapsOut(Schema):
    county: str
    work_items: int | None
    mechanisms: int | None
    forms: int | None


@router.put("/caps/{county}", response=CapsOut, summary="A county's cap per village on work items, mechanisms and forms")
def set_caps(request, county: str, data: CapsIn):
    cap = services.set_caps(_actor(request), county, data.work_items, data.mechanisms, data.forms)
    return {"county": cap.county_id, "work_items": cap.work_items, "mechanisms": cap.mechanisms, "forms": cap.forms}


class PlaqueStandardIn(Schema):
    names: list[str]
    most: int
    style: str = ""


class PlaqueStandardOut(Schema):
    province: str
    names: list[str]
    most: int
    style: str
    version: int


@router.get("/plaque-standards/{province}", response=PlaqueStandardOut,
            summary="The plaque standard a province's villages are held to (the national list until it sets one)")
def plaque_standard(request, province: str):
    _actor(request)
    rule = services.plaque_standard_for(province[:2])
    return {"province": province[:2], "names": rule.names, "most": rule.most, "style": rule.style,
            "version": rule.version}


@router.put("/plaque-standards/{province}", response=PlaqueStandardOut, summary="The province sets its plaque standard")
def set_plaque_standard(request, province: str, data: PlaqueStandardIn):
    made = services.set_plaque_standard(_actor(request), province, data.names, data.most, data.style)
    return {"province": made.province_id, "names": made.names, "most": made.most, "style": made.style,
            "version": made.version}


class DutyIn(Schema):
    kind: str
    title: str
    basis: str
    department: str = ""


class DutyOut(Schema):
    id: int
    kind: str
    title: str
    basis: str
    department: str
    since: dt.date
    ended: dt.date | None


class ListsOut(Schema):
    county: str
    duties: list[DutyOut]
    negative: list[dict]
    directory_items: int


def _duty_out(d) -> dict:
    return {"id": d.pk, "kind": d.kind, "title": d.title, "basis": d.basis, "department": d.department,
            "since": d.since, "ended": d.ended}


@router.get("/lists/{county}", response=ListsOut, auth=None,
            summary="A county's three lists: duties by law, the negative list, the directory of services (public)")
def county_lists(request, county: str):
    lists = services.county_lists(county)
    return {"county": lists.county.code, "duties": [_duty_out(d) for d in lists.duties],
            "negative": [{"duty": k, "label": label} for k, label in lists.negative],
            "directory_items": lists.directory_items}


@router.post("/lists/{county}/duties", response={201: DutyOut}, summary="The county puts a duty by law on its list")
def add_duty(request, county: str, data: DutyIn):
    return 201, _duty_out(services.add_duty(_actor(request), county, data.kind, data.title, data.basis,
                                            data.department))


class DutyEndIn(Schema):
    duty: int


@router.post("/lists/{county}/duties/end", response=DutyOut, summary="A duty leaves the county's list from today")
def end_duty(request, county: str, data: DutyEndIn):
    return _duty_out(services.end_duty(_actor(request), county, data.duty))


@router.post("/requests/{request_id}/withdraw", response=AdmissionRequestOut, summary="Withdraw a request or admitted item")
def withdraw(request, request_id: int, data: AdmissionReasonIn):
    return _request_out(services.withdraw(_actor(request), request_id, data.reason))


@router.get("/villages/{code}/registry", response=list[ObligationOut], summary="What is demanded of a village")
def registry(request, code: str):
    _village, rows = services.village_registry(_actor(request), code)
    return [{"id": o.pk, "kind": o.kind, "title": o.title, "demanded_by": o.demanded_by, "basis": o.basis,
             "times_per_year": o.times_per_year, "placement": o.placement, "standard": o.standard,
             "admission": o.admission.number if o.admission_id else None, "since": o.since} for o in rows]


@router.post("/villages/{code}/plaques", response={201: ObligationOut}, summary="Record a plaque hanging at the village")
def add_plaque(request, code: str, data: PlaqueIn):
    o = services.record_plaque(_actor(request), code, data.title, data.placement, data.demanded_by, data.basis)
    return 201, {"id": o.pk, "kind": o.kind, "title": o.title, "demanded_by": o.demanded_by, "basis": o.basis,
                 "times_per_year": o.times_per_year, "placement": o.placement, "standard": o.standard,
                 "admission": None, "since": o.since}


class PlaqueDownIn(Schema):
    plaque: int


@router.post("/villages/{code}/plaques/down", response=ObligationOut, summary="Record that a plaque was taken down")
def take_down_plaque(request, code: str, data: PlaqueDownIn):
    o = services.take_down_plaque(_actor(request), code, data.plaque)
    return {"id": o.pk, "kind": o.kind, "title": o.title, "demanded_by": o.demanded_by, "basis": o.basis,
            "times_per_year": o.times_per_year, "placement": o.placement, "standard": o.standard,
            "admission": None, "since": o.since}


@router.post("/reports", response={201: ReportOut}, summary="Report a demand that never went through admission")
def report(request, data: ReportIn):
    actor = _actor(request)
    made = services.report_demand(actor, data.village, data.demanded_by, data.what, data.demanded_on, data.anonymous,
                                  data.kind)
    return 201, _report_out(made, actor)


@router.get("/reports", response=list[ReportOut], summary="Demand reports the caller may see")
def list_reports(request, state: str = "", limit: int = 100):
    actor = _actor(request)
    queryset = permissions.restrict(DemandReport.objects.select_related("village", "reported_by"), actor)
    if state:
        queryset = queryset.filter(state=state)
    return [_report_out(r, actor) for r in queryset[: max(1, min(limit, 500))]]


@router.post("/reports/{report_id}/resolve", response=ReportOut, summary="A supervisor resolves a report")
def resolve(request, report_id: int, data: ResolveIn):
    actor = _actor(request)
    return _report_out(services.resolve_report(actor, report_id, data.outcome, data.resolution), actor)


@router.get("/forms-lists/{county}/{year}", response=FormsListOut, summary="A county's annual forms list")
def forms_list(request, county: str, year: int):
    found = permissions.get_or_404(FormsList.objects.all(), _actor(request), county_id=county, year=year)
    return {"county": county, "year": year, "published_at": found.published_at,
            "forms": [{"id": e.pk, "title": e.title, "demanded_by": e.demanded_by, "frequency": e.frequency,
                       "basis": e.basis, "fields": e.fields, "active": e.active, "columns": e.columns,
                       "computed": e.computed} for e in found.entries.all()]}


@router.post("/forms-lists/{county}/{year}/forms", response={201: FormOut}, summary="Put a form on the annual list")
def add_form(request, county: str, year: int, data: FormIn):
    e = services.add_listed_form(_actor(request), county, year, data.title, data.department, data.frequency,
                                 data.basis, data.fields)
    return 201, {"id": e.pk, "title": e.title, "demanded_by": e.demanded_by, "frequency": e.frequency,
                 "basis": e.basis, "fields": e.fields, "active": e.active}


@router.post("/forms-lists/{county}/{year}/publish", response=FormsListOut, summary="Publish the annual forms list")
def publish_forms_list(request, county: str, year: int):
    services.publish_forms_list(_actor(request), county, year)
    return forms_list(request, county, year)


@router.get("/index", response=BurdenOut, summary="The burden index of the regions below one")
def index(request, region: str, year: int | None = None):
    year = year or timezone.localdate().year
    _place, rows, summary = services.burden_figures(_actor(request), region, year)
    return {"region": region, "year": year, "total": _row(summary), "rows": [_row(r) for r in rows]}


class ReturnOut(Schema):
    form: int
    title: str
    start: dt.date
    end: dt.date
    computed: bool
    fields: list[str]
    villages: list[dict]


@router.get("/forms/{entry_id}/return", response=ReturnOut,
            summary="A listed form's return for every village, computed from the villages' own records")
def form_return(request, entry_id: int, day: PlausibleDate | None = None):
    result = returns.compute(_actor(request), entry_id, day)
    return {"form": entry_id, "title": result.entry.title, "start": result.start, "end": result.end,
            "computed": result.entry.computed, "fields": result.fields,
            "villages": [{"code": code, "name": name, "values": values} for code, name, values in result.rows]}


class ColumnsIn(Schema):
    columns: list[str]


@router.put("/forms/{entry_id}/columns", response=FormOut,
            summary="Define each field of a listed form as a count over the villages' records (\"\": typed)")
def define_columns(request, entry_id: int, data: ColumnsIn):
    e = returns.define(_actor(request), entry_id, data.columns)
    return {"id": e.pk, "title": e.title, "demanded_by": e.demanded_by, "frequency": e.frequency,
            "basis": e.basis, "fields": e.fields, "active": e.active, "columns": e.columns, "computed": e.computed}
