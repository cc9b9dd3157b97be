"""Isolation of certificate requests and certificates, generated like tests/test_isolation.py: every role at its
home, against an issued certificate in each place, by page (request, PDF, revoke), API (request, certificate,
list, revoke) and command (list); out of scope answers 404 like a missing one, and nothing changes."""

import pytest
from django.core.management.base import CommandError

from cunwu.accounts.roles import Role
from cunwu.certificates import services
from cunwu.certificates.models import Certificate

from .conftest import run
from .helpers import TOWN_A, actor, person
from .test_isolation import HOMES, TARGETS

OVERSEERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR}


def sees(role, home, where):
    if role in (Role.VILLAGE_STAFF, Role.VILLAGER):  # the villager: their own request, made at home
        return where == home
    if role == Role.TOWNSHIP_OFFICER:
        return where.startswith(TOWN_A)
    return role in OVERSEERS and where.startswith(home)


def may_revoke(role, home, where):
    return (role == Role.VILLAGE_STAFF and where == home) or (role == Role.COUNTY_ADMIN and where.startswith(home))


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_certificate_isolation_for_every_role_on_every_path(role, client):
    services.seed_types()
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}", phone="13904345555")
    issued = {}
    for where, code in TARGETS.items():
        staff = actor(person("village_staff", code))
        if where == "same village" and role == Role.VILLAGER:
            req = services.submit(actor(me), services.RequestInput(code, "party_residence", "组织要求", {
                "residence_since": "2001", "conduct": "良好"}))
        else:
            req = services.submit(staff, services.RequestInput(code, "party_residence", "组织要求", {
                "residence_since": "2001", "conduct": "良好"}, applicant_name="王某某"))
        issued[where] = services.issue(staff, req.pk, req.type.checks)

    client.force_login(me)
    leaks = []
    listed = {r["id"] for r in client.get("/api/v1/certificates/requests?state=all&limit=500").json()}
    try:
        by_command = run("certificates", "requests", "--as", me.username)
    except CommandError:
        by_command = ""
    missing_page = client.get("/certificates/requests/999999/")
    missing_api = client.get("/api/v1/certificates/issued/AAAAAAAAAAAAAAAA")
    for where, certificate in issued.items():
        expected = sees(role, home, TARGETS[where])
        seen = {
            "ui request": client.get(f"/certificates/requests/{certificate.request_id}/").status_code == 200,
            "ui pdf": client.get(f"/certificates/c/{certificate.serial}.pdf").status_code == 200,
            "api request": client.get(f"/api/v1/certificates/requests/{certificate.request_id}").status_code == 200,
            "api certificate": client.get(f"/api/v1/certificates/issued/{certificate.serial}").status_code == 200,
            "api list": certificate.request_id in listed,
            "command": f"\t{certificate.serial}" in by_command,
        }
        for path, saw in seen.items():
            if saw != expected:
                leaks.append(f"{role} {path} certificate in {where}: saw={saw} expected={expected}")
        if not expected:
            page = client.get(f"/certificates/requests/{certificate.request_id}/")
            assert page.content == missing_page.content
            api = client.get(f"/api/v1/certificates/issued/{certificate.serial}")
            assert api.status_code == 404 and api.json() == missing_api.json()
        revoked_by_api = client.post(f"/api/v1/certificates/issued/{certificate.serial}/revoke",
                                     {"reason": "试图撤销"}, content_type="application/json")
        allowed = may_revoke(role, home, TARGETS[where])
        assert revoked_by_api.status_code == (200 if allowed else 404 if not expected else 403), (role, where)
        if not allowed:
            page = client.post(f"/certificates/c/{certificate.serial}/revoke/", {"reason": "试图撤销"})
            assert page.status_code in (302, 404)
            assert Certificate.objects.get(pk=certificate.pk).revoked_at is None, (role, where)
    assert not leaks, "\n".join(leaks)
