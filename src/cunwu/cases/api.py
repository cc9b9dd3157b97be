"""Cases through the API: intake (idempotent), scoped lists, one case with its timeline, every transition as
an action, attachments, and the rates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from cunwu.audit.context import Actor
from cunwu.dbrouter import replica_reads
from cunwu.paging import check_offset

from . import queues, rates, services
from .models import Case

router = Router(tags=["cases"])


class CaseIn(Schema):
    village: str
    kind: str = "demand"
    item: str = ""
    title: str = ""
    description: str = ""
    demand_type: str = ""
    category: str = ""
    urgency: str = ""
    answers: dict = {}
    materials: list[str] = []
    materials_later: bool = False  # a required material is not ready yet: the village tells once what to bring
    channel: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    consent: str = ""
    latitude: float | None = None  # where the matter is (WGS 84, within China): both or neither
    longitude: float | None = None
    place: str = ""  # where, in words


class CaseEventOut(Schema):
    at: dt.datetime
    who: str
    role: str
    action: str
    words: str
    note: str


class DispatchOut(Schema):
    department: str
    department_id: int
    lead: bool
    state: str
    called_at: dt.datetime
    sign_in_by: dt.datetime
    signed_in_at: dt.datetime | None
    respond_by: dt.datetime
    responded_at: dt.datetime | None
    response: str
    returned_reason: str


class RatingOut(Schema):
    round: int
    grade: int
    comment: str
    at: dt.datetime
    excluded: bool


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    material: str


class CaseSummary(Schema):
    number: str
    village: str
    kind: str
    title: str
    state: str
    stage: str
    urgency: str
    owner: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    version: int


class CaseOut(CaseSummary):
    village_name: str
    item: str
    category: str
    demand_type: str
    description: str
    answers: dict
    channel: str
    applicant: str
    applicant_phone: str
    respond_by: dt.datetime | None
    responded_at: dt.datetime | None
    warned: bool
    provisional: bool
    stage_due_at: dt.datetime | None
    returns: int
    missing: list[str]
    materials_supplied: list[str]
    result: str
    grade: int | None
    refusal_reason: str
    redirect_to: str
    round: int
    actions: list[str]
    events: list[CaseEventOut]
    dispatches: list[DispatchOut]
    ratings: list[RatingOut]
    attachments: list[AttachmentOut]


class ActionIn(Schema):
    note: str = ""
    reason: str = ""
    result: str = ""
    response: str = ""
    missing: list[str] = []
    materials: list[str] = []
    grade: int | None = None
    given: str = ""  # rate_for: how the applicant gave the rating (in_person, call, paper)
    comment: str = ""
    departments: list[str] = []
    lead: str = ""
    decided: bool = False
    to: str = ""
    redirect_to: str = ""
    round: int | None = None
    expected_version: int | None = None


class PageOut(Schema):
    count: int
    limit: int
    offset: int
    results: list[CaseSummary]


def summary(case: Case) -> dict:
    return {
        "number": case.number, "village": case.village_id, "kind": case.kind, "title": case.title,
        "state": case.state, "stage": case.stage, "urgency": case.urgency,
        "owner": case.owner.display_name if case.owner_id else "", "created_at": case.created_at,
        "due_at": case.due_at, "overdue": case.overdue, "version": case.version,
    }


def _rows(case: Case, name: str):
    """The rows a case just taken in was written with (`written`, kept on it by the service: nothing of a kind
    it does not name), or those read now."""
    written = getattr(case, "written", None)
    return written.get(name, []) if written is not None else services.rows_of(case, name)


def detail(actor: Actor, case: Case) -> dict:
    out = summary(case)
    out.update({
        "village_name": case.village.name, "item": case.item_code, "category": case.category,
        "demand_type": case.demand_type, "description": case.description, "answers": case.answers,
        "channel": case.channel, "applicant": case.masked_name(), "applicant_phone": case.masked_phone(),
        "respond_by": case.respond_by, "responded_at": case.responded_at, "warned": case.warned,
        "provisional": case.provisional, "stage_due_at": case.stage_due_at, "returns": case.returns,
        "missing": case.missing, "materials_supplied": case.materials_supplied, "result": case.result,
        "grade": case.grade, "refusal_reason": case.refusal_reason, "redirect_to": case.redirect_to,
        "round": case.round, "actions": services.available_actions(actor, case),
        "events": [{"at": e.at, "who": e.actor_label, "role": e.role_label, "action": e.action,
                    "words": e.plain_words, "note": e.note} for e in _rows(case, "events")],
        "dispatches": [{"department": d.department.chinese_name, "department_id": d.department_id,
                        "lead": d.lead, "state": d.state, "called_at": d.called_at, "sign_in_by": d.sign_in_by,
                        "signed_in_at": d.signed_in_at, "respond_by": d.respond_by,
                        "responded_at": d.responded_at, "response": d.response,
                        "returned_reason": d.returned_reason}
                       for d in _rows(case, "dispatches")],
        "ratings": [{"round": r.round, "grade": r.grade, "comment": r.comment, "at": r.at,
                     "excluded": r.excluded} for r in _rows(case, "ratings")],
        "attachments": [{"id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size,
                         "material": a.material} for a in _rows(case, "attachments")],
    })
    return out


@router.post("/cases", response={200: CaseOut, 201: CaseOut})
def create_case(request, payload: CaseIn):
    """Submit a request. Send an `Idempotency-Key` header: a retry with the same key returns the first case
    (200) instead of making a second one (201)."""
    actor = Actor.from_request(request, "api")
    data = services.CaseInput(**payload.dict(), idempotency_key=request.headers.get("Idempotency-Key", ""))
    case, created = services.submit(actor, data)
    if created and services.may(actor, "view", case, as_written=True):  # answered with what was written
        return Status(201, detail(actor, case))
    return Status(200, detail(actor, services.get_case(actor, case.number)))


@router.get("/cases", response=PageOut)
def list_cases(request, filters: Query[queues.Filters], limit: int = 50, offset: int = 0):
    """Cases within the caller's scope, overdue first, then by due time."""
    actor = Actor.from_request(request, "api")
    limit = max(1, min(limit, 200))
    offset = check_offset(offset)
    queryset = queues.queue(actor, filters)
    page = list(queryset[offset:offset + limit])
    return {"count": queues.count(queryset), "limit": limit, "offset": offset,
            "results": [summary(c) for c in page]}


