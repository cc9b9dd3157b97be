"""Legal aid and people's mediation: the aid clock across holidays with a pause for materials, rural priority
limits, refusal, objection, assignment and outcome; the mediation lifecycle from screening to a signed, sealed
agreement confirmed by a court, a failed mediation, extensions, high-risk alerts; the agreement PDF; the figures."""

import datetime as dt
from decimal import Decimal

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.models import AuditEntry
from cunwu.legal import aid, mediation, publicity, services, statistics
from cunwu.legal.models import AdviserProfile, AidState, Consultation, MediationState, PoliceOfficer, Position
from cunwu.notify.models import Notification

from .helpers import LISHU, PNG, PROVINCE, TOWN_A, VILLAGE_A1, VILLAGE_A2, Clock, actor, at, person, texts


@pytest.fixture
def people(db):
    lawyer = person("legal_adviser", VILLAGE_A1, username="lawyer.wang", phone="13904346666")
    AdviserProfile.objects.create(user=lawyer, organisation="梨树县法律援助中心", work_phone="0434-5200000")
    mediator = person("mediator", VILLAGE_A1, username="mediator.li", phone="13904342222")
    return {
        "justice": actor(person("department_officer", LISHU, department="justice", phone="13904341234")),
        "lawyer": actor(lawyer), "mediator": actor(mediator),
        "villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
        "neighbour": actor(person("villager", VILLAGE_A1, phone="13904341112")),
        "staff": actor(person("village_staff", VILLAGE_A1)),
        "township": actor(person("township_officer", TOWN_A, phone="13904343333")),
        "province": actor(person("province_admin", PROVINCE)),
    }


def _wages(people, **extra):
    data = {"village": VILLAGE_A1, "matter": "labour", "no_means": "migrant", "rural": "migrant_wages",
            "opponent": "某建筑公司", "facts": "在工地干了八个月，包工头拖欠工资三万二千元，多次讨要未果。", **extra}
    return aid.apply(people["villager"], aid.AidInput(**data))


def test_aid_decision_limit_runs_across_holidays_and_stops_for_materials(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 9, 28, 10, 0))  # Monday before the National Day week
    application = _wages(people, rural="")
    # 7 working days from the 29th: 29, 30, (1-7 October off), 8, 9, 10 (a make-up working Saturday), 12, 13.
    assert timezone.localtime(application.due_at) == at(2026, 10, 14)
    assert application.hardship == "exempt" and application.number.startswith("FY2026220322")
    assert texts(phone="13904341234", purpose="work").exists()  # the bureau is told

    clock.now = at(2026, 9, 30, 10, 0)  # 1 day 10 hours used
    aid.ask_for_materials(people["justice"], application.pk, ["工资欠条或考勤记录", "身份证复印件"])
    with pytest.raises(Forbidden):  # everything missing is told at once
        aid.ask_for_materials(people["justice"], application.pk, ["还有一样"])
    clock.now = at(2026, 10, 9, 10, 0)
    application = aid.supply_materials(people["villager"], application.pk, "已补交")
    # 5 days 14 hours were left: the rest of the 9th (14 h), then 10, 12, 13, 14, 15 October.
    assert timezone.localtime(application.due_at) == at(2026, 10, 16)
    assert application.paused_seconds == 9 * 86400 and application.state == AidState.APPLIED

    clock.now = at(2026, 10, 15, 16, 0)
    application = aid.decide(people["justice"], application.pk, grant=True)
    assert application.decision_on_time is True and application.state == AidState.GRANTED
    # assignment within 3 working days of the decision: 16, 19, 20 October
    assert timezone.localtime(application.due_at) == at(2026, 10, 21)


def test_rural_cases_run_on_the_province_limits(people, monkeypatch):
    with pytest.raises(ValidationError) as bad:
        aid.set_priority_limits(people["province"], PROVINCE, decision=9, assignment=2, agreement=3)
    assert "decision" in bad.value.message_dict
    with pytest.raises(NotFound):
        aid.set_priority_limits(people["justice"], PROVINCE, decision=3, assignment=2, agreement=3)
    aid.set_priority_limits(people["province"], PROVINCE, decision=3, assignment=1, agreement=2)
    Clock(monkeypatch, at(2026, 11, 2, 9, 0))  # a Monday
    rural = _wages(people)
    plain = _wages(people, rural="", no_means="", hardship="pledge", matter="maintenance")
    assert timezone.localtime(rural.due_at) == at(2026, 11, 6)  # 3, 4, 5 November
    assert timezone.localtime(plain.due_at) == at(2026, 11, 12)  # 7 working days


