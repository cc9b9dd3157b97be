"""The village's own data: households and people with their history, grids and who sees what, key-group
labels and visits (due, warned, missed, sent twice from an offline phone), coverage figures, and a person's
details taken from the record by the other forms (collect once)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.cases import services as cases
from cunwu.households import services as hh
from cunwu.households import worker
from cunwu.households.models import Change, Household, Label, MissedVisit, Resident, Visit
from cunwu.notify.models import Notification

from .helpers import TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, id_number, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    """Village A1 with its staff, two grids each with its worker, and a household in each grid."""
    staff = person("village_staff", VILLAGE_A1)
    w1, w2 = person("grid_worker", VILLAGE_A1, phone="13904341001"), person("grid_worker", VILLAGE_A1)
    g1 = hh.create_grid(actor(staff), VILLAGE_A1, "一网格")
    g2 = hh.create_grid(actor(staff), VILLAGE_A1, "二网格")
    hh.set_grid_workers(actor(staff), g1.pk, [w1.username])
    hh.set_grid_workers(actor(staff), g2.pk, [w2.username])
    h1 = hh.create_household(actor(staff), hh.HouseholdInput(VILLAGE_A1, "东头1号", "一组", grid=g1.pk),
                             hh.PersonInput(name="王大山", national_id=id_number(birth="19450310"),
                                            phone="13904342001"))
    h2 = hh.create_household(actor(staff), hh.HouseholdInput(VILLAGE_A1, "西头9号", "二组", grid=g2.pk),
                             hh.PersonInput(name="李秀英", sex="F", birth_date="1950-06-01"))
    return {"staff": staff, "w1": w1, "w2": w2, "g1": g1, "g2": g2, "h1": h1, "h2": h2}


def test_a_household_with_bad_details_is_refused_field_by_field_and_nothing_is_written(village):
    staff = actor(village["staff"])
    before = (Household.objects.count(), Resident.objects.count())
    good = id_number(birth="19600101")
    bad_id = good[:17] + ("0" if good[17] != "0" else "1")  # the check digit made wrong
    with pytest.raises(ValidationError) as exc:
        hh.create_household(staff, hh.HouseholdInput(VILLAGE_A1, ""), hh.PersonInput(
            name="", national_id=bad_id, phone="12345"))
    errors = exc.value.message_dict
    assert {"address", "head_name", "head_national_id", "head_phone"} <= set(errors)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for birth, field in ((tomorrow, "head_birth_date"), ("1899-12-31", "head_birth_date")):
        with pytest.raises(ValidationError) as exc:
            hh.create_household(staff, hh.HouseholdInput(VILLAGE_A1, "南头2号"), hh.PersonInput(
                name="赵某", sex="M", birth_date=birth))
        assert field in exc.value.message_dict
    child = (timezone.localdate() - dt.timedelta(days=365 * 12)).isoformat()
    with pytest.raises(ValidationError) as exc:  # a child as head needs a note
        hh.create_household(staff, hh.HouseholdInput(VILLAGE_A1, "南头3号"), hh.PersonInput(
            name="小明", sex="M", birth_date=child))
    assert "父母" in exc.value.message_dict["head_note"][0] or "note" in str(exc.value.message_dict)
    hh.create_household(staff, hh.HouseholdInput(VILLAGE_A1, "南头3号"), hh.PersonInput(
        name="小明", sex="M", birth_date=child, note="父母均已去世，由本人立户"))
    with pytest.raises(ValidationError) as exc:  # the birth date must be the ID number's
        hh.create_household(staff, hh.HouseholdInput(VILLAGE_A1, "南头4号"), hh.PersonInput(
            name="钱某", national_id=id_number(birth="19700101"), birth_date="1970-01-02"))
    assert "head_birth_date" in exc.value.message_dict
    assert (Household.objects.count(), Resident.objects.count()) == (before[0] + 1, before[1] + 1)


def test_one_person_is_in_one_household_at_a_time_and_a_moved_away_person_keeps_their_history(village):
    staff = actor(village["staff"])
    number = id_number(birth="19800202")
    first = hh.add_member(staff, village["h1"].pk, hh.PersonInput(name="王小二", relation="child", national_id=number))
    with pytest.raises(ValidationError) as exc:
        hh.add_member(staff, village["h2"].pk, hh.PersonInput(name="王小二", relation="other", national_id=number))
    assert "national_id" in exc.value.message_dict
    hh.set_status(staff, first.pk, "moved_away", timezone.localdate().isoformat())
    again = hh.add_member(staff, village["h2"].pk, hh.PersonInput(name="王小二", relation="other",
                                                                  national_id=number))
    first.refresh_from_db()
    assert first.status == "moved_away" and again.status == "member"
    assert Change.objects.filter(resident=first, field="status", previous="member", value="moved_away").exists()
    with pytest.raises(ValidationError):  # a moved-away record is kept as it was
        hh.update_resident(staff, first.pk, hh.PersonInput(name="改名", relation="child"))


def test_every_change_keeps_who_when_and_the_previous_value_with_id_numbers_masked(village):
    staff = actor(village["staff"])
    head = village["h1"].members.get()
    old_id = hh.reveal_national_id(staff, head.pk)
    new_id = id_number(birth="19450310")
    hh.update_resident(staff, head.pk, hh.PersonInput(name="王大山", relation="head", phone="13904342009",
                                                      national_id=new_id))
    changes = {c.field: c for c in Change.objects.filter(resident=head)}
    assert changes["phone"].previous == "139****2001" and changes["phone"].value == "139****2009"
    assert changes["national_id"].previous == old_id[:4] + "*" * 10 + old_id[-4:]
    assert new_id not in changes["national_id"].value and changes["national_id"].by == village["staff"]
    assert "name" not in changes  # unchanged fields leave no line
    assert AuditEntry.objects.filter(action="personal_data.reveal", object_id=str(head.pk)).exists()
    hh.read_household(staff, village["h1"].pk)
    assert AuditEntry.objects.filter(action="households.read", object_id=str(village["h1"].pk)).exists()


def test_a_grid_worker_sees_and_changes_only_their_grid_and_townships_count_without_names(village):
    w1, w2 = actor(village["w1"]), actor(village["w2"])
    assert [h.pk for h in hh.households_of(w1, VILLAGE_A1)] == [village["h1"].pk]
    with pytest.raises(permissions.NotFound):
        hh.read_household(w1, village["h2"].pk)
    with pytest.raises(permissions.NotFound):
        hh.add_member(w1, village["h2"].pk, hh.PersonInput(name="外人", relation="other", sex="M",
                                                           birth_date="1990-01-01"))
    with pytest.raises(ValidationError) as exc:  # nor record a household into another grid
        hh.create_household(w1, hh.HouseholdInput(VILLAGE_A1, "北头1号", grid=village["g2"].pk),
                            hh.PersonInput(name="孙某", sex="M", birth_date="1960-01-01"))
    assert "grid" in exc.value.message_dict
    assert hh.find(w2, VILLAGE_A1, "王大山") == []
    assert [r.name for r in hh.find(w1, VILLAGE_A1, "13904342001")] == ["王大山"]
    with pytest.raises(permissions.Forbidden):  # a grid worker sees the masked ID only
        hh.reveal_national_id(w1, village["h1"].members.get().pk)
    township = actor(person("township_officer", TOWN_A))
    with pytest.raises(permissions.NotFound):
        hh.read_household(township, village["h1"].pk)
    assert hh.find(township, VILLAGE_A1, "王大山") == []
    hh.add_label(actor(village["staff"]), village["h1"].members.get().pk, "elderly_alone", "2026-01-01")
    rows, groups = hh.coverage(township, TOWN_A)
    assert groups == {"elderly_alone": 1} and [(r.code, r.labels) for r in rows] == [(VILLAGE_A1, 1)]
    with pytest.raises(permissions.NotFound):  # another village's staff count their own village only
        hh.coverage(actor(person("village_staff", VILLAGE_A2)), VILLAGE_A1)


def test_visits_are_due_warned_at_three_quarters_and_missed_and_a_resent_visit_counts_once(village, settings):
    staff, w1 = actor(village["staff"]), actor(village["w1"])
    head = village["h1"].members.get()
    start = timezone.localdate() - dt.timedelta(days=6)
    label = hh.add_label(staff, head.pk, "elderly_alone", start.isoformat())
    assert label.due_on == start + dt.timedelta(days=7) and label.warn_on == start + dt.timedelta(days=6)
    assert [lb.pk for lb in hh.due_labels(w1)] == [label.pk] and hh.state_of(label) == "due"
    assert list(hh.due_labels(actor(village["w2"]))) == []
    worker.sweep()
    note = Notification.objects.get(recipient=village["w1"], kind="visits_due")
    assert "1" in note.params["ref"]
    worker.sweep()  # the same morning twice: told once
    assert Notification.objects.filter(recipient=village["w1"], kind="visits_due").count() == 1
    worker.sweep(timezone.localdate() + dt.timedelta(days=2))
    assert MissedVisit.objects.filter(label=label, due_on=label.due_on).count() == 1
    worker.sweep(timezone.localdate() + dt.timedelta(days=3))
    assert MissedVisit.objects.filter(label=label).count() == 1

    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    with pytest.raises(ValidationError) as exc:
        hh.record_visit(w1, hh.VisitInput(village["h1"].pk, head.pk, future, "phone", "well", client_key="k0"))
    assert "visited_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a need must be said when they need help
        hh.record_visit(w1, hh.VisitInput(village["h1"].pk, head.pk, None, "phone", "needs_help", client_key="k0"))
    assert "needs" in exc.value.message_dict
    first, made = hh.record_visit(w1, hh.VisitInput(village["h1"].pk, head.pk, None, "phone", "well",
                                                    client_key="offline-1"))
    again, made_again = hh.record_visit(w1, hh.VisitInput(village["h1"].pk, head.pk, None, "phone", "well",
                                                          client_key="offline-1"))
    assert made and not made_again and first.pk == again.pk and Visit.objects.count() == 1
    label.refresh_from_db()
    today = timezone.localdate()
    assert label.last_visit_on == today and label.last_in_person_on is None
    assert label.due_on == min(today + dt.timedelta(days=7), start + dt.timedelta(days=30))
    with pytest.raises(permissions.NotFound):  # a worker of another grid cannot record there
        hh.record_visit(actor(village["w2"]), hh.VisitInput(village["h1"].pk, None, None, "phone", "well"))


def test_a_death_takes_the_person_off_every_visit_list_at_once(village):
    staff = actor(village["staff"])
    head = village["h1"].members.get()
    hh.add_label(staff, head.pk, "elderly_alone", "2026-01-01")
    hh.add_label(staff, head.pk, "subsistence", "2026-01-01")
    assert hh.due_labels(actor(village["w1"])).count() == 2
    hh.set_status(staff, head.pk, "deceased", timezone.localdate().isoformat())
    assert hh.due_labels(actor(village["w1"])).count() == 0
    assert not Label.objects.filter(resident=head, ended_on__isnull=True).exists()
    with pytest.raises(ValidationError):
        hh.record_visit(actor(village["w1"]), hh.VisitInput(village["h1"].pk, head.pk, None, "in_person", "well"))


def test_a_label_cannot_end_before_it_started_nor_start_in_the_future(village):
    staff = actor(village["staff"])
    head = village["h1"].members.get()
    with pytest.raises(ValidationError) as exc:
        hh.add_label(staff, head.pk, "left_behind_child", "2026-03-01", ended_on="2026-02-01")
    assert "ended_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        hh.add_label(staff, head.pk, "left_behind_child", (timezone.localdate() + dt.timedelta(days=3)).isoformat())
    assert "started_on" in exc.value.message_dict
    label = hh.add_label(staff, head.pk, "left_behind_child", "2026-03-01")
    with pytest.raises(ValidationError):
        hh.end_label(staff, label.pk, "2026-02-01")
    assert not Label.objects.filter(ended_on__isnull=False).exists()


def test_a_county_sets_its_own_visit_rule_and_due_days_follow(village):
    staff = actor(village["staff"])
    label = hh.add_label(staff, village["h1"].members.get().pk, "subsistence", "2026-01-01")
    admin = actor(person("county_admin", VILLAGE_A1[:6]))
    with pytest.raises(ValidationError):
        hh.set_rule(admin, VILLAGE_A1[:6], "subsistence", 30, 10)
    with pytest.raises(permissions.NotFound):  # a township does not set the county's rules
        hh.set_rule(actor(person("township_officer", TOWN_A)), VILLAGE_A1[:6], "subsistence", 10, 20)
    hh.set_rule(admin, VILLAGE_A1[:6], "subsistence", 10, 20)
    label.refresh_from_db()
    assert label.due_on == dt.date(2026, 1, 11)


def test_collect_once_a_counter_case_takes_the_villagers_details_from_the_record(village):
    staff = actor(village["staff"])
    head = village["h1"].members.get()
    case, _made = cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title="房屋漏雨", resident=head.pk,
                                                      consent="当面同意"))
    assert case.applicant_name == "王大山" and case.applicant_phone() == "13904342001" and case.resident == head
    corrected, _made = cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title="路灯不亮", resident=head.pk,
                                                           applicant_phone="13904342777", consent="当面同意"))
    head.refresh_from_db()
    assert head.phone == "13904342777"  # a change made at the counter is a change to the record
    change = Change.objects.get(resident=head, field="phone")
    assert (change.previous, change.value, change.source) == ("139****2001", "139****2777", "case intake")
    other = actor(person("village_staff", VILLAGE_A2))
    with pytest.raises(ValidationError) as exc:  # another village's record is not theirs to take
        cases.submit(other, cases.CaseInput(village=VILLAGE_A2, title="x", resident=head.pk,
                                            applicant_phone="13904340000", consent="同意"))
    assert "resident" in exc.value.message_dict


def test_a_need_found_on_a_visit_becomes_a_case_linked_to_the_visit_and_the_person(village):
    w1 = actor(village["w1"])
    head = village["h1"].members.get()
    visit, _made = hh.record_visit(w1, hh.VisitInput(village["h1"].pk, head.pk, None, "in_person", "needs_help",
                                                     "冬季取暖煤不够，需要救助"))
    case, _made = cases.submit(w1, cases.CaseInput(village=VILLAGE_A1, visit=visit.pk, consent="走访时当面同意"))
    assert (case.visit, case.resident, case.applicant_name) == (visit, head, "王大山")
    assert case.title == "冬季取暖煤不够，需要救助"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.sampled_from(["elderly_alone", "subsistence", "left_behind_child"]),
                               st.integers(0, 60), st.booleans(), st.integers(0, 1)), min_size=1, max_size=12))
def test_coverage_figures_equal_a_hand_count(village, plan):
    """Labels started on random days, some visited today, in either grid: the township's figures are the rows
    counted one by one."""
    Visit.objects.all().delete()
    MissedVisit.objects.all().delete()
    Label.objects.all().delete()
    staff = actor(village["staff"])
    today = timezone.localdate()
    homes = [village["h1"], village["h2"]]
    for group, days_ago, visited, which in plan:
        home = homes[which]
        if Label.objects.filter(household=home, resident__isnull=True, group=group, ended_on__isnull=True).exists():
            continue
        hh.add_label(staff, None, group, (today - dt.timedelta(days=days_ago)).isoformat(), household_id=home.pk)
        if visited:
            hh.record_visit(staff, hh.VisitInput(home.pk, None, None, "in_person", "well"))
    rows, groups = hh.coverage(Actor.console(), VILLAGE_A1)
    labels = list(Label.objects.all())
    by_grid = {str(g.pk): g for g in (village["g1"], village["g2"])}
    for row in rows:
        mine = [lb for lb in labels if str(lb.grid_id) == row.code]
        assert row.labels == len(mine), row
        assert row.missed == sum(lb.due_on < today for lb in mine)
        assert row.due == sum(lb.warn_on <= today <= lb.due_on for lb in mine)
        assert row.visits == Visit.objects.filter(grid=by_grid[row.code]).count()
    assert sum(groups.values()) == len(labels)


def _ledger(rows) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    from cunwu.households.ledger import COLUMNS

    book = Workbook()
    book.active.append([h for h, _f in COLUMNS])
    for row in rows:
        book.active.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [  # 户编号 组 住址 家庭电话 网格 姓名 关系 性别 出生日期 身份证号 手机 户籍和居住 重点人群 备注
    ["1", "三组", "南街1号", "13904347001", "一网格", "周福", "户主", "男", "1948-03-03", "", "", "户籍在本村且在本村居住",
     "独居老人、低保", ""],
    ["2", "三组", "南街2号", "", "", "吴强", "户主", "男", "", id_number(birth="19750505"), "13904347002", "", "", ""],
    ["2", "三组", "南街2号", "", "", "吴小花", "子女", "女", "2015-09-09", "", "", "", "留守儿童", ""],
]


def test_a_ledger_is_imported_whole_from_the_command_line(village, tmp_path):
    from .conftest import run

    path = tmp_path / "ledger.xlsx"
    path.write_bytes(_ledger(GOOD))
    out = run("households", "import", str(path), "--village", VILLAGE_A1)
    assert "imported 2 households, 3 people, 3 key-group labels" in out
    zhou = Resident.objects.get(name="周福")
    assert zhou.household.grid == village["g1"] and zhou.household.phone == "13904347001"
    assert set(Label.objects.filter(resident=zhou).values_list("group", flat=True)) == {"elderly_alone",
                                                                                       "subsistence"}
    wu = Resident.objects.get(name="吴强")
    assert wu.birth_date == dt.date(1975, 5, 5) and wu.sex == "M" and wu.masked_national_id().startswith("2203")
    assert Resident.objects.get(name="吴小花").household == wu.household
    assert AuditEntry.objects.filter(action="households.import").exists()


def test_a_ledger_with_bad_rows_imports_nothing_and_names_every_bad_row(village):
    from cunwu.households import ledger

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    recorded = id_number(birth="19600606")
    hh.add_member(actor(village["staff"]), village["h1"].pk, hh.PersonInput(name="已登记", relation="child",
                                                                            national_id=recorded))
    same = id_number(birth="19700707")
    rows = [
        [*GOOD[0][:5], "周福", "户主", "男", tomorrow, *GOOD[0][9:]],  # row 2: born tomorrow
        ["2", "三组", "南街2号", "", "", "甲", "户主", "", "", same, "", "", "", ""],
        ["2", "三组", "南街2号", "", "", "乙", "户主", "", "", same, "", "", "", ""],  # row 4: the same ID
        ["3", "三组", "南街3号", "", "", "丙", "户主", "女", "1960-01-01", "", "", "", "", ""],
        ["3", "三组", "南街3号", "", "", "庚", "户主", "男", "1961-01-01", "", "", "", "", ""],  # row 6: two heads
        ["4", "三组", "南街4号", "", "九网格", "辛", "户主", "女", "1960-01-01", "", "", "", "孤儿", ""],  # 7: grid, group
        ["5", "三组", "南街5号", "", "", "丁", "户主", "", "", recorded, "", "", "", ""],  # row 8: already recorded
        ["6", "三组", "南街6号", "", "", "戊", "户主", "男", "", "123", "", "", "", ""],  # row 9: bad ID
    ]
    before = (Household.objects.count(), Resident.objects.count(), Label.objects.count())
    with pytest.raises(ledger.LedgerRejected) as exc:
        ledger.load(actor(village["staff"]), VILLAGE_A1, _ledger(rows))
    problems = "\n".join(exc.value.problems)
    for number in (2, 4, 5, 7, 8, 9):
        assert f"第{number}行" in problems, (number, problems)
    assert "出生日期" in problems and "身份证号" in problems and "九网格" in problems and "孤儿" in problems
    assert "第5行：户编号3有2个户主" in problems and "\n第3行" not in problems and "未成年人" not in problems
    assert (Household.objects.count(), Resident.objects.count(), Label.objects.count()) == before
    with pytest.raises(permissions.NotFound):  # a grid worker does not import the village's ledger
        ledger.load(actor(village["w1"]), VILLAGE_A1, _ledger(GOOD))
    with pytest.raises(ledger.LedgerRejected):
        ledger.load(actor(village["staff"]), VILLAGE_A1, b"not a workbook")


def test_the_import_page_runs_the_ledger_in_the_worker_and_shows_its_progress(village, client, huey_immediate,
                                                                              django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cunwu.households.models import LedgerImport

    client.force_login(village["staff"])
    template = client.get(f"/households/village/{VILLAGE_A1}/import/?template=1")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/households/village/{VILLAGE_A1}/import/",
                               {"file": SimpleUploadedFile("台账.xlsx", _ledger(GOOD))})
    job = LedgerImport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/import/{job.pk}/")
    assert job.state == "done" and job.result == {"households": 2, "people": 3, "labels": 3} and job.sealed == ""
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "2" in page
    with django_capture_on_commit_callbacks(execute=True):
        bad = client.post(f"/households/village/{VILLAGE_A1}/import/",
                          {"file": SimpleUploadedFile("坏.xlsx", _ledger([GOOD[1], GOOD[1]]))})
    rejected = LedgerImport.objects.order_by("-id").first()
    assert rejected.state == "rejected" and any("第3行" in p for p in rejected.result["problems"])
    assert "第3行" in client.get(bad["Location"]).content.decode()


def test_an_import_the_queue_never_got_is_run_once_by_the_sweep(village, monkeypatch, caplog,
                                                                django_capture_on_commit_callbacks):
    from huey.contrib.djhuey import HUEY

    from cunwu.households import ledger
    from cunwu.households.models import LedgerImport

    def unreachable(*args, **kwargs):
        raise OSError("the queue's disk is gone")

    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "enqueue", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        job = ledger.start(actor(village["staff"]), VILLAGE_A1, "台账.xlsx", _ledger(GOOD))  # does not raise
    assert LedgerImport.objects.get(pk=job.pk).state == "queued" and "task queue is unreachable" in caplog.text
    assert ledger.run_left_queued() == 0, "a fresh upload is its task's"
    LedgerImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))
    assert ledger.run_left_queued() == 1
    job.refresh_from_db()
    assert job.state == "done" and job.result["households"] == 2 and job.sealed == ""
    assert ledger.run(job.pk).state == "done" and ledger.run_left_queued() == 0, "run once"
    assert Resident.objects.filter(name="周福").count() == 1


def test_a_department_gets_a_key_groups_named_data_only_as_approved_and_each_export_is_recorded(village, client):
    from io import BytesIO

    from openpyxl import load_workbook

    from cunwu.households import sharing

    staff = actor(village["staff"])
    head = village["h1"].members.get()
    hh.add_label(staff, head.pk, "subsistence", "2026-01-01")
    hh.add_label(staff, None, "subsistence", "2026-01-01", household_id=village["h2"].pk)
    admin_user = person("county_admin", VILLAGE_A1[:6])
    civil = person("department_officer", VILLAGE_A1[:6], department="civil_affairs")
    other = actor(person("department_officer", VILLAGE_A1[:6], department="agriculture"))
    with pytest.raises(ValidationError) as exc:
        sharing.ask(actor(civil), sharing.SharingInput("subsistence", ["name", "salary"], "", ""))
    assert {"fields", "purpose", "legal_basis"} <= set(exc.value.message_dict)
    with pytest.raises(permissions.NotFound):  # only a county department asks
        sharing.ask(staff, sharing.SharingInput("subsistence", ["name"], "核查", "依据"))
    asked = sharing.ask(actor(civil), sharing.SharingInput(
        "subsistence", ["name", "national_id", "phone", "address"], "低保年度复核", "《社会救助暂行办法》第十一条"))
    assert Notification.objects.filter(recipient=admin_user, kind="sharing_request").exists()
    for outsider in (other, staff, actor(person("county_admin", "220323"))):
        with pytest.raises(permissions.NotFound):
            sharing.get(outsider, asked.pk)
    with pytest.raises(permissions.Forbidden):  # not approved yet
        sharing.export(actor(civil), asked.pk)
    admin = actor(admin_user)
    with pytest.raises(permissions.Forbidden):  # the department does not approve its own request
        sharing.decide(actor(civil), asked.pk, True, ["name"], timezone.localdate().isoformat(), "")
    with pytest.raises(ValidationError):  # never more than was asked
        sharing.decide(admin, asked.pk, True, ["name", "birth_date"], timezone.localdate().isoformat(), "")
    with pytest.raises(ValidationError):  # at most a year
        sharing.decide(admin, asked.pk, True, ["name"], (timezone.localdate() + dt.timedelta(days=400)).isoformat(), "")
    until = timezone.localdate() + dt.timedelta(days=30)
    sharing.decide(admin, asked.pk, True, ["name", "address"], until.isoformat(), "身份证号和电话不需要")
    with pytest.raises(ValidationError):
        sharing.decide(admin, asked.pk, False, [], None, "改主意")
    assert Notification.objects.filter(recipient=civil, kind="sharing_decided").exists()
    with pytest.raises(permissions.NotFound):  # another department never reads it, nor exports it
        sharing.export(other, asked.pk)
    found, rows, mark = sharing.export(actor(civil), asked.pk)
    assert sorted(rows, key=lambda r: r["name"]) == [
        {"name": "李秀英", "address": "西头9号"}, {"name": "王大山", "address": "东头1号"}]
    assert "民政" in mark and "低保年度复核" in mark and f"S-{asked.pk}" in mark
    assert AuditEntry.objects.filter(action="sharing.export", object_id=str(asked.pk)).count() == 1
    client.force_login(civil)
    response = client.get(f"/households/sharing/{asked.pk}/export.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert "低保年度复核" in cells[0][0] and cells[1][:2] == ["姓名", "住址"]
    assert all(len([c for c in row if c]) <= 2 for row in cells[1:-1])
    found.refresh_from_db()
    assert found.exports == 2
    SharingRequest = type(found)
    SharingRequest.objects.filter(pk=found.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(permissions.Forbidden):  # the approval has ended
        sharing.export(actor(civil), asked.pk)


def test_every_intake_form_takes_a_villagers_details_from_the_record(village, client):
    """The certificate request, the legal-aid application and a dispute's parties are filled from the record;
    the villager's own online request joins their record; a mediator finds parties but no key-group label."""
    from cunwu.certificates import services as certificates
    from cunwu.legal import aid, mediation
    from cunwu.legal import services as legal

    certificates.seed_types()
    staff = actor(village["staff"])
    head, other = village["h1"].members.get(), village["h2"].members.get()
    request = certificates.submit(staff, certificates.RequestInput(VILLAGE_A1, "residence_commitment", "办理社保",
                                                                   resident=head.pk))
    assert (request.applicant_name, request.resident) == ("王大山", head)
    assert request.values["holder_name"] == "王大山" and request.values.get("address") == "东头1号"
    application = aid.apply(staff, aid.AidInput(village=VILLAGE_A1, matter="labour", no_means="migrant",
                                               facts="在外打工被拖欠工资三个月，请求法律援助。", resident=head.pk))
    assert (application.applicant_name, application.resident) == ("王大山", head)
    assert application.applicant_phone() == "13904342001"
    question = legal.ask(staff, legal.ConsultationInput(VILLAGE_A1, "邻居占用我家宅基地，怎么办？",
                                                        resident=head.pk))
    assert (question.asker_name, question.resident) == ("王大山", head)
    mediator_user = person("mediator", VILLAGE_A1)
    committee = legal.set_committee(Actor.console(), VILLAGE_A1)
    legal.add_member(Actor.console(), committee.pk, "调解员", "M", "chair", username=mediator_user.username)
    mediator = actor(mediator_user)
    assert [r.name for r in hh.find(mediator, VILLAGE_A1, "李秀英")] == ["李秀英"]
    with pytest.raises(permissions.NotFound):  # a mediator reads people, not households or labels
        hh.read_household(mediator, village["h2"].pk)
    case = mediation.open_case(mediator, mediation.MediationInput(
        village=VILLAGE_A1, source="application", category="neighbours", summary="院墙边界纠纷", opened_on=None,
        parties=[mediation.PartyInput("applicant", "", "", resident=head.pk),
                 mediation.PartyInput("respondent", "", "", resident=other.pk)]))
    applicant = case.parties.get(side="applicant")
    assert (applicant.name, applicant.sex, applicant.birth_date) == ("王大山", head.sex, head.birth_date)
    assert case.parties.get(side="respondent").name == "李秀英"
    with pytest.raises(ValidationError):  # another village's record is not theirs to take
        certificates.submit(actor(person("village_staff", VILLAGE_A2)), certificates.RequestInput(
            VILLAGE_A2, "residence_commitment", "x", resident=head.pk))
    villager = person("villager", VILLAGE_A1, phone="13904342001")
    own, _made = cases.submit(actor(villager), cases.CaseInput(village=VILLAGE_A1, title="我家门前路灯坏了"))
    assert own.resident == head

    client.force_login(village["staff"])
    visit, _made = hh.record_visit(staff, hh.VisitInput(village["h1"].pk, head.pk, None, "in_person", "needs_help",
                                                        "邻居占地，想咨询律师"))
    page = client.get(f"/legal/village/{VILLAGE_A1}/ask/?visit={visit.pk}&resident={head.pk}").content.decode()
    assert "邻居占地，想咨询律师" in page and 'value="王大山"' in page
    page = client.get(f"/certificates/village/{VILLAGE_A1}/request/?type=residence_commitment&find=王大山").content.decode()
    assert "东头1号" in page and f"resident={head.pk}" in page
    page = client.get(f"/certificates/village/{VILLAGE_A1}/request/?type=residence_commitment&resident={head.pk}").content
    assert 'value="王大山"' in page.decode() and "data-taken" in page.decode()
