"""What villagers and staff see when something is wrong: error pages in their language with a way back, and
answers that are refused with a reason instead of being stored (a phone of letters, a negative count, a year
three centuries ahead, text cut short without a word)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from cunwu.audit.context import Actor
from cunwu.cases import services as cases
from cunwu.cases.models import Case
from cunwu.directory import seed

from .helpers import VILLAGE_A1, actor, person

pytestmark = pytest.mark.django_db


def test_a_missing_page_answers_in_chinese_with_a_way_back(client):
    page = client.get("/no-such-page/")
    body = page.content.decode()
    assert page.status_code == 404 and "找不到这个页面" in body and 'href="/"' in body and "Not Found" not in body
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["detail"]
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Page not found" in english.content.decode() or "找不到这个页面" in english.content.decode()


def test_a_server_error_and_an_expired_form_answer_in_the_users_language():
    from django.test import Client

    from cunwu import urls

    request = RequestFactory().get("/cases/")
    page = urls.handler500(request)
    assert page.status_code == 500 and "出了点问题" in page.content.decode()
    api = urls.handler500(RequestFactory().get("/api/v1/cases"))
    assert api.status_code == 500 and b"detail" in api.content
    strict = Client(enforce_csrf_checks=True)
    expired = strict.post("/accounts/sign-in/", {"username": "x", "password": "y"})
    assert expired.status_code == 403 and "表单已过期" in expired.content.decode()


@pytest.fixture
def staff():
    seed.seed_jilin(Actor.console())
    return actor(person("village_staff", VILLAGE_A1))


@pytest.mark.parametrize(("answers", "says"), [
    ({"phone": "abc<script>alert(1)</script>", "insured_year": "2027"}, "联系电话"),
    ({"phone": "13904341111", "insured_year": "3000"}, "参保年度"),
    ({"phone": "13904341111", "insured_year": "-3"}, "参保年度"),
    ({"phone": "13904341111", "insured_year": "nan"}, "参保年度"),
])
def test_an_answer_that_cannot_be_right_is_refused_and_nothing_is_written(staff, answers, says):
    before = Case.objects.count()
    with pytest.raises(ValidationError) as exc:
        cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, kind="application", item="22-YB-001",
                                            answers=answers, applicant_phone="13904341111", consent="当面同意"))
    field = "q_phone" if says == "联系电话" else "q_insured_year"  # the message sits beside its question
    assert any(says in m for m in exc.value.message_dict[field]), exc.value.message_dict
    assert Case.objects.count() == before


def test_a_count_must_be_a_whole_number_from_one_and_long_text_is_refused_not_cut(staff):
    for payers in ("0", "-3", "2.5"):
        with pytest.raises(ValidationError):
            cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, kind="application", item="22-YB-002",
                                                answers={"phone": "13904341111", "payers": payers},
                                                applicant_phone="13904341111", consent="当面同意"))
    entry_questions = {q["key"] for q in cases.directory.entry_for(VILLAGE_A1, "22-YB-002").questions}
    assert "payers" in entry_questions
    long_text = "很" * 1001
    item = next(e for e in cases.directory.directory_for(VILLAGE_A1)
                if any(q["type"] == "text" and q["key"] not in ("phone",) for q in e.questions))
    key = next(q["key"] for q in item.questions if q["type"] == "text" and q["key"] != "phone")
    def fine(q):
        return {"number": "1", "date": "2020-01-01", "choice": (q.get("choices") or ["x"])[0],
                "multi_choice": (q.get("choices") or ["x"])[:1]}.get(q["type"], "13904341111" if q["key"] == "phone"
                                                                     else "x")
    answers = {q["key"]: fine(q) for q in item.questions if q.get("required")}
    answers[key] = long_text
    with pytest.raises(ValidationError) as exc:
        cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, kind="application", item=item.code, answers=answers,
                                            applicant_phone="13904341111", consent="当面同意"))
    assert any("1001" in m for m in exc.value.message_dict[f"q_{key}"])


def test_a_certificate_never_prints_a_year_still_to_come_nor_text_cut_short(client):
    from cunwu.certificates import services as certificates
    from cunwu.certificates.models import CertificateRequest

    certificates.seed_types()
    staff_user = person("village_staff", VILLAGE_A1)
    staff = actor(staff_user)
    for since, field in (("3000", "v_residence_since"), ("1850", "v_residence_since"), ("去年", "v_residence_since"),
                         ("2001", "v_conduct")):
        values = {"residence_since": since, "conduct": "良好" if field != "v_conduct" else "好" * 501}
        with pytest.raises(ValidationError) as exc:
            certificates.submit(staff, certificates.RequestInput(VILLAGE_A1, "party_residence", "组织要求", values,
                                                                 applicant_name="王某"))
        assert field in exc.value.message_dict, (since, exc.value.message_dict)
    assert not CertificateRequest.objects.exists()
    client.force_login(staff_user)
    page = client.post(f"/certificates/village/{VILLAGE_A1}/request/", {
        "type": "party_residence", "applicant_name": "王某", "purpose": "组织要求", "v_residence_since": "3000",
        "v_conduct": "良好"})
    body = page.content.decode()
    assert page.status_code == 200 and "1900" in _beside(body, "v_residence_since")
    made = certificates.submit(staff, certificates.RequestInput(VILLAGE_A1, "party_residence", "组织要求", {
        "residence_since": "2001", "conduct": "良好"}, applicant_name="王某"))
    assert made.values["residence_since"] == "2001"


def test_going_back_and_submitting_again_shows_the_first_case_instead_of_making_a_second(staff, client):
    from cunwu.cases.models import Case

    form = {"village": VILLAGE_A1, "title": "三组路灯不亮", "description": "三组路口的路灯坏了一周",
            "applicant_name": "王某", "applicant_phone": "13904341111", "channel": "counter", "consent": "当面同意"}
    client.force_login(staff.user)
    first = client.post("/cases/new/", {**form, "idempotency_key": "page-one"})
    second = client.post("/cases/new/", {**form, "idempotency_key": "page-two"})  # the page fetched again
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert "没有重复登记" in client.get(second["Location"]).content.decode()
    other = client.post("/cases/new/", {**form, "applicant_name": "李某", "idempotency_key": "page-three"})
    assert other["Location"] != first["Location"] and Case.objects.count() == 2


def test_the_region_browser_leads_from_a_village_to_its_pages(client):
    page = client.get(f"/regions/{VILLAGE_A1}/").content.decode()
    for path in (f"/village/{VILLAGE_A1}/", f"/village/{VILLAGE_A1}/services/", f"/notices/village/{VILLAGE_A1}/",
                 f"/legal/village/{VILLAGE_A1}/"):
        assert f'href="{path}"' in page, path
    assert "<th>名称</th>" in client.get("/regions/220322/").content.decode()


def test_each_action_says_what_it_did(staff, client):
    case, _made = cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title="三组路灯不亮",
                                                      applicant_phone="13904341111", consent="当面同意"))
    client.force_login(staff.user)
    page = client.post(f"/cases/{case.number}/act/take/", {"version": case.version}, follow=True)
    assert "已接手：这件事现在由您负责到底。" in page.content.decode() and "已完成。" not in page.content.decode()


def test_a_case_number_is_said_with_the_village_name_and_found_by_its_short_form(staff, client):
    from django.utils import timezone

    made = [cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title=f"第{i}件事", applicant_phone="13904341111",
                                                consent="当面同意"))[0] for i in range(1, 11)]
    tenth = made[-1]
    today = timezone.localdate()
    assert tenth.short_number == f"{today:%y%m%d}-10" and len(tenth.short_number) <= 11
    client.force_login(staff.user)
    page = client.get(f"/cases/{tenth.number}/").content.decode()
    assert f"{tenth.village.name} {tenth.short_number}" in page
    found = client.get("/cases/", {"q": f"{today:%y%m%d}-10", "status": "all"}).content.decode()
    assert "第10件事" in found and "第1件事<" not in found
    assert "第1件事<" in client.get("/cases/", {"q": f"{today:%y%m%d} - 1", "status": "all"}).content.decode()
    receipt = client.get(f"/cases/{tenth.number}/receipt/").content.decode()
    assert f"{tenth.village.name} {tenth.short_number}" in receipt and tenth.number in receipt


def test_staff_record_the_rating_of_an_applicant_without_an_account_marked_as_theirs(staff, client):
    from cunwu.accounts import permissions
    from cunwu.cases.models import Rating

    case, _made = cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title="低保证明", applicant_name="赵奶奶",
                                                      consent="当面同意", channel="counter"))
    cases.take(staff, case.number)
    cases.resolve(staff, case.number, "已办好，证明已送到家")
    client.force_login(staff.user)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "代为记录申请人的评价" in page and 'name="given"' in page
    with pytest.raises(ValidationError):  # how the villager gave it is required
        cases.rate_for(staff, case.number, 5, "")
    other = actor(person("village_staff", "220322100202"))
    with pytest.raises(permissions.NotFound):  # another village's staff
        cases.rate_for(other, case.number, 5, "in_person")
    answer = client.post(f"/cases/{case.number}/act/rate_for/", {"grade": "5", "given": "in_person",
                                                                 "comment": "办得快", "version": case.version + 2},
                         follow=True)
    assert "已记录申请人的评价" in answer.content.decode()
    rating = Rating.objects.get(case=case)
    assert rating.recorded_by_staff and rating.given == "in_person" and rating.rated_by == staff.user
    case = Case.objects.get(pk=case.pk)
    assert case.state == "closed" and case.satisfied
    shown = client.get(f"/cases/{case.number}/").content.decode()
    assert "由村干部代申请人记录" in shown and "当面" in shown
    with pytest.raises(permissions.Forbidden):
        cases.rate_for(staff, case.number, 1, "call")  # rated once


def test_an_applicant_with_an_account_rates_for_themselves(staff):
    from cunwu.accounts import permissions

    villager = actor(person("villager", VILLAGE_A1, phone="13904349999"))
    case, _made = cases.submit(villager, cases.CaseInput(village=VILLAGE_A1, title="路灯", description="三组路灯不亮"))
    cases.take(staff, case.number)
    cases.resolve(staff, case.number, "已修好")
    assert "rate_for" not in cases.available_actions(staff, Case.objects.get(pk=case.pk))
    with pytest.raises(permissions.Forbidden):
        cases.rate_for(staff, case.number, 5, "in_person")


def _beside(page: str, name: str) -> str:
    """The message shown beside a field: its .field-error, which the control points to with aria-describedby."""
    import re

    control = re.search(rf'<(?:input|select|textarea) id="{name}" name="{name}"[^>]*>', page)
    assert control, f"no control {name}"
    assert 'aria-invalid="true"' in control.group() and f"{name}-error" in control.group(), control.group()
    message = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', page, re.S)
    assert message, f"no message beside {name}"
    assert f'href="#{name}"' in page  # and the summary links to it
    return re.sub(r"<[^>]+>", "", message.group(1))


def test_a_refused_request_shows_each_message_beside_its_field_and_keeps_what_was_typed(staff, client):
    client.force_login(staff.user)
    page = client.post("/cases/new/", {"village": VILLAGE_A1, "title": "", "description": "桥" * 5001,
                                       "applicant_name": "王某", "applicant_phone": "abc<script>", "channel": "counter",
                                       "consent": "当面同意", "idempotency_key": "bad-one"}).content.decode()
    assert "请输入以1开头的11位手机号码" in _beside(page, "applicant_phone")
    assert _beside(page, "title") and "5000" in _beside(page, "description")
    assert 'value="王某"' in page and "&lt;script&gt;" in page and "<script>" not in page.split("</head>")[1]
    assert 'class="error-summary"' in page
    application = client.post("/cases/new/", {"village": VILLAGE_A1, "item": "22-YB-001", "q_phone": "12",
                                              "q_insured_year": "3000", "channel": "counter", "consent": "当面同意",
                                              "applicant_name": "王某", "idempotency_key": "bad-two"}).content.decode()
    assert "参保年度" in _beside(application, "q_insured_year") and "联系电话" in _beside(application, "q_phone")
    assert 'value="3000"' in application
    assert Case.objects.count() == 0


def test_a_legal_question_too_long_is_refused_beside_it(staff, client):
    client.force_login(staff.user)
    page = client.post(f"/legal/village/{VILLAGE_A1}/ask/", {"asker_name": "王大娘", "topic": "family",
                                                               "question": "房" * 4001, "send": "1"}).content.decode()
    assert "4000" in _beside(page, "question") and 'value="王大娘"' in page


def test_required_materials_are_ticked_or_said_to_be_missing_never_left_out_silently(staff):
    villager = actor(person("villager", VILLAGE_A1, phone="13904348888"))
    fields = {"village": VILLAGE_A1, "kind": "application", "item": "22-YB-001",
              "answers": {"phone": "13904348888", "insured_year": "2027"}}
    with pytest.raises(ValidationError) as exc:
        cases.submit(villager, cases.CaseInput(**fields, materials=["居民身份证"]))
    assert "居民户口簿" in exc.value.message_dict["materials"][0] and Case.objects.count() == 0
    told = cases.submit(villager, cases.CaseInput(**fields, materials=["居民身份证"], materials_later=True))[0]
    ready = cases.submit(villager, cases.CaseInput(**fields, materials=["居民身份证", "居民户口簿"],
                                                   idempotency_key="second"))[0]
    assert told.materials_supplied == ["居民身份证"] and ready.pk != told.pk
    at_counter = cases.submit(staff, cases.CaseInput(**{**fields, "answers": {"phone": "13904341111",
                                                                             "insured_year": "2027"}},
                                                     applicant_name="王某", consent="当面同意"))[0]
    assert at_counter.materials_supplied == []  # the staff take it in and tell once what is missing


def test_an_officer_above_the_village_chooses_the_village_before_taking_a_request_in(client):
    from .helpers import LISHU, OTHER_COUNTY

    seed.seed_jilin(Actor.console())
    client.force_login(person("county_admin", LISHU))
    page = client.get("/cases/new/").content.decode()
    assert 'name="q"' in page and "从村的页面" not in page
    found = client.get("/cases/new/", {"q": "村"}).content.decode()
    assert f'href="?village={VILLAGE_A1}"' in found
    assert f'?village={OTHER_COUNTY}' not in found  # only the villages of the officer's own county
    chosen = client.get("/cases/new/", {"village": VILLAGE_A1}).content.decode()
    assert 'name="applicant_name"' in chosen
