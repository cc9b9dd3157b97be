"""Jurisdiction isolation, generated from declarations (NetBox-style): every role, placed at its home region,
against people and audit entries in the same village, a sibling village, a sibling township, another county,
another city and another province, through the UI, the API and the commands. Out of scope answers exactly
like a missing object (404, same body), and a denied write changes nothing."""

import pytest
from django.core.management.base import CommandError

from cunwu.accounts.models import Assignment, User
from cunwu.accounts.roles import Role
from cunwu.accounts.services import create_api_token
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.audit.services import record

from .conftest import run
from .helpers import (
    CITY,
    LISHU,
    OTHER_COUNTY_VILLAGE,
    PROVINCE,
    TOWN_A,
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    person,
)

OTHER_CITY_VILLAGE = "220102001001"
OTHER_PROVINCE_VILLAGE = "210102001002"
TARGETS = {  # where a target object lives
    "same village": VILLAGE_A1,
    "sibling village": VILLAGE_A2,
    "sibling township": VILLAGE_B1,
    "other county": OTHER_COUNTY_VILLAGE,
    "other city": OTHER_CITY_VILLAGE,
    "other province": OTHER_PROVINCE_VILLAGE,
}
HOMES = {  # role -> (home region, department)
    Role.VILLAGER: (VILLAGE_A1, None),
    Role.VILLAGE_STAFF: (VILLAGE_A1, None),
    Role.GRID_WORKER: (VILLAGE_A1, None),
    Role.LEGAL_ADVISER: (VILLAGE_A1, None),
    Role.MEDIATOR: (VILLAGE_A1, None),
    Role.TOWNSHIP_OFFICER: (TOWN_A, None),
    Role.DEPARTMENT_OFFICER: (LISHU, "civil_affairs"),
    Role.COUNTY_ADMIN: (LISHU, None),
    Role.CITY_ADMIN: (CITY, None),
    Role.PROVINCE_ADMIN: (PROVINCE, None),
    Role.SUPERVISOR: (LISHU, None),
    Role.AUDITOR: (LISHU, None),
}
# Declarations: which targets each object type shows to a role at its home (everything else must 404).
SEES_PEOPLE = {r: (lambda home, where: where.startswith(home)) for r in HOMES}
SEES_PEOPLE[Role.VILLAGER] = lambda home, where: False  # only themselves
SEES_PEOPLE[Role.DEPARTMENT_OFFICER] = lambda home, where: False  # only colleagues of their department
SEES_AUDIT = {r: (lambda home, where: False) for r in HOMES}
SEES_AUDIT[Role.AUDITOR] = SEES_AUDIT[Role.SUPERVISOR] = lambda home, where: where.startswith(home)
MANAGES_VILLAGERS = {Role.VILLAGE_STAFF, Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN}


@pytest.fixture
def api_client():
    from django.test import Client

    def make(user):
        token = create_api_token(Actor.console(), user, "isolation test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_isolation_for_every_role_on_every_path(role, client, api_client):
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}")
    targets = {where: person("villager", code) for where, code in TARGETS.items()}
    entries = {where: record(Actor.console(), "test.isolation", region_code=code) for where, code in TARGETS.items()}
    client.force_login(me)
    api = api_client(me)
    missing_ui = client.get("/accounts/people/99999999/")
    missing_api = api.get("/api/v1/users/99999999")
    assert missing_ui.status_code == 404 and missing_api.status_code == 404
    leaks = []
    for where, target in targets.items():
        expected = SEES_PEOPLE[role](home, TARGETS[where])
        ui = client.get(f"/accounts/people/{target.pk}/")
        by_api = api.get(f"/api/v1/users/{target.pk}")
        try:
            run("users", "show", target.username, "--as", me.username)
            by_command = True
        except CommandError as exc:
            assert str(exc) == "未找到。"
            by_command = False
        for path, seen in (("ui", ui.status_code == 200), ("api", by_api.status_code == 200), ("command", by_command)):
            if seen != expected:
                leaks.append(f"{role} {path} person in {where}: saw={seen} expected={expected}")
        if not expected:  # identical to a missing object
            assert ui.status_code == 404 and ui.content == missing_ui.content
            assert by_api.status_code == 404 and by_api.json() == missing_api.json()
        # writes: grant a role over the target's own village; reveal the ID number
        before = Assignment.objects.filter(user=target).count()
        grant = api.post(f"/api/v1/users/{target.pk}/assignments", {"role": "villager", "region": TARGETS[where]},
                         content_type="application/json")
        if not expected:
            assert grant.status_code == 404, (role, where, grant.status_code)
        may_grant = role in MANAGES_VILLAGERS and TARGETS[where].startswith(home)
        assert (grant.status_code in (201, 422)) == may_grant, (role, where, grant.status_code, grant.content)
        if not may_grant:
            assert Assignment.objects.filter(user=target).count() == before
        reveal = api.post(f"/api/v1/users/{target.pk}/reveal-national-id")
        assert reveal.status_code in ((200, 403) if expected else (404,)), (role, where, reveal.status_code)
        # audit entries
        entry = entries[where]
        audit_expected = SEES_AUDIT[role](home, TARGETS[where])
        for path, response in (("ui", client.get(f"/audit/{entry.seq}/")), ("api", api.get(f"/api/v1/audit/{entry.seq}"))):
            if (response.status_code == 200) != audit_expected:
                leaks.append(f"{role} {path} audit entry in {where}: {response.status_code}")
    listed = {p["id"] for p in api.get("/api/v1/users", {"limit": 200}).json()}
    should_list = {t.pk for where, t in targets.items() if SEES_PEOPLE[role](home, TARGETS[where])} | {me.pk}
    assert listed & {t.pk for t in targets.values()} == should_list - {me.pk}
    assert me.pk in listed
    assert not leaks, "\n".join(leaks)


@pytest.mark.django_db
def test_department_officers_see_their_department_only(client):
    civil = person("department_officer", LISHU, department="civil_affairs")
    colleague = person("department_officer", LISHU, department="civil_affairs")
    justice = person("department_officer", LISHU, department="justice")
    client.force_login(civil)
    assert client.get(f"/api/v1/users/{colleague.pk}").status_code == 200
    assert client.get(f"/api/v1/users/{justice.pk}").status_code == 404


@pytest.mark.django_db
def test_mass_assignment_cannot_set_protected_fields(client):
    admin = person("county_admin", LISHU)
    client.force_login(admin)
    response = client.post("/api/v1/users", {
        "role": "villager", "region": VILLAGE_A1, "full_name": "甲", "is_active": False, "is_superuser": True,
        "id": 1, "totp_confirmed": True, "national_id_index": "x",
    }, content_type="application/json")
    assert response.status_code == 201
    created = User.objects.get(pk=response.json()["id"])
    assert created.is_active and not created.totp_confirmed and created.national_id_index is None


@pytest.mark.django_db
def test_denied_reads_are_audited(client):
    staff = person("village_staff", VILLAGE_A1)
    outsider = person("villager", OTHER_COUNTY_VILLAGE)
    client.force_login(staff)
    assert client.get(f"/api/v1/users/{outsider.pk}").status_code == 404
    assert AuditEntry.objects.filter(action="denied.view", actor_id=staff.pk, object_id=str(outsider.pk)).exists()
