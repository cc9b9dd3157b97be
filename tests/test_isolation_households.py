"""The village's own data for every role at its home, on every path (page, API, command): a household, its
people, labels and visits are read by the village's staff and by the grid worker of its grid only (a mediator
finds people for a dispute, nothing more); coverage figures are counted by the township and those above and by
the village itself; a data-sharing request is read by its department, decided by its county's administrator;
a ledger is imported by the village's staff only."""

import pytest
from django.core.management.base import CommandError

from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.households import services as hh
from cunwu.households import sharing

from .conftest import run
from .helpers import VILLAGE_A1, actor, person
from .test_isolation import HOMES

COUNTERS = {Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR,
            Role.AUDITOR, Role.VILLAGE_STAFF, Role.GRID_WORKER}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_who_reads_the_villages_own_data_at_home(role, client):
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}")
    grid = hh.create_grid(Actor.console(), VILLAGE_A1, "一网格")
    if role == Role.GRID_WORKER:
        hh.set_grid_workers(Actor.console(), grid.pk, [me.username])
    home_row = hh.create_household(Actor.console(), hh.HouseholdInput(VILLAGE_A1, "东头1号", grid=grid.pk),
                                   hh.PersonInput(name="张老汉", sex="M", birth_date="1940-02-03", phone="13904348888"))
    elder = home_row.members.get()
    label = hh.add_label(Actor.console(), elder.pk, "elderly_alone", "2026-01-05")
    visit = hh.record_visit(actor(person("village_staff", VILLAGE_A1)), hh.VisitInput(
        home_row.pk, elder.pk, None, "phone", "needs_help", "屋顶漏雨"))[0]
    officer = person("department_officer", VILLAGE_A1[:6], department="civil_affairs")
    asked = sharing.ask(actor(officer), sharing.SharingInput("elderly_alone", ["name"], "慰问", "依据"))
    client.force_login(me)

    names = role in (Role.VILLAGE_STAFF, Role.GRID_WORKER)
    for path in (f"/households/{home_row.pk}/", f"/households/people/{elder.pk}/", f"/households/visits/{visit.pk}/",
                 f"/api/v1/households/{home_row.pk}"):
        assert client.get(path).status_code == (200 if names else 404), (role, path)
    found = client.get(f"/api/v1/residents?village={VILLAGE_A1}&q=张老汉")
    assert (found.status_code, len(found.json()) if found.status_code == 200 else 0) in (
        [(200, 1)] if names or role == Role.MEDIATOR else [(200, 0)]), role
    ended = client.post(f"/households/labels/{label.pk}/end/", {"ended_on": "2026-11-01"})
    assert ended.status_code == (302 if names else 404), role
    coverage = client.get(f"/api/v1/households/coverage?region={VILLAGE_A1}")
    assert coverage.status_code == (200 if role in COUNTERS else 404), role
    if coverage.status_code == 200:
        assert "张老汉" not in coverage.content.decode()
    reads_request = role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR,
                             Role.AUDITOR) or (role == Role.DEPARTMENT_OFFICER and department == "civil_affairs")
    assert client.get(f"/api/v1/sharing-requests/{asked.pk}").status_code == (200 if reads_request else 404), role
    decided = client.post(f"/api/v1/sharing-requests/{asked.pk}/decision", {"approve": False, "note": "不需要"},
                          content_type="application/json")
    assert decided.status_code == (200 if role == Role.COUNTY_ADMIN else 403 if reads_request else 404), role
    imported = client.get(f"/households/village/{VILLAGE_A1}/import/")
    assert imported.status_code == (200 if role == Role.VILLAGE_STAFF else 404), role
    try:
        out = run("households", "import", "/dev/null", "--village", VILLAGE_A1, "--as", me.username)
    except CommandError as exc:
        out = str(exc)
    assert ("nothing imported" in out) == (role == Role.VILLAGE_STAFF), (role, out)
