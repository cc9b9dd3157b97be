"""Cases: intake, first-question ownership, the one-time notification, whistle and report-in, rating, the
worker and the rates, through the service layer and the API."""

import datetime as dt
import io
import threading
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.context import Actor
from cunwu.cases import clock, rates, services, worker
from cunwu.cases.choices import Action, Stage, State
from cunwu.cases.models import AskedTally, Case, CaseEvent, CaseTally, Dispatch
from cunwu.directory import seed
from cunwu.regions.models import Region

from .helpers import LISHU, OTHER_COUNTY, PNG, TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person, texts

pytestmark = pytest.mark.django_db
ITEM = "22-YB-001"  # 城乡居民基本医疗保险参保登记: ID card and household register, phone and insured year


@pytest.fixture(autouse=True)
def _calendar():
    clock.TABLE.clear()


@pytest.fixture
def lishu():
    seed.seed_jilin(Actor.console())
    people = {
        "villager": person("villager", VILLAGE_A1, phone="13904341111"),
        "staff": person("village_staff", VILLAGE_A1),
        "staff2": person("village_staff", VILLAGE_A1),
        "other_staff": person("village_staff", VILLAGE_A2),
        "township": person("township_officer", TOWN_A),
        "housing": person("department_officer", LISHU, department="housing"),
        "water": person("department_officer", LISHU, department="natural_resources"),
        "supervisor": person("supervisor", LISHU),
        "far_department": person("department_officer", OTHER_COUNTY, department="housing"),
    }
    return {k: actor(v) for k, v in people.items()}


def apply_online(who, **extra):
    extra.setdefault("materials_later", True)  # the household book is not ready yet
    data = services.CaseInput(village=VILLAGE_A1, kind="application", item=ITEM,
                              answers={"phone": "13904341111", "insured_year": "2027"}, **extra)
    return services.submit(who, data)[0]


def demand(who, **extra):
    fields = {"village": VILLAGE_A1, "kind": "demand", "title": "村道塌陷", "description": "三组路口塌了一个坑"}
    fields.update(extra)
    return services.submit(who, services.CaseInput(**fields))[0]


def test_whole_path_through_the_services(lishu):
    case = apply_online(lishu["villager"])
    assert case.number.startswith(f"{VILLAGE_A1}-{timezone.localdate():%Y%m%d}-")
    assert case.state == State.NEW and case.owner is None and case.due_at is not None
    assert case.applicant_id == lishu["villager"].user.pk

    case = services.return_for_materials(lishu["staff"], case.number, ["居民户口簿", "近一年缴费凭证"])
    assert case.state == State.AWAITING_MATERIALS and case.owner_id == lishu["staff"].user.pk
    assert case.due_at is None and case.clock_remaining > 0
    sms = texts(phone="13904341111").first()
    assert "居民户口簿" in sms.body and "近一年缴费凭证" in sms.body

    case = services.supply(lishu["villager"], case.number, ["居民户口簿"], "已上传",
                           [services.Upload("hukou.png", PNG, "近一年缴费凭证")])
    assert case.state == State.HANDLING and case.due_at is not None
    assert set(case.materials_supplied) == {"居民户口簿", "近一年缴费凭证"}

    case = services.escalate(lishu["staff"], case.number, "需县住建局核实")
    assert case.stage == Stage.TOWNSHIP and case.stage_due_at is not None
    with pytest.raises(Forbidden):  # the village no longer handles it
        services.resolve(lishu["staff"], case.number, "已办")
    case = services.dispatch(lishu["township"], case.number, ["housing", "natural_resources"], lead="housing")
    assert case.stage == Stage.DEPARTMENT and case.dispatches.count() == 2
    case = services.sign_in(lishu["housing"], case.number)
    case = services.respond(lishu["housing"], case.number, "已现场核实并办理")
    assert case.state == State.RESOLVED and case.result == "已现场核实并办理"
    assert case.owner_id == lishu["staff"].user.pk  # the first official stays in charge

    case = services.rate(lishu["villager"], case.number, 2, "没解决")
    assert case.state == State.RECTIFYING and case.round == 2 and case.stage_due_at is not None
    with pytest.raises(Forbidden):
        services.respond(lishu["housing"], case.number, "再次办理")  # not before a callback
    services.callback(lishu["staff"], case.number, "电话回访：村民说表格没给")
    case = services.respond(lishu["housing"], case.number, "补发表格，已办结")
    assert case.state == State.RESOLVED
    case = services.rate(lishu["villager"], case.number, 5)
    assert case.state == State.CLOSED and case.satisfied is True
    actions = list(case.events.values_list("action", flat=True))
    for expected in (Action.SUBMITTED, Action.TAKEN, Action.RETURNED, Action.SUPPLIED, Action.ESCALATED,
                     Action.DISPATCHED, Action.SIGNED_IN, Action.RESPONDED, Action.RESOLVED, Action.RATED,
                     Action.REOPENED, Action.CALLBACK, Action.CLOSED):
        assert expected in actions