def test_aid_refusal_objection_assignment_and_outcome(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 2, 9, 0))
    application = _wages(people, no_means="", hardship="pledge", rural="", matter="maintenance")
    with pytest.raises(ValidationError) as bad:  # the decision cannot precede the application
        aid.decide(people["justice"], application.pk, grant=False, reasons="不符合经济困难标准，理由详见决定书。",
                   at=at(2026, 11, 1, 9, 0))
    assert "at" in bad.value.message_dict
    with pytest.raises(ValidationError):  # a refusal needs its reasons in writing
        aid.decide(people["justice"], application.pk, grant=False, reasons="不行")
    with pytest.raises(NotFound):  # village staff only see that it exists
        aid.decide(people["staff"], application.pk, grant=True)
    clock.now = at(2026, 11, 3, 9, 0)
    aid.decide(people["justice"], application.pk, grant=False, reasons="申请事项不属于法律援助范围，理由详见决定书。")
    assert state_of(application) == AidState.REFUSED
    aid.object_to_refusal(people["villager"], application.pk, "赡养费属于法律援助事项，请求复查。")
    with pytest.raises(NotFound):
        aid.object_to_refusal(people["neighbour"], application.pk, "我也有异议")
    clock.now = at(2026, 11, 5, 9, 0)
    aid.decide_objection(people["justice"], application.pk, upheld=True, reply="异议成立，给予法律援助。")
    assert state_of(application) == AidState.GRANTED
    with pytest.raises(ValidationError):
        aid.assign(people["justice"], application.pk, "nobody")
    aid.assign(people["justice"], application.pk, "lawyer.wang")
    assert texts(phone="13904346666", body__contains=application.number).exists()
    with pytest.raises(NotFound):  # another adviser is not the lawyer
        aid.accept(actor(person("legal_adviser", VILLAGE_A2)), application.pk)
    clock.now = at(2026, 11, 6, 9, 0)
    done = aid.accept(people["lawyer"], application.pk)
    assert done.accepted_on_time is True and done.state == AidState.ACCEPTED
    with pytest.raises(ValidationError):
        aid.close(people["lawyer"], application.pk, "won", "判决支持赡养费", recovered="一万")
    closed = aid.close(people["lawyer"], application.pk, "won", "法院判决每月支付赡养费800元", recovered="9600")
    assert closed.recovered == Decimal("9600.00") and closed.state == AidState.CLOSED
    # the file's timeline comes from the audit chain, reads left out
    aid.get_application(people["villager"], application.pk)
    steps = [e["action"] for e in services.timeline(closed)]
    assert steps == ["legal.aid.applied", "legal.aid.refused", "legal.aid.objected", "legal.aid.objection_decided",
                     "legal.aid.assigned", "legal.aid.accepted", "legal.aid.closed"]


def state_of(application):
    application.refresh_from_db()
    return application.state


def test_aid_bad_input_hardship_and_urgent_help(people, monkeypatch):
    Clock(monkeypatch, at(2026, 11, 2, 9, 0))
    with pytest.raises(ValidationError) as bad:  # no village income certificate: a pledge or a data check
        _wages(people, no_means="", rural="", hardship="village_certificate")
    assert "hardship" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:
        _wages(people, matter="maintenance")  # the migrant group is for wages and work injury
    assert "no_means" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:
        _wages(people, limitation_ends=dt.date(2026, 10, 1))
    assert "limitation_ends" in bad.value.message_dict
    relaxed = _wages(people, limitation_ends=dt.date(2027, 3, 1))
    with pytest.raises(ValidationError):
        aid.give_urgent_help(people["justice"], relaxed.pk, "先行提供法律援助")
    urgent = _wages(people, limitation_ends=dt.date(2026, 11, 6))
    assert aid.needs_urgent_help(urgent)
    assert aid.give_urgent_help(people["justice"], urgent.pk, "律师先行代为起诉，中断时效。").urgent_at


