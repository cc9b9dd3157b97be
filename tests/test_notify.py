"""Work reaches its people: one notification per event and person, texts after commit, quiet hours, grouping,
retries and failures, a lost role, and the report-in clock in office hours."""

import datetime as dt

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cunwu.accounts import services as accounts
from cunwu.accounts.models import OutboxMessage
from cunwu.audit.context import Actor
from cunwu.cases import services, worker
from cunwu.cases.choices import Urgency
from cunwu.directory import seed
from cunwu.notify import hours
from cunwu.notify import services as notify
from cunwu.notify.models import Delivery, DeliveryState, Notification
from cunwu.sms.providers import DeliveryFailed

from .helpers import (
    LISHU,
    OTHER_COUNTY,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    Clock,
    actor,
    at,
    person,
    texts,
)


@pytest.fixture
def people(db):
    seed.seed_jilin(Actor.console())
    made = {
        "villager": person("villager", VILLAGE_A1, phone="13904341111"),
        "staff": person("village_staff", VILLAGE_A1, phone="13904342001"),
        "staff2": person("village_staff", VILLAGE_A1, phone="13904342002"),
        "other_staff": person("village_staff", VILLAGE_A2, phone="13904342003"),
        "township": person("township_officer", TOWN_A, phone="13904342004"),
        "other_township": person("township_officer", TOWN_B, phone="13904342005"),
        "housing": person("department_officer", LISHU, department="housing", phone="13904342006"),
        "housing2": person("department_officer", LISHU, department="housing"),  # no phone
        "water": person("department_officer", LISHU, department="natural_resources", phone="13904342007"),
        "far": person("department_officer", OTHER_COUNTY, department="housing", phone="13904342008"),
    }
    return {k: actor(v) for k, v in made.items()}


def told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def names(people, *keys):
    return sorted(people[k].user.username for k in keys)


def demand(who, **extra):
    fields = {"village": VILLAGE_A1, "kind": "demand", "title": "村道塌陷", "description": "三组路口塌了一个坑"}
    fields.update(extra)
    return services.submit(who, services.CaseInput(**fields))[0]


def test_the_walk_from_villager_to_department_tells_each_next_person_once(people, monkeypatch):
    Clock(monkeypatch, at(2026, 11, 4, 9, 0))  # a Wednesday morning
    case = demand(people["villager"])
    assert told("case_new") == names(people, "staff", "staff2")  # the village's staff, not the neighbour's
    services.take(people["staff"], case.number)
    services.escalate(people["staff"], case.number, "需要县住建局维修")
    assert told("case_escalated") == names(people, "township")
    services.dispatch(people["township"], case.number, ["housing"])
    assert told("dispatch_called") == names(people, "housing", "housing2")  # every officer of the department
    services.sign_in(people["housing"], case.number)
    services.respond(people["housing"], case.number, "已派施工队修复")
    services.rate(people["villager"], case.number, 1, "还是有坑")
    assert told("bad_rating") == names(people, "housing", "housing2", "staff")
    assert "far" not in str(Notification.objects.values_list("recipient__username", flat=True))
    assert Notification.objects.filter(recipient=people["other_township"].user).count() == 0
    sent = texts()
    assert sent.filter(phone="13904341111", purpose="case_received").count() == 1
    assert sent.filter(phone="13904341111", purpose="case_result").count() == 1
    assert sent.filter(phone="13904342004").count() == 1  # the township officer: one text
    call = sent.get(phone="13904342006", body__contains="报到通知")  # the call, with its deadline
    assert "11-04 09:30" in call.body
    assert Delivery.objects.get(recipient=people["housing2"].user, kind="dispatch_called").state == "no_phone"
    assert Notification.objects.filter(recipient=people["housing2"].user, kind="dispatch_called").exists()


