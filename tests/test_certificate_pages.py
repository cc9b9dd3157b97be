"""Certificate pages and API: the village's public list, asking, the staff's checks and issuing, the PDF,
revocation, looking a serial up, counting every verification (failures too), and the figures with .xlsx."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cunwu.accounts.services import create_api_token
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.certificates import catalogue, serials, services
from cunwu.certificates.models import Certificate, CertificateRequest, RequestState, VerificationTally

from .helpers import LISHU, OTHER_COUNTY, TOWN_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, actor, person


@pytest.fixture
def people(db):
    services.seed_types()
    return {
        "villager": person("villager", VILLAGE_A1, phone="13904341111"),
        "staff": person("village_staff", VILLAGE_A1),
        "admin": person("county_admin", LISHU),
        "other_admin": person("county_admin", OTHER_COUNTY),
        "township": person("township_officer", TOWN_A),
    }


def test_the_village_list_is_public_and_names_who_verifies_instead(client, people):
    page = client.get(f"/certificates/village/{VILLAGE_A1}/")
    text = page.content.decode()
    assert page.status_code == 200
    for _code, name, instead in catalogue.NON_ISSUABLE:
        assert name in text and instead in text
    for row in catalogue.ISSUABLE:
        assert row["name"] in text and row["legal_basis"] in text and "、".join(row["checks"]) in text
    assert "申请开具证明" not in text  # nobody signed in: no request button
    client.force_login(people["villager"])
    assert "申请开具证明" in client.get(f"/certificates/village/{VILLAGE_A1}/").content.decode()
    assert client.get(f"/certificates/village/{VILLAGE_A2}/request/").status_code == 404  # not their village
    assert client.get("/certificates/village/999999999999/").status_code == 404


def test_a_villager_asks_and_the_staff_check_and_issue_on_the_pages(client, people):
    client.force_login(people["villager"])
    refused = client.post(f"/certificates/village/{VILLAGE_A1}/request/", {"type": "kinship", "purpose": "银行"})
    req = CertificateRequest.objects.get(type__code="kinship")
    assert refused.status_code == 302 and req.state == RequestState.REFUSED
    assert "公安机关户籍管理部门" in client.get(refused["Location"]).content.decode()
    asked = client.post(f"/certificates/village/{VILLAGE_A1}/request/", {
        "type": "party_residence", "purpose": "单位党支部", "v_residence_since": "1990",
        "v_conduct": "<script>alert(1)</script>遵纪守法"})
    req = CertificateRequest.objects.get(type__code="party_residence")
    assert req.state == RequestState.PENDING and req.applicant_name == people["villager"].full_name
    mine = client.get(asked["Location"]).content.decode()
    assert "&lt;script&gt;" in mine and "<script>alert" not in mine
    assert "签发证明" not in mine and 'name="checks"' not in mine  # the villager gets no issuing form

    client.force_login(people["staff"])
    listed = client.get("/certificates/requests/").content.decode()
    assert "党员在居住地表现情况反馈" in listed
    half = client.post(f"/certificates/requests/{req.pk}/issue/", {"checks": ["核对本人身份"]}, follow=True)
    assert "征求村党组织意见" in half.content.decode()  # named as missing
    assert not Certificate.objects.exists() and CertificateRequest.objects.get(pk=req.pk).state == "pending"
    done = client.post(f"/certificates/requests/{req.pk}/issue/", follow=True, data={
        "checks": ["核对本人身份", "征求村党组织意见"], "v_holder_name": req.values["holder_name"],
        "v_residence_since": "1990", "v_conduct": "遵纪守法，热心公益"})
    assert "已签发" in done.content.decode(), done.content.decode()[-3000:]
    certificate = Certificate.objects.get()
    assert certificate.content["conduct"] == "遵纪守法，热心公益"
    pdf = client.get(f"/certificates/c/{certificate.serial}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="certificates.pdf", object_id=str(certificate.pk)).count() == 1

    client.post(f"/certificates/c/{certificate.serial}/revoke/", {"reason": ""})  # a reason is required
    assert Certificate.objects.get().revoked_at is None
    client.post(f"/certificates/c/{certificate.serial}/revoke/", {"reason": "内容有误，重新出具"})
    assert Certificate.objects.get().revoked_at is not None
    assert "已撤销" in client.get(f"/certificates/v/?code={certificate.serial}").content.decode()


def test_a_major_matter_is_recorded_before_issue_on_the_page(client, people):
    req = services.submit(actor(people["villager"]), services.RequestInput(VILLAGE_A1, "adopter_status", "收养登记", {
        "marital_status": "已婚", "children": "无", "capacity": "有稳定收入"}))
    client.force_login(people["staff"])
    page = client.get(f"/certificates/requests/{req.pk}/").content.decode()
    assert 'name="note"' in page and "签发证明" not in page
    client.post(f"/certificates/requests/{req.pk}/review/", {"note": "2026年11月20日村民代表会议讨论同意"})
    assert CertificateRequest.objects.get(pk=req.pk).state == RequestState.PENDING


def test_lookup_by_serial_or_link_and_every_attempt_is_counted(client, people):
    req = services.submit(actor(people["villager"]), services.RequestInput(VILLAGE_A1, "party_residence", "", {
        "residence_since": "1990", "conduct": "良好"}))
    certificate = services.issue(actor(people["staff"]), req.pk, req.type.checks)
    assert 'name="code"' in client.get("/certificates/v/").content.decode()
    by_serial = client.get(f"/certificates/v/?code={certificate.serial}").content.decode()
    assert "真实有效" in by_serial and "良好" not in by_serial
    link = f"https://cunwu.example/certificates/v/{certificate.token}"
    assert "真实有效" in client.get("/certificates/v/", {"code": link}).content.decode()
    assert "无记录" in client.get("/certificates/v/?code=AAAAAAAAAAAAAAAA").content.decode()
    assert "无法识别" in client.get("/certificates/v/?code=12345").content.decode()
    assert Certificate.objects.get().verifications == 2
    today = timezone.localdate()
    counted = dict(VerificationTally.objects.filter(day=today).values_list("outcome", "count"))
    assert counted == {"valid": 2, "unknown": 1, "malformed": 1}


def test_a_serial_is_read_in_any_case_with_look_alikes_and_at_its_short_address(client, people):
    req = services.submit(actor(people["villager"]), services.RequestInput(VILLAGE_A1, "party_residence", "", {
        "residence_since": "1990", "conduct": "良好"}))
    certificate = services.issue(actor(people["staff"]), req.pk, req.type.checks)
    serial = certificate.serial
    assert len(serial) == 16 and set(serial) <= set(serials.ALPHABET) and not set(serial) & set("ILOU")
    shown = certificate.shown_serial
    typed = [shown, serial.lower(), shown.lower().replace("-", " "), serial.replace("1", "l").replace("0", "o")]
    for code in typed:
        assert "真实有效" in client.get("/certificates/v/", {"code": code}).content.decode(), code
    page = client.get(f"/v/{shown}").content.decode()  # the address printed on the paper
    assert "真实有效" in page and shown in page
    assert "真实有效" in client.get(f"/v/{serial.lower()}").content.decode()
    other = ("0" if serial[0] != "0" else "1") + serial[1:]
    assert "无记录" in client.get(f"/v/{other}").content.decode()  # a typo finds nothing
    assert Certificate.objects.get().verifications == len(typed) + 2
    assert len({serials.new() for _ in range(1000)}) == 1000


def test_the_api_from_request_to_verification(client, people, settings):
    villager = create_api_token(Actor.console(), people["villager"], "phone app")
    staff = create_api_token(Actor.console(), people["staff"], "village desk")

    def call(method, path, token=None, REMOTE_ADDR="127.0.0.1", **data):  # noqa: N803
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if method == "get":
            return client.get("/api/v1/certificates" + path, data, REMOTE_ADDR=REMOTE_ADDR, **headers)
        return client.post("/api/v1/certificates" + path, data, content_type="application/json",
                           REMOTE_ADDR=REMOTE_ADDR, **headers)

    public = call("get", "/types", village=VILLAGE_A1).json()
    assert {t["status"] for t in public} == {"issuable", "non_issuable", "commitment"}
    assert call("post", "/requests", village=VILLAGE_A1, type="kinship").status_code == 401
    refused = call("post", "/requests", villager, village=VILLAGE_A1, type="kinship", purpose="银行")
    assert refused.status_code == 201 and refused.json()["state"] == "refused"
    assert "公安机关" in refused.json()["reason"]
    bad = call("post", "/requests", villager, village=VILLAGE_A1, type="no_such_type")
    assert bad.status_code == 422 and "type" in bad.json()["errors"]
    made = call("post", "/requests", villager, village=VILLAGE_A1, type="student_practice",
                values={"school": "梨树一中", "activity": "暑期图书整理"}).json()
    assert made["state"] == "pending"
    half = call("post", f"/requests/{made['id']}/issue", staff, checks=["核对本人身份"])
    assert half.status_code == 422 and "核实参加活动情况" in half.json()["detail"]
    assert call("post", f"/requests/{made['id']}/issue", villager,
                checks=["核对本人身份", "核实参加活动情况"]).status_code == 403
    issued = call("post", f"/requests/{made['id']}/issue", staff, checks=["核对本人身份", "核实参加活动情况"])
    assert issued.status_code == 201
    body = issued.json()
    assert body["verify_url"].endswith("/certificates/v/" + body["payload"])
    assert call("get", f"/issued/{body['serial']}/pdf", villager).content.startswith(b"%PDF")
    shown = call("post", "/verify", code=body["payload"]).json()
    assert shown["status"] == "valid" and shown["holder"].endswith("*") and "content" not in shown
    assert call("post", "/verify", code=body["serial"]).json()["status"] == "valid"
    assert call("post", f"/issued/{body['serial']}/revoke", staff, reason="").status_code == 422
    assert call("post", f"/issued/{body['serial']}/revoke", staff, reason="学校更正").status_code == 200
    assert call("post", "/verify", code=body["payload"]).json()["status"] == "revoked"
    keys = call("get", "/keys").json()["keys"]
    assert [k["kid"] for k in keys] == [Certificate.objects.get().key.kid]
    settings.CUNWU = {**settings.CUNWU, "VERIFICATIONS_PER_MINUTE": 2}
    codes = [call("post", "/verify", code="x", REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    schema = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/requests", "/requests/{request_id}/issue", "/issued/{serial}/revoke", "/verify", "/keys",
                 "/figures"):
        assert "/api/v1/certificates" + path in schema


def _request_on(village_code, code, who, day, issue_it=False, staff=None, values=None):
    req = services.submit(who, services.RequestInput(village_code, code, "", values or {
        "residence_since": "1990", "conduct": "良好", "address": "一组", "since": "2010"}, applicant_name="李某"))
    CertificateRequest.objects.filter(pk=req.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))))
    if issue_it:
        services.issue(staff, req.pk, req.type.checks)
    return req


def test_figures_count_issued_refused_by_reason_and_commitments(client, people):
    staff_a1, staff_a2 = actor(people["staff"]), actor(person("village_staff", VILLAGE_A2))
    staff_b1 = actor(person("village_staff", VILLAGE_B1))
    day = dt.date(2026, 3, 10)
    _request_on(VILLAGE_A1, "party_residence", staff_a1, day, issue_it=True, staff=staff_a1)
    _request_on(VILLAGE_A1, "kinship", staff_a1, day)
    _request_on(VILLAGE_A1, "kinship", staff_a1, day)
    _request_on(VILLAGE_A2, "residence_commitment", staff_a2, day)
    _request_on(VILLAGE_A2, "no_crime", staff_a2, day)
    _request_on(VILLAGE_B1, "party_residence", staff_b1, day)  # still open
    _request_on(VILLAGE_B1, "kinship", staff_b1, dt.date(2025, 12, 31))  # outside the period
    refused = _request_on(VILLAGE_B1, "party_residence", staff_b1, day)
    services.refuse(staff_b1, refused.pk, "本人不在本村居住")

    result = services.figures(actor(people["admin"]), TOWN_A, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    rows = {r.code: r for r in result.rows}
    assert (rows[VILLAGE_A1].requests, rows[VILLAGE_A1].issued, rows[VILLAGE_A1].refused_not_issuable) == (3, 1, 2)
    assert (rows[VILLAGE_A2].committed, rows[VILLAGE_A2].refused_not_issuable) == (1, 1)
    assert result.total.requests == 5 and result.total.avoided == 4
    county = services.figures(actor(people["admin"]), LISHU, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert county.total.requests == 7 and county.total.open == 1 and county.total.refused_by_staff == 1
    assert {r["type"]: r["count"] for r in county.refusals} == {"kinship": 2, "no_crime": 1}
    assert services.figures(actor(people["admin"]), LISHU, dt.date(2025, 12, 31),
                            dt.date(2025, 12, 31)).total.requests == 1

    client.force_login(people["admin"])
    page = client.get(f"/certificates/figures/?region={LISHU}&from=2026-01-01&to=2026-12-31").content.decode()
    assert "亲属关系证明" in page
    sheet = client.get(f"/certificates/figures/?region={LISHU}&from=2026-01-01&to=2026-12-31&format=xlsx")
    book = load_workbook(io.BytesIO(sheet.content))
    total = list(book["证明事项"].iter_rows(values_only=True))[-1]
    assert total[:9] == (LISHU, "梨树县", 7, 1, 3, 1, 1, 1, 0)
    assert sorted(r[2] for r in list(book["拒绝原因"].iter_rows(values_only=True))[1:]) == [1, 2]
    api = client.get(f"/api/v1/certificates/figures?region={TOWN_A}&from=2026-01-01&to=2026-12-31").json()
    assert api["total"]["requests"] == 5
    assert client.get("/certificates/figures/?region=2201").status_code == 404  # outside Lishu
    assert client.get("/api/v1/certificates/figures?region=220323").status_code == 404
    bad = client.get(f"/api/v1/certificates/figures?region={LISHU}&from=2026-05-01&to=2026-01-01")
    assert bad.status_code == 422
    client.force_login(people["villager"])
    assert client.get(f"/certificates/figures/?region={VILLAGE_A1}").status_code == 404