def _case(people, risk="yellow", **extra):
    screening = mediation.record_screening(people["mediator"], VILLAGE_A1, dt.date(2026, 11, 2), visited=40,
                                           found=2, note="入户走访")
    data = {"village": VILLAGE_A1, "source": "screening", "category": "neighbours", "screening": screening.pk,
            "summary": "张家盖房占用李家通行道路约一米，双方多次争吵。", "risk": risk,
            "opened_on": dt.date(2026, 11, 3),
            "parties": [mediation.PartyInput("applicant", "李某", "F", dt.date(1962, 5, 1), "汉族", "农民",
                                             "13904341111", "梨树县喇嘛甸镇", username=people["villager"].user.username),
                        mediation.PartyInput("respondent", "张某", "M", dt.date(1970, 8, 9), "汉族", "农民",
                                             "13904341112", username=people["neighbour"].user.username)], **extra}
    return mediation.open_case(people["mediator"], mediation.MediationInput(**data))


@pytest.fixture
def committee(people):
    committee = services.set_committee(people["justice"], VILLAGE_A1)
    services.add_member(people["justice"], committee.pk, "李调解", "M", Position.CHAIR,
                        username=people["mediator"].user.username)
    return committee


TERMS = [{"text": "张某将围墙向东拆除一米，恢复通道", "how": "自行拆除", "by": "2026-11-30"},
         {"text": "李某补偿张某拆墙费用2000元", "how": "现金当面支付", "by": "2026-11-20"}]


def test_mediation_from_screening_to_a_court_confirmed_agreement(people, committee, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 5, 10, 0))
    PoliceOfficer.objects.create(village_id=VILLAGE_A1, name="赵警官", station="喇嘛甸派出所",
                                 work_phone="13904349999")
    case = _case(people, risk="red")
    assert case.due_on == dt.date(2026, 12, 3) and case.committee == committee
    alerts = set(texts(body__contains=case.number).values_list("phone", flat=True))
    assert alerts == {"13904343333", "13904349999"}  # the township officer and the village's police officer
    with pytest.raises(ValidationError):  # a session before the case was accepted
        mediation.add_session(people["mediator"], case.pk, dt.date(2026, 11, 1), "村委会", "第一次调解")
    mediation.add_session(people["mediator"], case.pk, dt.date(2026, 11, 4), "村委会调解室", "双方陈述，现场查看。")
    with pytest.raises(ValidationError):
        mediation.draft_agreement(people["mediator"], case.pk, "事实", "争议", "责任", [{"text": "x", "how": "", "by": ""}])
    mediation.draft_agreement(people["mediator"], case.pk, "张某2026年春建房时将院墙外扩约一米，占用李某出行道路。",
                              "通道是否被占用及恢复方式。", "张某占道应当恢复；李某自愿补偿部分拆墙费用。", TERMS)
    with pytest.raises(ValidationError) as bad:  # cannot take effect without every signature
        mediation.seal(people["mediator"], case.pk)
    assert "李某" in str(bad.value) and "张某" in str(bad.value)
    parties = {p.name: p for p in case.parties.all()}
    with pytest.raises(NotFound):  # nobody else signs for a party
        mediation.sign(people["staff"], case.pk, parties["李某"].pk)
    mediation.sign(people["villager"], case.pk, parties["李某"].pk)  # online, herself
    with pytest.raises(Forbidden):  # a party cannot sign for the other
        mediation.sign(people["villager"], case.pk, parties["张某"].pk)
    mediation.sign(people["mediator"], case.pk, parties["张某"].pk, how="fingerprint")  # in person
    with pytest.raises(Forbidden):  # once signed, the text is fixed
        mediation.draft_agreement(people["mediator"], case.pk, "改", "改", "改", TERMS)
    with pytest.raises(ValidationError) as bad:
        mediation.seal(people["mediator"], case.pk)
    assert "调解员" in str(bad.value) or "mediator" in str(bad.value)
    mediation.sign(people["mediator"], case.pk)
    case = mediation.seal(people["mediator"], case.pk)
    assert case.state == MediationState.SUCCEEDED and case.agreement.effective_at
    mediation.follow_up(people["mediator"], case.pk, "full", "已拆除围墙，款项已付", dt.date(2026, 11, 5))
    clock.now = at(2026, 12, 20, 10, 0)
    with pytest.raises(ValidationError) as bad:  # 30 days from 5 November
        mediation.apply_for_confirmation(people["mediator"], case.pk, "梨树县人民法院", dt.date(2026, 12, 10))
    assert "applied_on" in bad.value.message_dict
    mediation.apply_for_confirmation(people["mediator"], case.pk, "梨树县人民法院", dt.date(2026, 11, 20))
    with pytest.raises(ValidationError):  # the court cannot decide before the application
        mediation.record_court_decision(people["mediator"], case.pk, True, dt.date(2026, 11, 19))
    case = mediation.record_court_decision(people["mediator"], case.pk, True, dt.date(2026, 11, 23))
    assert case.court == "confirmed"
    steps = [e["action"] for e in services.timeline(case)]
    assert steps[:3] == ["legal.mediation.opened", "legal.mediation.alerted", "legal.mediation.session"]
    assert steps[-1] == "legal.mediation.court_decided"


