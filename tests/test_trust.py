"""Trust findings: account takeover through the outbox, throttles that one's own account resets, code
requests without a per-address limit, and a TLS proxy that made every user one address."""

import re

import pytest
from django.test import override_settings

from cunwu.accounts import signin
from cunwu.accounts.models import OutboxMessage, RateCounter
from cunwu.audit.models import AuditEntry

from .helpers import LISHU, PASSWORD, VILLAGE_A1, actor, person


def _demo(settings, on: bool):
    settings.CUNWU = {**settings.CUNWU, "DEMO_MODE": on}


@pytest.mark.django_db
def test_outbox_exists_only_in_demo_mode_and_never_shows_a_sign_in_code(client, settings):
    villager = person("villager", VILLAGE_A1, phone="13904347777")
    admin = person("county_admin", LISHU)
    client.post("/accounts/villager/", {"phone": villager.phone})
    code = OutboxMessage.objects.get(phone=villager.phone, purpose="sign_in_code").body
    code = "".join(c for c in code if c.isdigit())[:6]
    OutboxMessage.objects.create(phone=villager.phone, body="您的申请已受理", purpose="case")
    client.force_login(admin)
    _demo(settings, False)
    assert client.get("/accounts/outbox/").status_code == 404  # a real deployment has no such page
    assert "短信发件箱" not in client.get("/").content.decode()
    _demo(settings, True)
    page = client.get("/accounts/outbox/")
    text = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert code not in text and "13904347777" not in text
    assert "139****7777" in text and "您的申请已受理" in text and "验证码短信：不显示" in text
    viewed = AuditEntry.objects.filter(action="accounts.outbox.viewed", actor_id=admin.pk)
    assert viewed.count() == 1 and viewed.get().detail == {"rows": 2}


@pytest.mark.django_db
def test_staff_and_villagers_never_reach_the_outbox_even_in_demo(client, settings):
    _demo(settings, True)
    for role, region in (("village_staff", VILLAGE_A1), ("township_officer", "220322100")):
        client.force_login(person(role, region))
        assert client.get("/accounts/outbox/").status_code == 404


@pytest.mark.django_db
def test_signing_in_with_ones_own_account_does_not_reset_the_address_budget(client, settings):
    """Password spraying: guess others' passwords from one address, sign in with an own account in between."""
    settings.CUNWU = {**settings.CUNWU, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 6}
    person("village_staff", VILLAGE_A1, username="own.account")
    victims = [person("village_staff", VILLAGE_A1, username=f"victim{i}").username for i in range(16)]
    evaluated = 0
    for i, victim in enumerate(victims):
        if i % 2 == 0:
            client.post("/accounts/sign-in/", {"username": "own.account", "password": PASSWORD})
            client.post("/accounts/sign-out/")
        page = client.post("/accounts/sign-in/", {"username": victim, "password": "Guess-number-1"})
        if "用户名或密码不正确" in page.content.decode():
            evaluated += 1
    assert evaluated == 6  # then the address is locked out, own account or not
    locked = client.post("/accounts/sign-in/", {"username": "own.account", "password": PASSWORD})
    assert "尝试次数过多" in locked.content.decode()


@pytest.mark.django_db
def test_one_address_cannot_ask_codes_for_many_numbers(client, settings):
    settings.CUNWU = {**settings.CUNWU, "OTP_MAX_PER_ADDRESS_PER_HOUR": 5}
    answers = [client.post("/accounts/villager/", {"phone": f"139043480{i:02d}"}, REMOTE_ADDR="198.51.100.20")
               for i in range(8)]
    assert [a.status_code for a in answers] == [302] * 5 + [200] * 3
    assert "尝试次数过多" in answers[-1].content.decode()
    assert OutboxMessage.objects.filter(purpose="sign_in_code").count() == 5
    other = client.post("/accounts/villager/", {"phone": "13904348099"}, REMOTE_ADDR="198.51.100.21")
    assert other.status_code == 302  # another address has its own budget


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # through the proxy
    ("10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client's own header entry proves nothing
    ("10.0.0.5", "203.0.113.7, 10.0.0.6", "203.0.113.7"),  # two proxies of ours
    ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not a proxy of ours: its header is not believed
    ("10.0.0.5", "", "10.0.0.5"),
])
def test_client_address_follows_only_trusted_proxies(remote, forwarded, expected):
    from cunwu.audit.context import parse_networks, resolve_forwarded

    assert resolve_forwarded(remote, forwarded, "", parse_networks("10.0.0.0/24"))[0] == expected


