"""Village notices (published, corrected by new versions, archived; what is due) and emergency warnings
(issued to an area, texted by the worker, acknowledged, followed, resent, cancelled)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.notices import services, warnings
from cunwu.notices.models import Notice, Warning, WarningTarget
from cunwu.regions.models import Region

from .helpers import (
    LISHU,
    OTHER_COUNTY_VILLAGE,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    Clock,
    actor,
    at,
    person,
    texts,
)

SCRIPT = '<script>alert("x")</script><b>粗体</b>'


@pytest.fixture
def people(db):
    return {
        "staff": actor(person("village_staff", VILLAGE_A1, phone="13904340001")),
        "staff2": actor(person("village_staff", VILLAGE_A2, phone="13904340002")),
        "township": actor(person("township_officer", TOWN_A)),
        "county": actor(person("county_admin", LISHU)),
        "supervisor": actor(person("supervisor", LISHU)),
        "villager": actor(person("villager", VILLAGE_A1)),
    }


def _notice(people, **extra):
    data = {"village": VILLAGE_A1, "category": "finances", "title": "2026年10月村级财务收支公开",
            "body": "收入：上级转移支付 8.6 万元；支出：道路维修 3.2 万元。", **extra}
    return services.publish(people["staff"], services.NoticeInput(**data))


def test_a_notice_is_corrected_by_a_new_version_and_the_old_one_stays(people, client):
    first = _notice(people)
    assert first.series == first.pk and first.version == 1
    with pytest.raises(ValueError):  # never edited in place
        first.title = "改过的标题"
        first.save()
    second = services.correct(people["staff"], first.pk, "2026年10月村级财务收支公开（更正）",
                              "收入：上级转移支付 8.6 万元；支出：道路维修 2.3 万元。", "道路维修支出金额录入有误")
    first.refresh_from_db()
    assert first.superseded_at is not None and first.title == "2026年10月村级财务收支公开"
    assert (second.series, second.version) == (first.series, 2)
    with pytest.raises(Forbidden):  # the superseded version is not corrected again
        services.correct(people["staff"], first.pk, "x", "y", "z")
    board = services.board(VILLAGE_A1)
    assert [n.pk for n in board["finances"]] == [second.pk]
    assert set(services.archive(VILLAGE_A1).values_list("pk", flat=True)) == {first.pk, second.pk}
    page = client.get(f"/notices/{first.pk}/").content.decode()
    assert "被更正" in page and "3.2 万元" in page and "道路维修支出金额录入有误" in page
    assert client.get(f"/notices/village/{VILLAGE_A1}/").status_code == 200  # public
    assert client.get(f"/api/v1/notices/{second.pk}").json()[1]["superseded_at"] is not None


def test_bad_notices_are_refused_and_markup_is_shown_as_text(people, client):
    today = timezone.localdate()
    for bad, field in (({"shown_from": today - dt.timedelta(days=1)}, "shown_from"),
                       ({"shown_until": today + dt.timedelta(days=2)}, "shown_until"),
                       ({"category": "services"}, "category"), ({"title": "  "}, "title")):
        with pytest.raises(ValidationError) as refused:
            _notice(people, **bad)
        assert field in refused.value.message_dict
    with pytest.raises(NotFound):  # another village's staff
        services.publish(people["staff2"], services.NoticeInput(VILLAGE_A1, "affairs", "标题", "正文"))
    assert not Notice.objects.exists()
    shown = _notice(people, title=SCRIPT, body=SCRIPT)
    page = client.get(f"/notices/{shown.pk}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<b>粗体" not in page
    client.force_login(people["staff"].user)
    refused = client.post(f"/notices/village/{VILLAGE_A1}/new/", {"category": "affairs", "title": "公示",
                                                                 "body": "内容", "shown_until": "2000-01-01"})
    assert refused.status_code == 200 and "至少" in refused.content.decode()
    assert Notice.objects.count() == 1


def test_supervisors_see_which_villages_have_not_published_what_is_due(people, client):
    township = Region.objects.filter(code=TOWN_A).get()
    villages = Region.objects.active().filter(parent=township, level=5).count()
    _region, lacking, total = services.overdue(people["supervisor"], TOWN_A)
    assert total == villages and len(lacking) == villages
    _notice(people)
    services.publish(people["staff"], services.NoticeInput(VILLAGE_A1, "affairs", "第四季度村务公开", "……"))
    _region, lacking, _total = services.overdue(people["supervisor"], TOWN_A)
    assert VILLAGE_A1 not in {v.code for v in lacking} and len(lacking) == villages - 1
    assert {c for c, _l, _at in next(v for v in lacking if v.code == VILLAGE_A2).missing} == {"affairs", "finances"}
    with pytest.raises(NotFound):
        services.overdue(people["villager"], TOWN_A)
    client.force_login(people["supervisor"].user)
    page = client.get(f"/notices/due/?region={TOWN_A}").content.decode()
    assert f"{villages}个村中有{villages - 1}个村本期应公开的内容尚未全部公开" in page
    assert VILLAGE_A1 not in page and VILLAGE_A2 in page  # the village up to date is not listed
    county = client.get(f"/notices/due/?region={LISHU}").content.decode()  # a county: its townships, each a way down
    assert f'href="?region={TOWN_A}"' in county and f"<td class=\"num\">{villages - 1}</td>" in county
    assert VILLAGE_A2 not in county


def _warn(people, who="township", area=(TOWN_A,), **extra):
    data = {"kind": "rainstorm", "level": "orange", "title": "暴雨橙色预警", "text": "未来6小时将有大暴雨，请转移低洼地区群众。",
            "area": list(area), "valid_until": timezone.now() + dt.timedelta(hours=12), **extra}
    return warnings.issue(people[who], warnings.WarningInput(**data))


def test_a_warning_reaches_every_village_of_a_township_and_is_acknowledged(people, client, huey_immediate,
                                                                            django_capture_on_commit_callbacks):
    villages = set(Region.objects.active().filter(parent_id=TOWN_A, level=5).values_list("code", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        warning = _warn(people, text=SCRIPT)
    assert set(warning.targets.values_list("village_id", flat=True)) == villages
    assert warning.villages == len(villages) and warning.number.startswith("YJ")
    # the worker texted the staff of the villages that have staff (here A1 and A2), once each
    texted = texts(purpose="work", body__contains="紧急预警")
    assert sorted(texted.values_list("phone", flat=True)) == ["13904340001", "13904340002"]
    assert Warning.objects.get(pk=warning.pk).fanned_out_at is not None
    assert [w.pk for w in warnings.current_for(VILLAGE_A1)] == [warning.pk]
    assert warnings.current_for(VILLAGE_B1) == []  # another township
    page = client.get(f"/notices/village/{VILLAGE_A1}/").content.decode()
    assert "暴雨橙色预警" in page and "&lt;script&gt;" in page and "<script>alert" not in page

    warnings.acknowledge(people["staff"], warning.pk)
    again = warnings.acknowledge(people["staff"], warning.pk)  # once; the first time stands
    status = warnings.status(people["township"], warning.pk)
    assert (status["acknowledged"], status["total"]) == (1, len(villages))
    assert VILLAGE_A1 not in {t.village_id for t in status["waiting"]} and again.acknowledged_at
    with pytest.raises(NotFound):
        warnings.acknowledge(people["staff2"], warning.pk, VILLAGE_A1)  # not their village

    with django_capture_on_commit_callbacks(execute=True):
        assert warnings.resend(people["township"], warning.pk) == len(villages) - 1
    texted = texts(purpose="work", body__contains="紧急预警")
    assert list(texted.filter(phone="13904340001").values_list("phone", flat=True)) == ["13904340001"]
    assert texted.filter(phone="13904340002").count() == 2  # only the one that had not acknowledged
    with pytest.raises(Forbidden):
        warnings.resend(people["supervisor"], warning.pk)  # follows, does not resend
    warnings.cancel(people["county"], warning.pk)
    assert warnings.current_for(VILLAGE_A1) == []


def test_bad_warnings_are_refused_with_nothing_written(people):
    for who, area, field in (("township", [VILLAGE_B1], "area"), ("township", [TOWN_B], "area"),
                             ("county", [OTHER_COUNTY_VILLAGE], "area"), ("township", ["999999999"], "area"),
                             ("township", [], "area")):
        with pytest.raises(ValidationError) as refused:
            _warn(people, who, area)
        assert field in refused.value.message_dict
    assert VILLAGE_B1 in str(_refusal(people, [VILLAGE_A1, VILLAGE_B1]))  # the code outside is named
    with pytest.raises(ValidationError):
        _warn(people, valid_until=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        _warn(people, level="purple")
    with pytest.raises(Forbidden):
        _warn(people, "staff", [VILLAGE_A1])
    assert not Warning.objects.exists() and not WarningTarget.objects.exists()
    county = _warn(people, "county", [LISHU, VILLAGE_A1])  # the county and a village of it: each village once
    assert county.villages == Region.objects.active().filter(code__startswith=LISHU, level=5).count()


def _refusal(people, area):
    try:
        _warn(people, "township", area)
    except ValidationError as exc:
        return exc
    raise AssertionError("not refused")


def test_warning_pages_issue_follow_and_acknowledge(people, client, huey_immediate):
    client.force_login(people["township"].user)
    form = client.get("/warnings/new/").content.decode()
    assert f'value="{VILLAGE_A1}"' in form and f'value="{TOWN_A}"' in form
    until = (timezone.localtime() + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    done = client.post("/warnings/new/", {"kind": "gale", "level": "yellow", "title": "大风黄色预警",
                                          "text": "加固大棚", "valid_until": until, "area": [VILLAGE_A1, VILLAGE_A2]})
    warning = Warning.objects.get()
    assert done.status_code == 302 and warning.villages == 2
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert "0 / 2" in page and 'data-refresh="15"' in page and 'http-equiv="refresh"' not in page
    client.force_login(people["staff"].user)
    client.post(f"/warnings/{warning.pk}/acknowledge/", {"village": VILLAGE_A1})
    client.force_login(people["township"].user)
    assert "1 / 2" in client.get(f"/warnings/{warning.pk}/").content.decode()
    api = client.get(f"/api/v1/warnings/{warning.pk}/status").json()
    assert api["acknowledged"] == 1 and api["waiting"] == [VILLAGE_A2]


def test_who_to_contact_shows_public_work_phones_only(people, client):
    from cunwu.legal.models import AdviserProfile, PoliceOfficer

    with pytest.raises(ValidationError):
        services.set_office(people["staff"], VILLAGE_A1, "call me", "8:30-17:00")
    with pytest.raises(NotFound):
        services.set_office(people["staff2"], VILLAGE_A1, "0434-5201234", "8:30-17:00")
    services.set_office(people["staff"], VILLAGE_A1, "0434-5201234", "周一至周五 8:30-17:00", "张建国")
    adviser = person("legal_adviser", VILLAGE_A1, phone="13900000009")
    AdviserProfile.objects.create(user=adviser, organisation="梨树律师事务所", work_phone="0434-5222348",
                                  contact_hours="每周二上午")
    PoliceOfficer.objects.create(village_id=VILLAGE_A1, name="郑警官", station="喇嘛甸派出所", work_phone="0434-5211110")
    page = client.get(f"/village/{VILLAGE_A1}/").content.decode()
    for shown in ("tel:0434-5201234", "周一至周五", "tel:0434-5222348", "每周二上午", "郑警官", "tel:0434-5211110"):
        assert shown in page, shown
    assert "13900000009" not in page and "13904340001" not in page  # nobody's own mobile


def test_read_aloud_speaks_mandarin_and_refuses_floods(client, monkeypatch, settings, db, tmp_path):
    from cunwu.web import speech

    clips = tmp_path / "speech"
    settings.CACHES = {**settings.CACHES, "speech": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(clips)}}
    assert client.post("/speech/", {"text": "  "}).status_code == 400
    if speech.engine():  # installed by make test
        spoken = client.post("/speech/", {"text": "暴雨红色预警，请立即转移。"})
        assert spoken.status_code == 200 and spoken["Content-Type"] == "audio/wav"
        assert len(list(clips.glob("*.djcache"))) == 1  # kept in a file, not in the database or one process
        assert spoken.content[:4] == b"RIFF" and len(spoken.content) > 20_000
        assert int.from_bytes(spoken.content[24:28], "little") == speech.RATE  # half of espeak-ng's own rate
        assert client.post("/speech/", {"text": "长" * (speech.CLIP + 1)}).status_code == 413  # refused, not cut
    monkeypatch.setattr(speech, "engine", lambda: None)
    assert client.post("/speech/", {"text": "没有语音引擎时用浏览器朗读"}).status_code == 503
    # one minute's window, however slow the machine (the counter's windows follow the clock)
    Clock(monkeypatch, at(2026, 11, 4, 10, 0, 20))
    codes = [client.post("/speech/", {"text": f"第{i}次"}).status_code for i in range(speech.PER_MINUTE + 2)]
    assert codes[-1] == 429 and 429 not in codes[:speech.PER_MINUTE - 1]


def test_a_terminal_is_set_up_by_staff_and_ends_idle_sessions_on_the_server(people, client, settings):
    import time

    assert client.get("/terminal/999999999999/").status_code == 404
    client.force_login(people["villager"].user)
    assert client.post(f"/terminal/{VILLAGE_A1}/set-up/", {"on": "1"}).status_code == 404  # not the villager's call
    client.force_login(people["staff2"].user)
    assert client.post(f"/terminal/{VILLAGE_A1}/set-up/", {"on": "1"}).status_code == 404  # another village's staff
    client.force_login(people["staff"].user)
    client.post(f"/terminal/{VILLAGE_A1}/set-up/", {"on": "1"})
    assert client.cookies["cunwu_terminal"].value == VILLAGE_A1
    assert client.get("/").wsgi_request.user.is_anonymous  # the staff member was signed out on the shared device
    client.force_login(people["villager"].user)
    page = client.get("/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    session = client.session
    session["cunwu_last_seen"] = int(time.time()) - settings.CUNWU["TERMINAL_IDLE_SECONDS"] - 1
    session.save()
    ended = client.get("/cases/")
    assert ended.status_code == 302 and ended["Location"] == f"/terminal/{VILLAGE_A1}/?wiped=1"
    assert client.get("/cases/").wsgi_request.user.is_anonymous