def test_failed_mediation_extension_and_who_reads(people, committee, monkeypatch):
    Clock(monkeypatch, at(2026, 11, 5, 10, 0))
    case = _case(people)
    assert not texts(body__contains="高风险").exists()
    parties = list(case.parties.values_list("pk", flat=True))
    with pytest.raises(ValidationError):  # every party must consent
        mediation.extend(people["mediator"], case.pk, parties[:1], dt.date(2026, 12, 20), "需要丈量")
    with pytest.raises(ValidationError):  # within one more month
        mediation.extend(people["mediator"], case.pk, parties, dt.date(2027, 2, 1), "需要丈量")
    mediation.extend(people["mediator"], case.pk, parties, dt.date(2026, 12, 20), "需要请国土所丈量")
    with pytest.raises(Forbidden):
        mediation.extend(people["mediator"], case.pk, parties, dt.date(2026, 12, 25), "再延")
    mediation.set_risk(people["mediator"], case.pk, "red")  # raised later: the alert goes now
    assert texts(phone="13904343333", body__contains=case.number).exists()
    ended = mediation.end(people["mediator"], case.pk, "failed", "双方分歧较大，告知可向法院起诉。")
    assert ended.state == MediationState.FAILED
    with pytest.raises(Forbidden):
        mediation.follow_up(people["mediator"], case.pk, "full")
    # content for the parties, the mediator and the justice bureau; existence and state for the village staff
    for who in ("villager", "neighbour", "mediator", "justice"):
        assert mediation.get_case(people[who], case.pk).summary
    for who in ("staff", "township"):
        with pytest.raises(NotFound):
            mediation.get_case(people[who], case.pk)
        listed = list(mediation.tracked(people[who], VILLAGE_A1))
        assert [r["state"] for r in listed] == ["failed"] and "summary" not in listed[0]
    reads = AuditEntry.objects.filter(action="legal.mediation.read", object_id=str(case.pk)).count()
    assert reads == 4


def test_agreement_pdf_renders_chinese(people, committee, monkeypatch, tmp_path):
    Clock(monkeypatch, at(2026, 11, 5, 10, 0))
    case = _case(people)
    mediation.draft_agreement(people["mediator"], case.pk, "张某建房时院墙外扩约一米，占用李某出行道路。",
                              "通道是否被占用。", "张某恢复通道；李某补偿拆墙费用。", TERMS)
    for party in case.parties.all():
        mediation.sign(people["mediator"], case.pk, party.pk)
    mediation.sign(people["mediator"], case.pk)
    mediation.seal(people["mediator"], case.pk)
    with pytest.raises(NotFound):
        mediation.agreement_pdf(people["staff"], case.pk)
    _case_, data = mediation.agreement_pdf(people["villager"], case.pk)
    document = pypdfium2.PdfDocument(data)
    text = document[0].get_textpage().get_text_range()
    for words in ("人民调解协议书", "李某", "张某", "恢复通道", "2026年11月30日前", "已盖章", "本协议已生效"):
        assert words in text, words
    image = document[0].render(scale=1.5).to_pil()
    image.save(tmp_path / "agreement.png")
    from pathlib import Path
    shots = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    image.save(shots / "40-mediation-agreement.png")
    dark = image.convert("L").point(lambda px: 255 if px < 128 else 0).histogram()[255]
    assert dark > 5000  # glyphs were drawn, not empty boxes