def test_the_worker_tells_once_however_often_it_runs(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 4, 9, 0))
    case = demand(people["villager"], urgency=Urgency.NORMAL)
    services.take(people["staff"], case.number)
    case.refresh_from_db()
    clock.now = case.warn_at + dt.timedelta(minutes=1)
    worker.sweep()
    worker.sweep(clock.now + dt.timedelta(seconds=5))  # a second worker, or the task retried
    assert told("case_warning") == names(people, "staff")  # the official in charge
    clock.now = case.due_at + dt.timedelta(minutes=1)
    worker.sweep()
    worker.sweep()
    assert Notification.objects.filter(kind="case_overdue", recipient=people["township"].user).count() == 1
    assert Notification.objects.filter(kind="case_escalated").count() == 1
    texts()
    before = OutboxMessage.objects.count()
    assert notify.deliver_due(clock.now + dt.timedelta(days=30)) == {}  # nothing is sent twice
    assert OutboxMessage.objects.count() == before


def test_a_rolled_back_action_tells_nobody(people):
    with pytest.raises(RuntimeError), transaction.atomic():
        demand(people["villager"])
        raise RuntimeError("the request failed after the case was written")
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert not texts().exists()


def test_texts_leave_only_after_commit(people, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(notify, "_enqueue", lambda: sent.append(Delivery.objects.count()))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demand(people["villager"])
    assert sent == [] and callbacks  # nothing queued while the transaction was open
    for callback in callbacks:
        callback()
    assert sent and sent[0] >= 3


def test_quiet_hours_hold_the_ordinary_and_text_the_urgent_at_once(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 6, 22, 0))  # Friday night
    ordinary = demand(people["villager"])
    urgent = demand(people["villager"], title="自来水管爆裂", urgency=Urgency.EMERGENCY)
    held = Delivery.objects.filter(kind="case_new", key__startswith=f"case:{ordinary.pk}:")
    assert {d.state for d in held} == {DeliveryState.HELD}
    assert {timezone.localtime(d.due_at) for d in held} == {at(2026, 11, 9, 8, 30)}  # Monday morning
    notify.deliver_due()
    assert OutboxMessage.objects.filter(body__contains="自来水管爆裂").count() == 2  # both staff, at once
    assert urgent.urgency == Urgency.EMERGENCY
    assert not OutboxMessage.objects.filter(body__contains="村道塌陷").exists()
    clock.now = at(2026, 11, 9, 8, 31)
    notify.deliver_due()
    assert OutboxMessage.objects.filter(body__contains="村道塌陷").count() == 2


def test_a_persons_texts_of_one_kind_within_minutes_leave_as_one(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 4, 10, 0))
    first = demand(people["villager"], title="路灯不亮")
    notify.deliver_due()
    assert OutboxMessage.objects.filter(phone="13904342001", body__contains="路灯不亮").count() == 1
    clock.now = at(2026, 11, 4, 10, 1)
    demand(people["villager"], title="垃圾未清运")
    demand(people["villager"], title="井盖缺失")
    notify.deliver_due()
    assert OutboxMessage.objects.filter(phone="13904342001").count() == 1  # the next two wait for the window
    clock.now = at(2026, 11, 4, 10, 5)
    notify.deliver_due()
    digest = OutboxMessage.objects.filter(phone="13904342001", purpose="work_digest")
    assert digest.count() == 1 and "2 条新的新诉求" in digest.get().body
    states = Delivery.objects.filter(recipient=people["staff"].user).exclude(key__startswith=f"case:{first.pk}:")
    assert sorted(states.values_list("state", flat=True)) == ["grouped", "sent"]


def test_a_provider_failure_is_kept_and_retried_and_never_undoes_the_action(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 4, 10, 0))
    calls = []

    def refuse(self, phone, purpose, params, text):
        calls.append(phone)
        raise DeliveryFailed("服务商暂时无法连接", retry=True)

    monkeypatch.setattr("cunwu.sms.providers.outbox.OutboxSms.send", refuse)
    case = demand(people["villager"])
    assert notify.deliver_due()["failed"] == 3
    row = Delivery.objects.get(recipient=people["staff"].user)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "服务商暂时无法连接")
    assert row.due_at == clock.now + dt.timedelta(minutes=1)
    assert services.get_case(people["staff"], case.number).state == "new"  # the case stands
    monkeypatch.undo()
    Clock(monkeypatch, clock.now + dt.timedelta(minutes=2))
    assert notify.deliver_due()["sent"] == 3
    assert Delivery.objects.get(pk=row.pk).state == "sent"


