"""Public legal services, first part: consultation routed to the village's adviser with a time limit on the
Chinese calendar, answers published anonymised, search finding a known answer from differently worded questions,
the network's coverage, and who reads a consultation."""

import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.models import AuditEntry
from cunwu.legal import search, services
from cunwu.legal.models import Article, Consultation

from .helpers import LISHU, OTHER_COUNTY, TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person, texts

ARTICLES = [
    ("土地承包经营权可以流转吗", "承包的土地能否出租给他人耕种？",
     "承包方可以依法采取出租（转包）、入股等方式向他人流转土地经营权，并向发包方备案，流转期限不得超过承包期的剩余期限。", "land"),
    ("包工头拖欠农民工工资怎么办", "干完活老板不结工资。",
     "可以向县人力资源和社会保障局劳动保障监察机构投诉，也可以申请劳动仲裁；农民工请求支付劳动报酬的，申请法律援助不受经济困难条件限制。", "labour"),
    ("子女不履行赡养义务", "儿女都不管老人怎么办？",
     "成年子女对父母负有赡养扶助义务，不履行的，老人可以要求支付赡养费，可以请村人民调解委员会调解，也可以向法院起诉。", "family"),
    ("相邻关系纠纷如何处理", "邻居家盖房挡住了通行的路。",
     "不动产的相邻权利人应当按照有利生产、方便生活、团结互助、公平合理的原则处理相邻关系，应当为相邻权利人的通行提供必要的便利。", "neighbours"),
    ("购买到假种子如何维权", "买的玉米种子出苗率很低。",
     "保存好种子包装、购买凭证，可向县农业农村局投诉，要求经营者赔偿损失，属于农资纠纷的可申请人民调解。", "consumer"),
    ("离婚时彩礼能否返还", "结婚没多久就分开了，彩礼能要回来吗？",
     "双方未办理结婚登记手续、办理结婚登记手续但确未共同生活、婚前给付并导致给付人生活困难的，可以请求返还彩礼。", "family"),
]


@pytest.fixture
def legal(db):
    justice = person("department_officer", LISHU, department="justice")
    adviser = person("legal_adviser", VILLAGE_A1, phone="13904347777")
    return {
        "justice": actor(justice), "adviser": actor(adviser),
        "other_adviser": actor(person("legal_adviser", VILLAGE_A2)),
        "villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
        "staff": actor(person("village_staff", VILLAGE_A1)),
        "other_justice": actor(person("department_officer", OTHER_COUNTY, department="justice")),
        "township": actor(person("township_officer", TOWN_A)),
    }


def _knowledge(legal):
    return {topic_title: services.write_article(legal["justice"], LISHU, title, question, answer, topic)
            for topic_title, (title, question, answer, topic) in zip(
                ("land", "wages", "elders", "neighbours", "seeds", "betrothal"), ARTICLES, strict=True)}


@pytest.mark.parametrize(("asked", "expected"), [
    ("我家承包的地能不能租给别人种", "land"),
    ("干了一年活老板一直不给工钱", "wages"),
    ("儿子不管我们老两口的生活", "elders"),
    ("邻居家的房子占了我家走的路", "neighbours"),
    ("春天买的种子不出苗，找谁赔", "seeds"),
    ("订婚给的钱女方不退", "betrothal"),
])
def test_search_finds_a_known_answer_from_a_differently_worded_question(legal, asked, expected):
    articles = _knowledge(legal)
    found = services.similar(asked, VILLAGE_A1)
    assert found, f"nothing found for {asked}: {search.query_terms(asked)}"
    assert found[0][0].pk == articles[expected].pk, (asked, [a.title for a, _s in found])


def test_search_stays_in_scope_and_ignores_withdrawn_answers(legal):
    articles = _knowledge(legal)
    assert services.similar("老板不给工钱", "220323001200") == []  # another county's villages
    services.withdraw_article(legal["justice"], articles["wages"].pk)
    assert articles["wages"].pk not in [a.pk for a, _s in services.similar("老板不给工钱", VILLAGE_A1)]
    with pytest.raises(NotFound):
        services.withdraw_article(legal["other_justice"], articles["land"].pk)
    assert services.similar("的 了 吗", VILLAGE_A1) == []  # nothing meaningful to search by