@pytest.mark.django_db
def test_behind_the_proxy_each_client_has_its_own_address_and_https_gets_hsts(client, settings):
    settings.CUNWU = {**settings.CUNWU, "TRUSTED_PROXIES": "10.0.0.5", "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 3}
    with override_settings(SECURE_HSTS_SECONDS=31536000):
        secure = client.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https",
                            HTTP_X_FORWARDED_FOR="203.0.113.50")
        assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
        spoofed = client.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_PROTO="https")
        assert "Strict-Transport-Security" not in spoofed  # only the proxy says what the scheme was
    person("village_staff", VILLAGE_A1, username="staff.proxy")
    for _ in range(3):  # one client locks out its own address ...
        client.post("/accounts/sign-in/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.5",
                    HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert AuditEntry.objects.filter(action="accounts.sign_in.password", source="203.0.113.50").count() == 3
    other = client.post("/accounts/sign-in/", {"username": "staff.proxy", "password": PASSWORD},
                        REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.51")
    assert other.status_code == 302  # ... not every user behind the proxy


@pytest.mark.django_db
def test_rate_limits_are_counted_where_every_process_sees_them(client, settings):
    from django.core.cache import cache

    settings.CUNWU = {**settings.CUNWU, "VERIFICATIONS_PER_MINUTE": 2}
    first = [client.get(f"/certificates/v/x{i}", REMOTE_ADDR="203.0.113.60").status_code for i in range(2)]
    cache.clear()  # a process-local cache would forget here; a second process would start from zero
    assert first == [200, 200]
    assert client.get("/certificates/v/x9", REMOTE_ADDR="203.0.113.60").status_code == 429
    assert RateCounter.objects.filter(count=3).exists()


def test_a_throttle_key_keeps_its_kind():
    assert signin._key("ip", "1.2.3.4").startswith("ip:") and len(signin._key("user", "x" * 200)) <= 64


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/stats/rates?region=220322&from=9999-12-01&to=9999-12-31", "to"),
    ("/api/v1/stats/rates?region=220322&from=0001-01-01&to=2026-01-01", "from"),
    ("/api/v1/certificates/figures?region=220322&from=2026-01-01&to=9999-12-31", "to"),
    ("/api/v1/stats/ranking?region=220322&month=9999-12", "month"),
    ("/api/v1/stats/ranking?region=220322&month=0001-01", "month"),
    ("/api/v1/cases?offset=99999999999999999999999", "offset"),
    ("/api/v1/users?offset=99999999999999999999999", "offset"),
])
def test_out_of_range_values_get_a_message_not_a_server_error(client, path, field):
    client.force_login(person("county_admin", LISHU))
    answer = client.get(path)
    assert answer.status_code == 422, answer.content
    assert field in answer.json().get("errors", {}) and answer.json()["detail"]


