"""Who sees and acts on cases.

- The applicant sees their own cases (by account, or by the phone number the case was taken under) and supplies
  materials, rates and withdraws them (`OWN`).
- Village staff and grid workers see their village's cases; village staff handle them at the village (`HANDLE`).
- Township officers see every case of their township's villages and coordinate those at the township or with
  the departments (`COORDINATE`): solve, dispatch, decide who is responsible.
- Department officers see the cases their department was called in on and report in on them (`REPORT_IN`).
- Administrators, supervisors and auditors see the cases within their region; supervisors set malicious ratings
  aside (`SUPERVISE`).
"""

from django.db.models import Exists, OuterRef, Q

from cunwu.accounts import personal_data
from cunwu.accounts.permissions import VIEW, Policy, register, within
from cunwu.accounts.roles import ADMIN_ROLES, SPECS, Role

HANDLE, COORDINATE, REPORT_IN, SUPERVISE, OWN = "handle", "coordinate", "report_in", "supervise", "own"
OVERSEERS = (*ADMIN_ROLES, Role.SUPERVISOR, Role.AUDITOR)
# Who may take a request in on a villager's behalf, at or above the village.
INTAKE_ROLES = (Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)


def _dispatched_to(department_id) -> Q:
    from .models import Dispatch

    return Q(Exists(Dispatch.objects.filter(case=OuterRef("pk"), department_id=department_id)))


def in_region(code: str) -> Q:
    """Cases within a region, by the code column the queue and rate indexes start with."""
    column = {12: "village_id", 9: "township_code", 6: "county_code"}.get(len(code))
    return Q(**{column: code}) if column else within("county_code", code)


def _case_rule(user, a, action):
    role, code = a.role, a.region_id
    if action == VIEW:
        if role in (Role.VILLAGE_STAFF, Role.GRID_WORKER):
            return Q(village_id=code)
        if role == Role.TOWNSHIP_OFFICER:
            return Q(township_code=code)
        if role == Role.DEPARTMENT_OFFICER:
            return _dispatched_to(a.department_id)
        if role in OVERSEERS:
            return in_region(code)
        return None
    if action == HANDLE and role == Role.VILLAGE_STAFF:
        return Q(village_id=code)
    if action == COORDINATE and role == Role.TOWNSHIP_OFFICER:
        return Q(township_code=code)
    if action == REPORT_IN and role == Role.DEPARTMENT_OFFICER:
        return _dispatched_to(a.department_id)
    if action == SUPERVISE and role == Role.SUPERVISOR:
        return in_region(code)
    return None


def _own(user, action):
    if action not in (VIEW, OWN):
        return None
    mine = Q(applicant_id=user.pk)
    if user.phone:
        mine |= Q(applicant_phone_index=personal_data.blind_index(user.phone))
    return mine


def _partner_rule(user, a, action):
    """A connected system follows the requests it submitted itself, in its county, and nothing else."""
    return Q(submitted_by_id=user.pk, county_code=a.region_id) if action == VIEW else None


def register_policies() -> None:
    from .models import Case

    register(Case, Policy(rules=dict.fromkeys(SPECS, _case_rule), own=_own,
                          machine_rules={Role.PARTNER_SYSTEM: _partner_rule}))