def test_figures_for_a_county(people, committee, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 5, 10, 0))
    ok = _case(people)
    mediation.end(people["mediator"], ok.pk, "succeeded", "口头协议，当场履行", amount="500")
    failed = _case(people)
    mediation.end(people["mediator"], failed.pk, "failed", "未达成一致")
    _case(people)  # still open: not mediated yet
    application = _wages(people)
    aid.decide(people["justice"], application.pk, grant=True)
    aid.assign(people["justice"], application.pk, "lawyer.wang")
    aid.accept(people["lawyer"], application.pk)
    aid.close(people["lawyer"], application.pk, "won", "追回工资", recovered="32000")
    publicity.record_event(people["staff"], VILLAGE_A1, "performance", "civil_code", "民法典进乡村", "村文化广场",
                           dt.date(2026, 11, 4), attendance=180, troupe="梨树县二人转剧团", subsidy="3000")
    with pytest.raises(ValidationError):
        publicity.record_event(people["staff"], VILLAGE_A1, "lecture", "civil_code", "讲座", "村委会",
                               dt.date(2026, 11, 4), attendance=30, subsidy="100")
    clock.now = at(2026, 11, 20, 10, 0)
    with pytest.raises(NotFound):
        statistics.report(people["villager"], LISHU, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    result = statistics.report(people["justice"], LISHU, dt.date(2026, 1, 1), dt.date(2026, 11, 20))
    t = result.total
    assert (t.mediations_accepted, t.mediated, t.succeeded, t.success_rate) == (3, 2, 1, 0.5)
    assert (t.screenings, t.disputes_found) == (3, 6)
    assert (t.aid_applications, t.aid_granted, t.aid_assigned, t.aid_closed, t.recovered) == (
        1, 1, 1, 1, Decimal("32000"))
    assert (t.events, t.attendance, t.performances, t.subsidy) == (1, 180, 1, Decimal("3000"))
    town = next(r for r in result.rows if r.code == TOWN_A)
    assert town.mediated == 2
    assert ("2026-11", 3, 1) in result.by_month
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(statistics.to_xlsx(result)))
    sheet = book["公共法律服务"]
    header = [c.value for c in sheet[2]]
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[header.index("调解成功率")] == 0.5 and last[header.index("挽回损失(元)")] == 32000


def test_pages_for_files_and_figures(people, committee, client):
    application = _wages(people)
    case = _case(people)
    client.force_login(people["justice"].user)
    page = client.get(f"/legal/aid/{application.pk}/")
    assert page.status_code == 200 and "在工地干了八个月" in page.content.decode()
    client.post(f"/legal/aid/{application.pk}/grant/")
    assert state_of(application) == AidState.GRANTED
    figures = client.get(f"/legal/figures/?region={LISHU}")
    body = figures.content.decode()  # the legal-aid month has its bar; a chart with nothing says so
    assert figures.status_code == 200 and '<meter min="0" max="100"' in body and "本期暂无数据" in body
    sheet = client.get(f"/legal/figures/?region={LISHU}&format=xlsx")
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"/legal/figures/?region={LISHU}&start=2026-12-01&end=2026-01-01").status_code == 302
    client.force_login(people["mediator"].user)
    body = client.get(f"/legal/mediation/{case.pk}/").content.decode()
    assert "张家盖房" in body
    assert body.count('name="term_text"') == 2  # no agreement yet: two empty rows of terms
    client.post(f"/legal/mediation/{case.pk}/agreement/", {  # terms as rows; an empty row is left out
        "facts": "张某院墙外扩占道。", "matters": "通道。", "responsibilities": "张某恢复通道。",
        "term_text": ["拆除外扩院墙", "", "李某补偿拆墙费用2000元"], "term_how": ["自行拆除", "", "现金当面支付"],
        "term_by": ["2026-12-30", "", "2026-12-20"]})
    case.refresh_from_db()
    assert [t["how"] for t in case.agreement.terms] == ["自行拆除", "现金当面支付"]
    body = client.get(f"/legal/mediation/{case.pk}/").content.decode()
    assert body.count('name="term_text"') == 4 and 'value="2026-12-20"' in body  # the two kept, two more to add
    half = client.post(f"/legal/mediation/{case.pk}/agreement/", {  # a row without its date is refused
        "facts": "张某院墙外扩占道。", "matters": "通道。", "responsibilities": "张某恢复通道。",
        "term_text": ["拆除外扩院墙"], "term_how": ["自行拆除"], "term_by": [""]}, follow=True)
    assert "每一条协议内容都要写明" in half.content.decode()
    case.refresh_from_db()
    assert len(case.agreement.terms) == 2
    sealed = client.post(f"/legal/mediation/{case.pk}/seal/", follow=True).content.decode()
    assert "李某、张某、" in sealed  # the refusal names everyone who has not signed
    client.force_login(people["staff"].user)
    assert client.get(f"/legal/mediation/{case.pk}/").status_code == 404
    listing = client.get("/legal/files/").content.decode()
    assert case.number in listing and "张家盖房" not in listing




