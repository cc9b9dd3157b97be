"""The command view: key figures, twelve months of rates, what villagers ask about, the worst places, and
drill-down from the province to a village; the public sees a village's and a township's rates."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cunwu.audit.context import Actor
from cunwu.cases import command, services
from cunwu.cases.models import Case
from cunwu.directory import seed
from cunwu.regions.models import Region

from .helpers import CITY, LISHU, PROVINCE, TOWN_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, actor, person

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def scene(db):
    seed.seed_jilin(Actor.console())
    villager = actor(person("villager", VILLAGE_A1, phone="13904341111"))
    staff = actor(person("village_staff", VILLAGE_A1))

    def demand(village, title, category, when):
        with mock.patch("django.utils.timezone.now", return_value=when):
            return services.submit(villager if village == VILLAGE_A1 else actor(person("villager", village)),
                                   services.CaseInput(village=village, kind="demand", title=title,
                                                      description="说明", category=category))[0]

    now = timezone.now()
    last_month = now.replace(day=1) - dt.timedelta(days=3)
    made = [demand(VILLAGE_A1, "路灯不亮", "roads", now), demand(VILLAGE_A1, "道路坑洼", "roads", now),
            demand(VILLAGE_A2, "垃圾", "environment", now), demand(VILLAGE_B1, "路面塌陷", "roads", last_month)]
    services.escalate(staff, made[0].number, "村里解决不了")
    Case.objects.filter(pk=made[1].pk).update(overdue=True)
    return {"staff": staff, "cases": made}


def test_the_county_command_view_counts_and_drills_down(scene):
    view = command.build(Region.objects.get(code=LISHU))
    f = view.figures
    assert (f["open"], f["overdue"], f["whistles"]) == (4, 1, 1)
    assert len(view.trend) == 12 and view.trend[-1][1].received == 3
    assert view.categories[0][1:] == (2, 1)  # roads: two this month, one last month
    assert view.worst_villages == [(VILLAGE_A1, "南杏山村", 1)]
    town = next(p for p in view.places if p.code == TOWN_A)
    assert (town.open, town.overdue, town.received) == (3, 1, 3)
    assert len(view.places) == Region.objects.filter(parent_id=LISHU, active=True).count()
    sheet = load_workbook(__import__("io").BytesIO(command.to_xlsx(view)))["指挥调度"]
    assert [c.value for c in sheet[3]] == [4, f["due_today"], 1, 1, 0]


@pytest.mark.parametrize(("code", "child"), [(PROVINCE, CITY), (CITY, LISHU), (LISHU, TOWN_A), (TOWN_A, VILLAGE_A1)])
def test_drill_down_reaches_each_level(scene, code, child):
    view = command.build(Region.objects.get(code=code))
    place = next(p for p in view.places if p.code == child)
    assert place.open >= 2


def test_the_page_for_officials_and_the_public_rates_for_everyone(scene, client):
    admin = person("province_admin", PROVINCE)
    client.force_login(admin)
    page = client.get(f"/cases/command/?region={CITY}").content.decode()
    assert "指挥调度" in page and "<svg" in page and "<polyline" in page and "梨树县" in page
    assert client.get(f"/cases/command/?region={CITY}&format=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    township = person("township_officer", TOWN_A)
    client.force_login(township)
    assert client.get(f"/cases/command/?region={LISHU}").status_code == 404  # above their township
    client.logout()
    public = client.get(f"/cases/public/{VILLAGE_A1}/").content.decode()
    assert "南杏山村" in public and "满意率" in public and "路灯不亮" not in public and "13904341111" not in public
    assert client.get(f"/cases/public/{TOWN_A}/").status_code == 200
    assert client.get(f"/cases/public/{LISHU}/").status_code == 404  # a village's and a township's only