def test_a_person_who_loses_the_role_is_not_texted_for_it(people, monkeypatch):
    Clock(monkeypatch, at(2026, 11, 4, 10, 0))
    demand(people["villager"])
    gone = people["staff2"].user.assignments.get()
    accounts.revoke_assignment(Actor.console(), gone.pk)
    notify.deliver_due()
    assert Delivery.objects.get(recipient=people["staff2"].user).state == "dropped"
    assert Delivery.objects.get(recipient=people["staff"].user).state == "sent"


def test_a_misconfigured_provider_is_refused_at_start_up_naming_what_is_missing(settings):
    settings.CUNWU = {**settings.CUNWU, "SMS": {"BACKEND": "cunwu.sms.providers.aliyun.AliyunSms",
                                                "ACCESS_KEY_ID": "id", "ACCESS_KEY_SECRET": "secret",
                                                "TEMPLATES": {"sign_in_code": "SMS_1"}}}
    errors = [e for e in run_checks() if e.id == "cunwu.E010"]
    assert len(errors) == 1
    message = errors[0].msg
    assert "CUNWU_SMS_SIGN_NAME" in message and "CUNWU_SMS_TEMPLATES[case_received]" in message
    assert "CUNWU_SMS_TEMPLATES[sign_in_code]" not in message


@pytest.mark.parametrize(("called", "due"), [
    (at(2026, 11, 4, 10, 0), at(2026, 11, 4, 10, 30)),  # office hours
    (at(2026, 11, 4, 17, 20), at(2026, 11, 5, 8, 50)),  # ten minutes today, twenty tomorrow
    (at(2026, 11, 4, 23, 3), at(2026, 11, 5, 9, 0)),  # the 23:03 call: due 30 minutes after the next opening
    (at(2026, 11, 7, 11, 0), at(2026, 11, 9, 9, 0)),  # Saturday: Monday
    (at(2026, 2, 13, 17, 15), at(2026, 2, 14, 8, 45)),  # Spring Festival's make-up working Saturday
    (at(2026, 2, 15, 10, 0), at(2026, 2, 24, 9, 0)),  # inside the Spring Festival holiday
])
def test_report_in_counts_office_hours(called, due, db):
    from cunwu.cases import clock

    hours.use_calendar(clock.is_workday)
    assert hours.add_office_minutes(called, 30, VILLAGE_A1) == due


def test_an_urgent_call_runs_around_the_clock(people, monkeypatch):
    Clock(monkeypatch, at(2026, 11, 4, 23, 3))
    urgent = demand(people["villager"], title="大坝渗水", urgency=Urgency.EMERGENCY)
    ordinary = demand(people["villager"], title="路灯不亮")
    for case in (urgent, ordinary):
        services.take(people["staff"], case.number)
        services.escalate(people["staff"], case.number, "需要县里")
        services.dispatch(people["township"], case.number, ["housing"])
    urgent_call = urgent.dispatches.get()
    assert timezone.localtime(urgent_call.sign_in_by) == at(2026, 11, 4, 23, 33)
    assert timezone.localtime(ordinary.dispatches.get().sign_in_by) == at(2026, 11, 5, 9, 0)
    notify.deliver_due()
    assert OutboxMessage.objects.filter(phone="13904342006", body__contains="大坝渗水").exists()  # at once
    assert not OutboxMessage.objects.filter(phone="13904342006", body__contains="路灯不亮").exists()


def test_notifications_are_read_only_by_their_person(people, client):
    demand(people["villager"])
    client.force_login(people["staff"].user)
    page = client.get("/notifications/").content.decode()
    assert "新诉求" in page and "村道塌陷" in page and page.count('class="unread"') == 1
    assert 'class="badge"' in client.get("/").content.decode()
    client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=people["staff"].user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=people["staff2"].user, read_at__isnull=True).exists()
    client.force_login(people["other_staff"].user)
    assert "村道塌陷" not in client.get("/notifications/").content.decode()


