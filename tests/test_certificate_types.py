"""Provinces keep their own certificate types (added, changed in versions, withdrawn) through the page, the API and
the command; a change never alters an issued certificate; a villager refused a certificate the village must not
issue may ask the township to help obtain the proof, as a case with its clock."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.cases import services as cases
from cunwu.cases.choices import Stage, State
from cunwu.cases.models import Case
from cunwu.certificates import services
from cunwu.certificates.models import CertificateRequest, CertificateType, RequestState
from cunwu.notify.models import Notification
from cunwu.regions.models import Region

from .helpers import TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person

PENSION = services.TypeInput(
    name="养老保险待遇领取资格协助核实", status="issuable", legal_basis="《吉林省社会保险经办规程》第十二条",
    purpose="社保经办机构核实", procedure="本人提出，村民委员会入户核实后出具", checks=["核对本人身份", "入户核实"],
    fields=[["since", "在本村居住起始年份"], "居住情况"], limit_days=3, validity_days=90)


@pytest.fixture
def province(db):
    services.seed_types()
    return {
        "admin": actor(person("province_admin", "22")),
        "other": actor(person("province_admin", "21")),
        "county": actor(person("county_admin", VILLAGE_A1[:6])),
        "villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
        "staff": actor(person("village_staff", VILLAGE_A1)),
        "township": person("township_officer", TOWN_A),
    }


def codes_for(village: str) -> set[str]:
    return {t.code for t in services.types_for(village)}


def test_a_province_adds_a_type_its_villages_use_and_no_other_role_or_province_can(province):
    made = services.add_type(province["admin"], "22", "pension_check", PENSION)
    assert made.version == 1 and made.fields == [["holder_name", "姓名"], ["since", "在本村居住起始年份"],
                                                 ["f2", "居住情况"]]
    assert "pension_check" in codes_for(VILLAGE_A1)
    elsewhere = Region.objects.filter(code__startswith="21", level=5).values_list("code", flat=True).first()
    assert elsewhere and "pension_check" not in codes_for(elsewhere), "another province's villages do not see it"
    for who in ("other", "county", "villager", "staff"):
        with pytest.raises(Forbidden):
            services.add_type(province[who], "22", "another_one", PENSION)
    req = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check", "社保",
                                                                      {"since": "1990", "f2": "常住"}))
    assert req.state == RequestState.PENDING and req.type_id == made.pk
    assert AuditEntry.objects.filter(action="certificates.type_added").count() == 1


@pytest.mark.parametrize("code,changes,field,words", [
    ("Bad Code", {}, "code", "小写字母"),
    ("no_basis", {"legal_basis": ""}, "legal_basis", "法律依据"),
    ("no_checks", {"checks": []}, "checks", "至少"),
    ("no_instead", {"status": "non_issuable", "legal_basis": ""}, "verify_instead", "由谁核实"),
    ("kinship", {}, "status", "只能更严"),  # loosening a national non-issuable item
    ("long_limit", {"limit_days": 99}, "limit_days", "0 到 30"),
    ("bad_field", {"fields": [["Bad Name", "标签"]]}, "fields", "小写字母"),
])
def test_bad_types_are_refused_naming_the_rule_and_nothing_is_written(province, code, changes, field, words):
    before = CertificateType.objects.count()
    data = services.TypeInput(**{**PENSION.__dict__, **changes})
    with pytest.raises(ValidationError) as refused:
        services.add_type(province["admin"], "22", code, data)
    assert field in refused.value.message_dict and words in str(refused.value.message_dict[field]), \
        refused.value.message_dict
    assert CertificateType.objects.count() == before


def test_a_change_is_a_new_version_and_never_alters_an_issued_certificate(province):
    services.add_type(province["admin"], "22", "pension_check", PENSION)
    first = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check", "社保",
                                                                        {"since": "1990", "f2": "常住"}))
    certificate = services.issue(province["staff"], first.pk, first.type.checks)
    waiting = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check", "社保",
                                                                          {"since": "1991", "f2": "常住"}))
    renamed = services.TypeInput(**{**PENSION.__dict__, "name": "领取养老金资格核实", "checks": ["核对本人身份"]})
    with pytest.raises(ValidationError):
        services.change_type(province["admin"], "22", "pension_check", renamed, "")  # a reason is needed
    new = services.change_type(province["admin"], "22", "pension_check", renamed, "省人社厅新规程")
    assert new.version == 2
    certificate.refresh_from_db()
    assert certificate.type.name == PENSION.name and certificate.type.retired_at is not None
    verified = services.verify(certificate.token)
    assert verified.status == "valid" and verified.type_name == PENSION.name, "verification shows what was issued"
    waiting.refresh_from_db()
    assert waiting.type_id == new.pk, "a request still waiting moves to the version in force"
    assert services.issue(province["staff"], waiting.pk, ["核对本人身份"]).type.name == "领取养老金资格核实"
    assert [t.version for t in services.province_types("22").history] == [1]

    # made stricter: villages must no longer issue it; what waits is refused and the applicant told
    third = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check", "社保",
                                                                        {"since": "1992", "f2": "常住"}))
    services.change_type(province["admin"], "22", "pension_check", services.TypeInput(
        name="领取养老金资格核实", status="non_issuable", verify_instead="由社会保险经办机构通过人脸识别认证。"),
        "改为数据核验")
    third.refresh_from_db()
    assert third.state == RequestState.REFUSED and "人脸识别" in third.reason
    assert services.may_ask_township(province["villager"], third), "the township route is open to it"
    assert Notification.objects.filter(recipient=province["villager"].user, kind="certificate_decided",
                                       event_key=f"certreq:{third.pk}:refused").exists()
    again = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check"))
    assert again.state == RequestState.REFUSED
    with pytest.raises(Forbidden):
        services.change_type(province["other"], "22", "pension_check", renamed, "越权")


def test_waiting_requests_follow_the_version_in_force(province):
    services.add_type(province["admin"], "22", "pension_check", PENSION)
    plain = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check", "",
                                                                        {"since": "1990", "f2": "常住"}))
    major = services.TypeInput(**{**PENSION.__dict__, "major": True})
    services.change_type(province["admin"], "22", "pension_check", major, "改为重大事项")
    plain.refresh_from_db()
    assert plain.state == RequestState.REVIEW and plain.type.version == 2, "deliberation first, now"
    with pytest.raises(Forbidden):
        services.issue(province["staff"], plain.pk, plain.type.checks)
    services.change_type(province["admin"], "22", "pension_check", services.TypeInput(
        name="居住情况（告知承诺）", status="commitment", legal_basis="国办发〔2020〕42号"), "改为告知承诺")
    plain.refresh_from_db()
    assert plain.state == RequestState.COMMITTED and plain.type.status == "commitment"
    with pytest.raises(Forbidden):  # the console names the province's administrator (--as)
        services.add_type(Actor.console(), "22", "console_type", PENSION)


def test_a_withdrawn_type_leaves_the_list_and_a_national_one_of_its_code_applies_again(province):
    strict = services.TypeInput(name="学生社会实践证明（本省不出具）", status="non_issuable",
                                verify_instead="由学校通过实践基地的记录核实。")
    services.add_type(province["admin"], "22", "student_practice", strict)
    assert services.submit(province["villager"], services.RequestInput(
        VILLAGE_A1, "student_practice")).state == RequestState.REFUSED
    services.add_type(province["admin"], "22", "pension_check", PENSION)
    waiting = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check", "",
                                                                          {"since": "1990", "f2": "常住"}))
    services.retire_type(province["admin"], "22", "pension_check", "并入全省统一核验")
    waiting.refresh_from_db()
    assert waiting.state == RequestState.REFUSED and "并入全省统一核验" in waiting.reason
    assert "pension_check" not in codes_for(VILLAGE_A1)
    with pytest.raises(ValidationError):
        services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "pension_check"))
    with pytest.raises(ValidationError):
        services.add_type(province["admin"], "22", "pension_check", PENSION)  # a code is never reused
    services.retire_type(province["admin"], "22", "student_practice", "恢复全国规定")
    back = services.submit(province["villager"], services.RequestInput(
        VILLAGE_A1, "student_practice", "", {"school": "梨树一中", "activity": "暑期支农"}))
    assert back.state == RequestState.PENDING and back.type.region_code == ""


def test_the_page_the_api_and_the_command_keep_types(province, client):
    assert client.get("/certificates/types/99/").status_code == 404
    assert client.get("/certificates/types/220322/").status_code == 404
    page = client.get("/certificates/types/22/")
    assert page.status_code == 200 and "亲属关系证明" in page.content.decode() and "添加" not in page.content.decode()
    client.force_login(province["admin"].user)
    form = {"code": "pension_check", "name": PENSION.name, "status": "issuable", "legal_basis": "",
            "checks": "核对本人身份\n入户核实", "fields": "since=在本村居住起始年份", "limit_days": "3",
            "validity_days": "90"}
    refused = client.post("/certificates/types/22/", form)
    assert refused.status_code == 200 and "法律依据" in refused.content.decode()
    assert 'value="pension_check"' in refused.content.decode(), "what was typed stays"
    made = client.post("/certificates/types/22/", {**form, "legal_basis": PENSION.legal_basis}, follow=True)
    assert PENSION.name in made.content.decode() and "pension_check" in codes_for(VILLAGE_A1)
    change = client.get("/certificates/types/22/pension_check/")
    assert change.status_code == 200 and "since=在本村居住起始年份" in change.content.decode()
    client.post("/certificates/types/22/pension_check/", {**form, "legal_basis": PENSION.legal_basis,
                                                          "name": "资格核实（第二版）", "reason": "更名"})
    assert services.province_types("22").own[0].version == 2

    api = client.get("/api/v1/certificates/types/province/22").json()
    assert api["own"][0]["name"] == "资格核实（第二版）" and api["history"][0]["version"] == 1
    made_api = client.post("/api/v1/certificates/types/province/22", {
        "code": "land_use", "name": "宅基地使用情况说明", "status": "issuable", "legal_basis": "《土地管理法》第六十二条",
        "checks": ["核对本人身份"], "fields": [["plot", "宅基地位置"]]}, content_type="application/json")
    assert made_api.status_code == 201 and made_api.json()["version"] == 1
    bad = client.post("/api/v1/certificates/types/province/22", {"code": "x", "name": "", "status": "issuable"},
                      content_type="application/json")
    assert bad.status_code == 422 and "code" in bad.json()["errors"]
    changed = client.put("/api/v1/certificates/types/province/22/land_use", {
        "name": "宅基地使用情况说明", "status": "commitment", "legal_basis": "国办发〔2020〕42号", "reason": "改为告知承诺"},
        content_type="application/json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    retired = client.post("/api/v1/certificates/types/province/22/land_use/retire", {"reason": "停用"},
                          content_type="application/json")
    assert retired.status_code == 200 and retired.json()["retired_at"]
    client.force_login(province["other"].user)
    assert client.post("/certificates/types/22/", form).status_code == 404
    assert client.get("/certificates/types/22/pension_check/").status_code == 404
    assert client.post("/api/v1/certificates/types/province/22", {
        "code": "other_one", "name": "别省代填", "status": "issuable", "legal_basis": "无", "checks": ["核对"]},
        content_type="application/json").status_code == 403

    out = io.StringIO()
    call_command("certificates", "type-add", "22", "forest_check", "--name", "林地承包情况说明", "--status",
                 "issuable", "--legal-basis", "《农村土地承包法》", "--check", "核对本人身份", "--field",
                 "plot=林地位置", "--as", province["admin"].user.username, stdout=out)
    assert "added forest_check v1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("certificates", "type-change", "22", "forest_check", "--name", "林地", "--status", "issuable",
                     "--legal-basis", "x", "--check", "y", "--reason", "z", "--as", province["county"].user.username)
    call_command("certificates", "type-retire", "22", "forest_check", "--reason", "停用", "--as",
                 province["admin"].user.username, stdout=out)
    call_command("certificates", "type-history", "22", stdout=out)
    assert "forest_check\tv1\tissuable" in out.getvalue() and "withdrawn forest_check v1" in out.getvalue()


def test_a_refused_non_issuable_certificate_goes_to_the_township_as_a_case_with_its_clock(province, client):
    refused = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "kinship", "银行开户"))
    assert refused.state == RequestState.REFUSED
    client.force_login(province["villager"].user)
    page = client.get(f"/certificates/requests/{refused.pk}/").content.decode()
    assert "请乡镇协助" in page
    answer = client.post(f"/certificates/requests/{refused.pk}/township/", {"note": "需要证明与父亲的关系"})
    number = CertificateRequest.objects.get(pk=refused.pk).township_case
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{number}/"
    case = Case.objects.get(number=number)
    assert case.stage == Stage.TOWNSHIP and case.state == State.NEW and case.owner_id is None
    assert case.stage_due_at is not None and case.respond_by is not None and case.due_at is not None
    assert "亲属关系证明" in case.title and "公安机关" in case.description and "与父亲" in case.description
    assert Notification.objects.filter(recipient=province["township"], kind="case_escalated").exists()
    assert not Notification.objects.filter(kind="case_new", recipient=province["staff"].user).exists(), \
        "the village cannot act on it, so its staff are not asked to"
    again = client.post(f"/api/v1/certificates/requests/{refused.pk}/township", {}, content_type="application/json")
    assert again.json() == {"case": number}, "asked twice, the first case stands"
    assert Case.objects.filter(title=case.title).count() == 1
    township = actor(province["township"])
    assert "take" in cases.available_actions(township, case)
    cases.take(township, number)
    assert Case.objects.get(number=number).responded_on_time is True

    # only what the village must not issue, only once refused, only the applicant or the village's staff
    pending = services.submit(province["villager"], services.RequestInput(
        VILLAGE_A1, "party_residence", "", {"residence_since": "1985", "conduct": "好"}))
    with pytest.raises(Forbidden):
        services.ask_township(province["villager"], pending.pk)
    neighbour = actor(person("villager", VILLAGE_A2))
    mine = services.submit(province["villager"], services.RequestInput(VILLAGE_A1, "no_crime", "应聘"))
    with pytest.raises(NotFound):
        services.ask_township(neighbour, mine.pk)
    with pytest.raises(ValidationError) as no_consent:
        services.ask_township(province["staff"], mine.pk)
    assert "consent" in no_consent.value.message_dict
    out = io.StringIO()
    call_command("certificates", "ask-township", str(mine.pk), "--consent", "本人当面同意", "--as",
                 province["staff"].user.username, stdout=out)
    assert Case.objects.get(number=CertificateRequest.objects.get(pk=mine.pk).township_case).stage == Stage.TOWNSHIP


def test_the_staff_are_told_of_a_request_and_the_applicant_of_the_decision(province):
    req = services.submit(province["villager"], services.RequestInput(
        VILLAGE_A1, "party_residence", "", {"residence_since": "1985", "conduct": "好"}))
    told = Notification.objects.get(recipient=province["staff"].user, kind="certificate_request")
    assert told.link == f"/certificates/requests/{req.pk}/" and "党员" in told.params["ref"]
    services.issue(province["staff"], req.pk, req.type.checks)
    assert Notification.objects.filter(recipient=province["villager"].user, kind="certificate_decided").count() == 1
