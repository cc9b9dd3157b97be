"""Off-site collaboration of legal aid (异地协作): a county's centre asks another county's centre to do part of an
application there; the county asked answers, then does it, each within its limit, supervised like every legal
limit; each county sees the collaboration, and the county asked never the application's file."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.legal import aid, collaboration, supervise
from cunwu.legal.models import AidCollaboration, CollaborationState
from cunwu.notify.models import Notification

from .helpers import LISHU, OTHER_COUNTY, VILLAGE_A1, Clock, actor, at, person

FAR_COUNTY = "220102"  # a county of another city


@pytest.fixture
def counties(db):
    return {
        "lishu": actor(person("department_officer", LISHU, department="justice")),
        "yitong": actor(person("department_officer", OTHER_COUNTY, department="justice")),
        "far": actor(person("department_officer", FAR_COUNTY, department="justice")),
        "villager": actor(person("villager", VILLAGE_A1, phone="13904341111")),
        "staff": actor(person("village_staff", VILLAGE_A1)),
    }


def granted(counties):
    application = aid.apply(counties["villager"], aid.AidInput(
        village=VILLAGE_A1, matter="labour", no_means="migrant", rural="migrant_wages", opponent="伊通某建筑公司",
        facts="在伊通县工地干了八个月，包工头拖欠工资三万二千元，多次讨要未果。"))
    return aid.decide(counties["lishu"], application.pk, grant=True)


def test_a_county_asks_another_which_answers_and_does_it_within_its_limits(counties, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 2, 10, 0))  # a Monday
    application = granted(counties)
    row = collaboration.ask(counties["lishu"], application.pk, OTHER_COUNTY, "到伊通县建设局调取该工地的用工备案", 5)
    assert row.state == CollaborationState.ASKED and timezone.localtime(row.due_at) == at(2026, 11, 5)
    told = Notification.objects.get(recipient=counties["yitong"].user, kind="aid_collaboration")
    assert told.region_code == OTHER_COUNTY, "at the county the officer serves, so the text is not held back"

    # the county asked sees the collaboration, never the file; a third county and the village see neither
    assert collaboration.get(counties["yitong"], row.pk).task.startswith("到伊通县")
    with pytest.raises(NotFound):
        aid.get_application(counties["yitong"], application.pk)
    for outsider in ("far", "staff", "villager"):
        with pytest.raises(NotFound):
            collaboration.get(counties[outsider], row.pk)
        assert not collaboration.visible(counties[outsider]).exists()
    with pytest.raises(Forbidden):  # only the county asked answers
        collaboration.answer(counties["lishu"], row.pk, True)

    clock.now = at(2026, 11, 3, 9, 0)
    row = collaboration.answer(counties["yitong"], row.pk, True)
    # (working days count from the next day, as the law counts them: the 4th, 5th, 6th, 9th and 10th)
    assert row.answered_on_time is True and timezone.localtime(row.due_at) == at(2026, 11, 11)
    assert Notification.objects.filter(recipient=counties["lishu"].user, kind="aid_collaboration_answered").exists()

    clock.now = at(2026, 11, 11, 10, 0)  # past the five working days: both bureaus hear of it
    supervise.sweep(clock.now)
    overdue = Notification.objects.filter(kind="legal_overdue", event_key__startswith=f"aid_collaboration:{row.pk}:")
    assert {n.recipient for n in overdue} == {counties["yitong"].user, counties["lishu"].user}
    supervise.sweep(clock.now)
    assert overdue.count() == 2, "told once"

    row = collaboration.report(counties["yitong"], row.pk, "已调取用工备案三页，扫描件已发梨树县法律援助中心")
    assert row.state == CollaborationState.DONE and row.done_on_time is False and row.due_at is None
    assert Notification.objects.filter(recipient=counties["lishu"].user, kind="aid_collaboration_done").exists()
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="legal.aid.collaboration").order_by("pk")] == [
        "legal.aid.collaboration_asked", "legal.aid.collaboration_answered", "legal.aid.collaboration_done"]


@pytest.mark.parametrize("county,task,days,field", [
    (LISHU, "调取证据材料", 5, "county"),  # its own county
    (VILLAGE_A1, "调取证据材料", 5, "county"),  # not a county
    (OTHER_COUNTY, "调取", 5, "task"),
    (OTHER_COUNTY, "调取证据材料", 0, "days"),
    (OTHER_COUNTY, "调取证据材料", "三", "days"),
])
def test_bad_requests_are_refused_naming_the_field_and_write_nothing(counties, county, task, days, field):
    application = granted(counties)
    with pytest.raises(ValidationError) as refused:
        collaboration.ask(counties["lishu"], application.pk, county, task, days)
    assert field in refused.value.message_dict
    assert not AidCollaboration.objects.exists()


def test_declined_withdrawn_and_one_open_request_per_county(counties):
    application = granted(counties)
    with pytest.raises(NotFound):  # the other county cannot ask on a file it cannot see
        collaboration.ask(counties["yitong"], application.pk, FAR_COUNTY, "调取证据材料", 3)
    first = collaboration.ask(counties["lishu"], application.pk, OTHER_COUNTY, "走访证人王某", 3)
    with pytest.raises(ValidationError):
        collaboration.ask(counties["lishu"], application.pk, OTHER_COUNTY, "再走访一次", 3)
    with pytest.raises(ValidationError):
        collaboration.answer(counties["yitong"], first.pk, False, "")  # a refusal needs its reason
    declined = collaboration.answer(counties["yitong"], first.pk, False, "证人已迁往外省")
    assert declined.state == CollaborationState.DECLINED and declined.due_at is None
    second = collaboration.ask(counties["lishu"], application.pk, OTHER_COUNTY, "调取工地考勤记录", 3)
    withdrawn = collaboration.withdraw(counties["lishu"], second.pk, "用人单位已主动提供")
    assert withdrawn.state == CollaborationState.WITHDRAWN
    assert Notification.objects.filter(recipient=counties["yitong"].user, kind="aid_collaboration_answered",
                                       event_key=f"aidcollab:{second.pk}:withdrawn").exists()
    with pytest.raises(Forbidden):
        collaboration.report(counties["yitong"], second.pk, "已办")


def test_an_ended_application_ends_its_collaboration(counties):
    application = aid.apply(counties["villager"], aid.AidInput(
        village=VILLAGE_A1, matter="labour", no_means="migrant", facts="在伊通县工地干活被拖欠工资三个月，请求援助。"))
    row = collaboration.ask(counties["lishu"], application.pk, OTHER_COUNTY, "核实工地用工情况", 3)
    aid.decide(counties["lishu"], application.pk, grant=False, reasons="经审查不属于法律援助范围，理由详见决定书。")
    with pytest.raises(Forbidden):
        collaboration.answer(counties["yitong"], row.pk, True)
    assert not collaboration.running().exists(), "and it is not watched any more"
    with pytest.raises(Forbidden):  # the console names the officer who asks
        collaboration.ask(Actor.console(), application.pk, FAR_COUNTY, "调取证据材料", 3)


def test_the_pages_the_api_and_the_command(counties, client):
    application = granted(counties)
    client.force_login(counties["lishu"].user)
    assert "异地协作" in client.get(f"/legal/aid/{application.pk}/").content.decode()
    asked = client.post(f"/legal/aid/{application.pk}/collaborate/", {"county": OTHER_COUNTY,
                                                                      "task": "送达起诉状副本", "days": "4"})
    assert asked.status_code == 302
    row = AidCollaboration.objects.get()
    client.force_login(counties["yitong"].user)
    page = client.get(f"/legal/aid/collaborations/{row.pk}/").content.decode()
    assert "送达起诉状副本" in page and "接受" in page and "在伊通县工地" not in page, "the task, not the file"
    assert "送达起诉状副本" in client.get("/legal/aid/collaborations/").content.decode()
    client.post(f"/legal/aid/collaborations/{row.pk}/accept/")
    done = client.post(f"/api/v1/legal/aid/collaborations/{row.pk}/done", {"result": "已送达，回证已寄回"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "done"
    client.force_login(counties["far"].user)
    assert client.get(f"/api/v1/legal/aid/collaborations/{row.pk}").status_code == 404
    client.force_login(counties["lishu"].user)
    made = client.post(f"/api/v1/legal/aid/{application.pk}/collaborations",
                       {"county": FAR_COUNTY, "task": "调取银行流水", "days": 3}, content_type="application/json")
    assert made.status_code == 201 and made.json()["county"] == FAR_COUNTY
    out = io.StringIO()
    call_command("legal", "collaborations", "--as", counties["far"].user.username, stdout=out)
    assert f"{LISHU}->{FAR_COUNTY}\tasked" in out.getvalue()
    call_command("legal", "collaboration", str(made.json()["id"]), "decline", "--text", "无此账户",
                 "--as", counties["far"].user.username, stdout=out)
    assert "declined" in out.getvalue()
