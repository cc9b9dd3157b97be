"""Privacy of legal-aid and mediation files for every role, on every path (page, API one, API list, API tracked
list, command): content only for the applicant or parties, the assigned lawyer or the case's mediators and the
county's justice bureau; the village's chain (staff, grid workers, township officers, administrators, supervisors,
auditors, mediators of the area) sees only that a file exists and its state; everyone else nothing."""


import pytest
from django.core.management.base import CommandError

from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.cases.services import Upload
from cunwu.legal import aid, mediation, scans, services
from cunwu.legal.models import AdviserProfile, AidApplication

from .conftest import run
from .helpers import PNG, actor, person
from .test_isolation import HOMES, TARGETS

HOMES_HERE = {**HOMES, "justice": (HOMES[Role.DEPARTMENT_OFFICER][0], "justice")}
TRACKING = {Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.CITY_ADMIN,
            Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.MEDIATOR}


def _files_in(code: str, me, role: str, here: bool):
    """An aid application and a mediation case in a village; at home, the signed-in user takes the part their
    role would have in them."""
    villager = me if (here and role == Role.VILLAGER) else person("villager", code)
    application = aid.apply(actor(villager), aid.AidInput(village=code, matter="labour", no_means="migrant",
                                                          facts=f"在{code}打工被拖欠工资，请求法律援助。"))
    if here and role == Role.LEGAL_ADVISER:  # the lawyer assigned to it
        AdviserProfile.objects.get_or_create(user=me)
        AidApplication.objects.filter(pk=application.pk).update(lawyer=me, state="assigned")
    services.set_committee(Actor.console(), code)
    mediator = me if (here and role == Role.MEDIATOR) else person("mediator", code)
    other = person("villager", code)
    case = mediation.open_case(actor(mediator), mediation.MediationInput(
        village=code, source="application", category="neighbours", summary="宅基地边界纠纷",
        opened_on=None, parties=[
            mediation.PartyInput("applicant", "甲", "F", username=villager.username if villager.username else ""),
            mediation.PartyInput("respondent", "乙", "M", username=other.username)]))
    if here and role == Role.VILLAGER:
        case.parties.filter(side="applicant").update(user=me)
    for kind, pk in (("aid", application.pk), ("mediation", case.pk)):
        scans.add(Actor.console(), kind, pk, [Upload("scan.png", PNG)], "身份证复印件")
    return application, case




@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES_HERE), ids=[str(r) for r in HOMES_HERE])
def test_legal_aid_and_mediation_files_for_every_role_on_every_path(role, client):
    home, department = HOMES_HERE[role]
    me = person(Role.DEPARTMENT_OFFICER if role == "justice" else role, home, department=department,
                username=f"me-{role}")
    made = {where: _files_in(code, me, role, where == "same village") for where, code in TARGETS.items()}
    client.force_login(me)
    lists = {kind: {r["id"] for r in client.get(f"/api/v1/legal/{kind}?limit=500").json()}
             for kind in ("aid", "mediations")}
    tracked = {kind: {r["id"] for r in client.get(f"/api/v1/legal/{kind}/tracked?limit=1000").json()}
               for kind in ("aid", "mediations")}
    try:
        by_command = run("legal", "files", "--as", me.username)
    except CommandError:
        by_command = ""
    command = {line.split("\t")[0]: line.split("\t")[1] for line in by_command.splitlines() if "\t" in line}
    leaks = []
    for where, (application, case) in made.items():
        code = TARGETS[where]
        inside = code.startswith(home)
        mine = where == "same village" and role in (Role.VILLAGER, Role.LEGAL_ADVISER, Role.MEDIATOR)
        reads = (role == "justice" and inside) or mine
        knows = reads or (role in TRACKING and inside)
        for kind, pk, page, api in (
                ("aid", application.pk, f"/legal/aid/{application.pk}/", f"/api/v1/legal/aid/{application.pk}"),
                ("mediations", case.pk, f"/legal/mediation/{case.pk}/", f"/api/v1/legal/mediations/{case.pk}")):
            if kind == "aid" and role == Role.MEDIATOR and mine:
                expected_read, expected_know = False, inside  # the mediator has no part in the aid file
            elif kind == "mediations" and role == Role.LEGAL_ADVISER and mine:
                expected_read, expected_know = False, False
            else:
                expected_read, expected_know = reads, knows
            label = "aid" if kind == "aid" else "mediation"
            scan = (application if kind == "aid" else case).scans.get().pk
            seen = {"page": client.get(page).status_code == 200, "api": client.get(api).status_code == 200,
                    "scan page": client.get(f"/legal/scans/{scan}/").status_code == 200,
                    "scan api": client.get(f"/api/v1/legal/scans/{scan}").status_code == 200,
                    "list": pk in lists[kind], "command-read": command.get(f"{label}:{pk}") == "R"}
            for path, saw in seen.items():
                if saw != expected_read:
                    leaks.append(f"{role} {path} {kind} in {where}: read={saw} expected={expected_read}")
            knew = {"tracked": pk in tracked[kind], "command": f"{label}:{pk}" in command}
            for path, saw in knew.items():
                if saw != expected_know:
                    leaks.append(f"{role} {path} {kind} in {where}: knows={saw} expected={expected_know}")
    assert not leaks, "\n".join(leaks)
    # a step on a file that is not theirs changes nothing
    application, case = made["sibling village"]
    refused = client.post(f"/api/v1/legal/aid/{application.pk}/decision", {"grant": True},
                          content_type="application/json")
    may_decide = role == "justice"
    assert refused.status_code == (200 if may_decide else 404), role
    if not may_decide:
        assert AidApplication.objects.get(pk=application.pk).state == "applied"
    risk = client.post(f"/api/v1/legal/mediations/{case.pk}/risk", {"risk": "orange"},
                       content_type="application/json")
    assert risk.status_code == (200 if may_decide else 404), role
