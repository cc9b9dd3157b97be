"""Directories and their items under /api/v1/: published versions are public, drafts for their editors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Body, Router, Schema

from cunwu.accounts import permissions
from cunwu.apiauth import PUBLIC
from cunwu.audit.context import Actor
from cunwu.regions.models import Region

from . import services
from .choices import VersionState
from .models import Directory, DirectoryEntry, DirectoryVersion

router = Router(tags=["directory"])


class VersionOut(Schema):
    number: int
    state: str
    published_at: dt.datetime | None
    note: str
    items: int


class DirectoryOut(Schema):
    region: str
    region_name: str
    tier: str
    current_version: int | None
    versions: list[VersionOut]


class MaterialOut(Schema):
    name: str
    required: bool
    form: str
    copies: int
    blank_form: str = ""
    sample: str = ""
    source: str = ""


class QuestionOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    choices: list[str]


class ItemOut(Schema):
    id: int
    code: str
    name: str
    item_type: str
    matter_kind: str
    domain: str
    department: str
    department_name: str
    implementing_body: str
    legal_basis: str
    exercise_level: int
    acceptance_conditions: str
    eligible_applicants: str
    statutory_limit_days: int | None
    promised_limit_days: int
    visits_required: int
    place: str
    hours: str
    consultation: str
    complaint: str
    fee: str
    fee_basis: str
    handling_modes: list[str]
    online_depth: int
    materials: list[MaterialOut]
    questions: list[QuestionOut]
    effective_from: dt.date
    cancelled_on: dt.date | None
    item_version: int
    notes: str
    parent_code: str  # the item it belongs to (main item › sub-item › handling item); "" for none
    opens: str  # "" a request to the village; legal_aid or mediation: the legal file the item opens
    version: int


class ChooseIn(Schema):
    codes: list[str]


class PublishIn(Schema):
    note: str = ""


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


def _item(entry: DirectoryEntry, version_number: int) -> dict:
    return {**{f.name: getattr(entry, f.name) for f in DirectoryEntry._meta.concrete_fields if f.name != "version"},
            "department_name": entry.department_name, "version": version_number}


def _directory(request, region_code: str) -> Directory:
    return permissions.get_or_404(Directory.objects.select_related("region"), _actor(request), region_id=region_code)


def _version(request, directory: Directory, version: str) -> DirectoryVersion:
    """`current` (default), `draft`, or a version number; each visible only to whom it may be shown."""
    queryset = DirectoryVersion.objects.filter(directory=directory)
    if version in ("", "current"):
        if directory.current_id is None:
            raise permissions.NotFound
        lookup: dict[str, Any] = {"pk": directory.current_id}
    elif version == "draft":
        lookup = {"state": VersionState.DRAFT}
    elif version.isdigit():
        lookup = {"number": int(version)}
    else:
        raise permissions.NotFound
    return permissions.get_or_404(queryset, _actor(request), **lookup)


@router.get("/directories/{region}", response=DirectoryOut, auth=PUBLIC, summary="A directory and its versions")
def get_directory(request, region: str):
    directory = _directory(request, region)
    versions = permissions.restrict(DirectoryVersion.objects.filter(directory=directory), _actor(request))
    return {
        "region": directory.region_id, "region_name": directory.region.name, "tier": directory.get_tier_display(),
        "current_version": directory.current.number if directory.current_id else None,
        "versions": [{"number": v.number, "state": v.state, "published_at": v.published_at, "note": v.note,
                      "items": v.entries.count()} for v in versions.order_by("-number")],
    }


@router.get("/directories/{region}/items", response=list[ItemOut], auth=PUBLIC,
            summary="The items of a directory version (current, draft, or a number)")
def list_items(request, region: str, version: str = "current"):
    chosen = _version(request, _directory(request, region), version)
    return [_item(e, chosen.number) for e in chosen.entries.all()]


@router.get("/directories/{region}/items/{code}", response=ItemOut, auth=PUBLIC, summary="One item of a version")
def get_item(request, region: str, code: str, version: str = "current"):
    chosen = _version(request, _directory(request, region), version)
    entry = chosen.entries.filter(code=code).first()
    if entry is None:
        raise permissions.NotFound
    return _item(entry, chosen.number)


@router.get("/villages/{code}/services", response=list[ItemOut], auth=PUBLIC,
            summary="The services a village offers today (its county's basic directory)")
def village_services(request, code: str):
    village = Region.objects.filter(code=code, level=5).first()
    if village is None:
        raise permissions.NotFound
    entries = services.directory_for(code)
    numbers = dict(DirectoryVersion.objects.filter(pk__in={e.version_id for e in entries}).values_list("pk", "number"))
    return [_item(e, numbers[e.version_id]) for e in entries]


@router.post("/directories/{region}/draft", response={201: VersionOut}, summary="Open the draft (a copy of the current version)")
def open_draft(request, region: str):
    draft = services.open_draft(_actor(request), region)
    return 201, {"number": draft.number, "state": draft.state, "published_at": None, "note": draft.note,
                 "items": draft.entries.count()}


@router.put("/directories/{region}/items/{code}", response=ItemOut,
            summary="Add or change an item in the draft (a province: the whole item; a city or county: local details)")
def put_item(request, region: str, code: str, data: Body[dict[str, Any]], version: int | None = None):
    entry = services.save_item(_actor(request), region, {**data, "code": code}, version_number=version)
    return _item(entry, entry.version.number)


@router.post("/directories/{region}/choose", response=list[ItemOut],
             summary="A city or county takes items from its parent's published directory into its draft")
def choose(request, region: str, data: ChooseIn):
    chosen = services.choose_items(_actor(request), region, data.codes)
    return [_item(e, e.version.number) for e in chosen]


@router.delete("/directories/{region}/items/{code}", response={204: None}, summary="Remove an item from the draft")
def remove_item(request, region: str, code: str, version: int | None = None):
    services.remove_items(_actor(request), region, [code], version_number=version)
    return 204, None


@router.post("/directories/{region}/publish", response=VersionOut, summary="Publish the draft as a dated version")
def publish(request, region: str, data: PublishIn):
    version = services.publish(_actor(request), region, data.note)
    return {"number": version.number, "state": version.state, "published_at": version.published_at,
            "note": version.note, "items": version.entries.count()}


