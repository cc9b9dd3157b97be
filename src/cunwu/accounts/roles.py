"""Roles, the region levels they are held at, and who may grant them."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = 1, 2, 3, 4, 5


class Role(models.TextChoices):
    VILLAGER = "villager", _("villager")
    VILLAGE_STAFF = "village_staff", _("village staff")
    GRID_WORKER = "grid_worker", _("grid worker")
    LEGAL_ADVISER = "legal_adviser", _("legal adviser")
    MEDIATOR = "mediator", _("mediator")
    TOWNSHIP_OFFICER = "township_officer", _("township officer")
    DEPARTMENT_OFFICER = "department_officer", _("department officer")
    COUNTY_ADMIN = "county_admin", _("county administrator")
    CITY_ADMIN = "city_admin", _("city administrator")
    PROVINCE_ADMIN = "province_admin", _("province administrator")
    SUPERVISOR = "supervisor", _("supervisor")
    AUDITOR = "auditor", _("auditor")
    # another system (the 12345 hotline, the provincial platform, a department's own system) connected by a county
    # administrator: it submits and follows its own requests with an API key and is never a person signing in
    PARTNER_SYSTEM = "partner_system", _("connected system")


@dataclass(frozen=True)
class RoleSpec:
    levels: tuple[int, ...]  # region levels at which the role can be held
    needs_department: bool = False
    official: bool = True  # signs in with username, password (and TOTP at county level and above)
    read_only: bool = False


SPECS: dict[str, RoleSpec] = {
    Role.VILLAGER: RoleSpec((VILLAGE,), official=False),
    Role.VILLAGE_STAFF: RoleSpec((VILLAGE,)),
    Role.GRID_WORKER: RoleSpec((VILLAGE,)),
    Role.LEGAL_ADVISER: RoleSpec((VILLAGE,)),  # one assignment per village served
    Role.MEDIATOR: RoleSpec((TOWNSHIP, VILLAGE)),
    Role.TOWNSHIP_OFFICER: RoleSpec((TOWNSHIP,)),
    Role.DEPARTMENT_OFFICER: RoleSpec((COUNTY,), needs_department=True),
    Role.COUNTY_ADMIN: RoleSpec((COUNTY,)),
    Role.CITY_ADMIN: RoleSpec((CITY,)),
    Role.PROVINCE_ADMIN: RoleSpec((PROVINCE,)),
    Role.SUPERVISOR: RoleSpec((PROVINCE, CITY, COUNTY, TOWNSHIP), read_only=True),
    Role.AUDITOR: RoleSpec((PROVINCE, CITY, COUNTY), read_only=True),
    Role.PARTNER_SYSTEM: RoleSpec((COUNTY,), official=False),
}

ADMIN_ROLES = (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN)
_BELOW_COUNTY_ADMIN = {
    Role.VILLAGER, Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.LEGAL_ADVISER, Role.MEDIATOR,
    Role.TOWNSHIP_OFFICER, Role.DEPARTMENT_OFFICER, Role.SUPERVISOR, Role.AUDITOR,
}
# Which roles each role may grant (always inside its own jurisdiction). Village staff register villagers
# of their village (proxy handling needs an account for the villager); administrators provision officials.
GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_STAFF: {Role.VILLAGER},
    Role.COUNTY_ADMIN: set(_BELOW_COUNTY_ADMIN),
    Role.CITY_ADMIN: _BELOW_COUNTY_ADMIN | {Role.COUNTY_ADMIN},
    Role.PROVINCE_ADMIN: _BELOW_COUNTY_ADMIN | {Role.COUNTY_ADMIN, Role.CITY_ADMIN},
}

# Roles that may see a person's full national ID number (each reveal is audited); others see it masked.
REVEALS_PERSONAL_DATA = {Role.VILLAGE_STAFF, Role.TOWNSHIP_OFFICER, *ADMIN_ROLES}


def spec(role: str) -> RoleSpec:
    return SPECS[role]


def is_official(role: str) -> bool:
    return SPECS[role].official
