import datetime as dt

import pyotp
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunwu.accounts import personal_data, services, signin
from cunwu.accounts.models import OutboxMessage, SignInThrottle, User
from cunwu.audit.models import AuditEntry

from .helpers import LISHU, PASSWORD, VILLAGE_A1, actor, person


def _code(phone):
    body = OutboxMessage.objects.filter(phone=phone).first().body
    return "".join(c for c in body if c.isdigit())[:6]


@pytest.mark.django_db
def test_villager_signs_in_with_phone_code_and_code_is_single_use(client):
    villager = person("villager", VILLAGE_A1, phone="13904341111")
    page = client.post("/accounts/villager/", {"phone": "139 0434 1111"})
    assert page.status_code == 302 and page["Location"] == "/accounts/villager/code/"
    code = _code("13904341111")
    assert client.post("/accounts/villager/code/", {"code": code}).status_code == 302
    assert client.get("/api/v1/me").json()["id"] == villager.pk
    client.post("/accounts/sign-out/")
    resend = client.post("/accounts/villager/", {"phone": "13904341111"})
    assert "秒后可重新获取" in resend.content.decode()  # one code a minute
    with pytest.raises(ValidationError) as replay:  # the code that signed in once never works again
        signin.verify_code("13904341111", code, "127.0.0.2", actor(None))
    assert "验证码错误或已过期" in str(replay.value)


@pytest.mark.django_db
def test_known_and_unknown_numbers_get_the_same_answer(client):
    person("villager", VILLAGE_A1, phone="13904342222")
    known = client.post("/accounts/villager/", {"phone": "13904342222"})
    other = client.post("/accounts/villager/", {"phone": "13904343333"})
    assert (known.status_code, known["Location"]) == (other.status_code, other["Location"])
    assert OutboxMessage.objects.filter(phone="13904343333").count() == 1


@pytest.mark.django_db
def test_unknown_number_signs_up_and_chooses_a_village(client):
    client.post("/accounts/villager/", {"phone": "13904344444"})
    client.post("/accounts/villager/code/", {"code": _code("13904344444")})
    home = client.get("/").content.decode()
    assert "您住在哪个村" in home
    client.post("/my-village/", {"village": VILLAGE_A1})
    assert "南杏山村" in client.get("/").content.decode()
    me = client.get("/api/v1/me").json()
    assert [(a["role"], a["region"]) for a in me["assignments"]] == [("villager", VILLAGE_A1)]


@pytest.mark.django_db
def test_wrong_codes_lock_out_then_even_the_right_code_waits(client):
    client.post("/accounts/villager/", {"phone": "13904345555"})
    for _ in range(5):
        client.post("/accounts/villager/code/", {"code": "000000"})
    locked = client.post("/accounts/villager/code/", {"code": _code("13904345555")})
    assert "尝试次数过多" in locked.content.decode()
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_password_guessing_is_locked_out_with_the_same_message_for_unknown_users(client):
    person("village_staff", VILLAGE_A1, username="staff.lock")
    wrong = client.post("/accounts/sign-in/", {"username": "staff.lock", "password": "nope"}).content.decode()
    unknown = client.post("/accounts/sign-in/", {"username": "no.such.user", "password": "nope"}).content.decode()
    assert "用户名或密码不正确" in wrong and "用户名或密码不正确" in unknown
    for _ in range(4):
        client.post("/accounts/sign-in/", {"username": "staff.lock", "password": "nope"})
    locked = client.post("/accounts/sign-in/", {"username": "staff.lock", "password": PASSWORD})
    assert "尝试次数过多" in locked.content.decode()
    assert AuditEntry.objects.filter(action="accounts.sign_in.password", result="failed").count() >= 5
    SignInThrottle.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert client.post("/accounts/sign-in/", {"username": "staff.lock", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_county_roles_need_totp_and_codes_are_not_replayed(client):
    admin = person("county_admin", LISHU, username="admin.totp")
    first = client.post("/accounts/sign-in/", {"username": "admin.totp", "password": PASSWORD})
    assert first["Location"] == "/accounts/sign-in/second-factor/"
    enrol = client.get("/accounts/sign-in/second-factor/")
    assert "密钥" in enrol.content.decode() and enrol["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me").status_code == 401  # not signed in before the second factor
    admin.refresh_from_db()
    totp = pyotp.TOTP(personal_data.decrypt(admin.totp_sealed))
    code = totp.now()
    assert client.post("/accounts/sign-in/second-factor/", {"code": code}).status_code == 302
    assert client.get("/api/v1/me").json()["totp_enabled"] is True
    client.post("/accounts/sign-out/")
    client.post("/accounts/sign-in/", {"username": "admin.totp", "password": PASSWORD})
    replay = client.post("/accounts/sign-in/second-factor/", {"code": code})
    assert replay.status_code == 200 and "验证码不正确" in replay.content.decode()


@pytest.mark.django_db
def test_village_staff_need_no_totp_and_a_new_session_key_is_issued(client):
    person("village_staff", VILLAGE_A1, username="staff.session")
    client.get("/accounts/sign-in/")
    before = client.cookies.get("sessionid")
    client.post("/accounts/sign-in/", {"username": "staff.session", "password": PASSWORD})
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_revoked_assignment_and_disabled_account_stop_at_the_next_request(client):
    staff = person("village_staff", VILLAGE_A1, username="staff.revoke")
    villager = person("villager", VILLAGE_A1)
    client.force_login(staff)
    assert client.get(f"/api/v1/users/{villager.pk}").status_code == 200
    services.revoke_assignment(actor(person("county_admin", LISHU)), staff.assignments.get().pk)
    assert client.get(f"/api/v1/users/{villager.pk}").status_code == 404
    services.set_active(actor(person("county_admin", LISHU)), staff.pk, False)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_idle_sessions_time_out(client, settings):
    staff = person("village_staff", VILLAGE_A1)
    client.force_login(staff)
    session = client.session
    session["cunwu_last_seen"] = int(timezone.now().timestamp()) - settings.CUNWU["SESSION_IDLE_SECONDS"] - 5
    session.save()
    response = client.get("/accounts/people/")
    assert response.status_code == 302 and "timeout=1" in response["Location"]
    assert not User.objects.get(pk=staff.pk).is_anonymous
    assert client.get("/api/v1/me").status_code == 401
