"""Who reads and writes a village's own data.

Named rows (households, people, key-group labels, visits, the change history, missed visits) are read and
changed by the village's staff for their village and by a grid worker for the grids they look after, nobody
else (a mediator reads the people of their village or township, to take a dispute's parties from the record): key-group labels are sensitive personal information (PIPL art. 28) and those whose work does not need a
name see figures. Figures (`COUNT`) are open to the township's officers and to the administrators, supervisors
and auditors of the region above. The full ID number is revealed to the village's staff only, each reveal
audited. A village's staff manage its grids; anyone who may count a place may see its grids' names."""

from django.db.models import Q

from cunwu.accounts.permissions import CHANGE, MANAGE, REVEAL, VIEW, Policy, register, within
from cunwu.accounts.roles import SPECS, Role

COUNT = "count"
COUNTERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR,
            Role.AUDITOR)


def grids_of(user):
    from .models import Grid

    return Grid.workers.through.objects.filter(user_id=user.pk).values("grid_id")


def _named_rule(user, a, action):
    if a.role == Role.VILLAGE_STAFF and action in (VIEW, CHANGE, COUNT):
        return Q(village_id=a.region_id)
    if a.role == Role.GRID_WORKER and action in (VIEW, CHANGE, COUNT):
        return Q(village_id=a.region_id, grid_id__in=grids_of(user))
    if a.role in COUNTERS and action == COUNT:
        return within("village_id", a.region_id)
    return None


def _resident_rule(user, a, action):
    if action == REVEAL:
        return Q(village_id=a.region_id) if a.role == Role.VILLAGE_STAFF else None
    if a.role == Role.MEDIATOR and action == VIEW:  # a dispute's parties are taken from the record (no labels)
        return within("village_id", a.region_id)
    return _named_rule(user, a, action)


def _household_rule(user, a, action):
    if a.role == Role.GRID_WORKER and action in (VIEW, CHANGE, COUNT):
        return Q(village_id=a.region_id, grid_id__in=grids_of(user))
    return _named_rule(user, a, action)


def _change_rule(user, a, action):
    if a.role == Role.GRID_WORKER and action in (VIEW, COUNT):
        return Q(village_id=a.region_id, household__grid_id__in=grids_of(user))
    return _named_rule(user, a, action) if action in (VIEW, COUNT) else None


def _grid_rule(user, a, action):
    if a.role == Role.VILLAGE_STAFF and action in (VIEW, MANAGE, COUNT):
        return Q(village_id=a.region_id)
    if a.role == Role.GRID_WORKER and action in (VIEW, COUNT):
        return Q(village_id=a.region_id)
    if a.role in COUNTERS and action in (VIEW, COUNT):
        return within("village_id", a.region_id)
    return None


DECIDE = "decide"


def _sharing_rule(user, a, action):
    """The requesting department reads its own requests; the county's administrators read and decide; the
    supervisors and auditors above read."""
    if a.role == Role.DEPARTMENT_OFFICER and action == VIEW:
        return Q(department_id=a.department_id)
    if a.role == Role.COUNTY_ADMIN and action in (VIEW, DECIDE):
        return Q(county_id=a.region_id)
    if a.role in (Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR) and action == VIEW:
        return within("county_id", a.region_id)
    return None


def register_policies() -> None:
    from .models import Change, Grid, Household, Label, MissedVisit, Resident, SharingRequest, Visit

    register(SharingRequest, Policy(rules=dict.fromkeys(SPECS, _sharing_rule)))
    register(Grid, Policy(rules=dict.fromkeys(SPECS, _grid_rule)))
    register(Household, Policy(rules=dict.fromkeys(SPECS, _household_rule)))
    register(Resident, Policy(rules=dict.fromkeys(SPECS, _resident_rule)))
    register(Change, Policy(rules=dict.fromkeys(SPECS, _change_rule)))
    for model in (Label, Visit, MissedVisit):
        register(model, Policy(rules=dict.fromkeys(SPECS, _named_rule)))