def test_first_question_owner_keeps_the_case_until_handed_over(lishu):
    case = demand(lishu["villager"])
    case = services.take(lishu["staff"], case.number)
    with pytest.raises(Forbidden, match="已经|already"):
        services.take(lishu["staff2"], case.number)
    with pytest.raises(Forbidden):
        services.hand_over(lishu["staff2"], case.number, lishu["staff"].user.username)
    with pytest.raises(Exception, match="another official|其他"):
        services.hand_over(lishu["staff"], case.number, lishu["other_staff"].user.username)  # another village
    case = services.hand_over(lishu["staff"], case.number, lishu["staff2"].user.username, "我出差")
    assert case.owner_id == lishu["staff2"].user.pk


def test_second_return_needs_a_reason_supervisors_see(lishu):
    case = apply_online(lishu["villager"])
    services.return_for_materials(lishu["staff"], case.number, ["居民户口簿"])
    services.supply(lishu["villager"], case.number, ["居民户口簿"])
    with pytest.raises(Exception) as caught:
        services.return_for_materials(lishu["staff"], case.number, ["居民身份证"])
    assert "reason" in caught.value.message_dict
    case = services.return_for_materials(lishu["staff"], case.number, ["居民身份证"], reason="身份证已过期")
    assert case.returns == 2
    assert "身份证已过期" in case.events.filter(action=Action.RETURNED).last().note


def test_time_waiting_for_materials_does_not_count(lishu):
    case = apply_online(lishu["villager"])
    due_before = case.due_at
    services.return_for_materials(lishu["staff"], case.number, ["居民户口簿"])
    later = timezone.now() + dt.timedelta(days=10)
    with mock.patch("django.utils.timezone.now", return_value=later):
        case = services.supply(lishu["villager"], case.number, ["居民户口簿"])
    # Had the ten days counted, the deadline would have passed before the materials came; it runs on from
    # their arrival instead (not a fixed number of days later: nights and weekends do not count either).
    assert due_before < later < case.due_at


def test_refusal_needs_a_reason_and_a_place_to_go_for_demands(lishu):
    case = demand(lishu["villager"])
    with pytest.raises(Exception) as caught:
        services.refuse(lishu["staff"], case.number, "不属于村级事项")
    assert "redirect_to" in caught.value.message_dict
    case = services.refuse(lishu["staff"], case.number, "不属于村级事项", "县人民法院诉讼服务中心")
    assert case.state == State.REFUSED and case.next_check_at is None
    assert "县人民法院" in texts(phone="13904341111").first().body


def test_bad_input_leaves_nothing_behind(lishu):
    before = Case.objects.count()
    with pytest.raises(Exception) as caught:
        services.submit(lishu["villager"], services.CaseInput(village=VILLAGE_A1, kind="application",
                                                              item="22-JY-004"))  # left out by Siping
    assert "item" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        apply_online(lishu["villager"], files=[services.Upload("virus.exe", b"MZ\x90\x00" * 20)])
    assert "files" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        apply_online(lishu["villager"], files=[services.Upload("big.png", PNG + b"\x00" * (11 * 1024 * 1024))])
    assert "files" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        services.submit(lishu["villager"], services.CaseInput(village=VILLAGE_A1, kind="application", item=ITEM,
                                                              answers={"insured_year": "next year"}))
    assert "q_insured_year" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        demand(lishu["villager"], village=VILLAGE_A2)
    assert "village" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        demand(lishu["staff"], applicant_phone="13904342222")  # at the counter without consent
    assert "consent" in caught.value.message_dict
    assert Case.objects.count() == before


