"""Hotline work orders: imported as requests of their villages (JSON or .xlsx, the same columns), each order once
however often it is imported, bad rows refused with their reasons and nothing of them written, and the results
read back in the same format by the page, the command, or the partner's webhooks."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cunwu.audit.context import Actor
from cunwu.cases import services as cases
from cunwu.cases.models import Case
from cunwu.directory import seed
from cunwu.notify.models import Notification
from cunwu.open311 import workorders
from cunwu.partners import services as partners

from .conftest import run
from .helpers import LISHU, OTHER_COUNTY, OTHER_COUNTY_VILLAGE, VILLAGE_A1, VILLAGE_A2, actor, person

pytestmark = pytest.mark.django_db

ORDERS = [
    {"order_number": "GD20261203001", "village": VILLAGE_A1, "service_code": "demand.roads",
     "description": "村道塌陷，影响通行", "caller_name": "张三", "caller_phone": "13904341234",
     "latitude": "43.16", "longitude": "124.35", "place": "二组桥头"},
    {"order_number": "GD20261203002", "village": VILLAGE_A2, "service_code": "demand.utilities",
     "description": "自来水停水三天", "caller_name": "李四"},
]


@pytest.fixture
def hotline():
    seed.seed_jilin(Actor.console())
    admin = actor(person("county_admin", LISHU))
    partner = partners.connect(admin, partners.PartnerInput(LISHU, "12345热线", "hotline"))
    return admin, partner


def _document(orders) -> bytes:
    return json.dumps({"format": workorders.FORMAT, "orders": orders}, ensure_ascii=False).encode()


def test_an_order_imported_twice_makes_one_request_and_its_result_goes_back(hotline):
    admin, partner = hotline
    staff = person("village_staff", VILLAGE_A1)
    first = workorders.import_orders(admin, partner.pk, workorders.read("orders.json", _document(ORDERS)))
    assert [o.state for o in first] == ["created", "created"]
    again = workorders.import_orders(admin, partner.pk, workorders.read("orders.json", _document(ORDERS)))
    assert [(o.state, o.number) for o in again] == [("already", first[0].number), ("already", first[1].number)]
    assert Case.objects.count() == 2
    case = Case.objects.get(number=first[0].number)
    assert (case.channel, case.applicant_name, case.place, case.submitted_by) == ("hotline", "张三", "二组桥头",
                                                                                 partner.user)
    assert Notification.objects.filter(recipient=staff, kind="case_new").exists()
    cases.take(actor(staff), case.number)
    cases.resolve(actor(staff), case.number, "已回填塌陷路面")
    rows = {r["order_number"]: r for r in workorders.results(admin, partner.pk)}
    assert rows["GD20261203001"]["result"] == "已回填塌陷路面" and rows["GD20261203001"]["status"] == "closed"
    assert rows["GD20261203002"]["status"] == "open" and rows["GD20261203002"]["service_request_id"]
    sheet = openpyxl.load_workbook(io.BytesIO(workorders.as_xlsx(list(rows.values())))).active
    assert [c.value for c in sheet[1]] == [chinese for _k, chinese in workorders.RESULT_COLUMNS]


def test_a_sheet_with_chinese_headings_imports_and_bad_rows_are_refused_alone(hotline):
    admin, partner = hotline
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单编号", "村（社区）代码", "事项编码", "诉求内容", "来电人", "来电号码"])
    sheet.append(["GD1", VILLAGE_A1, "demand.roads", "路灯不亮", "王五", "13904345555"])
    sheet.append(["GD2", OTHER_COUNTY_VILLAGE, "demand.roads", "别县的事", "赵六", ""])
    sheet.append(["GD3", VILLAGE_A1, "demand.roads", "电话不对", "", "abc"])
    sheet.append(["", VILLAGE_A1, "demand.roads", "没有编号", "孙七", ""])
    sheet.append(["GD5", VILLAGE_A1, "demand.nothing", "没有此类", "周八", ""])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["=HYPERLINK(\"x\")", VILLAGE_A1, "demand.roads", "公式当编号", "吴九", ""])
    out = io.BytesIO()
    book.save(out)
    outcomes = workorders.import_orders(admin, partner.pk, workorders.read("orders.xlsx", out.getvalue()))
    states = [(o.order_number, o.state) for o in outcomes]
    # a formula cell has no value of its own: its row has no order number
    assert states == [("GD1", "created"), ("GD2", "refused"), ("GD3", "refused"), ("", "refused"),
                      ("GD5", "refused"), ("", "refused")]
    assert "village" in outcomes[1].problems[0] and "caller_phone" in outcomes[2].problems[0]
    assert Case.objects.count() == 1
    formula = {**ORDERS[1], "order_number": '=HYPERLINK("x")'}
    assert workorders.import_orders(admin, partner.pk, [formula])[0].state == "created"
    exported = workorders.as_xlsx(workorders.results(admin, partner.pk))
    cells = [c.value for c in openpyxl.load_workbook(io.BytesIO(exported)).active["A"]]
    assert "'=HYPERLINK(\"x\")" in cells  # never a formula in the hotline's spreadsheet


@pytest.mark.parametrize(("name", "content", "words"), [
    ("orders.txt", b"x", ".json"),
    ("orders.json", b"{not json", "JSON"),
    ("orders.json", b'{"orders": {"a": 1}}', "orders"),
    ("orders.xlsx", b"PK not a workbook", "xlsx"),
])
def test_a_file_that_is_not_in_the_format_is_refused_whole(hotline, name, content, words):
    with pytest.raises(ValidationError) as refused:
        workorders.read(name, content)
    assert words in refused.value.message_dict["file"][0]


def test_too_many_orders_or_no_order_column_is_refused():
    with pytest.raises(ValidationError):
        workorders.read("o.json", _document([{"order_number": str(i)} for i in range(4)]), most=3)
    book = openpyxl.Workbook()
    book.active.append(["村（社区）代码", "诉求内容"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationError) as refused:
        workorders.read("o.xlsx", out.getvalue())
    assert "工单编号" in refused.value.message_dict["file"][0]


def test_the_page_imports_for_the_countys_administrator_only(client, hotline):
    admin, partner = hotline
    client.force_login(person("county_admin", OTHER_COUNTY))
    assert client.get(f"/partners/{partner.pk}/orders/").status_code == 404
    assert client.post(f"/partners/{partner.pk}/orders/", {
        "file": SimpleUploadedFile("o.json", _document(ORDERS))}).status_code == 404
    assert client.get(f"/partners/{partner.pk}/orders/results.json").status_code == 404
    assert not Case.objects.exists()
    client.force_login(admin.user)
    page = client.post(f"/partners/{partner.pk}/orders/", {"file": SimpleUploadedFile("o.json", _document(ORDERS))})
    assert page.status_code == 200 and Case.objects.count() == 2
    assert page.content.decode().count("GD2026120300") == 2
    empty = client.post(f"/partners/{partner.pk}/orders/", {})
    assert 'id="file-error"' in empty.content.decode()
    results = client.get(f"/partners/{partner.pk}/orders/results.json")
    assert results.status_code == 200 and len(json.loads(results.content)["results"]) == 2
    assert client.get(f"/partners/{partner.pk}/orders/results.xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")


def test_the_command_imports_and_writes_results(hotline, tmp_path):
    _admin, partner = hotline
    source = tmp_path / "orders.json"
    source.write_bytes(_document(ORDERS))
    assert "created=2" in run("workorders", "import", str(partner.pk), str(source))
    assert "already=2" in run("workorders", "import", str(partner.pk), str(source))
    target = tmp_path / "results.json"
    assert "2 orders" in run("workorders", "results", str(partner.pk), str(target))
    assert {r["order_number"] for r in json.loads(target.read_bytes())["results"]} == {o["order_number"]
                                                                                      for o in ORDERS}
