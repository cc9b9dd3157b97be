"""What busy queues need: possible duplicates (same village, alike words by jieba, within a week) shown on the
case and in the queue to those who may see both, and the transfer of a request to the village of the township
it belongs to, keeping its number, clock and history, with the new village and the applicant told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.cases import duplicates, services
from cunwu.cases.models import AskedTally, Case
from cunwu.notify.models import Notification

from .helpers import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, actor, person, texts

pytestmark = pytest.mark.django_db


def _demand(staff, village, title, description="", phone="13904340001"):
    return services.submit(staff, services.CaseInput(village=village, title=title, description=description,
                                                     category="roads", applicant_phone=phone,
                                                     consent="当面同意"))[0]


def test_alike_requests_of_a_village_are_shown_as_possible_duplicates(client):
    staff = actor(person("village_staff", VILLAGE_A1))
    first = _demand(staff, VILLAGE_A1, "三组村道路灯不亮", "三组村道东头的路灯坏了，晚上看不见路")
    second = _demand(staff, VILLAGE_A1, "路灯坏了", "三组村道东头路灯不亮，晚上走路看不见", phone="13904340002")
    other = _demand(staff, VILLAGE_A1, "低保申请", "想问问低保怎么申请", phone="13904340003")
    elsewhere = _demand(actor(person("village_staff", VILLAGE_A2)), VILLAGE_A2, "三组村道路灯不亮",
                        "三组村道东头的路灯坏了，晚上看不见路")
    assert first.words and "路灯" in first.words.split()
    found = [c.number for c, _score in duplicates.possible_duplicates(staff, second)]
    assert found == [first.number]  # not the unrelated one, not another village's
    Case.objects.filter(pk=first.pk).update(created_at=second.created_at - dt.timedelta(days=8))
    assert duplicates.possible_duplicates(staff, Case.objects.get(pk=second.pk)) == []  # outside the week
    Case.objects.filter(pk=first.pk).update(created_at=second.created_at)
    flags = duplicates.flags(staff, list(Case.objects.filter(village_id=VILLAGE_A1)))
    assert flags == {first.pk: 1, second.pk: 1, other.pk: 0}
    client.force_login(staff.user)
    page = client.get(f"/cases/{second.number}/").content.decode()
    assert "可能是同一件事" in page and first.short_number in page
    assert "可能与其他办件重复" in client.get("/cases/").content.decode()
    villager = actor(person("villager", VILLAGE_A1, phone="13904340001"))
    assert duplicates.possible_duplicates(villager, first) == []  # a villager is shown nobody else's request
    assert elsewhere.pk not in flags


def test_a_request_is_passed_to_its_village_with_its_clock_and_history():
    staff = actor(person("village_staff", VILLAGE_A1))
    theirs = person("village_staff", VILLAGE_A2)
    case = _demand(staff, VILLAGE_A1, "二组水渠堵塞", phone="13904345679")
    services.take(staff, case.number)
    due, number = case.due_at, case.number
    moved = services.transfer(staff, number, VILLAGE_A2, "水渠在南杏山二组的邻村地界")
    assert (moved.number, moved.village_id, moved.due_at, moved.owner_id) == (number, VILLAGE_A2, due, None)
    assert moved.events.filter(action="transferred").exists() and moved.events.filter(action="taken").exists()
    assert Notification.objects.filter(recipient=theirs, kind="case_new").exists()
    assert any("13904345679" == t.phone for t in texts(purpose="case_transferred"))
    assert AskedTally.objects.get(village_code=VILLAGE_A1).n == 0 and AskedTally.objects.get(
        village_code=VILLAGE_A2).n == 1
    with pytest.raises(permissions.NotFound):  # the first village no longer sees it
        services.get_case(staff, number)
    services.take(actor(theirs), number)


def test_a_transfer_is_refused_with_its_reason():
    staff = actor(person("village_staff", VILLAGE_A1))
    case = _demand(staff, VILLAGE_A1, "桥面开裂")
    with pytest.raises(ValidationError) as refused:
        services.transfer(staff, case.number, VILLAGE_B1, "另一个乡镇的")
    assert "village" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.transfer(staff, case.number, VILLAGE_A1, "本村")
    with pytest.raises(ValidationError):
        services.transfer(staff, case.number, VILLAGE_A2, "")
    services.take(staff, case.number)
    services.resolve(staff, case.number, "已修好")
    with pytest.raises(permissions.Forbidden):  # a request with a result stays where it was handled
        services.transfer(staff, case.number, VILLAGE_A2, "其实是邻村的")
    grid = actor(person("grid_worker", VILLAGE_A1))
    fresh = _demand(staff, VILLAGE_A1, "路面坑洼")
    with pytest.raises(permissions.Forbidden):
        services.transfer(grid, fresh.number, VILLAGE_A2, "邻村的")
    assert Case.objects.get(pk=fresh.pk).village_id == VILLAGE_A1


def test_the_township_passes_a_request_on_from_the_case_page(client):
    staff = actor(person("village_staff", VILLAGE_A1))
    case = _demand(staff, VILLAGE_A1, "垃圾清运不及时")
    officer = person("township_officer", VILLAGE_A1[:9])
    client.force_login(officer)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'name="village"' in page and VILLAGE_A2 in page and VILLAGE_A1 not in page.split('name="village"')[1][:300]
    client.post(f"/cases/{case.number}/act/transfer/", {"village": VILLAGE_A2, "reason": "邻村地界",
                                                         "version": case.version})
    assert Case.objects.get(pk=case.pk).village_id == VILLAGE_A2


def test_a_duplicate_joined_to_the_main_request_follows_its_result():
    staff = actor(person("village_staff", VILLAGE_A1))
    villager = actor(person("villager", VILLAGE_A1, phone="13904345680"))
    main = _demand(staff, VILLAGE_A1, "三组路灯不亮", phone="13904345681")
    twin = services.submit(villager, services.CaseInput(village=VILLAGE_A1, title="路灯坏了", category="roads"))[0]
    joined = services.merge(staff, twin.number, main.number, "同一盏路灯")
    assert (joined.state, joined.merged_into_id, joined.due_at) == ("merged", main.pk, None)
    assert joined.responded_at is not None and joined.next_check_at is None
    assert any(t.phone == "13904345680" for t in texts(purpose="case_merged"))
    assert twin.pk not in {c.pk for c in services.visible_cases(staff).filter(state__in=["new", "handling"])}
    services.take(staff, main.number)
    services.resolve(staff, main.number, "已更换灯泡")
    joined.refresh_from_db()
    assert (joined.state, joined.result) == ("resolved", "已更换灯泡")
    assert any(t.phone == "13904345680" for t in texts(purpose="case_result"))
    services.rate(villager, twin.number, 5)
    assert Case.objects.get(pk=twin.pk).state == "closed"
    assert services.check_tallies(Actor.console())[0] == []  # the figures count what happened, once


def test_a_joined_request_is_handled_again_when_the_main_one_ends_without_a_result():
    staff = actor(person("village_staff", VILLAGE_A1))
    villager = actor(person("villager", VILLAGE_A1, phone="13904345690"))
    main = services.submit(villager, services.CaseInput(village=VILLAGE_A1, title="水渠堵了", category="farming"))[0]
    twin = _demand(staff, VILLAGE_A1, "二组水渠堵塞", phone="13904345691")
    services.merge(staff, twin.number, main.number)
    services.withdraw(villager, main.number, "已自行疏通")
    twin.refresh_from_db()
    assert (twin.state, twin.merged_into_id) == ("handling", None) and twin.due_at is not None
    assert twin.events.filter(action="released").exists()


def test_a_merge_is_refused_with_its_reason():
    staff = actor(person("village_staff", VILLAGE_A1))
    a, b = _demand(staff, VILLAGE_A1, "路面坑洼"), _demand(staff, VILLAGE_A1, "路面有坑", phone="13904340009")
    far = _demand(actor(person("village_staff", VILLAGE_A2)), VILLAGE_A2, "路面坑洼")
    officer = actor(person("township_officer", VILLAGE_A1[:9]))
    for into, field in ((a.number, "into"), ("", "into")):
        with pytest.raises(ValidationError) as refused:
            services.merge(staff, a.number, into)
        assert field in refused.value.message_dict
    with pytest.raises(permissions.NotFound):  # another village's request is not even seen
        services.merge(staff, a.number, far.number)
    with pytest.raises(permissions.Forbidden):  # the township sees it, but the village handles it at its stage
        services.merge(officer, a.number, far.number)
    services.merge(staff, b.number, a.number)
    c = _demand(staff, VILLAGE_A1, "坑洼路面", phone="13904340010")
    with pytest.raises(ValidationError):  # b already follows a: join c to a, not to b
        services.merge(staff, c.number, b.number)
    with pytest.raises(ValidationError):  # a has requests joined to it: it is not joined to another
        services.merge(staff, a.number, c.number)
    services.take(staff, a.number)
    services.resolve(staff, a.number, "已修补")
    with pytest.raises(ValidationError):  # the main one has its result: it is not open any more
        services.merge(staff, c.number, a.number)
    assert Case.objects.get(pk=c.pk).state == "new"
