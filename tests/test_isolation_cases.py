"""Isolation of cases, generated like tests/test_isolation.py: every role at its home, against a case in each
place, by page, API (one case, the list, an action) and command; out of scope answers 404 like a missing case."""

import pytest
from django.core.management.base import CommandError

from cunwu.accounts.roles import Role
from cunwu.cases import services
from cunwu.cases.models import Case
from cunwu.directory import seed

from .conftest import run
from .helpers import TOWN_A, actor, person
from .test_isolation import HOMES, TARGETS

OVERSEERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR}


def sees_case(role, home, where, dispatched_to_me):
    if role in (Role.VILLAGE_STAFF, Role.GRID_WORKER):
        return where == home
    if role == Role.TOWNSHIP_OFFICER:
        return where.startswith(TOWN_A)
    if role == Role.DEPARTMENT_OFFICER:
        return dispatched_to_me
    if role == Role.VILLAGER:
        return where == home  # their own request is the one at home
    return role in OVERSEERS and where.startswith(home)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_case_isolation_for_every_role_on_every_path(role, client):
    from cunwu.audit.context import Actor

    seed.seed_jilin(Actor.console())
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}", phone="13904345555")
    cases = {}
    for where, code in TARGETS.items():
        if where == "same village" and role == Role.VILLAGER:
            applicant = actor(me)
            cases[where] = services.submit(applicant, services.CaseInput(village=code, title=f"在{where}"))[0]
            continue
        staff = actor(person("village_staff", code))
        cases[where] = services.submit(staff, services.CaseInput(
            village=code, title=f"在{where}", applicant_phone="13904346666", consent="当面同意"))[0]
    # The same-village case rises to a Lishu civil affairs call-in.
    same = cases["same village"]
    services.escalate(actor(person("village_staff", TARGETS["same village"])), same.number, "需要部门")
    services.dispatch(actor(person("township_officer", TOWN_A)), same.number, ["civil_affairs"])

    client.force_login(me)
    leaks = []
    listed = {c["number"] for c in client.get("/api/v1/cases?status=all&limit=200").json()["results"]}
    try:
        by_command = run("cases", "list", "--status", "all", "--as", me.username)
    except CommandError:
        by_command = ""
    for where, case in cases.items():
        expected = sees_case(role, home, TARGETS[where], where == "same village")
        page = client.get(f"/cases/{case.number}/")
        api = client.get(f"/api/v1/cases/{case.number}")
        receipt = client.get(f"/cases/{case.number}/receipt/")
        seen = {"ui": page.status_code == 200, "api": api.status_code == 200, "list": case.number in listed,
                "command": case.number in by_command,
                "receipt": receipt.status_code == 200 and case.number in receipt.content.decode()}
        for path, saw in seen.items():
            if saw != expected:
                leaks.append(f"{role} {path} case in {where}: saw={saw} expected={expected}")
        if not expected:
            assert page.status_code == 404 and api.status_code == 404
            assert api.json() == client.get("/api/v1/cases/220322100201-20000101-9999").json()
            took = client.post(f"/api/v1/cases/{case.number}/actions/take", {}, content_type="application/json")
            assert took.status_code == 404
            with pytest.raises(CommandError, match="未找到"):
                run("cases", "show", case.number, "--as", me.username)
        if where != "same village":
            assert Case.objects.get(pk=case.pk).version == case.version  # nothing changed by the attempts
    rates = client.get(f"/api/v1/stats/rates?region={TARGETS['other province'][:2]}").status_code
    if (rates == 200) != (role == Role.PROVINCE_ADMIN and home == TARGETS["other province"][:2]):
        leaks.append(f"{role} rates of another province: {rates}")
    assert not leaks, "\n".join(leaks)
