"""Certificate types, requests, issuing, revocation, public verification and published keys, and the figures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from cunwu.audit.context import Actor, client_ip
from cunwu.dbrouter import replica_reads
from cunwu.downloads import XLSX

from . import figures as tables
from . import keys, services
from .models import Certificate, CertificateRequest, CertificateType
from .views import public_url, verify_url

router = Router(tags=["certificates"])


class TypeOut(Schema):
    code: str
    name: str
    status: str
    legal_basis: str
    purpose: str
    procedure: str
    checks: list[str]
    fields: list[list[str]]
    limit_days: int
    validity_days: int
    major: bool
    verify_instead: str


class TypeVersionOut(TypeOut):
    province: str
    version: int
    changed_at: dt.datetime
    change_reason: str
    retired_at: dt.datetime | None


class ProvinceTypesOut(Schema):
    province: str
    own: list[TypeVersionOut]
    national: list[TypeOut]
    history: list[TypeVersionOut]


class TypeIn(Schema):
    name: str
    status: str
    legal_basis: str = ""
    purpose: str = ""
    procedure: str = ""
    verify_instead: str = ""
    checks: list[str] = []
    fields: list[list[str]] = []  # [[name, label], ...] printed besides the holder's name
    limit_days: int = 0
    validity_days: int = 180
    major: bool = False


class NewTypeIn(TypeIn):
    code: str


class TypeChangeIn(TypeIn):
    reason: str


class TownshipIn(Schema):
    note: str = ""
    consent: str = ""  # staff asking on the villager's behalf


class TownshipOut(Schema):
    case: str


class CertificateRequestIn(Schema):
    village: str
    type: str
    purpose: str = ""
    values: dict[str, str] = {}
    applicant_name: str = ""


class CertificateRequestOut(Schema):
    id: int
    village: str
    type: str
    type_name: str
    applicant_name: str
    purpose: str
    values: dict
    state: str
    reason: str
    checks_done: list[str]
    created_at: dt.datetime
    decided_at: dt.datetime | None
    certificate: str | None
    township_case: str = ""  # the case in which the township helps obtain a proof the village must not certify


class CertificateNoteIn(Schema):
    note: str


class CertificateReasonIn(Schema):
    reason: str


class IssueIn(Schema):
    checks: list[str]
    values: dict[str, str] = {}


class CertificateOut(Schema):
    serial: str
    type: str
    village: str
    holder_name: str
    content: dict
    issued_at: dt.datetime
    valid_until: dt.date
    key: str
    payload: str
    verify_url: str
    revoked_at: dt.datetime | None
    revoked_reason: str
    verifications: int


class VerifyIn(Schema):
    code: str  # the payload, the link from the QR code, or the serial printed under it


class VerificationOut(Schema):
    status: str
    valid: bool
    serial: str | None = None
    type: str | None = None
    village: str | None = None
    holder: str | None = None
    issued_on: str | None = None
    valid_until: str | None = None
    key: str | None = None
    revoked_on: str | None = None


class KeyOut(Schema):
    kid: str
    county: str
    alg: str
    public_key: str
    created_at: str
    retired_at: str | None


class KeysOut(Schema):
    keys: list[KeyOut]


class RowOut(Schema):
    code: str
    name: str
    requests: int
    issued: int
    refused_not_issuable: int
    refused_by_staff: int
    committed: int
    open: int
    revoked: int
    avoided: int
    avoided_share: float


class RefusalOut(Schema):
    type: str
    name: str
    verify_instead: str
    count: int


class FiguresOut(Schema):
    region: str
    start: dt.date
    end: dt.date
    total: RowOut
    rows: list[RowOut]
    refusals: list[RefusalOut]


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


def _type(t: CertificateType) -> dict:
    return {"code": t.code, "name": t.name, "status": t.status, "legal_basis": t.legal_basis, "purpose": t.purpose,
            "procedure": t.procedure, "checks": t.checks, "fields": t.fields, "limit_days": t.limit_days,
            "validity_days": t.validity_days, "major": t.major, "verify_instead": t.verify_instead}


def _version(t: CertificateType) -> dict:
    return {**_type(t), "province": t.region_code, "version": t.version, "changed_at": t.changed_at,
            "change_reason": t.change_reason, "retired_at": t.retired_at}


def _type_input(data: TypeIn) -> services.TypeInput:
    return services.TypeInput(**data.dict(include=set(TypeIn.model_fields)))


def _request(r: CertificateRequest) -> dict:
    certificate = getattr(r, "certificate", None) if r.state == "issued" else None
    return {"id": r.pk, "village": r.village_id, "type": r.type.code, "type_name": r.type.name,
            "applicant_name": r.applicant_name, "purpose": r.purpose, "values": r.values, "state": r.state,
            "reason": r.reason, "checks_done": r.checks_done, "created_at": r.created_at, "decided_at": r.decided_at,
            "certificate": certificate.serial if certificate else None, "township_case": r.township_case}


def _certificate(request, c: Certificate) -> dict:
    return {"serial": c.serial, "type": c.type.code, "village": c.village_id, "holder_name": c.holder_name,
            "content": c.content, "issued_at": c.issued_at, "valid_until": c.valid_until, "key": c.key.kid,
            "payload": c.token, "verify_url": verify_url(request, c.token), "revoked_at": c.revoked_at,
            "revoked_reason": c.revoked_reason, "verifications": c.verifications}


def _row(row: tables.Row) -> dict:
    return {**row.__dict__, "avoided": row.avoided, "avoided_share": row.avoided_share}


@router.get("/types", response=list[TypeOut], auth=None, summary="The certificate types a village lists (public)")
def types(request, village: str):
    _village, groups = services.public_list(village)
    return [_type(t) for group in groups.values() for t in group]


@router.get("/types/province/{province}", response=ProvinceTypesOut, auth=None,
            summary="A province's own certificate types with their history, and the national ones in force (public)")
def province_types(request, province: str):
    book = services.province_types(province)
    return {"province": book.province.code, "own": [_version(t) for t in book.own],
            "national": [_type(t) for t in book.national], "history": [_version(t) for t in book.history]}


@router.post("/types/province/{province}", response={201: TypeVersionOut},
             summary="Add a type to the province's list (its administrator)")
def add_type(request, province: str, data: NewTypeIn):
    return Status(201, _version(services.add_type(_actor(request), province, data.code, _type_input(data))))


@router.put("/types/province/{province}/{code}", response=TypeVersionOut,
            summary="Change one of the province's types: a new version; issued certificates keep theirs")
def change_type(request, province: str, code: str, data: TypeChangeIn):
    return _version(services.change_type(_actor(request), province, code, _type_input(data), data.reason))


@router.post("/types/province/{province}/{code}/retire", response=TypeVersionOut,
             summary="Withdraw one of the province's types; waiting requests are refused with the reason")
def retire_type(request, province: str, code: str, data: CertificateReasonIn):
    return _version(services.retire_type(_actor(request), province, code, data.reason))


@router.post("/requests/{request_id}/township", response=TownshipOut,
             summary="Ask the township to help obtain a proof the village must not certify (a case at the township)")
def ask_township(request, request_id: int, data: TownshipIn):
    return {"case": services.ask_township(_actor(request), request_id, data.note, data.consent)}


@router.post("/requests", response={201: CertificateRequestOut}, summary="Ask a village for a certificate")
def submit(request, data: CertificateRequestIn):
    """A type the village must not issue is answered at once (state `refused`, with who verifies instead); a
    commitment type with `committed`; otherwise the request waits for the staff (`pending`, or `review` first on
    a major matter)."""
    return Status(201, _request(services.submit(_actor(request), services.RequestInput(**data.dict()))))


@router.get("/requests", response=list[CertificateRequestOut], summary="Certificate requests the caller may see")
def list_requests(request, state: str = "all", limit: int = 100):
    queryset = services.visible_requests(_actor(request), state).select_related("certificate")
    return [_request(r) for r in queryset[: max(1, min(limit, 500))]]


@router.get("/requests/{request_id}", response=CertificateRequestOut, summary="One certificate request")
def get_request(request, request_id: int):
    return _request(services.get_request(_actor(request), request_id))


@router.post("/requests/{request_id}/review", response=CertificateRequestOut,
             summary="Record the deliberation or the township's answer on a major matter")
def review(request, request_id: int, data: CertificateNoteIn):
    return _request(services.record_review(_actor(request), request_id, data.note))


@router.post("/requests/{request_id}/refuse", response=CertificateRequestOut, summary="Refuse after the checks, with a reason")
def refuse(request, request_id: int, data: CertificateReasonIn):
    return _request(services.refuse(_actor(request), request_id, data.reason))


@router.post("/requests/{request_id}/issue", response={201: CertificateOut},
             summary="Issue the certificate once every check of its type is recorded")
def issue(request, request_id: int, data: IssueIn):
    return Status(201, _certificate(request, services.issue(_actor(request), request_id, data.checks, data.values)))


@router.get("/issued/{serial}", response=CertificateOut, summary="One issued certificate")
def get_certificate(request, serial: str):
    return _certificate(request, services.get_certificate(_actor(request), serial))


@router.get("/issued/{serial}/pdf", summary="The certificate as PDF (each copy is audited)",
            response={200: None})
def certificate_pdf(request, serial: str):
    found, data = services.certificate_pdf(_actor(request), serial, lambda path: public_url(request, path))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{found.serial}.pdf"'
    return response


@router.post("/issued/{serial}/revoke", response=CertificateOut, summary="Revoke a certificate, with a reason")
def revoke(request, serial: str, data: CertificateReasonIn):
    return _certificate(request, services.revoke(_actor(request), serial, data.reason))


@router.post("/verify", response=VerificationOut, auth=None,
             summary="Verify a certificate (public; rate-limited per client address)")
def verify(request, data: VerifyIn):
    """Status: valid, expired, revoked, unknown, malformed, unknown_key or bad_signature. Only the minimal
    content comes back. Over the limit: 429."""
    if not services.verification_allowed(client_ip(request)):
        raise HttpError(429, _("Too many verifications from here: try again in a minute."))
    return services.verify_code(data.code[:4000]).as_dict()


@router.get("/keys", response=KeysOut, auth=None, summary="Every county's published public keys (public)")
def published_keys(request, county: str = ""):
    return {"keys": keys.published(county.strip())}


@router.get("/figures", response=FiguresOut,
            summary="Issued, refused (by reason) and commitments per place below a region")
def figures(request, region: str = "", start: Annotated[dt.date | None, Query(alias="from")] = None,
            end: Annotated[dt.date | None, Query(alias="to")] = None, format: str = "json"):  # noqa: A002
    actor = _actor(request)
    with replica_reads():
        result = services.figures(actor, region, start, end)
    if format == "xlsx":
        response = HttpResponse(tables.to_xlsx(result), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="certificates-{result.region.code}.xlsx"'
        return response
    return {"region": result.region.code, "start": result.start, "end": result.end, "total": _row(result.total),
            "rows": [_row(r) for r in result.rows], "refusals": result.refusals}
