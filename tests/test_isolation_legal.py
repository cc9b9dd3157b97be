"""Isolation of legal consultations, generated like tests/test_isolation.py: every role at its home, against a
question asked in each place, by page, API (one, the queue, answering) and command. Village staff do not read
their villagers' legal questions; the adviser reads those given to them; the county justice bureau, supervisors
and auditors those of their region."""

import pytest
from django.core.management.base import CommandError

from cunwu.accounts.roles import Role
from cunwu.legal import services
from cunwu.legal.models import Consultation

from .conftest import run
from .helpers import actor, person
from .test_isolation import HOMES, TARGETS

HOMES_HERE = {**HOMES, "justice": (HOMES[Role.DEPARTMENT_OFFICER][0], "justice")}


def sees(role, home, where, mine):
    if role == "justice" or role in (Role.SUPERVISOR, Role.AUDITOR):
        return where.startswith(home)
    return mine  # the villager who asked, the adviser it went to; everyone else sees nothing


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(HOMES_HERE), ids=[str(r) for r in HOMES_HERE])
def test_consultation_isolation_for_every_role_on_every_path(role, client):
    home, department = HOMES_HERE[role]
    me = person(Role.DEPARTMENT_OFFICER if role == "justice" else role, home, department=department,
                username=f"me-{role}", phone="13904345555")
    asked = {}
    for where, code in TARGETS.items():
        if where == "same village" and role == Role.VILLAGER:
            asked[where] = services.ask(actor(me), services.ConsultationInput(code, f"在{where}的法律问题，请帮忙"))
            continue
        if role != Role.LEGAL_ADVISER or where != "same village":
            person("legal_adviser", code)
        villager = person("villager", code)
        asked[where] = services.ask(actor(villager), services.ConsultationInput(code, f"在{where}的法律问题，请帮忙"))
    client.force_login(me)
    queue = {c["id"] for c in client.get("/api/v1/legal/consultations?limit=500").json()}
    queue |= {c["id"] for c in client.get("/api/v1/legal/consultations/mine").json()}
    try:
        by_command = run("legal", "consultations", "--as", me.username)
    except CommandError:
        by_command = ""
    leaks = []
    for where, c in asked.items():
        mine = (role == Role.VILLAGER and where == "same village") or c.adviser_id == me.pk
        expected = sees(role, home, TARGETS[where], mine)
        seen = {"ui": client.get(f"/legal/consultations/{c.pk}/").status_code == 200,
                "api": client.get(f"/api/v1/legal/consultations/{c.pk}").status_code == 200,
                "list": c.pk in queue, "command": any(line.startswith(f"{c.pk}\t") for line in by_command.splitlines())}
        for path, saw in seen.items():
            if saw != expected:
                leaks.append(f"{role} {path} consultation in {where}: saw={saw} expected={expected}")
        may_answer = (role == "justice" and TARGETS[where].startswith(home)) or (
            role == Role.LEGAL_ADVISER and c.adviser_id == me.pk)
        answered = client.post(f"/api/v1/legal/consultations/{c.pk}/answer", {"answer": "答复"},
                               content_type="application/json")
        assert answered.status_code == (200 if may_answer else 403 if expected else 404), (role, where)
        if not may_answer:
            assert Consultation.objects.get(pk=c.pk).state == "open"
    assert not leaks, "\n".join(leaks)