@router.get("/cases/{number}", response=CaseOut)
def get_case(request, number: str):
    actor = Actor.from_request(request, "api")
    return detail(actor, services.get_case(actor, number))


ACTIONS = {
    "take": lambda a, n, p: services.take(a, n, p.expected_version),
    "note": lambda a, n, p: services.add_note(a, n, p.note, p.expected_version),
    "hand_over": lambda a, n, p: services.hand_over(a, n, p.to, p.note, p.expected_version),
    "return": lambda a, n, p: services.return_for_materials(a, n, p.missing, p.note, p.reason, p.expected_version),
    "supply": lambda a, n, p: services.supply(a, n, p.materials, p.note, None, p.expected_version),
    "refuse": lambda a, n, p: services.refuse(a, n, p.reason, p.redirect_to, p.expected_version),
    "escalate": lambda a, n, p: services.escalate(a, n, p.reason, p.expected_version),
    "resolve": lambda a, n, p: services.resolve(a, n, p.result, p.expected_version),
    "dispatch": lambda a, n, p: services.dispatch(a, n, p.departments, p.lead or None, p.note, p.decided,
                                                  p.expected_version),
    "sign_in": lambda a, n, p: services.sign_in(a, n, p.expected_version),
    "department_return": lambda a, n, p: services.department_return(a, n, p.reason, p.expected_version),
    "respond": lambda a, n, p: services.respond(a, n, p.response, p.expected_version),
    "rate": lambda a, n, p: services.rate(a, n, p.grade, p.comment, p.expected_version),
    "rate_for": lambda a, n, p: services.rate_for(a, n, p.grade, p.given, p.comment, p.expected_version),
    "callback": lambda a, n, p: services.callback(a, n, p.note, p.expected_version),
    "exclude_rating": lambda a, n, p: services.exclude_rating(a, n, p.reason, p.round, p.expected_version),
    "withdraw": lambda a, n, p: services.withdraw(a, n, p.reason, p.expected_version),
}


@router.post("/cases/{number}/actions/{action}", response=CaseOut)
def act(request, number: str, action: str, payload: ActionIn):
    """Every transition: take, note, hand_over, return, supply, refuse, escalate, resolve, dispatch, sign_in,
    department_return, respond, rate, rate_for (staff record the rating of an applicant without an account),
    callback, exclude_rating, withdraw."""
    actor = Actor.from_request(request, "api")
    services.get_case(actor, number)  # out of scope: 404 before anything else (and the denial audited, outside
    handler = ACTIONS.get(action)      # the action's transaction, which a refusal rolls back)
    if handler is None:
        raise ValidationError({"action": [_("There is no such action: %(a)s") % {"a": action}]})
    case = handler(actor, number, payload)
    if isinstance(case, Case) and case.number == number and services.may(actor, "view", case, as_written=True):
        return detail(actor, case)  # answered with the case as the action left it, not read back
    return detail(actor, services.get_case(actor, number))


@router.post("/cases/{number}/attachments", response=CaseOut)
def add_attachments(request, number: str, files: File[list[UploadedFile]], material: str = ""):
    actor = Actor.from_request(request, "api")
    uploads = [services.Upload(f.name or "file", f.read(), material) for f in files]
    services.attach(actor, number, uploads)
    return detail(actor, services.get_case(actor, number))


@router.get("/cases/{number}/attachments/{attachment_id}")
def read_attachment(request, number: str, attachment_id: int):
    actor = Actor.from_request(request, "api")
    attachment = services.read_attachment(actor, number, attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class RateOut(Schema):
    count: int
    of: int
    rate: float | None


class RatesOut(Schema):
    key: str
    name: str
    received: int
    response: RateOut
    resolution: RateOut
    satisfaction: RateOut
    on_time: RateOut


@router.get("/stats/rates", response=RatesOut)
def stats_rates(request, region: str = "", department: int | None = None,
                start: Annotated[dt.date | None, Query(alias="from")] = None,
                end: Annotated[dt.date | None, Query(alias="to")] = None):
    """Response, resolution, satisfaction and on-time rates for a region (village up to province) or a
    department, over cases received from `from` to `to` (inclusive)."""
    actor = Actor.from_request(request, "api")
    start, end = queues.period(start, end)
    with replica_reads():
        if department is not None:
            return queues.department_in_scope(actor, department, start, end).as_dict()
        return rates.region_rates(queues.region_in_scope(actor, region), start, end).as_dict()


@router.get("/stats/ranking")
def stats_ranking(request, region: str, month: str = "", format: str = "json"):  # noqa: A002
    """The monthly ranking of townships and departments within a region (`format=xlsx` for a spreadsheet)."""
    actor = Actor.from_request(request, "api")
    with replica_reads():
        place = queues.region_in_scope(actor, region)
        report = queues.ranking(place, month)
    if format == "xlsx":
        response = HttpResponse(report.xlsx(), content_type="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="rates-{place.code}-{report.month}.xlsx"'
        return response
    return report.as_dict()

