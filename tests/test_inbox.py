"""Each role's inbox holds exactly what waits for that person, and nothing of a neighbouring village, township
or department; every row links to its page in one click."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cunwu.audit.context import Actor
from cunwu.cases import services
from cunwu.directory import seed
from cunwu.legal import services as legal
from cunwu.web import inbox

from .helpers import LISHU, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, actor, person

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def scene(db, monkeypatch):
    now = dt.datetime(2026, 11, 4, 10, 0, tzinfo=ZONE)
    monkeypatch.setattr(timezone, "now", lambda: now)
    seed.seed_jilin(Actor.console())
    p = {k: actor(person(role, region, **extra)) for k, (role, region, extra) in {
        "villager": ("villager", VILLAGE_A1, {"phone": "13904341111"}),
        "villager_b": ("villager", VILLAGE_B1, {"phone": "13904341112"}),
        "villager_a2": ("villager", VILLAGE_A2, {"phone": "13904341113"}),
        "staff": ("village_staff", VILLAGE_A1, {}),
        "staff_a2": ("village_staff", VILLAGE_A2, {}),
        "staff_b": ("village_staff", VILLAGE_B1, {}),
        "township": ("township_officer", TOWN_A, {}),
        "township_b": ("township_officer", TOWN_B, {}),
        "housing": ("department_officer", LISHU, {"department": "housing"}),
        "water": ("department_officer", LISHU, {"department": "natural_resources"}),
        "adviser": ("legal_adviser", VILLAGE_A1, {}),
        "adviser_a2": ("legal_adviser", VILLAGE_A2, {}),
        "county": ("county_admin", LISHU, {}),
    }.items()}

    def demand(who, village, title):
        return services.submit(who, services.CaseInput(village=village, kind="demand", title=title,
                                                       description="说明"))[0]

    cases = {
        "new": demand(p["villager"], VILLAGE_A1, "路灯不亮"),
        "handling": demand(p["villager"], VILLAGE_A1, "垃圾未清运"),
        "neighbour": demand(p["villager_a2"], VILLAGE_A2, "邻村的事"),
        "whistle": demand(p["villager"], VILLAGE_A1, "河堤裂缝"),
        "called": demand(p["villager"], VILLAGE_A1, "危房改造"),
        "other_township": demand(p["villager_b"], VILLAGE_B1, "别的乡镇"),
    }
    services.take(p["staff"], cases["handling"].number)
    for key, staff in (("whistle", "staff"), ("called", "staff"), ("other_township", "staff_b")):
        services.escalate(p[staff], cases[key].number, "村里解决不了")
    services.dispatch(p["township"], cases["called"].number, ["housing"])
    question = legal.ask(p["villager"], legal.ConsultationInput(VILLAGE_A1, "父亲去世了，老宅的宅基地能由我们兄妹继承吗？"))
    counter = legal.ask(p["staff"], legal.ConsultationInput(VILLAGE_A1, "外出打工被拖欠工资三个月，老板不给怎么办？",
                                                            asker_name="王大爷", asker_phone="13904341119"))
    legal.ask(p["villager_a2"], legal.ConsultationInput(VILLAGE_A2, "邻居占了我家的承包地，不肯归还，怎么办？"))
    return p, cases, question, counter


def _sections(who):
    assignment = who.user.assignments.get()
    return {s.key: s for s in inbox.sections_for(who, assignment)}


def _titles(section):
    return [r.title.split(" · ", 1)[-1] for r in section.rows]


def test_village_staff_see_their_village_only(scene):
    p, cases, question, counter = scene
    mine = _sections(p["staff"])
    assert (mine["new"].count, _titles(mine["new"])) == (1, ["路灯不亮"])
    assert _titles(mine["handling"]) == ["垃圾未清运"]
    assert mine["questions"].count == 1 and mine["questions"].rows[0].link == f"/legal/consultations/{counter.pk}/"
    assert mine["new"].rows[0].left.startswith("剩")  # time left on every row
    neighbour = _sections(p["staff_a2"])
    assert _titles(neighbour["new"]) == ["邻村的事"]


def test_the_township_sees_its_whistles_and_calls_not_another_townships(scene):
    p, cases, _q, _c = scene
    mine = _sections(p["township"])
    assert _titles(mine["whistle"]) == ["河堤裂缝"]
    assert [r.link for r in mine["not_signed"].rows] == [f"/cases/{cases['called'].number}/"]
    assert mine["not_signed"].rows[0].left == "剩 30 分钟"
    other = _sections(p["township_b"])
    assert _titles(other["whistle"]) == ["别的乡镇"] and other["not_signed"].count == 0


def test_a_department_sees_only_its_own_calls_with_a_countdown(scene):
    p, cases, _q, _c = scene
    housing = _sections(p["housing"])
    assert housing["calls"].count == 1 and housing["calls"].rows[0].title == "危房改造"
    assert housing["calls"].rows[0].left == "剩 30 分钟"
    assert _sections(p["water"])["calls"].count == 0
    services.sign_in(p["housing"], cases["called"].number)
    housing = _sections(p["housing"])
    assert housing["calls"].count == 0 and housing["answers"].count == 1


def test_the_adviser_sees_the_questions_of_their_village(scene):
    p, _cases, question, counter = scene
    assert sorted(r.link for r in _sections(p["adviser"])["questions"].rows) == sorted(
        f"/legal/consultations/{c.pk}/" for c in (question, counter))
    assert _sections(p["adviser_a2"])["questions"].rows[0].link != f"/legal/consultations/{question.pk}/"


def test_the_county_sees_late_work_below_it(scene, monkeypatch):
    p, cases, _q, _c = scene
    from cunwu.cases.models import Case

    Case.objects.filter(pk__in=[cases["whistle"].pk, cases["other_township"].pk]).update(overdue=True)
    county = _sections(p["county"])
    rows = {r.title: r.note for r in county["overdue_townships"].rows}
    assert county["overdue_townships"].count == 2 and len(rows) == 2 and set(rows.values()) == {"1 件"}


@pytest.mark.parametrize("who", ["staff", "township", "housing", "adviser", "county"])
def test_every_inbox_row_opens_in_one_click(scene, client, who):
    p, _cases, _q, _c = scene
    client.force_login(p[who].user)
    page = client.get("/").content.decode()
    assert "您的待办" in page
    links = set(re.findall(r'<section class="inbox".*?</section>', page, re.S)[0].split('href="')[1:])
    for href in {h.split('"')[0] for h in links}:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_the_county_inbox_holds_its_burden_and_notice_duties(scene):
    from cunwu.burden import services as burden

    p, _cases, _q, _c = scene
    burden.report_demand(p["staff"], VILLAGE_A1, "县某局", "要求每周上报表格", "2026-11-01")
    county = _sections(p["county"])
    assert county["demand_reports"].count == 1 and county["demand_reports"].rows[0].note == "南杏山村"
    assert county["admission"].count == 0
    assert county["notices_behind"].count > 0  # no village of the test county has published this period
