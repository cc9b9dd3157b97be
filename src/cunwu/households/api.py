"""The village's own data under /api/v1/: households and people (masked), visits due and recorded (an offline
phone resends with its Idempotency-Key and the visit is taken once), coverage figures and the look-up other
systems' forms use to take a person's details from the record."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from cunwu.audit.context import Actor
from cunwu.dates import PlausibleDate

from . import services, sharing
from .models import Label, Resident

router = Router(tags=["village data"])


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


class HouseholdRow(Schema):
    id: int
    village: str
    grid: str
    group_name: str
    address: str
    people: int
    verified_at: dt.datetime | None


class ResidentOut(Schema):
    id: int
    household: int
    name: str
    relation: str
    sex: str
    birth_date: dt.date
    national_id: str  # masked
    phone: str  # masked
    residence: str
    status: str


class KeyGroupLabelOut(Schema):
    id: int
    household: int
    resident: int | None
    group: str
    started_on: dt.date
    ended_on: dt.date | None
    last_visit_on: dt.date | None
    due_on: dt.date | None
    state: str


class HouseholdOut(HouseholdRow):
    members: list[ResidentOut]
    labels: list[KeyGroupLabelOut]


def _person(r: Resident) -> dict:
    return {"id": r.pk, "household": r.household_id, "name": r.name, "relation": r.relation, "sex": r.sex,
            "birth_date": r.birth_date, "national_id": r.masked_national_id(), "phone": r.masked_phone(),
            "residence": r.residence, "status": r.status}


def _label(label: Label) -> dict:
    return {"id": label.pk, "household": label.household_id, "resident": label.resident_id, "group": label.group,
            "started_on": label.started_on, "ended_on": label.ended_on, "last_visit_on": label.last_visit_on,
            "due_on": label.due_on, "state": services.state_of(label)}


@router.get("/households", response=list[HouseholdRow], summary="A village's households (its staff and grid workers)")
def household_list(request, village: str, q: str = "", offset: int = 0, limit: int = 100):
    offset, limit = max(0, offset), max(1, min(limit, 500))
    services.keeper_of(_actor(request), village)
    rows = services.households_of(_actor(request), village, q[:50])
    return [{"id": h.pk, "village": h.village_id, "grid": h.grid.name if h.grid_id else "", "group_name": h.group_name,
             "address": h.address, "people": h.people, "verified_at": h.verified_at}
            for h in rows[offset:offset + limit]]


@router.get("/households/coverage", response=dict, summary="Key-group coverage figures of a place (no names)")
def coverage(request, region: str):
    rows, groups = services.coverage(_actor(request), region)
    return {"region": region, "groups": groups, "rows": [vars(r) for r in rows]}


@router.get("/households/{household_id}", response=HouseholdOut, summary="One household, its people and labels")
def household_detail(request, household_id: int):
    household, members = services.read_household(_actor(request), household_id)
    return {"id": household.pk, "village": household.village_id,
            "grid": household.grid.name if household.grid_id else "", "group_name": household.group_name,
            "address": household.address, "people": sum(m.status == "member" for m in members),
            "verified_at": household.verified_at, "members": [_person(m) for m in members],
            "labels": [_label(lb) for lb in household.labels.all()]}


@router.get("/residents", response=list[ResidentOut],
            summary="Find a person in a village's records by mobile, ID number or name (collect once)")
def find_residents(request, village: str, q: str):
    return [_person(r) for r in services.find(_actor(request), village, q)]


class VisitDueOut(KeyGroupLabelOut):
    name: str
    address: str


@router.get("/visits/due", response=list[VisitDueOut], summary="The key-group visits the caller makes, soonest first")
def visits_due(request, all: bool = False, offset: int = 0, limit: int = 100):
    from django.utils import timezone

    offset, limit = max(0, offset), max(1, min(limit, 500))
    rows = services.due_labels(_actor(request))
    if not all:
        rows = rows.filter(warn_on__lte=timezone.localdate())
    return [{**_label(lb), "name": lb.resident.name if lb.resident_id else str(lb.household),
             "address": lb.household.address} for lb in rows[offset:offset + limit]]


class KeyGroupVisitIn(Schema):
    household: int
    resident: int | None = None
    visited_at: dt.datetime | None = None
    mode: str
    condition: str
    needs: str = ""


class KeyGroupVisitOut(Schema):
    id: int
    household: int
    resident: int | None
    visited_at: dt.datetime
    mode: str
    condition: str
    needs: str


@router.post("/visits", response={200: KeyGroupVisitOut, 201: KeyGroupVisitOut},
             summary="Record a visit; send an Idempotency-Key so that a resend is taken once")
def record_visit(request, payload: KeyGroupVisitIn):
    visit, created = services.record_visit(_actor(request), services.VisitInput(
        **payload.dict(), client_key=request.headers.get("Idempotency-Key", "")))
    return Status(201 if created else 200, {
        "id": visit.pk, "household": visit.household_id, "resident": visit.resident_id,
        "visited_at": visit.visited_at, "mode": visit.mode, "condition": visit.condition, "needs": visit.needs})


class SharingIn(Schema):
    group: str
    fields: list[str]
    purpose: str
    legal_basis: str


class SharingDecisionIn(Schema):
    approve: bool
    fields: list[str] = []
    valid_until: PlausibleDate | None = None
    note: str = ""


class SharingOut(Schema):
    id: int
    county: str
    department: str
    group: str
    fields: list[str]
    purpose: str
    legal_basis: str
    state: str
    approved_fields: list[str]
    valid_until: dt.date | None
    exports: int
    created_at: dt.datetime


def _sharing(r) -> dict:
    return {"id": r.pk, "county": r.county_id, "department": str(r.department), "group": r.group,
            "fields": r.fields, "purpose": r.purpose, "legal_basis": r.legal_basis, "state": r.state,
            "approved_fields": r.approved_fields, "valid_until": r.valid_until, "exports": r.exports,
            "created_at": r.created_at}


@router.get("/sharing-requests", response=list[SharingOut], summary="Key-group data requests the caller may read")
def sharing_list(request, offset: int = 0, limit: int = 100):
    offset, limit = max(0, offset), max(1, min(limit, 500))
    return [_sharing(r) for r in sharing.requests_of(_actor(request))[offset:offset + limit]]


@router.post("/sharing-requests", response={201: SharingOut},
             summary="A county department asks for a key group's named data (purpose and legal basis)")
def sharing_ask(request, payload: SharingIn):
    return Status(201, _sharing(sharing.ask(_actor(request), sharing.SharingInput(**payload.dict()))))


@router.get("/sharing-requests/{request_id}", response=SharingOut, summary="One data request")
def sharing_detail(request, request_id: int):
    return _sharing(sharing.get(_actor(request), request_id))


@router.post("/sharing-requests/{request_id}/decision", response=SharingOut,
             summary="The county administrator approves some fields until a day, or refuses")
def sharing_decide(request, request_id: int, payload: SharingDecisionIn):
    return _sharing(sharing.decide(_actor(request), request_id, payload.approve, payload.fields,
                                   payload.valid_until, payload.note))


class SharingExportOut(Schema):
    request: int
    notice: str
    fields: list[str]
    people: list[dict]


@router.get("/sharing-requests/{request_id}/export", response=SharingExportOut,
            summary="The approved fields of the group's people (the requesting department; recorded)")
def sharing_export(request, request_id: int):
    found, rows, mark = sharing.export(_actor(request), request_id)
    return {"request": found.pk, "notice": mark, "fields": found.approved_fields, "people": rows}
