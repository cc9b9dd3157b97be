"""The rates count waiting cases truthfully: a case nobody took up counts against the response rate once its
response time has run out (whether or not the worker has marked it yet), one still inside it is pending, and
every township and department is ranked."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cunwu.audit.context import Actor
from cunwu.cases import rates, services, worker
from cunwu.directory import seed
from cunwu.regions.models import Region

from .helpers import LISHU, TOWN_A, VILLAGE_A1, Clock, actor, person

ZONE = ZoneInfo("Asia/Shanghai")




@pytest.fixture
def who(db):
    seed.seed_jilin(Actor.console())
    return {"villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
            "staff": actor(person("village_staff", VILLAGE_A1)),
            "township": actor(person("township_officer", TOWN_A)),
            "housing": actor(person("department_officer", LISHU, department="housing"))}


def demand(who, title="路灯不亮"):
    return services.submit(who, services.CaseInput(village=VILLAGE_A1, kind="demand", title=title,
                                                   description="说明"))[0]


def test_seven_cases_nobody_took_up_are_not_a_hundred_percent(who, monkeypatch):
    clock = Clock(monkeypatch, dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZONE))
    taken = demand(who["villager"])
    services.take(who["staff"], taken.number)  # one on time
    for i in range(7):
        demand(who["villager"], f"第{i}件")
    day = dt.date(2026, 11, 2)
    county, village = Region.objects.get(code=LISHU), Region.objects.get(code=VILLAGE_A1)
    inside = rates.region_rates(county, day, day)
    assert (inside.response, inside.pending) == ((1, 1), 7)  # inside their time: pending, not counted
    clock.now += dt.timedelta(days=2)  # the 24-hour response limit has run out; the worker has not run
    for region in (county, village):
        late = rates.region_rates(region, day, day)
        assert (late.response, late.pending, late.ratio(late.response)) == ((1, 8), 0, 12.5)
    worker.sweep()  # marking them changes nothing: no case is counted twice
    marked = rates.region_rates(county, day, day)
    assert (marked.response, marked.pending) == ((1, 8), 0)
    ranked = rates.township_ranking(county, day, day)
    assert ranked[0].key == TOWN_A and ranked[0].response == (1, 8)


def test_a_departments_call_is_pending_until_its_sign_in_time_runs_out(who, monkeypatch):
    clock = Clock(monkeypatch, dt.datetime(2026, 11, 4, 10, 0, tzinfo=ZONE))
    case = demand(who["villager"])
    services.escalate(who["staff"], case.number, "村里解决不了")
    services.dispatch(who["township"], case.number, ["housing"])
    county, day = Region.objects.get(code=LISHU), dt.date(2026, 11, 4)
    housing = next(r for r in rates.department_ranking(county, day, day) if r.received)
    assert (housing.response, housing.pending) == ((0, 0), 1)
    clock.now += dt.timedelta(minutes=31)
    housing = next(r for r in rates.department_ranking(county, day, day) if r.received)
    assert (housing.response, housing.pending) == ((0, 1), 0)


def test_the_rates_page_names_places_and_marks_those_without_cases(who, client):
    client.force_login(who["township"].user)
    page = client.get(f"/cases/rates/?region={TOWN_A}").content.decode()
    assert "本月无诉求" in page and "尚在响应时限内" in page
    assert "<strong>梨树镇</strong>" in page and ">南杏山村</option>" in page and "<select name=\"region\">" in page
