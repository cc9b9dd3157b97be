from datetime import datetime

from ninja import Router, Schema, Status

from cunwu.audit.context import Actor
from cunwu.paging import check_offset

from . import permissions, services
from .models import Assignment, User

router = Router(tags=["people"])


class AssignmentOut(Schema):
    id: int
    role: str
    region: str
    region_name: str
    department: str | None
    active: bool
    granted_at: datetime


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    phone: str  # masked
    national_id: str  # masked
    is_active: bool
    assignments: list[AssignmentOut]


class MeOut(PersonOut):
    totp_enabled: bool


class PersonIn(Schema):
    username: str = ""
    full_name: str = ""
    phone: str = ""
    national_id: str = ""
    password: str = ""
    role: str
    region: str
    department: str | None = None


class GrantIn(Schema):
    role: str
    region: str
    department: str | None = None


class RevealOut(Schema):
    national_id: str


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


def _assignment_out(a: Assignment) -> dict:
    return {
        "id": a.pk, "role": a.role, "region": a.region_id, "region_name": a.region.name,
        "department": a.department.kind if a.department_id else None, "active": a.active, "granted_at": a.granted_at,
    }


def _visible_assignments(people: list[User], actor: Actor) -> dict[int, list[Assignment]]:
    """The assignments the caller may see of each person, read in one query."""
    found: dict[int, list[Assignment]] = {p.pk: [] for p in people}
    for a in permissions.restrict(Assignment.objects.filter(user__in=people), actor).select_related(
            "region", "department").order_by("id"):
        found[a.user_id].append(a)
    return found


def _person_out(person: User, actor: Actor, visible: list[Assignment] | None = None) -> dict:
    if visible is None:
        visible = _visible_assignments([person], actor)[person.pk]
    return {
        "id": person.pk, "username": person.username, "full_name": person.full_name,
        "phone": person.masked_phone(), "national_id": person.masked_national_id(), "is_active": person.is_active,
        "assignments": [_assignment_out(a) for a in visible],
    }


@router.get("/me", response=MeOut, summary="The caller and their role assignments")
def me(request):
    actor = _actor(request)
    out = _person_out(request.user, actor)
    out["totp_enabled"] = request.user.totp_confirmed
    return out


@router.get("/users", response=list[PersonOut], summary="People in the caller's jurisdiction")
def list_people(request, q: str = "", offset: int = 0, limit: int = 50):
    actor = _actor(request)
    queryset = permissions.restrict(User.objects.all(), actor).order_by("id")
    if q:
        queryset = queryset.filter(full_name__contains=q[:50])
    offset = check_offset(offset)
    people = list(queryset[offset: offset + max(1, min(limit, 200))])
    visible = _visible_assignments(people, actor)
    return [_person_out(p, actor, visible[p.pk]) for p in people]


@router.get("/users/{person_id}", response=PersonOut, summary="One person (404 outside the caller's scope)")
def get_person(request, person_id: int):
    actor = _actor(request)
    return _person_out(permissions.get_or_404(User.objects.all(), actor, pk=person_id), actor)


@router.post("/users", response={201: PersonOut}, summary="Provision a person with a first role")
def create_person(request, body: PersonIn):
    actor = _actor(request)
    person = services.safe_create(
        services.create_user, actor,
        services.PersonInput(body.username, body.full_name, body.phone, body.national_id, body.password),
        body.role, body.region, body.department,
    )
    return Status(201, _person_out(person, actor))


@router.post("/users/{person_id}/assignments", response={201: AssignmentOut}, summary="Grant a role")
def grant(request, person_id: int, body: GrantIn):
    actor = _actor(request)
    person = permissions.get_or_404(User.objects.all(), actor, pk=person_id)
    assignment = services.grant_role(actor, person, body.role, body.region, body.department)
    return Status(201, _assignment_out(assignment))


@router.post("/assignments/{assignment_id}/revoke", response=AssignmentOut, summary="Revoke a role")
def revoke(request, assignment_id: int):
    return _assignment_out(services.revoke_assignment(_actor(request), assignment_id))


@router.post("/users/{person_id}/reveal-national-id", response=RevealOut,
             summary="The full ID number (audited; only roles that need it)")
def reveal(request, person_id: int):
    return {"national_id": services.reveal_national_id(_actor(request), person_id)}




class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    usable: bool


class TokenIn(Schema):
    name: str
    days: int | None = None


class NewTokenOut(TokenOut):
    token: str  # shown once


def _token_out(row) -> dict:
    return {"id": row.pk, "name": row.name, "prefix": row.prefix, "created_at": row.created_at,
            "expires_at": row.expires_at, "last_used_at": row.last_used_at, "revoked_at": row.revoked_at,
            "usable": row.usable}


@router.get("/tokens", response=list[TokenOut], summary="The caller's API tokens (never their secret)")
def list_tokens(request):
    actor = _actor(request)
    return [_token_out(row) for row in services.tokens_of(actor, actor.user)]


@router.post("/tokens", response={201: NewTokenOut}, summary="A new API token for the caller, shown once")
def create_token(request, body: TokenIn):
    actor = _actor(request)
    token = services.create_api_token(actor, actor.user, body.name, body.days)
    row = services.tokens_of(actor, actor.user).get(digest=services.token_digest(token))
    return Status(201, {**_token_out(row), "token": token})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke one of the caller's tokens")
def revoke_token(request, token_id: int):
    return _token_out(services.revoke_api_token(_actor(request), token_id))