def test_a_question_goes_to_the_adviser_with_a_limit_across_holidays(legal, monkeypatch):
    asked_at = dt.datetime(2026, 9, 30, 16, 0, tzinfo=timezone.get_current_timezone())  # National Day eve
    monkeypatch.setattr(timezone, "now", lambda: asked_at)
    c = services.ask(legal["villager"], services.ConsultationInput(VILLAGE_A1, "我家承包的地被村里收回了，合法吗？",
                                                                  "land"))
    assert c.adviser_id == legal["adviser"].user.pk and c.channel == "online"
    workdays = chinese_calendar.get_workdays(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    second = workdays[1]  # the day of asking does not count; two working days
    assert timezone.localtime(c.due_at) == timezone.make_aware(dt.datetime.combine(second + dt.timedelta(days=1),
                                                                                   dt.time.min))
    assert second > dt.date(2026, 10, 7)  # the holiday week does not count
    assert texts(phone="13904347777", purpose="work").exists()


def test_answer_publish_and_who_reads(legal):
    c = services.ask(legal["villager"], services.ConsultationInput(
        VILLAGE_A1, "我在工地干活摔伤了，老板不给看病钱怎么办？", "injury"))
    with pytest.raises(NotFound):
        services.get_consultation(legal["staff"], c.pk)  # village staff do not read villagers' legal questions
    with pytest.raises(NotFound):
        services.answer(legal["other_adviser"], c.pk, "不是你的村")
    with pytest.raises(NotFound):
        services.get_consultation(legal["other_justice"], c.pk)
    with pytest.raises(NotFound):
        services.get_consultation(legal["township"], c.pk)
    services.get_consultation(legal["justice"], c.pk)
    assert AuditEntry.objects.filter(action="legal.consultation.read", object_id=str(c.pk)).count() == 1
    with pytest.raises(ValidationError):
        services.answer(legal["adviser"], c.pk, "  ")
    services.answer(legal["adviser"], c.pk, "属于工伤的，可以申请工伤认定；用人单位未参加工伤保险的，由用人单位支付费用。")
    assert texts(phone="13904341111", purpose="legal_answered").exists()
    with pytest.raises(Forbidden):
        services.answer(legal["adviser"], c.pk, "再答一次")
    name = legal["villager"].user.full_name
    with pytest.raises(ValidationError):
        services.publish(legal["adviser"], c.pk, "工地摔伤怎么办", f"{name}在工地摔伤", "申请工伤认定")
    with pytest.raises(ValidationError):
        services.publish(legal["adviser"], c.pk, "工地摔伤怎么办", "电话13904341111", "申请工伤认定")
    article = services.publish(legal["adviser"], c.pk, "在工地干活摔伤了怎么办", "在工地摔伤，老板不给医药费。",
                               "属于工伤的，可以申请工伤认定。")
    assert Consultation.objects.get(pk=c.pk).article_id == article.pk
    assert services.similar("打工受伤了找谁", VILLAGE_A1)[0][0].pk == article.pk
    with pytest.raises(Forbidden, match="已发布|already published"):  # a second click makes no second article
        services.publish(legal["adviser"], c.pk, "在工地干活摔伤了怎么办", "在工地摔伤，老板不给医药费。",
                         "属于工伤的，可以申请工伤认定。")
    assert Article.objects.filter(title="在工地干活摔伤了怎么办").count() == 1


def test_bad_input_is_refused_with_the_field_named(legal):
    for data, field in [
        (services.ConsultationInput(VILLAGE_A1, "短"), "question"),
        (services.ConsultationInput(VILLAGE_A1, "邻居占了我家的地怎么办", channel="hotline"), "channel"),
        (services.ConsultationInput(VILLAGE_A1, "邻居占了我家的地怎么办", topic="astrology"), "topic"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.ask(legal["villager"], data)
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # staff must say who asks
        services.ask(legal["staff"], services.ConsultationInput(VILLAGE_A1, "邻居占了我家的地怎么办"))
    assert "asker_name" in exc.value.message_dict
    with pytest.raises(NotFound):
        services.ask(legal["villager"], services.ConsultationInput(VILLAGE_A2, "邻居占了我家的地怎么办"))
    hotline = services.ask(legal["justice"], services.ConsultationInput(
        VILLAGE_A1, "来电咨询：邻居占了我家的地怎么办", asker_name="来电群众", asker_phone="13904345678"))
    assert hotline.channel == "hotline" and Consultation.objects.count() == 1


def test_coverage_names_what_each_village_lacks(legal):
    committee = services.set_committee(legal["staff"], VILLAGE_A1)
    for name, sex, position in [("张主任", "M", "chair"), ("李委员", "M", "member")]:
        services.add_member(legal["staff"], committee.pk, name, sex, position)
    region, rows, total = services.coverage(legal["justice"], TOWN_A)
    lacking = dict((code, missing) for code, _n, missing in total.lacking)
    assert any("2" in m for m in lacking[VILLAGE_A1]) and any("女" in m or "woman" in m for m in lacking[VILLAGE_A1])
    assert not any("法律顾问" in m or "adviser" in m for m in lacking[VILLAGE_A1])
    services.add_member(legal["staff"], committee.pk, "王委员", "F")
    for i in range(3):
        services.add_understanding_person(legal["staff"], VILLAGE_A1, f"明白人{i}", "F", "村民", "13904340010")
    _region, rows, total = services.coverage(legal["justice"], TOWN_A)
    assert VILLAGE_A1 not in dict((c, m) for c, _n, m in total.lacking)
    assert VILLAGE_A2 in dict((c, m) for c, _n, m in total.lacking)
    county = services.coverage(legal["justice"], LISHU)[2]
    assert county.with_adviser == 2 and county.with_committee == 1 and county.with_enough_people == 1
    for _ in range(6):
        services.add_member(legal["justice"], committee.pk, "委员", "M")
    with pytest.raises(ValidationError):
        services.add_member(legal["justice"], committee.pk, "第十人", "M")
    with pytest.raises(Forbidden):
        services.add_member(legal["other_justice"], committee.pk, "外县", "M")  # public, but not theirs
    with pytest.raises(NotFound):
        services.coverage(legal["villager"], VILLAGE_A1)
    person_ = services.add_understanding_person(legal["justice"], VILLAGE_A2, "赵明白", "M")
    with pytest.raises(ValidationError):
        services.record_training(legal["justice"], person_.pk, timezone.localdate() + dt.timedelta(days=3), "民法典",
                                 4)
    services.record_training(legal["justice"], person_.pk, timezone.localdate(), "民法典", "4.5", "梨树县司法局")


def test_pages_and_api(legal, client):
    _knowledge(legal)
    page = client.get(f"/legal/village/{VILLAGE_A1}/").content.decode()
    assert legal["adviser"].user.display_name in page and "12348" in page
    hits = client.get("/api/v1/legal/knowledge", {"q": "老板不给工钱", "village": VILLAGE_A1}).json()
    assert hits[0]["title"] == "包工头拖欠农民工工资怎么办"
    assert "包工头拖欠农民工工资怎么办" in client.get("/legal/knowledge/", {"q": "老板不给工钱"}).content.decode()
    client.force_login(legal["villager"].user)
    first = client.post(f"/legal/village/{VILLAGE_A1}/ask/", {"question": "老板一直不给工钱怎么办", "topic": "labour"})
    assert first.status_code == 200 and "包工头拖欠农民工工资怎么办" in first.content.decode()
    assert not Consultation.objects.exists()  # similar answers first
    sent = client.post(f"/legal/village/{VILLAGE_A1}/ask/", {"question": "老板一直不给工钱怎么办", "topic": "labour",
                                                             "send": "1"})
    made = Consultation.objects.get()
    assert sent.status_code == 302 and made.asker_id == legal["villager"].user.pk
    client.force_login(legal["adviser"].user)
    assert "老板一直不给工钱" in client.get("/legal/consultations/").content.decode()
    client.post(f"/legal/consultations/{made.pk}/answer/", {"answer": "可以向劳动保障监察机构投诉。"})
    assert Consultation.objects.get().state == "answered"
    client.force_login(legal["staff"].user)
    assert client.get(f"/legal/consultations/{made.pk}/").status_code == 404
    assert client.get(f"/api/v1/legal/consultations/{made.pk}").status_code == 404
    client.force_login(legal["justice"].user)
    assert client.get(f"/api/v1/legal/coverage?region={TOWN_A}").json()["total"]["villages"] >= 2
    assert client.get("/api/v1/legal/coverage?region=220323").status_code == 404
