"""The three-tier service directory: seed data, tier rules (also as properties), versions, the public pages,
the API and .xlsx import/export."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cunwu.accounts import permissions
from cunwu.accounts.permissions import Forbidden, NotFound
from cunwu.audit.context import Actor
from cunwu.directory import seed, services, spreadsheets
from cunwu.directory.data import jilin
from cunwu.directory.models import DirectoryEntry

from .helpers import CITY, LISHU, OTHER_COUNTY, PROVINCE, VILLAGE_A1, actor, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def jilin_directories():
    seed.seed_jilin(Actor.console())


@pytest.fixture
def admins():
    return {code: actor(person(role, code)) for code, role in
            ((PROVINCE, "province_admin"), (CITY, "city_admin"), (LISHU, "county_admin"),
             (OTHER_COUNTY, "county_admin"))}


def test_lishu_villages_show_a_real_directory_of_forty_items(jilin_directories, client):
    entries = services.directory_for(VILLAGE_A1)
    assert len(entries) >= 40
    assert len(entries) == len(jilin.ITEMS) - len(jilin.SIPING_LEAVES_OUT)
    names = {e.name for e in entries}
    for wanted in ("城乡居民基本医疗保险参保登记", "最低生活保障申请", "退役军人优待证申领", "法律援助申请转交",
                   "人民调解申请", "居民身份证申领、换领、补领（代办）", "耕地地力保护补贴申报"):
        assert wanted in names
    assert "创业担保贷款申请" not in names  # Siping left it out; Lishu cannot take it back
    for e in entries:
        assert e.department and e.legal_basis and e.handling_modes
        assert e.statutory_limit_days is None or e.promised_limit_days <= e.statutory_limit_days
    dibao = next(e for e in entries if e.code == "22-JZ-001")
    assert dibao.promised_limit_days == 20 and dibao.statutory_limit_days == 30
    assert "梨树县" in dibao.consultation
    # Villages of a county that has published nothing have an empty list, not another county's.
    assert services.directory_for("220323001200") == []

    page = client.get(f"/village/{VILLAGE_A1}/services/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "城乡居民基本医疗保险参保登记" in text
    assert text.index(">医疗保障<") < text.index(">社会救助<") < text.index(">住房建设<")  # the province's order
    detail = client.get(f"/village/{VILLAGE_A1}/services/22-JZ-001/").content.decode()
    assert "家庭经济状况核对授权书" in detail and "20" in detail
    assert client.get(f"/village/{VILLAGE_A1}/services/22-JY-004/").status_code == 404
    public = client.get(f"/village/{VILLAGE_A1}/").content.decode()
    assert f"/village/{VILLAGE_A1}/services/" in public and "医疗保障" in public  # its domains, linked
    assert "南杏山村" in public


def test_a_city_or_county_cannot_widen_or_lengthen(jilin_directories, admins):
    with pytest.raises(ValidationError, match="22-JY-004"):
        services.choose_items(admins[LISHU], LISHU, ["22-JY-004"])  # Siping dropped it
    with pytest.raises(ValidationError) as caught:
        services.save_item(admins[LISHU], LISHU, {"code": "22-JZ-001", "promised_limit_days": 28})
    assert "promised_limit_days" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.save_item(admins[LISHU], LISHU, {"code": "22-JZ-001", "legal_basis": "a local rule"})
    assert "legal_basis" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.save_item(admins[LISHU], LISHU, {"code": "22-JZ-001", "handling_modes": ["video"]})
    with pytest.raises(ValidationError) as caught:
        services.save_item(admins[PROVINCE], PROVINCE, {**jilin.ITEMS[0], "promised_limit_days": 40,
                                                        "statutory_limit_days": 30})
    assert "promised_limit_days" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.save_item(admins[PROVINCE], PROVINCE, {**jilin.ITEMS[0], "code": "22-NEW-1", "department": ""})
    assert "department" in caught.value.message_dict
    assert not DirectoryEntry.objects.filter(code="22-NEW-1").exists()


def test_editing_a_published_version_is_refused_and_only_the_tiers_admin_edits(jilin_directories, admins):
    current = services.directory_of(LISHU).current
    with pytest.raises(ValidationError, match=f"{current.number}"):
        services.save_item(admins[LISHU], LISHU, {"code": "22-JZ-001", "promised_limit_days": 10},
                           version_number=current.number)
    with pytest.raises(Forbidden):  # the city administrator sees Lishu's directory but it is not theirs
        services.save_item(admins[CITY], LISHU, {"code": "22-JZ-001", "promised_limit_days": 10})
    with pytest.raises(Forbidden):  # the directory is public, so the answer is "not yours", not "not found"
        services.remove_items(admins[OTHER_COUNTY], LISHU, ["22-JZ-001"])
    services.open_draft(admins[LISHU], LISHU)
    lishu = services.directory_of(LISHU)
    with pytest.raises(NotFound):  # but its draft is hidden from another county
        permissions.get_or_404(lishu.versions.all(), admins[OTHER_COUNTY], state="draft")
    assert services.entry_for(VILLAGE_A1, "22-JZ-001").promised_limit_days == 20


def test_publishing_makes_a_dated_version_and_realigns_the_tiers_below(jilin_directories, admins, client):
    before = services.entry_for(VILLAGE_A1, "22-YB-005")
    assert "异地就医备案" in client.get(f"/village/{VILLAGE_A1}/services/").content.decode()
    services.remove_items(admins[PROVINCE], PROVINCE, ["22-YB-005"])
    services.save_item(admins[PROVINCE], PROVINCE, {**next(i for i in jilin.ITEMS if i["code"] == "22-JZ-003"),
                                                    "promised_limit_days": 5})
    services.publish(admins[PROVINCE], PROVINCE, "drop a filing, shorten temporary assistance")
    assert services.entry_for(VILLAGE_A1, "22-YB-005") is None
    assert "异地就医备案" not in client.get(f"/village/{VILLAGE_A1}/services/").content.decode()  # no stale page
    temporary = services.entry_for(VILLAGE_A1, "22-JZ-003")
    assert temporary.promised_limit_days == 5  # Lishu had promised 7; the province now promises 5
    assert temporary.item_version == 2
    lishu = services.directory_of(LISHU)
    assert lishu.current.number == 2 and lishu.current.published_label == "system"
    assert before.version.state == "superseded"  # the old version stays, as cases refer to it
    assert DirectoryEntry.objects.filter(version=before.version, code="22-YB-005").exists()


def test_directory_api_is_public_for_published_versions_only(jilin_directories, client, admins):
    listed = client.get(f"/api/v1/villages/{VILLAGE_A1}/services")
    assert listed.status_code == 200 and len(listed.json()) >= 40
    item = client.get(f"/api/v1/directories/{LISHU}/items/22-JZ-001").json()
    assert item["promised_limit_days"] == 20 and item["materials"][0]["name"] == "居民身份证"
    services.open_draft(admins[LISHU], LISHU)
    assert client.get(f"/api/v1/directories/{LISHU}/items?version=draft").status_code == 404
    client.force_login(admins[CITY].user)
    assert client.get(f"/api/v1/directories/{LISHU}/items?version=draft").status_code == 200
    widen = client.post(f"/api/v1/directories/{CITY}/choose", {"codes": ["22-JY-004", "NOPE-1"]},
                        content_type="application/json")
    assert widen.status_code == 422 and "NOPE-1" in widen.json()["detail"]
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/villages/{code}/services" in schema["paths"]


def test_xlsx_round_trip_and_all_or_nothing_import(jilin_directories, admins, tmp_path):
    data = spreadsheets.export_version(list(services.directory_of(PROVINCE).current.entries.all()))
    book = load_workbook(BytesIO(data))
    assert book.sheetnames == list(spreadsheets.SHEETS)
    assert [c.value for c in book["服务事项"][1]][:3] == ["事项编码", "事项名称", "事项类型"]
    # Re-importing the export changes nothing and fails on nothing.
    assert spreadsheets.import_workbook(admins[PROVINCE], PROVINCE, data) == len(jilin.ITEMS)
    sheet = book["服务事项"]
    sheet.cell(row=3, column=12).value = 5  # statutory 5 < promised on row 3
    sheet.cell(row=3, column=13).value = 9
    sheet.cell(row=5, column=6).value = "no such bureau"
    bad = BytesIO()
    book.save(bad)
    with pytest.raises(spreadsheets.RowsRejected) as caught:
        spreadsheets.import_workbook(admins[PROVINCE], PROVINCE, bad.getvalue())
    problems = caught.value.problems
    assert len(problems) == 2
    assert sheet.cell(row=3, column=1).value in problems[0] and "3" in problems[0]
    assert sheet.cell(row=5, column=1).value in problems[1] and "no such bureau" in problems[1]
    draft = services.directory_of(PROVINCE).versions.get(state="draft")
    row3 = draft.entries.get(code=sheet.cell(row=3, column=1).value)
    assert row3.promised_limit_days != 9  # nothing of the bad file was written
    with pytest.raises(spreadsheets.RowsRejected):
        spreadsheets.import_workbook(admins[PROVINCE], PROVINCE, b"not a workbook")


# --- the tier rules as a property ------------------------------------------------------------------------

LN_PROVINCE, LN_CITY, LN_COUNTY, LN_VILLAGE = "21", "2101", "210102", "210102001002"
CODES = [f"21-T-{n}" for n in range(5)]


def _item(code: str, statutory: int | None, promised: int) -> dict:
    return {"code": code, "name": f"事项{code}", "item_type": "public_service", "department": "civil_affairs",
            "legal_basis": "《社会救助暂行办法》", "exercise_level": 3, "statutory_limit_days": statutory,
            "promised_limit_days": promised, "handling_modes": ["proxy", "online"], "effective_from": "2026-01-01"}


steps = st.lists(st.one_of(
    st.tuples(st.just("province_set"), st.sampled_from(CODES), st.none() | st.integers(1, 30), st.integers(1, 40)),
    st.tuples(st.just("province_remove"), st.sampled_from(CODES)),
    st.tuples(st.sampled_from(["city_choose", "county_choose"]), st.lists(st.sampled_from(CODES), max_size=5)),
    st.tuples(st.sampled_from(["city_set", "county_set"]), st.sampled_from(CODES), st.integers(1, 40)),
    st.tuples(st.sampled_from(["province_publish", "city_publish", "county_publish"])),
), min_size=1, max_size=14)


def test_effective_directory_is_within_the_province_whatever_the_edits():
    from django.db import transaction

    admins = {LN_PROVINCE: actor(person("province_admin", LN_PROVINCE)),
              LN_CITY: actor(person("city_admin", LN_CITY)), LN_COUNTY: actor(person("county_admin", LN_COUNTY))}
    tier = {"province": LN_PROVINCE, "city": LN_CITY, "county": LN_COUNTY}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps)
    @example([("province_set", "21-T-2", None, 1), ("county_set", "21-T-2", 2), ("province_publish",),
              ("county_publish",)])  # a county draft made before the province tightened, never published before
    def check(plan):
        with transaction.atomic():
            for region in (LN_PROVINCE,):  # a province directory to start from
                for code in CODES[:3]:
                    services.save_item(admins[region], region, _item(code, 20, 10))
                services.publish(admins[region], region)
            for step in plan:
                who, _sep, what = step[0].partition("_")
                region = tier[who]
                try:
                    if what == "set" and who == "province":
                        services.save_item(admins[region], region, _item(step[1], step[2], step[3]))
                    elif what == "set":
                        services.save_item(admins[region], region, {"code": step[1], "promised_limit_days": step[2]})
                    elif what == "remove":
                        services.remove_items(admins[region], region, [step[1]])
                    elif what == "choose":
                        services.choose_items(admins[region], region, step[1])
                    else:
                        services.publish(admins[region], region)
                except ValidationError:
                    pass  # refused edits are part of the property: they must leave nothing behind
            province = {e.code: e for e in services.directory_of(LN_PROVINCE).current.entries.all()}
            for entry in services.directory_for(LN_VILLAGE):
                assert entry.code in province
                top = province[entry.code]
                assert entry.promised_limit_days <= top.promised_limit_days
                assert entry.statutory_limit_days == top.statutory_limit_days
                if entry.statutory_limit_days is not None:
                    assert entry.promised_limit_days <= entry.statutory_limit_days
                assert set(entry.handling_modes) <= set(top.handling_modes)
            transaction.set_rollback(True)

    check()


def test_items_are_structured_as_the_national_standard_and_only_what_nothing_belongs_to_is_applied_for(
        jilin_directories, admins, client):
    from cunwu.cases import services as cases

    page = client.get(f"/village/{VILLAGE_A1}/services/").content.decode()
    main, first = page.index(">城乡居民基本养老保险</a>"), page.index(">城乡居民基本养老保险参保登记</a>")
    assert main < first and page[main:first].count("<ul") == 1, "the items belonging to the main item, beneath it"
    heading = client.get(f"/village/{VILLAGE_A1}/services/22-SB/").content.decode()
    assert "城乡居民养老保险待遇申领" in heading and "/cases/new/" not in heading
    part = client.get(f"/village/{VILLAGE_A1}/services/22-SB-003/").content.decode()
    assert 'href="/village/220322100201/services/22-SB/"' in part
    assert client.get(f"/terminal/{VILLAGE_A1}/services/22-SB/").status_code == 404
    villager = actor(person("villager", VILLAGE_A1, phone="13904341111"))
    with pytest.raises(ValidationError) as refused:
        cases.submit(villager, cases.CaseInput(village=VILLAGE_A1, kind="application", item="22-SB",
                                               answers={"phone": "13904341111"}))
    assert "城乡居民基本养老保险参保登记" in str(refused.value.message_dict["item"])

    # a county taking an item takes what it belongs to with it
    assert services.directory_of(OTHER_COUNTY) is None, "(the seed publishes Lishu's only)"
    services.choose_items(admins[OTHER_COUNTY], OTHER_COUNTY, ["22-SB-002"])
    draft = services.directory_of(OTHER_COUNTY).versions.get(state="draft")
    assert set(draft.entries.values_list("code", flat=True)) == {"22-SB", "22-SB-002"}

    # the province's structure: each item belongs to one in the directory, no loops, three levels at most
    base = next(i for i in jilin.ITEMS if i["code"] == "22-JZ-003")
    for changes, words in (({"parent_code": "22-NONE"}, "不在目录中"),
                           ({"code": "22-SB", "parent_code": "22-SB-001"}, "自己"),):
        services.open_draft(admins[PROVINCE], PROVINCE)
        item = {**base, **changes} if changes.get("code") != "22-SB" else {
            **next(i for i in jilin.ITEMS if i["code"] == "22-SB"), **changes}
        services.save_item(admins[PROVINCE], PROVINCE, item)
        with pytest.raises(ValidationError) as bad:
            services.publish(admins[PROVINCE], PROVINCE)
        assert words in str(bad.value), bad.value
        services.save_item(admins[PROVINCE], PROVINCE, next(i for i in jilin.ITEMS if i["code"] == item["code"]))
    services.save_item(admins[PROVINCE], PROVINCE, {**base, "code": "22-SB-003-1", "parent_code": "22-SB-003",
                                                    "name": "待遇申领（首次）"})
    services.save_item(admins[PROVINCE], PROVINCE, {**base, "code": "22-SB-003-1-a", "parent_code": "22-SB-003-1",
                                                    "name": "第四层"})
    with pytest.raises(ValidationError) as deep:
        services.publish(admins[PROVINCE], PROVINCE)
    assert "三级" in str(deep.value)
    with pytest.raises(ValidationError):
        services.save_item(admins[PROVINCE], PROVINCE, {**base, "code": "22-X", "parent_code": "22-X"})