def test_proxy_handling_records_staff_and_consent(lishu):
    case = demand(lishu["staff"], applicant_name="王大娘", applicant_phone="13904341111", consent="本人口头同意代办")
    assert case.proxy_staff_id == lishu["staff"].user.pk and case.channel == "counter"
    assert case.applicant_id == lishu["villager"].user.pk  # the phone is a known villager of the village
    assert services.get_case(lishu["villager"], case.number)


def test_actions_out_of_state_role_or_scope_change_nothing(lishu):
    case = demand(lishu["villager"])
    version = Case.objects.get(pk=case.pk).version
    with pytest.raises(Forbidden):
        services.dispatch(lishu["township"], case.number, ["housing"])  # still at the village
    with pytest.raises(Forbidden):
        services.rate(lishu["villager"], case.number, 5)  # no result yet
    with pytest.raises(NotFound):
        services.take(lishu["other_staff"], case.number)
    with pytest.raises(Forbidden):
        services.take(lishu["villager"], case.number)
    services.escalate(lishu["staff"], case.number, "村里解决不了")
    with pytest.raises(Exception) as caught:
        services.dispatch(lishu["township"], case.number, [str(lishu["far_department"].user.assignments.get()
                                                               .department_id)])
    assert "departments" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        services.dispatch(lishu["township"], case.number, ["housing", "natural_resources"])  # no lead
    assert "lead" in caught.value.message_dict
    assert Case.objects.get(pk=case.pk).stage == Stage.TOWNSHIP
    assert not Dispatch.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).version == version + 1  # only the escalation changed it


def test_rating_once_by_the_applicant_only(lishu):
    case = demand(lishu["villager"])
    services.resolve(lishu["staff"], case.number, "已修好")
    with pytest.raises(Forbidden):
        services.rate(lishu["staff"], case.number, 5)
    services.rate(lishu["villager"], case.number, 4)
    with pytest.raises(Forbidden, match="rated|评价"):
        services.rate(lishu["villager"], case.number, 5)
    assert Case.objects.get(pk=case.pk).grade == 4


def test_department_returns_only_within_the_sign_in_window_and_township_decides(lishu):
    case = demand(lishu["villager"])
    services.escalate(lishu["staff"], case.number, "需部门处理")
    services.dispatch(lishu["township"], case.number, ["housing"])
    case = services.department_return(lishu["housing"], case.number, "属自然资源局职责")
    assert case.stage == Stage.TOWNSHIP
    case = services.dispatch(lishu["township"], case.number, ["natural_resources"], decided=True)
    with pytest.raises(Forbidden):
        services.department_return(lishu["water"], case.number, "也不是我们的")
    late = Dispatch.objects.get(case=case, department__kind="natural_resources").sign_in_by + dt.timedelta(minutes=5)
    with mock.patch("django.utils.timezone.now", return_value=late):
        services.sign_in(lishu["water"], case.number)
    row = Dispatch.objects.get(case=case, department__kind="natural_resources")
    assert row.signed_in_at > row.sign_in_by  # late: counted against its response rate


def test_supervisor_excludes_a_malicious_rating(lishu):
    case = demand(lishu["villager"])
    services.resolve(lishu["staff"], case.number, "已修好")
    services.rate(lishu["villager"], case.number, 1, "恶意")
    with pytest.raises(Forbidden):
        services.exclude_rating(lishu["township"], case.number, "恶意差评")
    case = services.exclude_rating(lishu["supervisor"], case.number, "经核实为恶意差评")
    assert case.state == State.CLOSED and case.satisfied is None and case.grade is None


