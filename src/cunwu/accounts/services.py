"""Every write about people, roles and credentials. Each function checks permission, validates, writes and
appends to the audit log in one transaction; views, API endpoints and commands only call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import plainsql
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions import codes
from cunwu.regions.models import Region

from . import permissions, personal_data
from .departments import DepartmentKind, kind_from_name
from .models import ApiToken, Assignment, Department, User
from .roles import SPECS, Role, is_official

# --- lookups used by every entry point -----------------------------------------------------------------


def region_or_error(code: str, field: str = "region") -> Region:
    """An active region by code, or a ValidationError naming the field (unknown and malformed codes alike)."""
    try:
        codes.level_of(code)
    except codes.InvalidRegionCode as exc:
        raise ValidationError({field: str(exc)}) from None
    region = Region.objects.filter(code=code, active=True).first()
    if region is None:
        raise ValidationError({field: _("There is no region with code %(code)s.") % {"code": code}})
    return region


def holders(role: str, **where) -> list[User]:
    """The active people who hold `role` now where `where` says (region_id=…, department_id=…,
    department__kind__in=…): whom a notification about work at that place goes to."""
    if len(where) == 1 and next(iter(where)) in ("region_id", "department_id"):
        # Plain SQL for the usual question (see cunwu.plainsql): every request taken in asks it.
        (column, value), = where.items()
        u, a = plainsql.table(User), plainsql.table(Assignment)
        # Driven from the place's few assignments (a planner given `IN` may walk every user to meet them).
        return plainsql.select(
            f"SELECT {plainsql.columns(User)} FROM {u} INNER JOIN (SELECT DISTINCT {a}.user_id FROM {a} "  # noqa: S608
            f"WHERE {a}.active AND {a}.role = %s AND {a}.{column} = %s) held ON held.user_id = {u}.id "
            f"WHERE {u}.is_active ORDER BY {u}.id", [role, value], User)
    ids = Assignment.objects.active().filter(role=role, **where).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def department_for(county: Region, name: str, create: bool = True) -> Department:
    kind = kind_from_name(name)
    if kind is None:
        raise ValidationError(
            {"department": _("Unknown department “%(name)s”; use one of: %(known)s.")
             % {"name": name, "known": ", ".join(k.value for k in DepartmentKind)}}
        )
    if create:
        department, _created = Department.objects.get_or_create(county=county, kind=kind)
        return department
    return Department.objects.get(county=county, kind=kind)


def _check_role_region(role: str, region: Region, department_name: str | None) -> Department | None:
    if role not in SPECS:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    spec = SPECS[role]
    if region.level not in spec.levels:
        raise ValidationError(
            {"region": _("The role %(role)s is held at a %(levels)s, not at %(region)s.")
             % {"role": Role(role).label, "levels": "/".join(codes.LEVEL_NAMES[lv] for lv in spec.levels),
                "region": region}}
        )
    if spec.needs_department:
        if not department_name:
            raise ValidationError({"department": _("A department officer needs a department.")})
        return department_for(region, department_name)
    if department_name:
        raise ValidationError({"department": _("Only department officers belong to a department.")})
    return None


def _grant_or_deny(actor: Actor, role: str, region: Region) -> Actor:
    grant = permissions.grant_assignment_for(actor, role, region.code)
    if grant is None:
        # Outside the actor's jurisdiction the region is "not found"; inside it, the role is not theirs to grant.
        if not actor.system and not any(codes.contains(a.region_id, region.code)
                                        for a in permissions.assignments_of(actor.user)):
            raise permissions.NotFound
        raise permissions.Forbidden(_("You may not grant the role %(role)s.") % {"role": Role(role).label})
    return actor if grant is True else actor.acting_as(grant)


@dataclass
class PersonInput:
    username: str = ""
    full_name: str = ""
    phone: str = ""
    national_id: str = ""
    password: str = ""


def _own_pk(instance: User | None) -> int:
    """The person's own key when editing them (so their own values are not taken), else one no row has."""
    return instance.pk if instance is not None else 0