def test_scans_on_files_checked_stored_and_read_by_those_who_read_the_file(people, committee, client, settings,
                                                                          tmp_path):
    """Materials sent with the applicant's answer to the one-time list, a signed paper agreement on a mediation
    file; wrong types and oversize files refused with nothing stored; reads audited; the chain never opens them."""
    from cunwu.cases.services import Upload
    from cunwu.legal import scans
    from cunwu.legal.models import Scan

    settings.MEDIA_ROOT = tmp_path
    application = _wages(people)
    aid.ask_for_materials(people["justice"], application.pk, ["劳动关系证明"])
    client.force_login(people["villager"].user)
    page = client.get(f"/legal/aid/{application.pk}/").content.decode()
    assert 'name="files"' in page  # the applicant sends them from the file's page
    refused = client.post(f"/legal/aid/{application.pk}/supplied/", {
        "note": "工友证明", "files": [SimpleUploadedFile("x.exe", b"MZ" + b"\0" * 64)]}, follow=True)
    assert "不是照片" in refused.content.decode()
    assert state_of(application) == AidState.AWAITING and not Scan.objects.exists()  # nothing half-done
    sent = client.post(f"/legal/aid/{application.pk}/supplied/", {
        "note": "工友证明", "files": [SimpleUploadedFile("proof.png", PNG, "image/png")]}, follow=True)
    assert sent.status_code == 200 and state_of(application) == AidState.APPLIED
    scan = application.scans.get()
    assert scan.content_type == "image/png" and scan.size == len(PNG)
    served = client.get(f"/legal/scans/{scan.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert served["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="legal.aid.scan_read", object_id=str(application.pk)).count() == 1

    case = _case(people)
    settings.CUNWU = {**settings.CUNWU, "ATTACHMENT_MAX_BYTES": 100}
    with pytest.raises(ValidationError) as too_big:
        scans.add(people["mediator"], "mediation", case.pk, [Upload("big.png", PNG + b"\0" * 100)], "协议书扫描件")
    assert "big.png" in str(too_big.value)
    with pytest.raises(ValidationError):
        scans.add(people["mediator"], "mediation", case.pk, [Upload("a.png", PNG)], "  ")  # say what it is
    with pytest.raises(Forbidden):  # a party reads the file but does not add to it
        scans.add(people["villager"], "mediation", case.pk, [Upload("a.png", PNG)], "协议书扫描件")
    client.force_login(people["mediator"].user)
    added = client.post(f"/api/v1/legal/mediations/{case.pk}/scans",
                        {"what": "双方签名的纸质协议书", "files": [SimpleUploadedFile("signed.png", PNG)]})
    assert added.status_code == 200, added.content
    body = added.json()
    assert body["scans"][0]["what"] == "双方签名的纸质协议书"
    assert "添加了扫描件或照片" in [s["label"] for s in body["timeline"]]
    scan = case.scans.get()
    for who, expected in (("neighbour", 200), ("justice", 200), ("staff", 404), ("township", 404)):
        client.force_login(people[who].user)
        assert client.get(f"/api/v1/legal/scans/{scan.pk}").status_code == expected, who