def test_idempotent_submission(lishu):
    data = dict(village=VILLAGE_A1, kind="demand", title="路灯不亮", idempotency_key="k-1")
    first, made = services.submit(lishu["villager"], services.CaseInput(**data))
    again, made_again = services.submit(lishu["villager"], services.CaseInput(**data))
    assert made and not made_again and first.pk == again.pk
    assert Case.objects.filter(title="路灯不亮").count() == 1
    with pytest.raises(ValidationError) as reused:  # the same key with another request is refused, not answered
        services.submit(lishu["villager"], services.CaseInput(**{**data, "title": "自来水停了"}))
    assert "idempotency_key" in reused.value.message_dict
    assert Case.objects.count() == 1


def test_api_minimal_demand_and_actions(lishu, client):
    from cunwu.accounts import services as accounts

    token = accounts.create_api_token(lishu["staff"], lishu["staff"].user, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "abc-123"}
    body = {"village": VILLAGE_A1, "kind": "demand", "title": "自来水停了", "description": "两天没水",
            "applicant_phone": "13904349999"}
    made = client.post("/api/v1/cases", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    assert made.json()["category"] == "other" and made.json()["channel"] == "api"
    again = client.post("/api/v1/cases", body, content_type="application/json", **auth)
    assert again.status_code == 200 and again.json()["number"] == number
    listed = client.get("/api/v1/cases?status=open", **auth).json()
    assert number in [c["number"] for c in listed["results"]]
    bad = client.post(f"/api/v1/cases/{number}/actions/rate", {"grade": 5}, content_type="application/json",
                      **auth)
    assert bad.status_code == 403 and bad.json()["detail"]
    took = client.post(f"/api/v1/cases/{number}/actions/take", {}, content_type="application/json", **auth)
    assert took.status_code == 200 and "return" in took.json()["actions"]
    stale = client.post(f"/api/v1/cases/{number}/actions/note", {"note": "x", "expected_version": 1},
                        content_type="application/json", **auth)
    assert stale.status_code == 409
    unknown = client.post(f"/api/v1/cases/{number}/actions/fly", {}, content_type="application/json", **auth)
    assert unknown.status_code == 422
    upload = client.post(f"/api/v1/cases/{number}/attachments",
                         {"files": [io.BytesIO(b"<script>alert(1)</script>")]}, **auth)
    assert upload.status_code == 422
    rates_answer = client.get(f"/api/v1/stats/rates?region={VILLAGE_A1}", **auth)
    assert rates_answer.status_code == 200 and rates_answer.json()["received"] == 1
    assert client.get(f"/api/v1/stats/rates?region={OTHER_COUNTY}", **auth).status_code == 404


def test_worker_warns_marks_and_escalates_once(lishu):
    case = demand(lishu["villager"], urgency="urgent")  # 24 hours to resolve
    assert Case.objects.filter(next_check_at__isnull=False).count() == 1
    soon = timezone.now() + dt.timedelta(hours=19)
    done = worker.sweep(soon)
    assert done["warned"] == 1 and done["late_response"] == 1
    later = timezone.now() + dt.timedelta(hours=25)
    assert worker.sweep(later)["escalated"] == 1
    assert worker.sweep(later)["escalated"] == 0
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP and case.overdue and case.responded_on_time is False
    assert case.events.filter(action=Action.AUTO_ESCALATED).count() == 1


def test_worker_closes_unrated_results(lishu):
    case = demand(lishu["villager"])
    services.resolve(lishu["staff"], case.number, "已办")
    assert worker.sweep(timezone.now() + dt.timedelta(days=30))["closed_unrated"] == 1
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.satisfied is None


def test_worker_reads_only_what_is_due(lishu, django_assert_max_num_queries):
    for _ in range(5):
        demand(lishu["villager"])
    with django_assert_max_num_queries(2):
        assert not worker.sweep(timezone.now())


def test_rates_match_a_hand_count(lishu):
    v, s = lishu["villager"], lishu["staff"]
    a = demand(v)  # resolved on time, rated 5
    services.resolve(s, a.number, "ok")
    services.rate(v, a.number, 5)
    b = demand(v)  # resolved, rated 1 -> rectifying, counted as not satisfied
    services.resolve(s, b.number, "ok")
    services.rate(v, b.number, 1)
    c = demand(v)  # withdrawn: out of the resolution base
    services.withdraw(v, c.number)
    d = demand(v)  # open, not yet responded, within its limit: response not judged
    e = demand(v)  # late response and late result
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(days=20)):
        services.resolve(s, e.number, "late")
    assert d.state == State.NEW
    today = timezone.localdate()
    got = rates.region_rates(lishu_region(), today, today + dt.timedelta(days=1))
    # responded: a, b, c? (withdrawn without response: not judged), e (late) -> 2 of 3
    assert got.received == 5
    assert got.response == (2, 3)
    assert got.resolution == (3, 4)  # a, b, e of a, b, d, e
    assert got.satisfaction == (1, 2)  # a of a, b
    assert got.on_time == (2, 3)  # a, b of a, b, e
    # The village counts its cases; the township and the county read the daily tallies: the same figures.
    for code in (VILLAGE_A1, VILLAGE_A1[:9]):
        same = rates.region_rates(Region.objects.get(code=code), today, today + dt.timedelta(days=1))
        assert (same.received, same.response, same.resolution, same.satisfaction, same.on_time) == (
            5, (2, 3), (3, 4), (1, 2), (2, 3))
    assert rates.tally_differences() == []
    assert got.pending == 1  # d, still inside its response time
    ranked = rates.township_ranking(lishu_region(), today, today)
    assert [(r.key, r.received, r.resolution, r.pending) for r in ranked][0] == (VILLAGE_A1[:9], 5, (3, 4), 1)
    townships = Region.objects.active().filter(parent_id=LISHU).count()
    assert len(ranked) == townships and all(r.received == 0 for r in ranked[1:])  # every township, shown as such


