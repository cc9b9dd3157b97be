"""Seed 004's diversion of matters and the directory's legal items: applying for the legal-aid item opens a
legal-aid application and for the mediation item a mediation file (never a generic request); a villager's own
matter is helped with by the village and never taken over by the township."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.cases import services as cases
from cunwu.cases import worker
from cunwu.cases.choices import Stage
from cunwu.cases.models import Case
from cunwu.legal import mediation
from cunwu.legal import services as legal
from cunwu.legal.models import MediationCase, Position, Source
from cunwu.notify.models import Notification

from .helpers import LISHU, VILLAGE_A1, VILLAGE_A2, actor, person

AID_ITEM, MEDIATION_ITEM, OWN_ITEM, VILLAGE_ITEM = "22-FL-001", "22-FL-002", "22-CW-003", "22-CW-001"


@pytest.fixture
def people(db):
    mediator = person("mediator", VILLAGE_A1, username="mediator.zhao")
    justice = actor(person("department_officer", LISHU, department="justice"))
    committee = legal.set_committee(justice, VILLAGE_A1)
    legal.add_member(justice, committee.pk, "赵调解", "M", Position.CHAIR, username=mediator.username)
    return {"villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
            "neighbour": actor(person("villager", VILLAGE_A2, phone="13904341119")),
            "staff": actor(person("village_staff", VILLAGE_A1)), "mediator": mediator}


def test_the_legal_items_open_their_own_files_not_a_request(people, client):
    for item, path in ((AID_ITEM, "/legal/aid/new/"), (MEDIATION_ITEM, "/legal/mediation/apply/")):
        with pytest.raises(ValidationError) as refused:
            cases.submit(people["villager"], cases.CaseInput(village=VILLAGE_A1, kind="application", item=item,
                                                             answers={"phone": "13904341111"}))
        assert path in str(refused.value.message_dict["item"])
        page = client.get(f"/village/{VILLAGE_A1}/services/{item}/").content.decode()
        assert f'href="{path}?village={VILLAGE_A1}"' in page, "the directory's button opens the legal form"
        terminal = client.get(f"/terminal/{VILLAGE_A1}/services/{item}/").content.decode()
        assert path.replace("/", "%2F") in terminal, "signed out: signing in leads to the legal form"
    assert not Case.objects.exists()


def test_a_villager_applies_for_mediation_and_the_committee_is_told(people, client):
    client.force_login(people["villager"].user)
    form = {"village": VILLAGE_A1, "category": "neighbours", "summary": "邻居砌墙占了我家通道，要求拆除",
            "applicant_sex": "F", "respondent_name": "", "respondent_sex": "M"}
    refused = client.post("/legal/mediation/apply/", form)
    assert refused.status_code == 200 and "respondent_name" in refused.content.decode()
    assert not MediationCase.objects.exists(), "nothing half-written"
    made = client.post("/legal/mediation/apply/", {**form, "respondent_name": "李四"})
    case = MediationCase.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/legal/mediation/{case.pk}/"
    assert case.source == Source.APPLICATION and case.due_on > case.opened_on
    parties = {p.side: p for p in case.parties.all()}
    assert parties["applicant"].user == people["villager"].user and parties["respondent"].name == "李四"
    assert list(case.mediators.all()) == [people["mediator"]]
    assert Notification.objects.filter(recipient=people["mediator"], kind="mediation_applied").exists()
    assert client.get(f"/legal/mediation/{case.pk}/").status_code == 200, "the applicant follows the file"

    with pytest.raises(NotFound):  # a villager of another village cannot apply at this one
        mediation.apply(people["neighbour"], mediation.MediationApplication(
            village=VILLAGE_A1, category="neighbours", summary="邻居砌墙占了通道，要求拆除", respondent_name="李四",
            respondent_sex="M", applicant_sex="M"))
    for_him = mediation.MediationApplication(
        village=VILLAGE_A1, category="family", summary="兄弟分家对老宅归属有争议", respondent_name="王大",
        respondent_sex="M", applicant_name="王二", applicant_sex="M", applicant_phone="13904341188")
    with pytest.raises(ValidationError) as no_consent:  # staff record the villager's consent
        mediation.apply(people["staff"], for_him)
    assert "consent" in no_consent.value.message_dict
    for_him.consent = "王二本人到村委会当面申请"
    by_staff = mediation.apply(people["staff"], for_him)
    assert by_staff.parties.get(side="applicant").user is None


def test_a_villagers_own_matter_is_never_taken_over_by_the_township(people):
    own, _made = cases.submit(people["villager"], cases.CaseInput(
        village=VILLAGE_A1, kind="application", item=OWN_ITEM, answers={"phone": "13904341111", "product": "玉米5吨"}))
    assert own.matter_kind == "villager_own"
    assert "escalate" not in cases.available_actions(people["staff"], own)
    with pytest.raises(Forbidden) as refused:
        cases.escalate(people["staff"], own.number, "村里卖不掉")
    assert "个人事务" in str(refused.value.message)
    worker.sweep(own.due_at + dt.timedelta(minutes=1))
    own.refresh_from_db()
    assert own.overdue and own.stage == Stage.VILLAGE, "overdue, counted, but still the village's to help with"
    assert own.next_check_at is None, "and not looked at again every minute"

    public, _made = cases.submit(people["villager"], cases.CaseInput(
        village=VILLAGE_A1, kind="application", item=VILLAGE_ITEM, answers={"phone": "13904341111", "where": "三组"}))
    assert public.matter_kind == "village_affairs"
    assert cases.escalate(people["staff"], public.number, "需要乡镇统筹资金").stage == Stage.TOWNSHIP


@pytest.mark.django_db(transaction=True)
def test_the_whistle_is_one_transaction_outside_a_tests_own(regions_loaded):
    """Outside the transaction a test wraps around itself (as in production), escalating locks the case in its own
    transaction: on PostgreSQL a row lock outside one is refused."""
    villager = actor(person("villager", VILLAGE_A1, phone="13904341111"))
    staff = actor(person("village_staff", VILLAGE_A1))
    case, _made = cases.submit(villager, cases.CaseInput(village=VILLAGE_A1, kind="demand", title="村道塌陷",
                                                         description="三组路口塌了一个坑，车过不去"))
    assert cases.escalate(staff, case.number, "需要乡镇协调交通部门").stage == Stage.TOWNSHIP


def test_the_api_and_the_command_follow_the_same_rules(people, client):
    client.force_login(people["villager"].user)
    services_api = client.get(f"/api/v1/villages/{VILLAGE_A1}/services").json()
    by_code = {i["code"]: i for i in services_api}
    assert by_code["22-FL-002"]["opens"] == "mediation" and by_code["22-SB-003"]["parent_code"] == "22-SB"
    made = client.post("/api/v1/legal/mediations/applications", {
        "village": VILLAGE_A1, "category": "neighbours", "summary": "邻居的树枝伸进我家院子，要求修剪",
        "respondent_name": "张三", "respondent_sex": "M", "applicant_sex": "F"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["source"] == "application"
    refused = client.post("/api/v1/cases", {"village": VILLAGE_A1, "kind": "application", "item": "22-FL-001",
                                           "answers": {"phone": "13904341111"}}, content_type="application/json")
    assert refused.status_code == 422 and "/legal/aid/new/" in refused.content.decode()
    own, _made = cases.submit(people["villager"], cases.CaseInput(
        village=VILLAGE_A1, kind="application", item=OWN_ITEM, answers={"phone": "13904341111", "product": "大豆2吨"}))
    client.force_login(people["staff"].user)
    whistle = client.post(f"/api/v1/cases/{own.number}/actions/escalate", {"reason": "卖不掉"},
                          content_type="application/json")
    assert whistle.status_code == 403 and "个人事务" in whistle.json()["detail"]
    assert "escalate" not in client.get(f"/api/v1/cases/{own.number}").json()["actions"]
    out = io.StringIO()
    call_command("legal", "apply-mediation", VILLAGE_A1, "--category", "family", "--summary", "父母赡养费分担有争议",
                 "--respondent", "王大", "--respondent-sex", "M", "--sex", "M", "--name", "王二", "--consent",
                 "王二当面同意", "--as", people["staff"].user.username, stdout=out)
    assert "mediation TJ" in out.getvalue()
