"""Village notices and emergency warnings, under /api/v1/."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from cunwu.audit.context import Actor
from cunwu.dates import PlausibleDate

from . import services, warnings
from .models import Notice, Warning

router = Router(tags=["notices and warnings"])


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


class NoticeIn(Schema):
    village: str
    category: str
    title: str
    body: str
    shown_from: PlausibleDate | None = None
    shown_until: PlausibleDate | None = None


class CorrectionIn(Schema):
    title: str
    body: str
    correction: str
    shown_until: PlausibleDate | None = None


class NoticeOut(Schema):
    id: int
    village: str
    category: str
    title: str
    body: str
    version: int
    series: int
    correction: str
    shown_from: dt.date
    shown_until: dt.date
    published_at: dt.datetime
    superseded_at: dt.datetime | None


def _notice(n: Notice) -> dict:
    return {"id": n.pk, "village": n.village_id, "category": n.category, "title": n.title, "body": n.body,
            "version": n.version, "series": n.series, "correction": n.correction, "shown_from": n.shown_from,
            "shown_until": n.shown_until, "published_at": n.published_at, "superseded_at": n.superseded_at}


@router.get("/notices/village/{code}", response=list[NoticeOut], auth=None,
            summary="What a village's notice board shows today (public)")
def notice_board(request, code: str):
    services._village(code)
    return [_notice(n) for shown in services.board(code).values() for n in shown]


@router.get("/notices/village/{code}/archive", response=list[NoticeOut], auth=None,
            summary="Everything a village published, superseded versions included (public)")
def notice_archive(request, code: str, category: str = "", offset: int = 0, limit: int = 100):
    services._village(code)
    offset, limit = max(0, offset), max(1, min(limit, 500))
    return [_notice(n) for n in services.archive(code, category)[offset:offset + limit]]


class NoticeLackingOut(Schema):
    village: str
    name: str
    missing: list[str]


@router.get("/notices/due", response=list[NoticeLackingOut], summary="Villages that have not published what is due")
def notices_due(request, region: str):
    _region, lacking, _total = services.overdue(_actor(request), region)
    return [{"village": v.code, "name": v.name, "missing": [c for c, _l, _at in v.missing]} for v in lacking]


@router.get("/notices/{notice_id}", response=list[NoticeOut], auth=None,
            summary="A notice and every version of it, newest first (public)")
def notice_versions(request, notice_id: int):
    return [_notice(n) for n in services.get_notice(notice_id)[1]]


@router.post("/notices", response={201: NoticeOut}, summary="Publish a notice (the village's staff)")
def notice_publish(request, data: NoticeIn):
    return Status(201, _notice(services.publish(_actor(request), services.NoticeInput(**data.dict()))))


@router.post("/notices/{notice_id}/correction", response={201: NoticeOut},
             summary="Correct a notice: a new version; the old one stays, superseded")
def notice_correct(request, notice_id: int, data: CorrectionIn):
    return Status(201, _notice(services.correct(_actor(request), notice_id, **data.dict())))


# --- warnings -----------------------------------------------------------------------------------------------


class WarningIn(Schema):
    kind: str
    level: str
    title: str
    text: str
    area: list[str]
    valid_until: dt.datetime


class WarningOut(Schema):
    id: int
    number: str | None
    kind: str
    level: str
    title: str
    text: str
    area: list[str]
    issuer_region: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    cancelled_at: dt.datetime | None
    villages: int


class StatusOut(Schema):
    warning: WarningOut
    total: int
    acknowledged: int
    texted: int
    waiting: list[str]


def _warning(w: Warning) -> dict:
    return {"id": w.pk, "number": w.number, "kind": w.kind, "level": w.level, "title": w.title, "text": w.text,
            "area": w.area, "issuer_region": w.issuer_region_id, "issued_at": w.issued_at,
            "valid_until": w.valid_until, "cancelled_at": w.cancelled_at, "villages": w.villages}


def _status(request, warning_id: int) -> dict:
    found = warnings.status(_actor(request), warning_id)
    return {"warning": _warning(found["warning"]), "total": found["total"], "acknowledged": found["acknowledged"],
            "texted": found["texted"], "waiting": [t.village_id for t in found["waiting"]]}


@router.post("/warnings", response={201: WarningOut}, summary="Issue a warning to villages, townships or the "
                                                              "county (the texting runs in the worker)")
def warning_issue(request, data: WarningIn):
    return Status(201, _warning(warnings.issue(_actor(request), warnings.WarningInput(**data.dict()))))


@router.get("/warnings", response=list[WarningOut], summary="Warnings of the caller's area")
def warning_list(request, limit: int = 100):
    return [_warning(w) for w in warnings.issued(_actor(request))[:max(1, min(limit, 500))]]


@router.get("/warnings/village/{code}", response=list[WarningOut], auth=None,
            summary="Warnings in force for a village (public; what portals and terminals show)")
def warnings_for_village(request, code: str):
    return [_warning(w) for w in warnings.current_for(code)]


@router.get("/warnings/{warning_id}/status", response=StatusOut,
            summary="Acknowledgements: how many villages, which have not")
def warning_status(request, warning_id: int):
    return _status(request, warning_id)


class AckOut(Schema):
    village: str
    acknowledged_at: dt.datetime


@router.post("/warnings/{warning_id}/acknowledge", response=AckOut,
             summary="The village's staff acknowledge it for their village (once)")
def warning_acknowledge(request, warning_id: int, village: str = ""):
    target = warnings.acknowledge(_actor(request), warning_id, village)
    return {"village": target.village_id, "acknowledged_at": target.acknowledged_at}


@router.post("/warnings/{warning_id}/resend", response=StatusOut, summary="Text the villages that have not "
                                                                          "acknowledged again")
def warning_resend(request, warning_id: int):
    warnings.resend(_actor(request), warning_id)
    return _status(request, warning_id)


@router.post("/warnings/{warning_id}/cancel", response=StatusOut, summary="Cancel the warning")
def warning_cancel(request, warning_id: int):
    warnings.cancel(_actor(request), warning_id)
    return _status(request, warning_id)