def _clean_person(data: PersonInput, *, official: bool, instance: User | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    username = (data.username or "").strip()
    if official or username:
        if not username or len(username) > 150 or not all(c.isalnum() or c in "._-" for c in username):
            errors.setdefault("username", []).append(_("A username uses letters, digits, . _ or - (at most 150)."))
        elif User.objects.filter(username=username).exclude(pk=_own_pk(instance)).exists():
            errors.setdefault("username", []).append(_("The username %(u)s is taken.") % {"u": username})
    cleaned["username"] = username
    cleaned["full_name"] = (data.full_name or "").strip()
    if len(cleaned["full_name"]) > 100:
        errors.setdefault("full_name", []).append(_("A name is at most 100 characters."))
    if data.phone:
        try:
            cleaned["phone"] = personal_data.normalize_phone(data.phone)
            if User.objects.filter(phone=cleaned["phone"]).exclude(pk=_own_pk(instance)).exists():
                errors.setdefault("phone", []).append(_("This mobile number already belongs to an account."))
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    if data.national_id:
        try:
            cleaned["national_id"] = personal_data.normalize_national_id(data.national_id)
            digest = personal_data.blind_index(cleaned["national_id"])
            if User.objects.filter(national_id_index=digest).exclude(pk=_own_pk(instance)).exists():
                errors.setdefault("national_id", []).append(_("This ID number already belongs to an account."))
        except ValidationError as exc:
            errors.setdefault("national_id", []).extend(exc.messages)
    if data.password:
        try:
            validate_password(data.password)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _new_user(cleaned: dict, password: str = "") -> User:
    username = cleaned["username"] or f"v{secrets.token_hex(6)}"
    user = User(username=username, full_name=cleaned["full_name"], phone=cleaned.get("phone"))
    if cleaned.get("national_id"):
        user.set_national_id(cleaned["national_id"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def create_user(
    actor: Actor, person: PersonInput, role: str, region_code: str, department: str | None = None
) -> User:
    """Provision a person with a first role assignment (officials by administrators, villagers by staff)."""
    region = region_or_error(region_code)
    with transaction.atomic():
        department_obj = _check_role_region(role, region, department)
        acting = _grant_or_deny(actor, role, region)
        cleaned = _clean_person(person, official=is_official(role))
        user = _new_user(cleaned, person.password)
        assignment = Assignment.objects.create(
            user=user, role=role, region=region, department=department_obj, granted_by=actor.user
        )
        record(acting, "accounts.user.create", user, region_code=region.code,
               detail={"role": role, "assignment": assignment.pk, "department": getattr(department_obj, "kind", "")})
    return user


def grant_role(actor: Actor, person: User, role: str, region_code: str, department: str | None = None) -> Assignment:
    region = region_or_error(region_code)
    with transaction.atomic():
        permissions.get_or_404(User.objects.all(), actor, permissions.VIEW, pk=person.pk)
        department_obj = _check_role_region(role, region, department)
        acting = _grant_or_deny(actor, role, region)
        if Assignment.objects.active().filter(user=person, role=role, region=region, department=department_obj).exists():
            raise ValidationError({"role": _("This person already holds this role here.")})
        if is_official(role) and not person.has_usable_password():
            raise ValidationError({"role": _("An official needs a username and password; create an official account.")})
        assignment = Assignment.objects.create(
            user=person, role=role, region=region, department=department_obj, granted_by=actor.user
        )
        record(acting, "accounts.assignment.grant", assignment, region_code=region.code,
               detail={"user": person.pk, "role": role})
    return assignment


def revoke_assignment(actor: Actor, assignment_id: int) -> Assignment:
    with transaction.atomic():
        assignment = permissions.get_or_404(
            Assignment.objects.select_for_update(), actor, permissions.VIEW, pk=assignment_id
        )
        acting = permissions.require(actor, permissions.MANAGE, assignment,
                                     _("You may not revoke this assignment."))
        if not assignment.active:
            raise ValidationError({"assignment": _("This assignment was already revoked.")})
        assignment.active = False
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = actor.user
        assignment.save(update_fields=["active", "revoked_at", "revoked_by"])
        record(acting, "accounts.assignment.revoke", assignment, region_code=assignment.region_id,
               detail={"user": assignment.user_id, "role": assignment.role})
    return assignment


def register_villager(actor: Actor, person: PersonInput, village_code: str) -> User:
    """Village staff register a villager of their village (needed before proxy handling)."""
    return create_user(actor, PersonInput(full_name=person.full_name, phone=person.phone,
                                          national_id=person.national_id), Role.VILLAGER, village_code)


def choose_own_village(actor: Actor, village_code: str) -> Assignment:
    """A villager who signed up by phone says which village they live in (their only self-granted role)."""
    user = actor.user
    region = region_or_error(village_code, "village")
    if region.level != codes.LEVEL_BY_NAME["village"]:
        raise ValidationError({"village": _("Choose a village or community, not a %(level)s.") % {"level": region.level_name}})
    with transaction.atomic():
        current = Assignment.objects.select_for_update().filter(user=user, role=Role.VILLAGER, active=True).first()
        if current is not None:
            if current.region_id == region.code:
                return current
            current.active = False
            current.revoked_at = timezone.now()
            current.revoked_by = user
            current.save(update_fields=["active", "revoked_at", "revoked_by"])
        assignment = Assignment.objects.create(user=user, role=Role.VILLAGER, region=region, granted_by=user)
        permissions.forget_assignments(user)
        record(actor.acting_as(assignment), "accounts.villager.choose_village", assignment, region_code=region.code)
    return assignment


def update_person(actor: Actor, person_id: int, full_name: str, phone: str, national_id: str) -> User:
    with transaction.atomic():
        person = permissions.get_or_404(User.objects.select_for_update(), actor, permissions.VIEW, pk=person_id)
        acting = permissions.require(actor, permissions.CHANGE, person, _("You may not change this person."))
        cleaned = _clean_person(PersonInput(full_name=full_name, phone=phone, national_id=national_id),
                                official=False, instance=person)
        person.full_name = cleaned["full_name"]
        person.phone = cleaned.get("phone") or None
        changed = ["full_name", "phone"]
        if cleaned.get("national_id"):
            person.set_national_id(cleaned["national_id"])
            changed += ["national_id_sealed", "national_id_index"]
        person.save(update_fields=changed)
        record(acting, "accounts.user.update", person, region_code=_home_region(person),
               detail={"fields": [f for f in changed if not f.startswith("national_id_index")]})
    return person


def _home_region(person: User) -> str:
    first = Assignment.objects.filter(user=person).order_by("-active", "id").values_list("region_id", flat=True).first()
    return first or ""


def reveal_national_id(actor: Actor, person_id: int) -> str:
    """The full ID number, for roles that need it; every reveal is an audit entry."""
    person = permissions.get_or_404(User.objects.all(), actor, permissions.VIEW, pk=person_id)
    acting = permissions.require(actor, permissions.REVEAL, person, _("Your role does not see full ID numbers."))
    value = personal_data.decrypt(person.national_id_sealed)
    record(acting, "personal_data.reveal", person, region_code=_home_region(person), detail={"field": "national_id"})
    return value


def set_active(actor: Actor, person_id: int, active: bool) -> User:
    with transaction.atomic():
        person = permissions.get_or_404(User.objects.select_for_update(), actor, permissions.VIEW, pk=person_id)
        acting = permissions.require(actor, permissions.MANAGE, person, _("You may not disable this account."))
        person.is_active = active
        person.save(update_fields=["is_active"])
        record(acting, "accounts.user.enable" if active else "accounts.user.disable", person,
               region_code=_home_region(person))
    return person


def set_wecom_id(actor: Actor, person_id: int, wecom_id: str) -> User:
    """The official's WeCom account id (企业微信 userid), so notifications reach them there too ("" removes it)."""
    wecom_id = (wecom_id or "").strip()
    if len(wecom_id) > 64 or any(c.isspace() for c in wecom_id):
        raise ValidationError({"wecom_id": [_("A WeCom account id is at most 64 characters, without spaces.")]})
    with transaction.atomic():
        person = permissions.get_or_404(User.objects.select_for_update(), actor, permissions.VIEW, pk=person_id)
        acting = permissions.require(actor, permissions.MANAGE, person, _("You may not change this account."))
        person.wecom_id = wecom_id
        person.save(update_fields=["wecom_id"])
        record(acting, "accounts.user.wecom", person, region_code=_home_region(person), detail={"set": bool(wecom_id)})
    return person


# --- API tokens -------------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(actor: Actor, person: User, name: str = "", days: int | None = None) -> str:
    """A new bearer token for `person` (shown once), with a name and an expiry (CUNWU["TOKEN_DAYS"] by default,
    at most a year). Only the person or the console operator make tokens."""
    if not actor.system and actor.user != person:
        raise permissions.Forbidden(_("Tokens are created by their owner."))
    days = settings.CUNWU["TOKEN_DAYS"] if days in (None, "") else days
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 366:
        raise ValidationError({"days": [_("A token lasts between 1 and 366 days.")]})
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": [_("Name the token after the system that will use it.")]})
    token = "cw_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=person, name=name, prefix=token[:10], digest=token_digest(token),
                                      expires_at=timezone.now() + dt.timedelta(days=days))
        record(actor, "accounts.token.create", row, region_code=_home_region(person),
               detail={"user": person.pk, "name": name, "days": days})
    return token


def tokens_of(actor: Actor, person: User):
    """A person's tokens (never their secret): the person's own, or anyone's for the console operator."""
    if not actor.system and actor.user != person:
        raise permissions.NotFound
    return ApiToken.objects.filter(user=person).order_by("-created_at")


def revoke_api_token(actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token: its owner, or the console operator (`cunwu tokens revoke`). At once and for good."""
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if row is None or (not actor.system and row.user_id != getattr(actor.user, "pk", None)):
            raise permissions.NotFound
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            record(actor, "accounts.token.revoke", row, region_code=_home_region(row.user),
                   detail={"user": row.user_id, "name": row.name})
    return row


def user_for_token(token: str) -> User | None:
    now = timezone.now()
    t, u = plainsql.table(ApiToken), plainsql.table(User)
    # Plain SQL (see cunwu.plainsql): every API request reads it. The digest is unique: one row at most.
    found = plainsql.select(
        f"SELECT {plainsql.columns(ApiToken)}, {plainsql.columns(User)} FROM {t} "  # noqa: S608
        f"INNER JOIN {u} ON {t}.user_id = {u}.id WHERE {t}.digest = %s AND {t}.revoked_at IS NULL "
        f"AND {t}.expires_at > %s", [token_digest(token), plainsql.value(ApiToken, "expires_at", now)],
        ApiToken, User)
    if not found:
        return None
    row, user = found[0]
    plainsql.cache_related(row, "user", user)
    if not row.user.is_active:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


# --- TOTP second factor -----------------------------------------------------------------------------------


def totp_required(user: User) -> bool:
    level_name = settings.CUNWU["TOTP_REQUIRED_FROM_LEVEL"]
    if not level_name:
        return user.totp_confirmed
    limit = codes.LEVEL_BY_NAME[level_name]
    return user.totp_confirmed or any(a.region.level <= limit and is_official(a.role)
                                      for a in permissions.assignments_of(user))


def start_totp_enrolment(actor: Actor) -> str:
    user = actor.user
    if user.totp_confirmed:
        raise ValidationError(_("A second factor is already set up."))
    secret = personal_data.decrypt(user.totp_sealed) if user.totp_sealed else ""
    if not secret:
        secret = pyotp.random_base32()
        user.totp_sealed = personal_data.encrypt(secret)
        user.save(update_fields=["totp_sealed"])
    return secret


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.CUNWU["TOTP_ISSUER"])


def check_totp(user: User, code: str) -> bool:
    """Accept a code once (no replay of the same or an earlier time step), allowing one step of clock drift."""
    if not user.totp_sealed:
        return False
    totp = pyotp.TOTP(personal_data.decrypt(user.totp_sealed))
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return False
    now_step = int(timezone.now().timestamp()) // 30
    for step in (now_step - 1, now_step, now_step + 1):
        if step > user.totp_last_step and secrets.compare_digest(totp.at(step * 30), code):
            updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
            if updated:
                user.totp_last_step = step
                return True
    return False


def confirm_totp(actor: Actor, code: str) -> None:
    user = actor.user
    if not check_totp(user, code):
        raise ValidationError({"code": _("That code is not right. Check the time on your phone and try again.")})
    with transaction.atomic():
        user.totp_confirmed = True
        user.save(update_fields=["totp_confirmed"])
        record(actor, "accounts.totp.enrol", user)


def assign_totp_secret(actor: Actor, person: User, secret: str | None = None) -> str:
    """Console provisioning (demo, bulk set-up): give an official a confirmed TOTP secret."""
    if not actor.system:
        raise permissions.Forbidden(_("Only the console operator provisions second factors."))
    secret = secret or pyotp.random_base32()
    with transaction.atomic():
        person.totp_sealed = personal_data.encrypt(secret)
        person.totp_confirmed = True
        person.save(update_fields=["totp_sealed", "totp_confirmed"])
        record(actor, "accounts.totp.provision", person)
    return secret


def set_password(actor: Actor, person: User, password: str) -> None:
    if not actor.system and actor.user != person:
        raise permissions.Forbidden(_("A password is set by its owner."))
    try:
        validate_password(password, person)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        record(actor, "accounts.password.set", person)


def safe_create(func, *args, **kwargs):
    """Turn a uniqueness race into the same message a sequential duplicate gets."""
    try:
        return func(*args, **kwargs)
    except IntegrityError:
        raise ValidationError(_("Someone saved the same details at the same moment; please reload.")) from None


@dataclass
class OutboxRow:
    created_at: object
    phone: str  # masked
    purpose: str
    body: str  # a sign-in code's text is never shown


def read_outbox(actor: Actor, limit: int = 200) -> list[OutboxRow]:
    """The demo's text-message outbox, for an administrator: messages to people in their jurisdiction, phones
    masked and sign-in codes withheld (a code read here would sign its reader in as the villager). Only a demo
    install has it; each view is audited."""
    from .models import OutboxMessage

    if not settings.CUNWU.get("DEMO_MODE"):
        raise permissions.NotFound
    if actor.user is None or not any(a.role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN)
                                     for a in permissions.assignments_of(actor.user)):
        raise permissions.NotFound
    phones = permissions.restrict(User.objects.exclude(phone=None), actor).values("phone")
    rows = [
        OutboxRow(m.created_at, personal_data.mask_phone(m.phone), m.purpose,
                  _("(a sign-in code: not shown)") if m.purpose == "sign_in_code" else m.body)
        for m in OutboxMessage.objects.filter(phone__in=phones)[:limit]
    ]
    record(actor, "accounts.outbox.viewed", object_type="outbox", detail={"rows": len(rows)})
    return rows
