"""Who reads and writes notices and warnings.

Notices are public, archive included (村务公开); the village's staff publish and correct them for their own
village. Warnings are public too. Officials whose region holds the issuer's follow a warning's acknowledgements;
the issuer's own township (its officers) or county (administrators and department officers) resend or cancel it.
A village's staff acknowledge their own village's copy, and see it; officials above see the copies in their area.
"""

from django.db.models import Q

from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW, Policy, register, within
from cunwu.accounts.roles import SPECS, Role

TRACK = "track"
ISSUERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.DEPARTMENT_OFFICER)
FOLLOWERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.DEPARTMENT_OFFICER, Role.CITY_ADMIN,
             Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR)
NOTICE_OVERSEERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN,
                    Role.SUPERVISOR, Role.AUDITOR)


def may_issue(a) -> bool:
    """A township officer for the township; a county's administrator or department officer for the county."""
    return a.role in ISSUERS and len(a.region_id) in ((9,) if a.role == Role.TOWNSHIP_OFFICER else (6,))


def _notice_rule(user, a, action):
    if action in (CHANGE, MANAGE) and a.role == Role.VILLAGE_STAFF:
        return Q(village_id=a.region_id)
    return None


def _warning_rule(user, a, action):
    if action == TRACK and a.role in FOLLOWERS:
        return within("issuer_region_id", a.region_id)
    if action == CHANGE and may_issue(a):
        return within("issuer_region_id", a.region_id)
    return None


def _target_rule(user, a, action):
    if a.role == Role.VILLAGE_STAFF:
        return Q(village_id=a.region_id) if action in (VIEW, CHANGE) else None
    if a.role in FOLLOWERS and action == VIEW:
        return within("village_id", a.region_id)
    return None


def register_policies() -> None:
    from .models import Notice, Warning, WarningTarget

    register(Notice, Policy(rules=dict.fromkeys(SPECS, _notice_rule), public=lambda action: Q() if action == VIEW
                            else None))
    register(Warning, Policy(rules=dict.fromkeys(SPECS, _warning_rule),
                             public=lambda action: Q() if action == VIEW else None))
    register(WarningTarget, Policy(rules=dict.fromkeys(SPECS, _target_rule)))