def test_pages_for_the_provinces_limits_and_demonstration_villages(people, client):
    from cunwu.legal.models import AidPriorityLimits, DemonstrationVillage

    client.force_login(people["province"].user)
    page = client.get("/legal/aid/limits/").content.decode()
    assert 'value="7"' in page and "法律规定" in page  # the law's limits until the province sets its own
    refused = client.post("/legal/aid/limits/", {"decision": "9", "assignment": "2", "agreement": "3"})
    assert refused.status_code == 200 and "1 至 7 个工作日" in refused.content.decode()
    assert not AidPriorityLimits.objects.exists()
    client.post("/legal/aid/limits/", {"decision": "3", "assignment": "2", "agreement": "3"})
    assert AidPriorityLimits.objects.get(province_id=PROVINCE).decision == 3
    for who in ("justice", "staff", "villager"):
        client.force_login(people[who].user)
        assert client.get("/legal/aid/limits/").status_code == 404, who

    client.force_login(people["justice"].user)
    page = client.get(f"/legal/demonstration/?region={LISHU}").content.decode()
    assert f'value="{VILLAGE_A1}"' in page
    client.post(f"/legal/demonstration/?region={LISHU}", {"village": VILLAGE_A1, "level": "county", "year": "2025"})
    assert DemonstrationVillage.objects.get(village_id=VILLAGE_A1).level == "county"
    again = client.post(f"/legal/demonstration/?region={LISHU}",
                        {"village": VILLAGE_A1, "level": "county", "year": "2026"}).content.decode()
    assert "已获得该称号" in again
    client.force_login(people["staff"].user)  # the titles are public; only the bureau records them
    page = client.get(f"/legal/demonstration/?region={LISHU}").content.decode()
    assert f"<span class=\"help\">{VILLAGE_A1}</span>" in page and 'name="level"' not in page
    assert client.post(f"/legal/demonstration/?region={LISHU}", {"village": VILLAGE_A2, "level": "county",
                                                                "year": "2025"}).status_code == 404


def test_legal_limits_are_supervised_like_cases(people, committee, monkeypatch):
    """75% warnings to whoever must act, then overdue marks escalated to the county justice bureau; a second
    sweep tells nobody twice."""
    from cunwu.legal import supervise

    def told(user, kind):
        return Notification.objects.filter(recipient=user, kind=kind).count()

    clock = Clock(monkeypatch, at(2026, 11, 5, 10, 0))  # Thursday
    application = _wages(people, rural="")
    case = _case(people)
    lawyer, justice, mediator = people["lawyer"].user, people["justice"].user, people["mediator"].user
    question = services.ask(people["villager"], services.ConsultationInput(
        VILLAGE_A1, "邻居家的树根把我家院墙顶裂了，找他说不理，我该怎么办？"))
    adviser = question.adviser
    assert supervise.sweep() == {}  # nothing near its limit yet
    clock.now = question.due_at - (question.due_at - question.created_at) * 0.2  # 80% of the answer time used
    done = supervise.sweep()
    assert done["warned"] >= 1 and told(adviser, "legal_question") == 2  # asked, then warned
    clock.now = question.due_at + dt.timedelta(minutes=1)
    supervise.sweep()
    supervise.sweep()  # a second worker, or the same run again
    assert told(adviser, "legal_overdue") == 1 and told(justice, "legal_overdue") == 1  # escalated to the bureau
    assert Consultation.objects.get(pk=question.pk).watch_level == 2
    clock.now = application.due_at + dt.timedelta(hours=1)  # the bureau's decision is late
    supervise.sweep()
    assert Notification.objects.filter(recipient=justice, kind="legal_overdue",
                                       event_key__startswith=f"legal_aid:{application.pk}:").count() == 1
    clock.now = at(2026, 12, 4, 1, 0)  # the mediation's month is over
    supervise.sweep()
    assert told(mediator, "legal_overdue") == 1
    assert Notification.objects.filter(recipient=justice, kind="legal_overdue",
                                       event_key__startswith=f"mediation_assigned:{case.pk}:").count() == 1
    assert told(people["township"].user, "legal_overdue") == 0  # not theirs
    assert adviser == lawyer and told(lawyer, "legal_overdue") == 1  # the village's adviser: the question only
    supervise.sweep()
    assert Notification.objects.filter(kind="legal_overdue").count() == 5


