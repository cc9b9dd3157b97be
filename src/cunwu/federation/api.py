"""The federation through the API: a province's instance posts its signed daily report (authenticated by the
province's signature, not by an account), and anyone reads the nation's figures (counts only)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from cunwu.audit.context import client_ip

from . import reports, services

router = Router(tags=["federation"])


class TakenOut(Schema):
    province: str
    day: dt.date
    generated_at: dt.datetime
    outcome: str
    received: int


class NationalRateOut(Schema):
    count: int
    of: int
    rate: float | None


class NationalFiguresOut(Schema):
    key: str
    name: str
    received: int
    pending: int
    response: NationalRateOut
    resolution: NationalRateOut
    satisfaction: NationalRateOut
    on_time: NationalRateOut


class ProvinceOut(NationalFiguresOut):
    days_reported: int
    last_day: dt.date | None


class NationalOut(Schema):
    start: dt.date
    end: dt.date
    days: int
    provinces: list[ProvinceOut]
    total: NationalFiguresOut


class RefusedOut(Schema):
    detail: str


@router.post("/reports", response={200: TakenOut, 201: TakenOut, 400: RefusedOut, 403: RefusedOut,
                                   409: RefusedOut, 429: RefusedOut, 503: RefusedOut}, auth=None,
             summary="A province's signed report of one day (its instance sends it; see docs/deployment.md)")
def take_report(request):
    try:
        taken = services.receive(request.body, client_ip(request))
    except reports.Refused as refused:
        return Status(refused.status, {"detail": refused.message})
    report = taken.report
    return Status(201 if taken.outcome == "created" else 200, {
        "province": report.province.code, "day": report.day, "generated_at": report.generated_at,
        "outcome": taken.outcome, "received": report.totals.get("n_received", 0)})


@router.get("/national", response=NationalOut, auth=None,
            summary="Each province's rates and the nation's over a period, from the provinces' reports (public)")
def national(request, start: dt.date | None = None, end: dt.date | None = None):
    figures = services.national(start, end)
    return {"start": figures.start, "end": figures.end, "days": (figures.end - figures.start).days + 1,
            "provinces": [{**f.rates.as_dict(), "days_reported": f.days, "last_day": f.last_day}
                          for f in figures.provinces],
            "total": figures.total.as_dict()}