def test_tallies_are_checked_and_rebuilt_by_the_operator_only(lishu):
    case = demand(lishu["villager"])
    services.resolve(lishu["staff"], case.number, "ok")
    assert sorted(CaseTally.objects.values_list("span", "n_received", "n_resolved")) == [("d", 1, 1), ("m", 1, 1)]
    assert list(AskedTally.objects.values_list("village_code", "category", "n")) == [(VILLAGE_A1, case.category, 1)]
    CaseTally.objects.update(n_resolved=0)
    AskedTally.objects.update(n=5)
    wrong = rates.tally_differences()
    assert sorted(w["span"] for w in wrong) == ["asked", "d", "m"] and wrong[0]["township"] == VILLAGE_A1[:9]
    assert [(w["village"], w["tally"], w["cases"]) for w in wrong if w["span"] == "asked"] == [(VILLAGE_A1, 5, 1)]
    with pytest.raises(Forbidden):
        services.check_tallies(lishu["supervisor"], rebuild=True)
    assert set(CaseTally.objects.values_list("n_resolved", flat=True)) == {0}
    out = io.StringIO()
    call_command("cases", "tally", "--rebuild", stdout=out)
    assert "3 tallies differ" in out.getvalue() and "rebuilt: 3 tallies" in out.getvalue()
    assert f"{VILLAGE_A1}\tasked:{case.category}" in out.getvalue()
    assert rates.tally_differences() == []
    assert sorted(CaseTally.objects.values_list("span", "n_received", "n_resolved")) == [("d", 1, 1), ("m", 1, 1)]
    assert list(AskedTally.objects.values_list("n", flat=True)) == [1]


def lishu_region():
    return Region.objects.get(code=LISHU)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real row locks need PostgreSQL")
