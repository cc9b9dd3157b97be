import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from cunwu.accounts.models import Assignment, User
from cunwu.audit.models import AuditEntry

from .conftest import run
from .helpers import LISHU, OTHER_COUNTY_VILLAGE, PASSWORD, VILLAGE_A1, id_number, person


@pytest.mark.django_db
def test_users_add_with_password_on_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    out = run("users", "add", "civil.one", "--role", "department_officer", "--region", LISHU,
              "--department", "民政局", "--password-stdin")
    assert "added civil.one" in out
    user = User.objects.get(username="civil.one")
    assert user.check_password(PASSWORD)
    assert user.assignments.get().department.kind == "civil_affairs"


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--role", "village_staff", "--region", "22032210020"], "区划代码"),
    (["--role", "village_staff", "--region", "999999999999"], "没有代码为"),
    (["--role", "village_staff", "--region", LISHU], "只能设在"),
    (["--role", "department_officer", "--region", LISHU], "必须指定所属部门"),
    (["--role", "department_officer", "--region", LISHU, "--department", "nowhere"], "未知部门"),
    (["--role", "villager", "--region", VILLAGE_A1, "--national-id", "220322195001011230"], "校验位"),
    (["--role", "villager", "--region", VILLAGE_A1, "--phone", "12345"], "11位手机号码"),
])
def test_users_add_refuses_bad_input_and_writes_nothing(args, message):
    before = (User.objects.count(), Assignment.objects.count(), AuditEntry.objects.count())
    with pytest.raises(CommandError) as caught:
        run("users", "add", "someone", *args)
    assert message in str(caught.value)
    assert (User.objects.count(), Assignment.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_users_add_as_someone_outside_their_jurisdiction_is_not_found():
    staff = person("village_staff", VILLAGE_A1, username="staff.cmd")
    with pytest.raises(CommandError) as caught:
        run("users", "add", "x", "--role", "villager", "--region", OTHER_COUNTY_VILLAGE, "--as", staff.username)
    assert str(caught.value) == "未找到。"
    with pytest.raises(CommandError) as caught:
        run("users", "add", "x.official", "--role", "grid_worker", "--region", VILLAGE_A1, "--as", staff.username)
    assert "无权授予" in str(caught.value)


def _sheet(tmp_path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["用户名", "姓名", "手机号", "身份证号", "角色", "区划代码", "部门"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "people.xlsx"
    wb.save(path)
    return path


@pytest.mark.django_db
def test_users_import_all_or_nothing(tmp_path):
    good = [
        ["staff.x", "王五", "13904347777", "", "village_staff", VILLAGE_A1, ""],
        ["", "村民甲", "13904348888", id_number(), "villager", VILLAGE_A1, ""],
        ["officer.x", "李四", "", "", "department_officer", LISHU, "司法局"],
    ]
    bad = [*good, ["staff.x", "重复", "", "", "village_staff", VILLAGE_A1, ""],
           ["", "坏号", "", "220322195001011230", "villager", VILLAGE_A1, ""],
           ["y", "无区划", "", "", "village_staff", "220322999999", ""]]
    before = User.objects.count()
    with pytest.raises(CommandError) as caught:
        run("users", "import", str(_sheet(tmp_path, bad)))
    text = str(caught.value)
    assert "Row 5" in text and "Row 6" in text and "Row 7" in text and "Row 2" not in text
    assert User.objects.count() == before
    out = run("users", "import", str(_sheet(tmp_path, good)))
    assert "added 3 people" in out
    lines = out.strip().splitlines()
    assert {line.split("\t")[0] for line in lines[1:]} == {"staff.x", "officer.x"}  # initial passwords
    assert User.objects.get(username="officer.x").assignments.get().department.kind == "justice"


@pytest.mark.django_db
def test_token_is_printed_alone_on_the_last_line_and_works(client):
    staff = person("village_staff", VILLAGE_A1, username="staff.token")
    out = run("tokens", "create", "staff.token")
    token = out.strip().splitlines()[-1]
    assert token.startswith("cw_") and " " not in token
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200 and me.json()["username"] == "staff.token"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cw_wrong").status_code == 401
    assert staff.api_tokens.get().digest != token


@pytest.mark.django_db
def test_openapi_schema_and_docs_page(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/me", "/api/v1/regions/{code}", "/api/v1/regions/{code}/children", "/api/v1/regions",
                 "/api/v1/users/{person_id}"):
        assert path in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_every_write_is_audited_and_no_id_number_reaches_the_log(client):
    before = AuditEntry.objects.count()
    admin = person("county_admin", LISHU)
    number = id_number()
    villager = person("villager", VILLAGE_A1, national_id=number)
    client.force_login(admin)
    client.post(f"/api/v1/users/{villager.pk}/reveal-national-id")
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)[before:])
    assert actions == ["accounts.user.create", "accounts.user.create", "personal_data.reveal"]
    for entry in AuditEntry.objects.all():
        assert number not in str(entry.detail) and number not in entry.object_id
    assert number not in User.objects.get(pk=villager.pk).national_id_sealed
    call_command("audit", "verify", stdout=io.StringIO())