@pytest.mark.django_db
def test_a_lone_surrogate_in_json_is_refused_and_nothing_is_written(client):
    from cunwu.cases.models import Case
    from cunwu.directory import seed

    seed.seed_jilin(__import__("cunwu.audit.context", fromlist=["Actor"]).Actor.console())
    client.force_login(person("village_staff", VILLAGE_A1))
    body = '{"village": "' + VILLAGE_A1 + '", "kind": "demand", "title": "\\ud800", "description": "x"}'
    answer = client.post("/api/v1/cases", body, content_type="application/json")
    assert answer.status_code == 422 and answer.json()["detail"] == "文本中含有无效的 Unicode 字符。"
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_json_nested_beyond_any_reader_is_refused_not_a_server_error(client):
    client.force_login(person("village_staff", VILLAGE_A1))
    for path in ("/api/v1/cases", "/api/v1/federation/reports"):  # signed in, and a public endpoint
        answer = client.post(path, "[" * 200000 + "]" * 200000, content_type="application/json",
                             HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert answer.status_code == 400 and "嵌套过深" in answer.json()["detail"], path


@pytest.mark.django_db
def test_pages_and_files_of_a_signed_in_person_are_never_stored(client):
    from cunwu.audit.context import Actor
    from cunwu.cases import services
    from cunwu.directory import seed

    seed.seed_jilin(Actor.console())
    staff = person("village_staff", VILLAGE_A1)
    from .helpers import PNG as png
    case, _made = services.submit(Actor(user=staff, source="127.0.0.1"), services.CaseInput(
        village=VILLAGE_A1, kind="demand", title="身份证复印件", description="附件", applicant_name="王某",
        applicant_phone="13904341111", consent="村民本人到场同意", files=[services.Upload("id.png", png)]))
    client.force_login(staff)
    attachment = case.attachments.get()
    for path in ("/", f"/cases/{case.number}/", f"/cases/{case.number}/files/{attachment.pk}/", "/api/v1/me"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer["Cache-Control"] == "no-store", path
    client.logout()
    assert "no-store" not in client.get(f"/village/{VILLAGE_A1}/").get("Cache-Control", "")  # public pages may be


@pytest.mark.django_db
def test_the_demo_refuses_a_database_that_holds_real_people():
    from django.core.management import CommandError, call_command

    from cunwu.accounts.models import User

    person("county_admin", LISHU, username="real.admin")
    with pytest.raises(CommandError, match="empty database"):
        call_command("demo")
    assert not User.objects.filter(username="lishu.admin").exists()


@pytest.mark.django_db
def test_tokens_have_a_name_and_an_expiry_and_are_revoked_by_command_api_and_page(client):
    import datetime as dt

    from django.utils import timezone

    from cunwu.accounts.models import ApiToken
    from cunwu.accounts.services import create_api_token

    from .conftest import run

    staff = person("village_staff", VILLAGE_A1, username="staff.tokens")
    out = run("tokens", "create", "staff.tokens", "--name", "村务大屏", "--days", "30")
    token = out.strip().splitlines()[-1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    row = ApiToken.objects.get(user=staff)
    assert row.name == "村务大屏" and row.last_used_at is not None
    assert abs((row.expires_at - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    listed = run("tokens", "list", "staff.tokens")
    assert "村务大屏" in listed and "usable" in listed and token not in listed
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", **auth).status_code == 401  # expired
    second = create_api_token(__import__("cunwu.audit.context", fromlist=["Actor"]).Actor.console(), staff, "系统二")
    auth2 = {"HTTP_AUTHORIZATION": f"Bearer {second}"}
    mine = client.get("/api/v1/tokens", **auth2).json()
    assert {t["name"] for t in mine} == {"村务大屏", "系统二"} and all("token" not in t for t in mine)
    second_id = next(t["id"] for t in mine if t["name"] == "系统二")
    assert client.post(f"/api/v1/tokens/{second_id}/revoke", **auth2).json()["usable"] is False
    assert client.get("/api/v1/me", **auth2).status_code == 401  # revoked, at once
    client.force_login(staff)
    page = client.post("/accounts/tokens/", {"name": "乡镇系统", "days": "7"}).content.decode()
    made = re.search(r"<code>(cw_[^<]+)</code>", page).group(1)
    third = ApiToken.objects.get(name="乡镇系统")
    client.post("/accounts/tokens/", {"revoke": str(third.pk)})
    client.logout()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {made}").status_code == 401
    assert client.post("/api/v1/tokens", {"name": "", "days": 900}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {made}").status_code == 401
    other = person("village_staff", VILLAGE_A1)
    client.force_login(other)
    assert client.post(f"/api/v1/tokens/{third.pk}/revoke").status_code == 404  # not theirs
    bad = client.post("/api/v1/tokens", {"name": "x", "days": 900}, content_type="application/json")
    assert bad.status_code == 422 and "days" in bad.json()["errors"]
    actions = set(AuditEntry.objects.filter(action__startswith="accounts.token.").values_list("action", flat=True))
    assert actions == {"accounts.token.create", "accounts.token.revoke"}
    assert AuditEntry.objects.filter(action="accounts.token.revoke").count() == 2


@pytest.mark.django_db
def test_every_case_action_and_the_workers_steps_reach_the_audit_chain():
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    from cunwu.audit.context import Actor
    from cunwu.cases import services, worker
    from cunwu.directory import seed

    from .helpers import PDF, TOWN_A, actor

    seed.seed_jilin(Actor.console())
    villager, staff = actor(person("villager", VILLAGE_A1, phone="13904341111")), actor(person("village_staff", VILLAGE_A1))
    staff2, township = actor(person("village_staff", VILLAGE_A1)), actor(person("township_officer", TOWN_A))
    housing = actor(person("department_officer", LISHU, department="housing"))

    def demand(title, **extra):
        return services.submit(villager, services.CaseInput(village=VILLAGE_A1, kind="demand", title=title,
                                                            description="说明", **extra))[0]

    case = demand("路灯不亮")
    services.take(staff, case.number)
    services.add_note(staff, case.number, "已联系电工")
    services.hand_over(staff, case.number, staff2.user.username)
    services.attach(staff2, case.number, [services.Upload("a.pdf", PDF)])
    services.escalate(staff2, case.number, "需要县里")
    services.dispatch(township, case.number, ["housing"])
    services.sign_in(housing, case.number)
    services.respond(housing, case.number, "已修好")
    services.rate(villager, case.number, 1, "没修好")
    services.callback(staff2, case.number, "申请人说灯还是不亮")
    withdrawn = demand("撤回的")
    services.withdraw(villager, withdrawn.number, "自己修好了")
    late = demand("没人管的", urgency="emergency")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(hours=3)):
        worker.sweep()
    actions = set(AuditEntry.objects.filter(object_id__in=[str(c.pk) for c in (case, withdrawn, late)])
                  .values_list("action", flat=True))
    for step in ("submitted", "taken", "note", "handed_over", "attached", "escalated", "dispatched", "signed_in",
                 "responded", "resolved", "rated", "reopened", "callback", "withdrawn", "overdue", "auto_escalated"):
        assert f"case.{step}" in actions, step
    worker_entry = AuditEntry.objects.filter(action="case.auto_escalated").get()
    assert worker_entry.role == "system" and worker_entry.channel == "worker"
    from .conftest import run

    assert "audit chain intact" in run("audit", "verify")


@pytest.mark.django_db
def test_a_chain_cut_short_or_signed_by_another_key_is_caught_by_the_checkpoints(settings):
    import json
    from pathlib import Path

    from django.core.management import CommandError

    from cunwu.audit.models import AuditHead

    from .conftest import run

    for i in range(6):
        person("village_staff", VILLAGE_A1, username=f"audit.{i}")
    assert "checkpoint at entry" in run("audit", "checkpoint")
    assert "has not moved" in run("audit", "checkpoint")
    assert "1 signed checkpoints agree" in run("audit", "verify")
    assert len(run("audit", "checkpoint", "--public-key").strip()) == 44
    # Cut the tail and make the head agree: the chain alone still verifies ...
    head = AuditHead.objects.get()
    last = AuditEntry.objects.get(seq=head.seq - 3)
    from django.db import connection

    from cunwu.audit import guard

    with guard.lifted(connection), connection.cursor() as cur:  # the owner's rights: the trigger dropped first
        cur.execute("DELETE FROM audit_auditentry WHERE seq > %s", [last.seq])
    AuditHead.objects.update(seq=last.seq, hash=last.hash)
    from cunwu.audit.services import verify

    assert verify().ok
    # ... but not against the checkpoint kept outside the database
    with pytest.raises(CommandError, match="entries were removed or an older copy was restored"):
        run("audit", "verify")
    # A checkpoint file edited by hand (to match the cut chain) fails its signature
    path = Path(settings.CUNWU["AUDIT_CHECKPOINTS"])
    line = json.loads(path.read_text())
    path.write_text(json.dumps({**line, "seq": last.seq, "hash": last.hash}) + "\n")
    with pytest.raises(CommandError, match="not signed by the checkpoint key"):
        run("audit", "verify")


def _production_environment(tmp_path) -> dict:
    """The production environment docs/deployment.md documents (with made-up keys)."""
    import base64
    import json
    import os
    import secrets

    from cunwu.sms import purposes

    def key(name):
        return f"{name}:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CUNWU_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))}  # the browser tests set it
    env.update({
        "CUNWU_VAR_DIR": str(tmp_path), "CUNWU_SECRET_KEY": secrets.token_urlsafe(64),
        "CUNWU_DATA_KEYS": key("d2026"), "CUNWU_AUDIT_KEYS": key("a2026"),
        "CUNWU_ALLOWED_HOSTS": "cunwu.lishu.gov.cn", "CUNWU_TRUSTED_PROXIES": "10.0.0.5",
        "CUNWU_HSTS_SECONDS": "31536000", "CUNWU_SMS_BACKEND": "cunwu.sms.providers.aliyun.AliyunSms",
        "CUNWU_SMS_ACCESS_KEY_ID": "LTAI-example", "CUNWU_SMS_ACCESS_KEY_SECRET": "example-secret",
        "CUNWU_SMS_SIGN_NAME": "梨树村务",
        "CUNWU_SMS_TEMPLATES": json.dumps({name: f"SMS_{i:06d}" for i, name in enumerate(purposes.PURPOSES)}),
    })
    return env


def _check_deploy(env):
    import subprocess
    import sys
    from pathlib import Path

    cunwu = Path(sys.executable).with_name("cunwu")
    return subprocess.run([str(cunwu), "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    done = _check_deploy(_production_environment(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(("change", "expected"), [
    ({"CUNWU_DATA_KEYS": ""}, "cunwu.E101"),
    ({"CUNWU_AUDIT_KEYS": ""}, "cunwu.E102"),
    ({"CUNWU_SMS_BACKEND": "cunwu.sms.providers.outbox.OutboxSms"}, "cunwu.E106"),
    ({"CUNWU_DEMO": "1"}, "cunwu.E105"),
    ({"CUNWU_TRUSTED_PROXIES": ""}, "cunwu.W107"),
    ({"CUNWU_SMS_SIGN_NAME": ""}, "cunwu.E010"),
])
def test_check_deploy_refuses_each_missing_guard_rail(tmp_path, change, expected):
    env = _production_environment(tmp_path)
    env.update(change)
    done = _check_deploy(env)
    assert done.returncode != 0 and expected in done.stdout + done.stderr


def test_the_data_and_audit_keys_cannot_be_one_key(tmp_path):
    env = _production_environment(tmp_path)
    env["CUNWU_AUDIT_KEYS"] = "a2026:" + env["CUNWU_DATA_KEYS"].split(":", 1)[1]
    done = _check_deploy(env)
    assert done.returncode != 0 and "cunwu.E103" in done.stdout + done.stderr


@pytest.mark.django_db
def test_audit_entries_name_their_key_and_an_old_key_still_verifies(settings):
    import base64
    import secrets

    from cunwu.audit.services import verify

    def key(name):
        return f"{name}:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    person("village_staff", VILLAGE_A1)  # entries under the key derived from SECRET_KEY (an embedded install)
    first, second = key("a1"), key("a2")
    settings.CUNWU = {**settings.CUNWU, "AUDIT_KEYS": first}
    person("village_staff", VILLAGE_A1)
    settings.CUNWU = {**settings.CUNWU, "AUDIT_KEYS": f"{second},{first}"}  # rotated: newest first
    person("village_staff", VILLAGE_A1)
    keys = AuditEntry.objects.order_by("seq").values_list("key_id", flat=True)
    assert list(dict.fromkeys(keys)) == ["", "a1", "a2"]  # each key's entries after the one before
    assert verify().ok
    settings.CUNWU = {**settings.CUNWU, "AUDIT_KEYS": second}  # the old key dropped: its entries cannot be checked
    result = verify()
    assert not result.ok and "no longer configured" in result.reason


def _png(**info) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG", **info)
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "村民的手机"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 18.0, 0.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photos_are_written_again_without_what_was_hidden_in_them():
    import io

    from PIL import Image

    from cunwu.uploads import Upload, check_uploads

    polyglot = _png() + b"<script>alert(document.cookie)</script>"
    gps = _jpeg_with_gps()
    assert Image.open(io.BytesIO(gps)).getexif()
    (png, _m1), (jpeg, _m2) = check_uploads([Upload("a.png", polyglot), Upload("b.jpg", gps)])
    assert b"<script>" not in png.content and png.content.endswith(b"IEND\xaeB`\x82")
    assert not Image.open(io.BytesIO(jpeg.content)).getexif()  # no make, no GPS
    with pytest.raises(Exception, match="无法作为照片读取|cannot be read"):
        check_uploads([Upload("c.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)])


def test_a_pdf_with_active_content_is_refused():
    import io

    from pypdf import PdfWriter

    from cunwu.uploads import Upload, check_uploads

    plain, active = PdfWriter(), PdfWriter()
    plain.add_blank_page(200, 200)
    active.add_blank_page(200, 200)
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    active._root_object[NameObject("/OpenAction")] = DictionaryObject({  # JavaScript run on opening
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")})
    docs = []
    for writer in (plain, active):
        out = io.BytesIO()
        writer.write(out)
        docs.append(out.getvalue())
    assert len(check_uploads([Upload("scan.pdf", docs[0])])) == 1
    with pytest.raises(Exception, match="active content|活动内容"):
        check_uploads([Upload("evil.pdf", docs[1])])


@pytest.mark.django_db
def test_a_file_of_a_rolled_back_action_is_swept(settings, tmp_path):
    import time

    from django.db import transaction

    from cunwu.audit.context import Actor
    from cunwu.cases import services
    from cunwu.directory import seed
    from cunwu.uploads import Upload, sweep_orphans

    settings.MEDIA_ROOT = str(tmp_path)
    seed.seed_jilin(Actor.console())
    staff = Actor(user=person("village_staff", VILLAGE_A1), source="127.0.0.1")
    kept, _made = services.submit(staff, services.CaseInput(
        village=VILLAGE_A1, kind="demand", title="留下的", description="x", applicant_name="王某",
        applicant_phone="13904341111", consent="本人同意", files=[Upload("a.png", _png())]))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.submit(staff, services.CaseInput(
            village=VILLAGE_A1, kind="demand", title="回滚的", description="x", applicant_name="李某",
            applicant_phone="13904341112", consent="本人同意", files=[Upload("b.png", _png(dpi=(300, 300)))]))
        raise RuntimeError("the request failed after the file was written")
    files = sorted(p.name for p in tmp_path.rglob("*.png"))
    assert len(files) == 2  # the rolled-back one is on disk, with no row
    assert sweep_orphans() == 0  # too young: an action may still be running
    assert sweep_orphans(now=time.time() + 7200) == 1
    assert [p.name for p in tmp_path.rglob("*.png")] == [kept.attachments.get().file.name.rsplit("/", 1)[-1]]


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"title": "灯" * 201}, "title", "最多 200 个字符"),
    ({"description": "坑" * 5001}, "description", "最多 5000 个字符"),
    ({"title": "路灯\x00不亮"}, "title", "控制字符"),
    ({"description": "三组\x1b[31m路口"}, "description", "控制字符"),
])
def test_long_or_unprintable_text_is_refused_not_cut(fields, field, words):
    from django.core.exceptions import ValidationError

    from cunwu.audit.context import Actor
    from cunwu.cases import services
    from cunwu.cases.models import Case
    from cunwu.directory import seed

    seed.seed_jilin(Actor.console())
    villager = Actor(user=person("villager", VILLAGE_A1, phone="13904341111"), source="127.0.0.1")
    data = {"village": VILLAGE_A1, "kind": "demand", "title": "路灯不亮", "description": "三组路口", **fields}
    with pytest.raises(ValidationError) as refused:
        services.submit(villager, services.CaseInput(**data))
    assert words in " ".join(refused.value.message_dict[field])
    assert not Case.objects.exists()


def test_every_api_schema_has_its_own_name_in_the_openapi_document():
    """Two schemas of one name: the document keeps one and describes the other endpoint with the wrong shape."""
    from collections import Counter

    from ninja import Schema

    from cunwu.api import api

    api.get_openapi_schema()  # every router imported

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    ours = [c for c in all_subclasses(Schema) if c.__module__.startswith("cunwu.")]
    twice = [name for name, n in Counter(c.__name__ for c in ours).items() if n > 1]
    assert twice == []


@pytest.mark.django_db
def test_the_provinces_rural_limits_are_reachable_through_the_api(client):
    from .helpers import PROVINCE

    client.force_login(person("province_admin", PROVINCE))
    answer = client.put("/api/v1/legal/aid/priority-limits", {"decision": 5}, content_type="application/json")
    assert answer.status_code != 405, answer.content  # no longer taken for /aid/{id}


def test_an_image_larger_than_the_pixel_limit_is_refused_before_decoding(monkeypatch):
    from cunwu import uploads

    monkeypatch.setattr(uploads, "MAX_PIXELS", 15)  # the 4×4 photo has 16
    with pytest.raises(Exception, match="无法作为照片读取|cannot be read"):
        uploads.check_uploads([uploads.Upload("big.png", _png())])


@pytest.mark.django_db
def test_a_code_guessed_as_often_as_allowed_is_spent_even_when_guesses_came_at_once(client):
    from cunwu.accounts.models import OneTimeCode

    client.post("/accounts/villager/", {"phone": "13904349991"})
    code = "".join(c for c in OutboxMessage.objects.get(phone="13904349991").body if c.isdigit())[:6]
    OneTimeCode.objects.filter(phone="13904349991").update(failures=5)  # five wrong guesses raced the lockout
    answer = client.post("/accounts/villager/code/", {"code": code})
    assert answer.status_code == 200 and "验证码错误或已过期" in answer.content.decode()
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_every_operation_documents_the_errors_it_may_answer(client):
    """400, 403, 404, 422 and 429 on every operation, 401 on those that need a caller, 409 on every write; each
    with the one error shape the API answers with."""
    document = client.get("/api/v1/openapi.json").json()
    assert "ErrorOut" in document["components"]["schemas"]
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            wanted = {"400", "403", "404", "422", "429"} | ({"401"} if operation.get("security") else set()) | (
                {"409"} if method in ("post", "put", "delete") else set())
            assert wanted <= codes, (method, path, wanted - codes)
            assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
            checked += 1
    assert checked > 120
    # the shape is the one answered
    missing = client.get("/api/v1/regions/999999999999")
    assert missing.status_code == 404 and set(missing.json()) <= {"detail", "errors"}


@pytest.mark.django_db
def test_a_body_of_the_wrong_shape_gets_the_same_error_shape_in_the_users_language(client):
    client.force_login(person("village_staff", "220322100201"))
    answer = client.post("/api/v1/cases", {"title": "没有村"}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["errors"]["village"] == ["此项必填。"] and answer.json()["detail"] == "此项必填。"
    answer = client.post("/api/v1/cases", {"village": ["220322100201"]}, content_type="application/json")
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["village"]
    assert isinstance(answer.json()["detail"], str)
    broken = client.post("/api/v1/cases", "{not json", content_type="application/json")
    assert broken.status_code == 400 and isinstance(broken.json()["detail"], str)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/regions?q=a%00b", "/api/v1/cases?q=%00", "/regions/?q=%00"])
def test_a_nul_in_a_query_or_form_is_refused_with_a_message_on_every_database(client, path):
    """PostgreSQL refuses to store or compare a NUL: it was a server error there; now a message before any view."""
    client.force_login(person("county_admin", "220322"))
    answer = client.get(path)
    assert answer.status_code == (422 if path.startswith("/api/") else 400)
    text = answer.json()["detail"] if path.startswith("/api/") else answer.content.decode()
    assert "文本中含有无效的 Unicode 字符" in text
    form = client.post("/cases/new/", {"village": "220322100201", "title": "路灯\x00不亮"})
    assert form.status_code == 400
    body = client.post("/api/v1/cases", {"village": "220322100201", "title": "路灯\x00不亮"},
                       content_type="application/json")
    assert body.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2100-01-01"])
def test_dates_that_mean_nothing_are_refused_on_forms_the_api_and_answers(client, day):
    from cunwu.burden.models import DemandReport
    from cunwu.notices.models import Notice

    staff = person("village_staff", "220322100201")
    client.force_login(staff)
    reports, notices = DemandReport.objects.count(), Notice.objects.count()
    report = client.post("/api/v1/burden/reports", {"village": "220322100201", "demanded_by": "某局",
                                                     "what": "要求填表", "demanded_on": day},
                         content_type="application/json")
    assert report.status_code == 422 and "1900" in report.json()["detail"] and "demanded_on" in report.json()["errors"]
    notice = client.post("/api/v1/notices", {"village": "220322100201", "category": "affairs", "title": "公开",
                                             "body": "内容", "shown_until": day}, content_type="application/json")
    assert notice.status_code == 422 and "shown_until" in notice.json()["errors"]
    page = client.post("/notices/village/220322100201/new/", {"category": "affairs", "title": "公开", "body": "内容",
                                                              "shown_until": day}, follow=True)
    assert "1900" in page.content.decode() and "2099" in page.content.decode()
    assert (DemandReport.objects.count(), Notice.objects.count()) == (reports, notices)  # nothing written
    from types import SimpleNamespace

    from django.core.exceptions import ValidationError

    from cunwu.burden import services as burden
    from cunwu.cases import services as cases

    with pytest.raises(ValidationError, match="1900"):
        burden.report_demand(actor(staff), "220322100201", "某局", "要求填表", day)
    entry = SimpleNamespace(questions=[{"key": "since", "label": "居住起始日期", "type": "date", "required": True}])
    with pytest.raises(ValidationError, match="1900"):
        cases._clean_answers(entry, {"since": day})  # an item's date question


@pytest.mark.django_db
def test_a_nul_in_a_path_or_a_body_of_any_type_is_refused_and_a_multipart_body_to_the_api_is_no_server_error(client):
    client.force_login(person("village_staff", VILLAGE_A1))
    assert client.get("/cases/%00/").status_code == 400
    assert client.get("/api/v1/cases/%00").status_code == 422
    plain = client.post("/api/v1/cases", '{"village": "220322100201", "title": "\\u0000"}', content_type="text/plain")
    assert plain.status_code == 422 and "Unicode" in plain.json()["detail"]
    multipart = client.post("/api/v1/cases", {"village": "220322100201", "title": "路灯不亮"})  # a form, not JSON
    assert 400 <= multipart.status_code < 500


@pytest.mark.django_db
def test_a_file_name_with_a_nul_is_kept_without_it():
    """A file's name comes as the phone sent it; what no database stores as text is dropped from it (a NUL
    answered 500 on PostgreSQL)."""
    from cunwu.cases import services as cases

    from .helpers import PNG

    staff = actor(person("village_staff", VILLAGE_A1))
    case = cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title="路灯不亮", applicant_phone="13904346666",
                                               consent="当面同意"))[0]
    case = cases.attach(staff, case.number, [cases.Upload("照片\x00\x07.png", PNG)])
    assert case.attachments.get().name == "照片.png"
    case = cases.attach(staff, case.number, [cases.Upload("\x00", PNG)])
    assert sorted(case.attachments.values_list("name", flat=True)) == ["file", "照片.png"]