def test_administrators_see_the_delivery_list_of_their_places_without_phones(people, client):
    demand(people["villager"])
    notify.deliver_due()
    admin = person("county_admin", LISHU)
    client.force_login(admin)
    page = client.get("/notifications/deliveries/").content.decode()
    assert "新诉求" in page and "已发送" in page and "13904342001" not in page and "13904341111" not in page
    assert "<td>无手机号" not in page and "给申请人的短信" in page  # everyone here has a phone
    Delivery.objects.filter(recipient=people["staff2"].user).update(state=DeliveryState.NO_PHONE)
    only = client.get("/notifications/deliveries/?state=no_phone").content.decode()
    assert only.count("<tr>") == 2 and people["staff2"].user.display_name in only  # header and the one row
    client.force_login(people["staff"].user)
    assert client.get("/notifications/deliveries/").status_code == 404
    other = person("county_admin", OTHER_COUNTY)
    client.force_login(other)
    assert "新诉求" not in client.get("/notifications/deliveries/").content.decode()


def test_a_worker_that_stops_mid_batch_sends_nothing_twice(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 4, 10, 0))
    demand(people["villager"])
    sent = []

    def crash_after_first(self, phone, purpose, params, text):
        if sent:
            raise SystemExit("the worker process stops")
        sent.append(phone)
        return "p-1"

    monkeypatch.setattr("cunwu.sms.providers.outbox.OutboxSms.send", crash_after_first)
    with pytest.raises(SystemExit):
        notify.deliver_due()
    assert Delivery.objects.filter(provider_id="p-1").count() == 1  # the one that left is recorded at once
    monkeypatch.setattr("cunwu.sms.providers.outbox.OutboxSms.send",
                        lambda self, phone, purpose, params, text: sent.append(phone) or "p-2")
    notify.deliver_due()
    assert len(sent) == 1  # the rest wait: claimed by a worker that may still be running
    clock.now += dt.timedelta(minutes=11)
    notify.deliver_due()
    assert sorted(sent) == sorted(["13904341111", "13904342001", "13904342002"])  # each exactly once


def test_officials_with_a_wecom_account_are_told_there_too(people, monkeypatch, settings):
    from cunwu.sms.providers.wecom import WeComApp

    settings.CUNWU = {**settings.CUNWU, "WECOM": {"CORP_ID": "ww1", "CORP_SECRET": "s", "AGENT_ID": "1000002"}}
    sent = []
    monkeypatch.setattr(WeComApp, "send", lambda self, account, text: sent.append((account, text)) or "msg-1")
    Clock(monkeypatch, at(2026, 11, 6, 22, 0))  # Friday night: the text waits, WeCom does not
    accounts.set_wecom_id(Actor.console(), people["staff"].user.pk, "ZhangJianGuo")
    demand(people["villager"])
    assert notify.deliver_due()["wecom"] == 1
    assert sent[0][0] == "ZhangJianGuo" and "新诉求" in sent[0][1] and "村道塌陷" in sent[0][1]
    assert Delivery.objects.get(recipient=people["staff"].user, channel="sms").state == DeliveryState.HELD
    with pytest.raises(ValidationError):
        accounts.set_wecom_id(Actor.console(), people["staff"].user.pk, "has space")


def test_a_second_limit_of_the_same_stage_is_told_again_and_the_owner_hears_of_a_bad_rating(people, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 11, 4, 9, 0))
    case = demand(people["villager"])
    services.take(people["staff"], case.number)
    services.escalate(people["staff"], case.number, "需要县里")
    case.refresh_from_db()
    clock.now = case.stage_due_at + dt.timedelta(minutes=1)
    worker.sweep()
    services.dispatch(people["township"], case.number, ["housing"])
    services.department_return(people["housing"], case.number, "不归我们管")  # back at the township, a new limit
    case.refresh_from_db()
    clock.now = case.stage_due_at + dt.timedelta(minutes=1)
    worker.sweep()
    assert Notification.objects.filter(recipient=people["township"].user, kind="case_overdue").count() == 2
    services.dispatch(people["township"], case.number, ["natural_resources"], decided=True)
    services.sign_in(people["water"], case.number)
    services.respond(people["water"], case.number, "已处理")
    services.rate(people["villager"], case.number, 1, "没处理好")
    told = Delivery.objects.get(recipient=people["staff"].user, kind="bad_rating")
    notify.deliver_due(clock.now + dt.timedelta(days=3))
    assert Delivery.objects.get(pk=told.pk).state == "sent"  # the official in charge, though the case left the village
