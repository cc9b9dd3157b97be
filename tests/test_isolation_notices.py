"""Notices and warnings for every role, on every path (page, API, command): a village's notices are published
and corrected only by its own staff; a warning's acknowledgements are followed by the officials whose region
holds the issuer, resent or cancelled by the issuing township or county, acknowledged only by the staff of each
village; a warning for a place outside the issuer's jurisdiction is refused."""

import datetime as dt

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.notices import services, warnings
from cunwu.notices.models import Notice, Warning

from .conftest import run
from .helpers import person
from .test_isolation import HOMES, TARGETS

FOLLOWERS = {Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.DEPARTMENT_OFFICER, Role.CITY_ADMIN,
             Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR}


def _may_issue_for(role: str, home: str, code: str) -> bool:
    if role == Role.TOWNSHIP_OFFICER:
        return code.startswith(home)
    return role in (Role.COUNTY_ADMIN, Role.DEPARTMENT_OFFICER) and code.startswith(home)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES), ids=[str(r) for r in HOMES])
def test_notices_and_warnings_for_every_role_on_every_path(role, client):
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}")
    until = timezone.now() + dt.timedelta(hours=6)
    made = {}
    for where, code in TARGETS.items():
        notice = services.publish(Actor.console(), services.NoticeInput(code, "affairs", f"{where}公开", "内容"))
        warning = warnings.issue(Actor.console(), warnings.WarningInput(
            "flood", "red", f"{where}洪水", "转移", [code[:9]], until))
        made[where] = (code, notice, warning)
    client.force_login(me)
    try:
        listed = run("warnings", "list", "--as", me.username)
    except CommandError:
        listed = ""
    leaks = []
    for where, (code, notice, warning) in made.items():
        own_village = role == Role.VILLAGE_STAFF and where == "same village"
        # publishing and correcting: page, API
        page = client.post(f"/notices/village/{code}/new/", {"category": "finances", "title": "财务", "body": "收支"})
        api = client.post("/api/v1/notices", {"village": code, "category": "finances", "title": "财务", "body": "收支"},
                          content_type="application/json")
        fixed = client.post(f"/api/v1/notices/{notice.pk}/correction",
                            {"title": "更正", "body": "更正", "correction": "错字"}, content_type="application/json")
        office = client.post(f"/notices/village/{code}/office/", {"phone": "0434-5201234", "hours": "8:30-17:00"})
        for path, response, ok in (("publish page", page, 302), ("publish api", api, 201), ("correct api", fixed, 201),
                                   ("office page", office, 302)):
            if (response.status_code == ok) != own_village:
                leaks.append(f"{role} {path} in {where}: {response.status_code}")
        # following a warning: page, API, command
        follows = role in FOLLOWERS and warning.issuer_region_id.startswith(home)
        status = client.get(f"/api/v1/warnings/{warning.pk}/status").status_code == 200
        shown = 'id="acks"' in client.get(f"/warnings/{warning.pk}/").content.decode()  # the acknowledgements
        try:
            by_command = "acknowledged" in run("warnings", "status", str(warning.pk), "--as", me.username)
        except CommandError:
            by_command = False
        for path, saw in (("status api", status), ("status page", shown), ("status command", by_command)):
            if saw != follows:
                leaks.append(f"{role} {path} in {where}: follows={saw} expected={follows}")
        if (f"{warning.pk}\tissued" in listed) != follows:
            leaks.append(f"{role} list command in {where}")
        # acknowledging for a village
        ack = client.post(f"/api/v1/warnings/{warning.pk}/acknowledge?village={code}")
        if (ack.status_code == 200) != own_village:
            leaks.append(f"{role} acknowledge in {where}: {ack.status_code}")
        # resending and issuing
        issuer = _may_issue_for(role, home, warning.issuer_region_id)
        resend = client.post(f"/api/v1/warnings/{warning.pk}/resend")
        if (resend.status_code == 200) != issuer or (not issuer and resend.status_code not in (403, 404)):
            leaks.append(f"{role} resend in {where}: {resend.status_code}")
        issued = client.post("/api/v1/warnings", {"kind": "gale", "level": "blue", "title": "大风", "text": "加固",
                                                  "area": [code], "valid_until": until.isoformat()},
                             content_type="application/json")
        if (issued.status_code == 201) != _may_issue_for(role, home, code):
            leaks.append(f"{role} issue for {where}: {issued.status_code}")
    assert not leaks, "\n".join(leaks)
    assert Notice.objects.filter(title="财务").count() == (2 if role == Role.VILLAGE_STAFF else 0)  # page + API
    assert Warning.objects.filter(title="大风").count() == sum(
        _may_issue_for(role, home, code) for code in TARGETS.values())