def test_two_officials_at_once_one_wins(regions_loaded):
    seed.seed_jilin(Actor.console())
    villager = actor(person("villager", VILLAGE_A1))
    first, second = actor(person("village_staff", VILLAGE_A1)), actor(person("village_staff", VILLAGE_A1))
    case = demand(villager)
    outcomes, barrier = [], threading.Barrier(2)

    def act(who):
        from django.db import connection as conn

        barrier.wait()
        try:
            services.take(who, case.number)
            outcomes.append("won")
        except (Forbidden, services.Conflict) as exc:
            outcomes.append(str(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=act, args=(w,)) for w in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1
    assert CaseEvent.objects.filter(case=case, action=Action.TAKEN).count() == 1

    # Two workers sweeping at once escalate an overdue case exactly once.
    late = demand(villager, urgency="emergency")
    when = timezone.now() + dt.timedelta(hours=3)
    barrier2, results = threading.Barrier(2), []

    def sweep():
        from django.db import connection as conn

        barrier2.wait()
        results.append(worker.sweep(when)["escalated"])
        conn.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert CaseEvent.objects.filter(case=late, action=Action.AUTO_ESCALATED).count() == 1
    assert connection.vendor == "postgresql"



def test_worker_command_and_periodic_task(lishu):
    from huey.api import PeriodicTask

    from cunwu.cases.tasks import sweep_cases

    from .conftest import run

    case = demand(lishu["villager"], urgency="emergency")  # two hours to resolve
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(hours=3)):
        out = run("worker", "--once")
    assert '"escalated": 1' in out
    assert Case.objects.get(pk=case.pk).stage == Stage.TOWNSHIP
    assert isinstance(sweep_cases.task_class(), PeriodicTask)
    assert sweep_cases.task_class().validate_datetime(dt.datetime(2026, 11, 23, 10, 17, tzinfo=dt.UTC))  # every minute
    assert sweep_cases.call_local() == {}


def test_township_bulk_dispatch_reports_each_case(lishu, client):
    ready, still_in_village = demand(lishu["villager"]), demand(lishu["villager"])
    services.escalate(lishu["staff"], ready.number, "村里解决不了")
    client.force_login(lishu["township"].user)
    answer = client.post("/cases/dispatch/", {"cases": [ready.number, still_in_village.number],
                                              "departments": ["housing"]}, follow=True)
    page = answer.content.decode()
    assert "已派单 1 件" in page and still_in_village.number in page
    assert Case.objects.get(pk=ready.pk).stage == Stage.DEPARTMENT
    assert Case.objects.get(pk=still_in_village.pk).stage == Stage.VILLAGE


def test_tallies_add_up_to_the_cases_for_any_period(lishu):
    """Month rows for whole months, day rows around them: the same figures as counting the cases."""
    base, ages = timezone.now(), (0, 1, 17, 31, 45, 62, 95, 130, 400)
    for days_ago in ages:
        with mock.patch("django.utils.timezone.now", return_value=base - dt.timedelta(days=days_ago)):
            case = demand(lishu["villager"])
            if days_ago % 2:
                services.resolve(lishu["staff"], case.number, "ok")
    assert rates.tally_differences() == []
    today = timezone.localtime(base).date()  # the same clock as the cases (not one read later, across midnight)
    county = lishu_region()
    for start_ago, end_ago in ((400, 0), (130, 31), (62, 45), (31, 1), (17, 17), (365, 0), (95, 94)):
        start, end = today - dt.timedelta(days=start_ago), today - dt.timedelta(days=end_ago)
        for first in (start, start.replace(day=1)):
            summed = rates.region_rates(county, first, end)
            counted = rates._with_waiting(
                rates._case_rates(county.code, county.name,
                                  rates._cases_in(county.code, first, end).aggregate(**rates.CASE_AGGREGATES)),
                rates._waiting(county.code, first, end).get("", (0, 0)))
            assert summed == counted, (first, end)
            assert summed.received == sum(1 for d in ages if first <= today - dt.timedelta(days=d) <= end)


@pytest.mark.django_db(transaction=True)
def test_each_action_locks_the_case_in_a_transaction_of_its_own(regions_loaded):
    """Outside the transaction a test wraps around itself (as in production): every action runs in its own, which
    holds the case's row lock (a service without one is refused on both databases, not only on PostgreSQL)."""
    seed.seed_jilin(Actor.console())
    staff = actor(person("village_staff", VILLAGE_A1))
    case, _made = services.submit(staff, services.CaseInput(
        village=VILLAGE_A1, kind="demand", title="路灯不亮", description="村口路灯三天没亮", channel="counter",
        applicant_name="王某", consent="当面同意"))
    services.take(staff, case.number)
    services.add_note(staff, case.number, "已联系电力所")
    services.resolve(staff, case.number, "已修好")
    rated = services.rate_for(staff, case.number, 5, "in_person")
    assert rated.grade == 5 and rated.ratings.get().given == "in_person"
    with pytest.raises(RuntimeError, match="transaction"):
        services._load(staff, case.number, "view")  # the guard itself
