"""Admission by joint review, the burden registry, demand reports and the burden index."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.models import AuditEntry
from cunwu.burden import figures, services
from cunwu.burden.models import AdmissionRequest, DemandReport, FormsListEntry, Obligation
from cunwu.notify.models import Notification
from cunwu.regions.models import Region

from .helpers import LISHU, OTHER_COUNTY, TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person

pytestmark = pytest.mark.django_db
REVIEWERS = ("organisation", "rural_work", "civil_affairs")
YEAR = timezone.localdate().year


def good_request(**changes) -> services.RequestInput:
    base = dict(kind="work_item", title="秸秆禁烧宣传与巡查", description="每月巡查一次并报告火点。", frequency="monthly",
                legal_basis="《中华人民共和国大气污染防治法》第七十七条", funding_yuan="3000", funding_source="县财政")
    return services.RequestInput(**{**base, **changes})


@pytest.fixture
def county():
    people = {kind: actor(person("department_officer", LISHU, department=kind)) for kind in
              (*REVIEWERS, "agriculture")}
    people["admin"] = actor(person("county_admin", LISHU))
    people["outside_reviewer"] = actor(person("department_officer", OTHER_COUNTY, department="organisation"))
    return people


def rural_villages_of(code):
    return Region.objects.filter(level=5, is_rural=True, code__startswith=code).count()


def test_negative_list_is_refused_automatically(county):
    for request in (good_request(title="村内企业安全生产检查"),
                    good_request(description="由村委会负责征地拆迁的动员和协调。"),
                    good_request(title="协助招商", description="村干部对接客商", negative_duties=[]),
                    good_request(negative_duties=["law_enforcement"])):
        made = services.file_request(county["agriculture"], request)
        assert made.state == "refused" and made.reason
        assert made.negative_duties
        with pytest.raises(ValidationError):
            services.review(county["organisation"], made.pk, "approve", "同意")
    assert not Obligation.objects.exists()


def test_every_reviewer_must_approve_then_the_county_admits(county):
    made = services.file_request(county["agriculture"], good_request())
    assert made.state == "under_review" and made.reviewers == list(REVIEWERS)
    with pytest.raises(NotFound):  # a reviewer outside the county does not even see it
        services.review(county["outside_reviewer"], made.pk, "approve", "同意")
    with pytest.raises(Forbidden):  # the applicant is not a reviewer
        services.review(county["agriculture"], made.pk, "approve", "同意")
    services.review(county["organisation"], made.pk, "approve", "同意")
    with pytest.raises(ValidationError):  # approving twice
        services.review(county["organisation"], made.pk, "approve", "再次同意")
    with pytest.raises(ValidationError):  # a decision needs a reason
        services.review(county["rural_work"], made.pk, "approve", "  ")
    services.review(county["rural_work"], made.pk, "approve", "同意")
    made.refresh_from_db()
    assert made.state == "under_review"
    with pytest.raises(ValidationError):  # the county decides only after everyone
        services.decide(county["admin"], made.pk, True)
    services.review(county["civil_affairs"], made.pk, "approve", "同意")
    made.refresh_from_db()
    assert made.state == "reviewed"
    assert not Obligation.objects.exists()
    services.decide(county["admin"], made.pk, True, "列入清单")
    made.refresh_from_db()
    assert made.state == "admitted"
    assert made.obligations.filter(active=True).count() == rural_villages_of(LISHU) > 300
    assert [e.action for e in made.events.all()] == ["filed", "review.approve", "review.approve", "review.approve",
                                                     "admitted"]
    assert AuditEntry.objects.filter(action="admission.admitted", object_id=str(made.pk)).exists()

    services.withdraw(county["agriculture"], made.pk, "政策调整，不再需要村里巡查")
    made.refresh_from_db()
    assert made.state == "withdrawn"
    assert made.obligations.filter(active=True).count() == 0
    assert made.obligations.count() == rural_villages_of(LISHU)  # history kept
    assert made.events.last().action == "withdrawn"


def test_one_rejection_ends_the_review_and_no_basis_or_funding_cannot_pass(county):
    rejected = services.file_request(county["agriculture"], good_request())
    services.review(county["rural_work"], rejected.pk, "reject", "属于部门自身职责")
    rejected.refresh_from_db()
    assert rejected.state == "rejected" and "属于部门自身职责" in rejected.reason
    for bad in (good_request(legal_basis=""), good_request(funding_yuan="0")):
        made = services.file_request(county["agriculture"], bad)
        with pytest.raises(ValidationError):
            services.review(county["organisation"], made.pk, "approve", "同意")
        assert not made.reviews.exists()


def test_bad_requests_name_every_problem_and_write_nothing(county):
    with pytest.raises(ValidationError) as caught:
        services.file_request(county["agriculture"], services.RequestInput(
            kind="form", title="", description="", frequency="daily", scope=["220323001200", "xyz"],
            funding_yuan="-5", placement="outside"))
    assert {"title", "description", "frequency", "scope", "funding_yuan", "form_fields"} <= set(
        caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        services.file_request(county["agriculture"], good_request(kind="plaque", title="农家书屋", placement="outside"))
    assert "placement" in caught.value.message_dict
    with pytest.raises(Forbidden):  # a village cannot file
        services.file_request(actor(person("village_staff", VILLAGE_A1)), good_request())
    assert not AdmissionRequest.objects.exists()


def test_a_township_may_file_for_its_villages(county):
    township = actor(person("township_officer", TOWN_A))
    made = services.file_request(township, good_request(scope=[TOWN_A]))
    assert made.county_id == LISHU and made.applicant_region_id == TOWN_A
    for kind in REVIEWERS:
        services.review(county[kind], made.pk, "approve", "同意")
    services.decide(county["admin"], made.pk, True)
    assert made.obligations.count() == rural_villages_of(TOWN_A)
    assert not made.obligations.exclude(village__code__startswith=TOWN_A).exists()


def test_village_reports_an_unadmitted_demand_and_a_supervisor_resolves_it(county, client):
    staff = actor(person("village_staff", VILLAGE_A1))
    other_staff = actor(person("village_staff", VILLAGE_A2))
    supervisor = actor(person("supervisor", LISHU))
    emergency = actor(person("department_officer", LISHU, department="emergency"))
    client.force_login(staff.user)
    page = client.post(f"/burden/village/{VILLAGE_A1}/report/", {
        "department": "emergency", "what": "要求每天上传巡查照片", "anonymous": "1"})
    assert page.status_code == 302
    report = DemandReport.objects.get()
    assert report.village_id == VILLAGE_A1 and report.department.kind == "emergency" and report.anonymous
    with pytest.raises(NotFound):  # staff of another village cannot report for this one
        services.report_demand(other_staff, VILLAGE_A1, "民政局", "x")
    with pytest.raises(ValidationError):
        services.report_demand(staff, VILLAGE_A1, "", "", "2999-01-01")
    assert services.reporter_name(report, emergency) != staff.user.display_name  # hidden from the department
    assert services.reporter_name(report, supervisor) == staff.user.display_name
    with pytest.raises(Forbidden):  # village staff see it but do not resolve it
        services.resolve_report(staff, report.pk, "stopped", "已叫停")
    services.resolve_report(supervisor, report.pk, "stopped", "已通知县应急管理局停止要求上传照片")
    report.refresh_from_db()
    assert report.state == "resolved" and report.outcome == "stopped"
    with pytest.raises(ValidationError):
        services.resolve_report(supervisor, report.pk, "stopped", "again")
    # the supervisors who must resolve it were told when it came, the reporter when it was resolved
    told = Notification.objects.get(kind="demand_report")
    assert told.recipient == supervisor.user and staff.user.display_name not in str(told.params)
    assert Notification.objects.filter(kind="demand_report_resolved", recipient=staff.user).count() == 1


def test_burden_index_counts_what_is_demanded(county, client):
    made = services.file_request(county["agriculture"], good_request(scope=[VILLAGE_A1]))
    for kind in REVIEWERS:
        services.review(county[kind], made.pk, "approve", "同意")
    services.decide(county["admin"], made.pk, True)
    services.add_listed_form(county["admin"], LISHU, YEAR, "参保情况月报", "medical_insurance", "monthly")
    staff = actor(person("village_staff", VILLAGE_A1))
    services.record_plaque(staff, VILLAGE_A1, "村民委员会", "outside", "村民委员会组织法")
    services.record_plaque(staff, VILLAGE_A1, "农家书屋", "inside", "县文旅局")
    with pytest.raises(ValidationError):
        services.record_plaque(staff, VILLAGE_A1, "农家书屋", "outside", "县文旅局")
    report = services.report_demand(staff, VILLAGE_A1, "民政局", "要求填报非清单表格")
    year = report.demanded_on.year
    row = figures.compare(VILLAGE_A1, year)[0]
    assert (row.work_items, row.plaques, row.forms, row.form_returns, row.reports) == (1, 1, 1, 12, 1)
    assert row.index == 1 + 1 + 12 / 12 + 2 * 1
    townships = {r.code: r for r in figures.compare(LISHU, year)}
    town = townships[TOWN_A]
    assert town.villages == rural_villages_of(TOWN_A)
    assert town.form_returns == 12 * town.villages and town.work_items == 1
    assert townships["220322101"].work_items == 0

    client.force_login(county["admin"].user)
    response = client.get(f"/burden/index/?region={LISHU}&year={year}&format=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "区划代码"
    assert sheet.max_row == len(townships) + 2
    api = client.get(f"/api/v1/burden/index?region={LISHU}&year={year}").json()
    assert api["total"]["work_items"] == 1 and len(api["rows"]) == len(townships)
    registry = client.get(f"/burden/village/{VILLAGE_A1}/").content.decode()
    assert "秸秆禁烧宣传与巡查" in registry and "要求填报非清单表格" in registry


def test_a_county_sets_its_own_review_panel_and_publishes_its_forms_list(county, client):
    from .conftest import run

    output = run("burden", "panel", LISHU, "organisation", "民政局", "--as", county["admin"].user.username)
    assert "organisation, civil_affairs" in output
    made = services.file_request(county["agriculture"], good_request())
    assert made.reviewers == ["organisation", "civil_affairs"]
    services.review(county["organisation"], made.pk, "approve", "同意")
    services.review(county["civil_affairs"], made.pk, "approve", "同意")
    made.refresh_from_db()
    assert made.state == "reviewed"
    with pytest.raises(ValidationError):
        services.set_review_panel(county["admin"], LISHU, ["organisation"])
    with pytest.raises(Forbidden):
        services.set_review_panel(county["organisation"], LISHU, ["organisation", "rural_work"])
    services.add_listed_form(county["admin"], LISHU, YEAR, "参保情况年报", "医疗保障局", "yearly")
    client.force_login(county["admin"].user)
    published = client.post(f"/api/v1/burden/forms-lists/{LISHU}/{YEAR}/publish")
    assert published.status_code == 200 and published.json()["published_at"]
    again = client.post(f"/api/v1/burden/forms-lists/{LISHU}/{YEAR}/publish")
    assert again.status_code == 422


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrent transactions need PostgreSQL")
def test_requests_filed_at_the_same_moment_get_different_numbers(regions_loaded):
    import threading

    filers = [actor(person("department_officer", LISHU, department=kind)) for kind in ("agriculture", "education")]
    numbers, failures, barrier = [], [], threading.Barrier(2)

    def file(who):
        try:
            barrier.wait()
            numbers.append(services.file_request(who, good_request()).number)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)
        finally:
            connection.close()

    for _round in range(5):
        threads = [threading.Thread(target=file, args=(f,)) for f in filers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == [] and len(numbers) == 10 and len(set(numbers)) == 10


def test_a_form_on_one_years_list_counts_in_that_year_only_and_past_lists_are_closed(county):
    entry = services.add_listed_form(county["admin"], LISHU, YEAR + 1, "下一年的月报", "civil_affairs", "monthly")
    assert Obligation.objects.filter(form=entry).exclude(since=dt.date(YEAR + 1, 1, 1)).count() == 0
    now = services.add_listed_form(county["admin"], LISHU, YEAR, "今年的年报", "civil_affairs", "yearly")
    assert set(Obligation.objects.filter(form=now).values_list("ended", flat=True)) == {dt.date(YEAR, 12, 31)}
    rows = {y: figures.compare(VILLAGE_A1, y)[0] for y in (YEAR - 1, YEAR, YEAR + 1)}
    assert [rows[y].form_returns for y in sorted(rows)] == [0, 1, 12], "each year counts its own list"
    with pytest.raises(ValidationError) as refused:
        services.add_listed_form(county["admin"], LISHU, YEAR - 1, "补登去年的表", "civil_affairs", "yearly")
    assert "清单已关闭" in str(refused.value)
    assert not FormsListEntry.objects.filter(title="补登去年的表").exists()


KINDS = ("work_item", "mechanism", "plaque", "form", "app", "work_group")


@st.composite
def histories(draw):
    day = st.dates(min_value=dt.date(YEAR - 3, 1, 1), max_value=dt.date(YEAR + 1, 12, 31))
    rows = []
    for _ in range(draw(st.integers(0, 14))):
        since = draw(day)
        ended = draw(st.one_of(st.none(), st.integers(-30, 800).map(lambda n, s=since: s + dt.timedelta(days=n))))
        rows.append({"village": draw(st.sampled_from((VILLAGE_A1, VILLAGE_A2))), "kind": draw(st.sampled_from(KINDS)),
                     "standard": draw(st.booleans()), "form": draw(st.sampled_from((None, "by_hand", "computed"))),
                     "times": draw(st.sampled_from((1, 2, 4, 12, 52))), "since": since, "ended": ended})
    reports = [{"village": draw(st.sampled_from((VILLAGE_A1, VILLAGE_A2))), "on": draw(day),
                "outcome": draw(st.sampled_from(("", "stopped", "admitted", "unfounded")))}
               for _ in range(draw(st.integers(0, 6)))]
    return rows, reports


def _by_hand(row) -> bool:
    return row["kind"] == "form" and row["form"] != "computed"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(history=histories())
def test_the_burden_index_of_any_year_counts_what_was_in_force_that_year(county, history):
    """Random histories of registry rows and reports over five years, against a count by hand."""
    from cunwu.burden.models import FormsList

    rows, reports = history
    staff = county["admin"].user
    with transaction.atomic():
        forms_list = FormsList.objects.create(county_id=LISHU, year=YEAR)
        forms = {flag: FormsListEntry.objects.create(forms_list=forms_list, title=flag, demanded_by="县民政局",
                                                     frequency="monthly", computed=flag == "computed")
                 for flag in ("by_hand", "computed")}
        Obligation.objects.bulk_create([
            Obligation(village_id=r["village"], kind=r["kind"], title="事项", demanded_by="县直部门",
                       times_per_year=r["times"], standard=r["standard"], since=r["since"], ended=r["ended"],
                       active=r["ended"] is None, form=forms[r["form"]] if r["kind"] == "form" and r["form"] else None)
            for r in rows])
        DemandReport.objects.bulk_create([
            DemandReport(village_id=r["village"], reported_by=staff, demanded_by="某局", what="要求", demanded_on=r["on"],
                         outcome=r["outcome"], state="resolved" if r["outcome"] else "open") for r in reports])
        for year in range(YEAR - 3, YEAR + 2):
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            live = [r for r in rows if r["since"] <= last and (r["ended"] is None or r["ended"] >= first)]
            got = {row.code: row for row in figures.compare(TOWN_A, year)}
            for village in (VILLAGE_A1, VILLAGE_A2):
                mine = [r for r in live if r["village"] == village]
                told = [r for r in reports if r["village"] == village and r["on"].year == year
                        and r["outcome"] != "unfounded"]
                row = got[village]
                expected = (sum(r["kind"] == "work_item" for r in mine),
                            sum(r["kind"] == "mechanism" and not r["standard"] for r in mine),
                            sum(r["kind"] == "plaque" and not r["standard"] for r in mine),
                            sum(r["kind"] in ("app", "work_group") for r in mine),
                            sum(_by_hand(r) for r in mine), sum(r["times"] for r in mine if _by_hand(r)), len(told),
                            sum(not r["outcome"] for r in told))
                assert (row.work_items, row.mechanisms, row.plaques, row.channels, row.forms, row.form_returns,
                        row.reports, row.open_reports) == expected, (year, village)
                assert row.index == round(sum(expected[:4]) + expected[5] / 12 + 2 * expected[6], 2)
        transaction.set_rollback(True)


def test_a_plaque_taken_down_leaves_the_registry_and_later_years_index(county, client):
    staff = person("village_staff", VILLAGE_A1)
    up = services.record_plaque(actor(staff), VILLAGE_A1, "农家书屋", "inside", "县文旅局")
    Obligation.objects.filter(pk=up.pk).update(since=dt.date(YEAR - 1, 3, 1))
    other = actor(person("village_staff", VILLAGE_A2))
    with pytest.raises(NotFound):
        services.take_down_plaque(other, VILLAGE_A1, up.pk)  # not their village
    with pytest.raises(NotFound):
        services.take_down_plaque(other, VILLAGE_A2, up.pk)  # not that village's plaque
    client.force_login(staff)
    page = client.get(f"/burden/village/{VILLAGE_A1}/").content.decode()
    assert "农家书屋" in page and f'name="plaque" value="{up.pk}"' in page
    done = client.post(f"/burden/village/{VILLAGE_A1}/plaques/down/", {"plaque": up.pk})
    assert done.status_code == 302
    after = client.get(f"/burden/village/{VILLAGE_A1}/").content.decode()
    assert "“农家书屋”已记为摘除" in after and f'name="plaque" value="{up.pk}"' not in after
    gone = Obligation.objects.get(pk=up.pk)
    assert (gone.active, gone.ended) == (False, timezone.localdate())
    assert figures.compare(VILLAGE_A1, YEAR - 1)[0].plaques == 1 and figures.compare(VILLAGE_A1, YEAR)[0].plaques == 1
    assert figures.compare(VILLAGE_A1, YEAR + 1)[0].plaques == 0, "down this year: not counted next year"
    assert AuditEntry.objects.filter(action="registry.plaque_taken_down").count() == 1
    again = client.post(f"/api/v1/burden/villages/{VILLAGE_A1}/plaques/down", {"plaque": up.pk},
                        content_type="application/json")
    assert again.status_code == 404, "already down"

    admitted = services.file_request(county["agriculture"], good_request(kind="plaque", title="防汛指挥部",
                                                                         placement="inside", scope=[VILLAGE_A1]))
    for kind in REVIEWERS:
        services.review(county[kind], admitted.pk, "approve", "同意")
    services.decide(county["admin"], admitted.pk, True)
    row = Obligation.objects.get(admission=admitted, village_id=VILLAGE_A1)
    refused = client.post(f"/api/v1/burden/villages/{VILLAGE_A1}/plaques/down", {"plaque": row.pk},
                          content_type="application/json")
    assert refused.status_code == 422 and admitted.number in refused.content.decode()
    assert Obligation.objects.get(pk=row.pk).active


def _through_review(county, **changes):
    made = services.file_request(county["agriculture"], good_request(**changes))
    for kind in REVIEWERS:
        services.review(county[kind], made.pk, "approve", "同意")
    return made


def test_a_new_mechanism_needs_the_provinces_consent_and_everyone_on_the_way_is_told(county, client):
    from cunwu.notify.models import Notification

    province = actor(person("province_admin", "22"))
    elsewhere = actor(person("province_admin", "21"))
    made = services.file_request(county["agriculture"], good_request(kind="mechanism", title="村级防火联防机制",
                                                                     scope=[VILLAGE_A1]))
    told = Notification.objects.filter(event_key__startswith=f"admission:{made.pk}:")
    assert set(told.filter(kind="admission_review").values_list("recipient_id", flat=True)) == {
        county[k].user.pk for k in REVIEWERS}, "the reviewing departments are told, and only they"
    for kind in REVIEWERS:
        services.review(county[kind], made.pk, "approve", "同意")
    assert list(told.filter(kind="admission_decide").values_list("recipient_id", flat=True)) == [
        county["admin"].user.pk]
    decided = services.decide(county["admin"], made.pk, True, "县里同意")
    assert decided.state == "awaiting_province" and not made.obligations.exists(), "no village carries it yet"
    assert list(told.filter(kind="admission_consent").values_list("recipient_id", flat=True)) == [province.user.pk]
    with pytest.raises(Forbidden):
        services.consent(county["admin"], made.pk, True)  # the county cannot consent for the province
    with pytest.raises(NotFound):
        services.consent(elsewhere, made.pk, True)  # another province does not even see it
    client.force_login(province.user)
    page = client.get(f"/burden/requests/{made.pk}/").content.decode()
    assert f"/burden/requests/{made.pk}/consent/" in page, "the province is offered the consent form"
    assert "新的村级工作机制须经省级同意" in page, "the history says why it went to the province"
    done = client.post(f"/api/v1/burden/requests/{made.pk}/consent", {"approve": True, "reason": ""},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "admitted"
    assert made.obligations.filter(village_id=VILLAGE_A1, kind="mechanism").count() == 1
    assert told.filter(kind="admission_decided", recipient=county["agriculture"].user).exists()
    assert AuditEntry.objects.filter(action__in=["admission.to_province", "admission.consented"]).count() == 2


def test_a_countys_cap_sends_work_beyond_it_to_the_province_and_refuses_forms_beyond_it(county, client):
    from .conftest import run

    province = actor(person("province_admin", "22"))
    out = run("burden", "caps", LISHU, "--work-items", "1", "--forms", "1", "--as", county["admin"].user.username)
    assert "work items 1" in out and "forms 1" in out
    first = _through_review(county, scope=[VILLAGE_A1])
    assert services.decide(county["admin"], first.pk, True).state == "admitted", "below the cap"
    second = _through_review(county, title="人居环境整治巡查", scope=[TOWN_A])
    waiting = services.decide(county["admin"], second.pk, True)
    assert waiting.state == "awaiting_province" and not second.obligations.exists()
    assert waiting.events.last().note == "1 个村已达到县定上限 1（工作事项）"
    with pytest.raises(ValidationError):
        services.consent(province, second.pk, False)  # a refusal gives its reason
    refused = services.consent(province, second.pk, False, "超出总量控制")
    assert refused.state == "rejected" and not second.obligations.exists()

    services.add_listed_form(county["admin"], LISHU, YEAR, "参保情况年报", "medical_insurance", "yearly")
    with pytest.raises(ValidationError) as beyond:
        services.add_listed_form(county["admin"], LISHU, YEAR, "第二张表", "civil_affairs", "yearly")
    assert "上限" in str(beyond.value) and not FormsListEntry.objects.filter(title="第二张表").exists()

    client.force_login(county["admin"].user)
    bad = client.put(f"/api/v1/burden/caps/{LISHU}", {"work_items": 0, "mechanisms": 900},
                     content_type="application/json")
    assert bad.status_code == 422 and "1 到 500" in str(bad.json())
    client.force_login(county["agriculture"].user)
    assert client.put(f"/api/v1/burden/caps/{LISHU}", {"work_items": 9}, content_type="application/json"
                      ).status_code in (403, 404), "a department does not set the county's caps"


def test_the_province_sets_the_plaque_standard_villages_are_held_to(county, client):
    staff = actor(person("village_staff", VILLAGE_A1))
    province = person("province_admin", "22")
    client.force_login(province)
    national = client.get("/api/v1/burden/plaque-standards/22").json()
    assert national["version"] == 0 and "村民委员会" in national["names"]
    bad = client.put("/api/v1/burden/plaque-standards/22", {"names": ["村党组织", ""], "most": 5},
                     content_type="application/json")
    assert bad.status_code == 422 and "most" in bad.content.decode()
    made = client.put("/api/v1/burden/plaque-standards/22",
                      {"names": ["村党组织", "村民委员会", "综合服务站"], "most": 2, "style": "白底黑字，60×200 厘米"},
                      content_type="application/json")
    assert made.status_code == 200 and made.json()["version"] == 1
    other = person("province_admin", "21")
    client.force_login(other)
    assert client.put("/api/v1/burden/plaque-standards/22", {"names": ["任意"], "most": 1},
                      content_type="application/json").status_code in (403, 404)
    with pytest.raises((Forbidden, NotFound)):
        services.set_plaque_standard(county["admin"], "22", ["村民委员会"], 1)

    hung = services.record_plaque(staff, VILLAGE_A1, "综合服务站", "outside", "省民政厅")
    assert hung.standard, "on the province's standard"
    with pytest.raises(ValidationError) as off:
        services.record_plaque(staff, VILLAGE_A1, "新时代文明实践站", "outside", "县文明办")
    assert "综合服务站" in str(off.value), "the rule names the province's list"
    services.record_plaque(staff, VILLAGE_A1, "村民委员会", "outside", "村民委员会组织法")
    with pytest.raises(ValidationError) as full:
        services.record_plaque(staff, VILLAGE_A1, "村党组织", "outside", "党章")
    assert "最多 2" in str(full.value)
    with pytest.raises(ValidationError):
        services.file_request(county["agriculture"], good_request(kind="plaque", title="防汛指挥部",
                                                                  placement="outside", scope=[VILLAGE_A1]))
    assert AuditEntry.objects.filter(action="burden.plaque_standard_set").count() == 1


def test_apps_and_work_groups_go_through_admission_and_unlisted_ones_are_reported(county, client):
    app = _through_review(county, kind="app", title="“防返贫监测”政务应用", funding_yuan="0", scope=[VILLAGE_A1],
                          description="村干部每周在应用中更新监测户信息。")
    assert services.decide(county["admin"], app.pk, True).state == "admitted", "an app needs no funding"
    group = _through_review(county, kind="work_group", title="县农业农村局工作群", funding_yuan="0",
                            scope=[VILLAGE_A1], description="村干部加入工作群接收通知。")
    services.decide(county["admin"], group.pk, True)
    staff = person("village_staff", VILLAGE_A1)
    client.force_login(staff)
    page = client.post(f"/burden/village/{VILLAGE_A1}/report/", {
        "kind": "work_group", "demanded_by": "镇党政办", "what": "要求加入“镇级信息报送群”并每日打卡",
        "demanded_on": timezone.localdate().isoformat()})
    assert page.status_code == 302
    reported = DemandReport.objects.get()
    assert reported.kind == "work_group"
    bad = client.post("/api/v1/burden/reports", {"village": VILLAGE_A1, "demanded_by": "镇里", "what": "某应用",
                                                 "kind": "telegram"}, content_type="application/json")
    assert bad.status_code == 422 and DemandReport.objects.count() == 1
    row = figures.compare(VILLAGE_A1, YEAR)[0]
    assert (row.channels, row.reports) == (2, 1)
    assert row.index == 2 + 2 * 1
    registry = client.get(f"/burden/village/{VILLAGE_A1}/").content.decode()
    assert "县农业农村局工作群" in registry and "政务应用" in registry and "镇级信息报送群" in registry


def test_the_three_lists_are_public_and_the_county_keeps_its_duties_by_law(county, client):
    from .conftest import run

    out = run("burden", "duty", LISHU, "--kind", "perform", "--title", "召集村民会议", "--basis",
              "《中华人民共和国村民委员会组织法》第二十一条", "--as", county["admin"].user.username)
    assert "召集村民会议" in out
    with pytest.raises(ValidationError) as negative:
        services.add_duty(county["admin"], LISHU, "assist", "协助开展安全生产检查", "某条例")
    assert "负面清单" in str(negative.value), "a negative-list duty cannot be made a duty by law"
    with pytest.raises(ValidationError) as no_law:
        services.add_duty(county["admin"], LISHU, "assist", "协助征兵", "")
    assert "basis" in no_law.value.message_dict
    with pytest.raises(Forbidden):
        services.add_duty(county["agriculture"], LISHU, "assist", "协助征兵", "《兵役法》")
    with pytest.raises((Forbidden, NotFound)):
        services.add_duty(actor(person("county_admin", OTHER_COUNTY)), LISHU, "assist", "协助征兵", "《兵役法》")
    assert services.county_lists(LISHU).duties[0].title == "召集村民会议"

    public = client.get(f"/burden/lists/{LISHU}/")  # nobody signed in
    page = public.content.decode()
    assert public.status_code == 200 and "召集村民会议" in page and "行政执法" in page and "duty_end" not in page
    assert client.get(f"/api/v1/burden/lists/{LISHU}").json()["duties"][0]["title"] == "召集村民会议"
    assert client.get("/burden/lists/220322100201/").status_code == 404, "a county's lists, not a village's"

    client.force_login(county["admin"].user)
    added = client.post(f"/burden/lists/{LISHU}/duties/", {"kind": "assist", "title": "协助开展征兵工作",
                                                           "basis": "《中华人民共和国兵役法》", "department": ""})
    assert added.status_code == 302
    duty = next(d for d in services.county_lists(LISHU).duties if d.title == "协助开展征兵工作")
    assert duty.kind == "assist"
    ended = client.post(f"/api/v1/burden/lists/{LISHU}/duties/end", {"duty": duty.pk}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended"]
    assert [d.title for d in services.county_lists(LISHU).duties] == ["召集村民会议"]
    assert AuditEntry.objects.filter(action__in=["burden.duty_added", "burden.duty_ended"]).count() == 3


def test_caps_and_the_plaque_standard_are_set_and_shown_on_pages(county, client):
    province = person("province_admin", "22")
    client.force_login(province)
    page = client.get("/burden/plaques/22/").content.decode()
    assert "村民委员会" in page and 'name="most"' in page
    saved = client.post("/burden/plaques/22/", {"names": "村党组织\n村民委员会\n综合服务站", "most": "2",
                                                "style": "白底黑字"})
    assert saved.status_code == 302 and services.plaque_standard_for(LISHU).names[-1] == "综合服务站"
    refused = client.post("/burden/plaques/22/", {"names": "", "most": "2"}, follow=True).content.decode()
    assert "请列出室外悬挂的牌子" in refused and services.plaque_standard_for(LISHU).version == 1

    client.force_login(county["admin"].user)
    assert 'name="names"' not in client.get("/burden/plaques/22/").content.decode(), "the county reads, not sets"
    assert client.post(f"/burden/lists/{LISHU}/caps/", {"work_items": "3", "mechanisms": "", "forms": "5"}
                       ).status_code == 302
    lists = client.get(f"/burden/lists/{LISHU}/").content.decode()
    assert "综合服务站" in lists and 'value="3"' in lists
    bad = client.post(f"/burden/lists/{LISHU}/caps/", {"work_items": "0"}, follow=True).content.decode()
    assert "1 到 500" in bad
    client.force_login(county["agriculture"].user)
    client.post(f"/burden/lists/{LISHU}/caps/", {"work_items": "99"})
    from cunwu.burden.models import BurdenCap

    assert BurdenCap.objects.get(county_id=LISHU).work_items == 3, "a department does not set the caps"