def test_the_justice_bureau_inbox_holds_aid_to_decide_and_assign(people, monkeypatch):
    from cunwu.web import inbox

    Clock(monkeypatch, at(2026, 11, 5, 10, 0))
    application = _wages(people, rural="")
    justice = people["justice"]
    sections = {s.key: s for s in inbox.sections_for(justice, justice.user.assignments.get())}
    assert sections["aid_decide"].count == 1 and sections["aid_decide"].rows[0].link == f"/legal/aid/{application.pk}/"
    assert sections["aid_assign"].count == 0
    aid.ask_for_materials(justice, application.pk, ["工资欠条"])
    sections = {s.key: s for s in inbox.sections_for(justice, justice.user.assignments.get())}
    assert (sections["aid_decide"].count, sections["aid_awaiting"].count) == (0, 1)
    assert "工资欠条" in sections["aid_awaiting"].rows[0].note
    assert not Notification.objects.filter(kind="aid_materials").exists()
    aid.supply_materials(people["villager"], application.pk, "已补交")
    told = Notification.objects.filter(kind="aid_materials", event_key=f"aid:{application.pk}:supplied")
    assert list(told.values_list("recipient", flat=True)) == [justice.user.pk]  # the bureau hears it arrived
    sections = {s.key: s for s in inbox.sections_for(justice, justice.user.assignments.get())}
    assert (sections["aid_decide"].count, sections["aid_awaiting"].count) == (1, 0)
    aid.decide(justice, application.pk, grant=True)
    sections = {s.key: s for s in inbox.sections_for(justice, justice.user.assignments.get())}
    assert (sections["aid_decide"].count, sections["aid_assign"].count) == (0, 1)


def test_a_party_may_be_an_organisation_named_with_its_legal_representative(people, committee):
    from cunwu.legal import agreement_pdf

    organisation = mediation.PartyInput("respondent", "梨树县丰收农机专业合作社", "", kind="organisation",
                                        phone="13904341112", address="喇嘛甸镇农机站")
    data = {"village": VILLAGE_A1, "source": "application", "category": "contract", "opened_on": dt.date(2026, 11, 3),
            "summary": "合作社代耕后拖欠村民土地流转费。",
            "parties": [mediation.PartyInput("applicant", "李某", "F", dt.date(1962, 5, 1)), organisation]}
    with pytest.raises(ValidationError) as bad:  # an organisation is named with its legal representative
        mediation.open_case(people["mediator"], mediation.MediationInput(**data))
    assert "法定代表人" in str(bad.value) or "legal representative" in str(bad.value)
    organisation.representative = "王社长"
    with pytest.raises(ValidationError):  # a person still needs a sex
        mediation.open_case(people["mediator"], mediation.MediationInput(**{
            **data, "parties": [mediation.PartyInput("applicant", "李某", ""), organisation]}))
    case = mediation.open_case(people["mediator"], mediation.MediationInput(**data))
    party = case.parties.get(side="respondent")
    assert (party.kind, party.sex, party.representative) == ("organisation", "", "王社长")
    assert "法定代表人（负责人）王社长" in agreement_pdf._party_line(party) and "住所" in agreement_pdf._party_line(party)


def test_the_recording_form_lists_the_events_of_ones_own_places(people):
    """Events are public (anyone may read them all), but the form that records them lists the recorder's own:
    the justice bureau's county, not another county's."""
    from .helpers import OTHER_COUNTY, OTHER_COUNTY_VILLAGE

    ours = publicity.record_event(people["staff"], VILLAGE_A1, "lecture", "civil_code", "民法典讲座", "村委会",
                                  dt.date(2026, 11, 4), attendance=30)
    far_staff = actor(person("village_staff", OTHER_COUNTY_VILLAGE))
    theirs = publicity.record_event(far_staff, OTHER_COUNTY_VILLAGE, "lecture", "civil_code", "宪法讲座", "村委会",
                                    dt.date(2026, 11, 5), attendance=20)
    assert {e.pk for e in publicity.events(people["justice"])} >= {ours.pk, theirs.pk}  # public
    assert [e.pk for e in publicity.recent_here(people["justice"])] == [ours.pk]
    assert [e.pk for e in publicity.recent_here(far_staff)] == [theirs.pk]
    assert publicity.recent_here(actor(person("county_admin", OTHER_COUNTY)))[0].pk == theirs.pk
