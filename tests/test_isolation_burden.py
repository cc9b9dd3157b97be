"""Isolation of the directory and burden objects, generated like tests/test_isolation.py: every role at its
home, against admission requests, demand reports and a directory draft in each place, by UI, API and command."""

import pytest
from django.core.management.base import CommandError

from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.burden import services as burden
from cunwu.directory import seed
from cunwu.directory import services as directory

from .conftest import run
from .helpers import LISHU, OTHER_COUNTY, TOWN_A, actor, person
from .test_isolation import HOMES, TARGETS

OVERSEERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR}


def sees_pending_request(role):  # under review in Lishu, filed by its agriculture bureau
    return role in OVERSEERS or role == Role.DEPARTMENT_OFFICER  # civil affairs sits on the review panel


def sees_other_county_admitted(role):
    return role in (Role.CITY_ADMIN, Role.PROVINCE_ADMIN)


def sees_report(role, home, where):
    if role in (Role.VILLAGE_STAFF, Role.GRID_WORKER):
        return where == home
    if role == Role.TOWNSHIP_OFFICER:
        return where.startswith(TOWN_A)
    return role in OVERSEERS and where.startswith(home)


def admitted_in(county_code: str, village_code: str):
    officers = {k: actor(person("department_officer", county_code, department=k))
                for k in ("agriculture", "organisation", "rural_work", "civil_affairs")}
    made = burden.file_request(officers["agriculture"], burden.RequestInput(
        kind="work_item", title=f"{county_code} 巡查", description="每月一次", frequency="monthly",
        legal_basis="法律依据", funding_yuan="100", scope=[village_code]))
    return made, officers


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_burden_isolation_for_every_role_on_every_path(role, client):
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}")
    pending, _officers = admitted_in(LISHU, "220322100201")
    other, officers = admitted_in(OTHER_COUNTY, TARGETS["other county"])
    for kind in ("organisation", "rural_work", "civil_affairs"):
        burden.review(officers[kind], other.pk, "approve", "同意")
    burden.decide(actor(person("county_admin", OTHER_COUNTY)), other.pk, True)
    reports = {}
    for where, code in TARGETS.items():
        staff = actor(person("village_staff", code))
        reports[where] = burden.report_demand(staff, code, "agriculture", f"report in {where}")
    seed.seed_jilin(Actor.console())
    directory.open_draft(actor(person("county_admin", LISHU)), LISHU)

    client.force_login(me)
    leaks = []
    for request, expected in ((pending, sees_pending_request(role)), (other, sees_other_county_admitted(role))):
        ui = client.get(f"/burden/requests/{request.pk}/").status_code == 200
        api = client.get(f"/api/v1/burden/requests/{request.pk}").status_code == 200
        command = request.number in run("burden", "requests", "--as", me.username)
        listed = request.pk in {r["id"] for r in client.get("/api/v1/burden/requests").json()}
        for path, seen in (("ui", ui), ("api", api), ("command", command), ("list", listed)):
            if seen != expected:
                leaks.append(f"{role} {path} request {request.number}: saw={seen} expected={expected}")
        withdraw = client.post(f"/api/v1/burden/requests/{request.pk}/withdraw", {"reason": "x"},
                               content_type="application/json")
        if not expected:
            assert withdraw.status_code == 404
    listed_reports = {r["id"] for r in client.get("/api/v1/burden/reports").json()}
    for where, report in reports.items():
        expected = sees_report(role, home, TARGETS[where])
        if (report.pk in listed_reports) != expected:
            leaks.append(f"{role} api report in {where}: expected={expected}")
        resolve = client.post(f"/api/v1/burden/reports/{report.pk}/resolve",
                              {"outcome": "stopped", "resolution": "x"}, content_type="application/json")
        may_resolve = role == Role.SUPERVISOR and TARGETS[where].startswith(home)
        assert (resolve.status_code == 200) == may_resolve, (role, where, resolve.status_code)
        assert resolve.status_code in ((200,) if may_resolve else (403,) if expected else (404,))
        registry = client.get(f"/api/v1/burden/villages/{TARGETS[where]}/registry").status_code
        sees_registry = role not in (Role.VILLAGER, Role.DEPARTMENT_OFFICER) and TARGETS[where].startswith(home)
        if (registry == 200) != sees_registry:
            leaks.append(f"{role} api registry in {where}: {registry}")
    draft = client.get(f"/api/v1/directories/{LISHU}/items?version=draft").status_code
    if (draft == 200) != (role in OVERSEERS):
        leaks.append(f"{role} api directory draft: {draft}")
    index = client.get(f"/api/v1/burden/index?region={LISHU}").status_code
    page = client.get(f"/burden/index/?region={LISHU}").status_code
    try:
        run("burden", "index", LISHU, "--as", me.username)
        by_command = True
    except CommandError as exc:
        assert str(exc) == "未找到。"
        by_command = False
    for path, seen in (("api", index == 200), ("ui", page == 200), ("command", by_command)):
        if seen != (role in OVERSEERS):
            leaks.append(f"{role} {path} burden index of Lishu: {seen}")
    village_page = client.get(f"/burden/village/{TARGETS['same village']}/").status_code == 200
    if village_page != (role not in (Role.VILLAGER, Role.DEPARTMENT_OFFICER)):
        leaks.append(f"{role} ui registry of its own village: {village_page}")
    assert not leaks, "\n".join(leaks)
