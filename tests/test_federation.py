"""The nation as a federation (issue: a province past one machine, part 5): each province's instance reports
its daily tallies, signed; the national instance keeps only what the province's key signed, refuses anything
else, and adds the provinces up. The last test runs three provinces and the national instance as separate
processes, each on its own database, and checks the nation's figures against each province's own (what a
report refused, resent or replaced does is tested in-process, with the national instance's API or a stand-in)."""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client
from django.utils import timezone

from cunwu import keyfiles
from cunwu.accounts.permissions import Forbidden
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.cases import rates
from cunwu.cases import services as cases
from cunwu.cases.models import Case
from cunwu.federation import reports, services
from cunwu.federation.models import Province, Report, Sent
from cunwu.regions.models import Region

from .conftest import ON_POSTGRES, run
from .test_cases import demand, lishu  # noqa: F401 - the fixture
from .test_durability import CLI, _env, _free_port, _serve, server_database  # noqa: F401


def yesterday() -> dt.date:  # (asked when needed: a run can pass midnight)
    return timezone.localdate() - dt.timedelta(days=1)


def _received_yesterday(people, answered: int = 1) -> list[Case]:
    """Three requests of Lishu's villager, `answered` of them answered and rated, moved to yesterday."""
    made = [demand(people["villager"], title=f"路灯{i}") for i in range(3)]
    for case in made[:answered]:
        cases.take(people["staff"], case.number)
        cases.resolve(people["staff"], case.number, "已修好")
        cases.rate(people["villager"], case.number, 5)
    Case.objects.filter(pk__in=[c.pk for c in made]).update(created_at=F("created_at") - dt.timedelta(days=1))
    rates.rebuild_tallies()
    return made


def _post(body, client=None):
    client = client or Client()
    return client.post("/api/v1/federation/reports", body if isinstance(body, bytes) else body.encode(),
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")


def _register_self() -> Province:
    return services.register(Actor.console(), "22", services.public_key())


def _resigned(body: str, change, key=None) -> str:
    """The report with `change(inner)` applied and signed again (by the province's key unless `key`)."""
    inner = json.loads(json.loads(body)["report"])
    change(inner)
    text = json.dumps(inner, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    signature = base64.b64encode((key or services.signing_key()).sign(text.encode())).decode()
    return json.dumps({"report": text, "signature": signature}, ensure_ascii=False)


@pytest.mark.django_db
def test_a_days_report_is_the_provinces_own_figures_and_nothing_about_a_person(lishu):  # noqa: F811
    _received_yesterday(lishu)
    body = services.report(yesterday(), "22")
    assert "13904341111" not in body and "路灯" not in body and lishu["villager"].user.full_name not in body
    inner = json.loads(json.loads(body)["report"])
    assert set(inner) == {"format", "province", "day", "generated_at", "counties"}
    assert list(inner["counties"]) == ["220322"] and inner["counties"]["220322"]["n_received"] == 3

    _register_self()
    answer = _post(body)
    assert answer.status_code == 201 and answer.json()["outcome"] == "created"
    national = Client().get("/api/v1/federation/national", {"start": yesterday(), "end": yesterday()}).json()
    own = rates.region_rates(Region.objects.get(code="22"), yesterday(), yesterday()).as_dict()
    (jilin,) = national["provinces"]
    for name in ("received", "pending", "response", "resolution", "satisfaction", "on_time"):
        assert jilin[name] == own[name] == national["total"][name], name
    assert jilin["resolution"]["count"] == 1 and jilin["satisfaction"] == {"count": 1, "of": 1, "rate": 100.0}
    assert jilin["days_reported"] == 1 and jilin["last_day"] == yesterday().isoformat()
    assert AuditEntry.objects.filter(action="federation.report_created", region_code="22").exists()


@pytest.mark.django_db
def test_the_national_instance_keeps_only_what_the_provinces_key_signed(lishu):  # noqa: F811
    _received_yesterday(lishu)
    _register_self()
    services.register(Actor.console(), "21", keyfiles.public_text(Ed25519PrivateKey.generate()))  # its own key
    services.register(Actor.console(), "11", keyfiles.public_text(Ed25519PrivateKey.generate()), name="北京市")
    Province.objects.filter(code="11").update(active=False)  # no longer reporting here
    body = services.report(yesterday(), "22")
    outer = json.loads(body)
    tampered = json.dumps({**outer, "report": outer["report"].replace('"n_received":3', '"n_received":300')})
    assert '"n_received":300' in json.loads(tampered)["report"]
    stranger = Ed25519PrivateKey.generate()
    refused = {
        "a count changed after signing": (tampered, 403),
        "signed by another key": (_resigned(body, lambda r: None, stranger), 403),
        "a province not registered": (_resigned(body, lambda r: r.update(
            province="11", counties={"110101": r["counties"].pop("220322")})), 403),
        "another province's report signed by this key": (_resigned(body, lambda r: r.update(
            province="21", counties={"210102": r["counties"].pop("220322")})), 403),
        "a person's phone beside the tallies": (_resigned(body, lambda r: r.update(applicant_phone="13904341111")), 400),
        "a count beside the known ones": (_resigned(body, lambda r: r["counties"]["220322"].update(names=1)), 400),
        "a county of another province": (_resigned(body, lambda r: r.update(
            counties={"210102": r["counties"]["220322"]})), 400),
        "more satisfied than rated": (_resigned(body, lambda r: r["counties"]["220322"].update(
            n_satisfied=9, n_rated=1)), 400),
        "a day before 2000": (_resigned(body, lambda r: r.update(day="1999-12-31")), 400),
        "a negative count": (_resigned(body, lambda r: r["counties"]["220322"].update(n_received=-1)), 400),
        "a day not yet ended": (_resigned(body, lambda r: r.update(day=timezone.localdate().isoformat())), 400),
        "made in the future": (_resigned(body, lambda r: r.update(
            generated_at=(timezone.now() + dt.timedelta(days=1)).isoformat(timespec="seconds"))), 400),
        "not JSON": ("报告", 400),
        "nested beyond reason": ("[" * 100000 + "]" * 100000, 400),
        "digits of another script": (_resigned(body, lambda r: r.update(
            counties={"２２０３２２": r["counties"]["220322"]})), 400),
        "too large": (json.dumps({"report": "x" * (reports.MAX_BYTES + 1), "signature": ""}), 400),
    }
    for why, (sent, status) in refused.items():
        answer = _post(sent)
        assert answer.status_code == status, (why, answer.content)
        assert answer.json()["detail"], why
    assert "签名" in _post(tampered).json()["detail"]  # said in the user's language
    assert not Report.objects.exists(), "nothing refused was kept"
    assert _post(body).status_code == 201


@pytest.mark.django_db
def test_one_address_sending_report_after_report_is_turned_away(lishu, settings):  # noqa: F811
    settings.CUNWU = {**settings.CUNWU, "FEDERATION_REPORTS_PER_MINUTE": 3}
    _received_yesterday(lishu)
    _register_self()
    body = services.report(yesterday(), "22")
    assert [_post(body).status_code for _ in range(4)] == [201, 200, 200, 429]
    assert "一分钟" in _post(body).json()["detail"] and Report.objects.count() == 1


@pytest.mark.django_db
def test_a_newer_report_of_a_day_replaces_the_older_and_an_older_one_is_refused(lishu):  # noqa: F811
    made = _received_yesterday(lishu, answered=0)
    _register_self()
    first = services.report(yesterday(), "22")
    assert _post(first).status_code == 201
    again = _post(first)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"  # a retry changes nothing

    cases.take(lishu["staff"], made[0].number)  # the day's figures move on as its cases are answered
    cases.resolve(lishu["staff"], made[0].number, "已修好")
    later = _resigned(services.report(yesterday(), "22"), lambda r: r.update(
        generated_at=(timezone.now() + dt.timedelta(minutes=1)).isoformat(timespec="seconds")))
    assert _post(later).json()["outcome"] == "replaced"
    assert _post(first).status_code == 409, "an older report never overwrites a newer one"
    assert Report.objects.get().totals["n_resolved"] == 1 and Report.objects.count() == 1


@pytest.mark.django_db
def test_only_the_operator_registers_a_province_and_a_bad_key_is_refused(lishu):  # noqa: F811
    with pytest.raises(Forbidden):
        services.register(lishu["supervisor"], "22", services.public_key())
    with pytest.raises(ValidationError, match="base64"):
        services.register(Actor.console(), "22", "not-a-key")
    with pytest.raises(ValidationError):
        services.register(Actor.console(), "99", services.public_key())  # no such province, and no name given
    assert "registered" in run("federation", "register", "22", "--key", services.public_key())
    other = keyfiles.public_text(Ed25519PrivateKey.generate())
    services.register(Actor.console(), "22", other)
    assert Province.objects.get(code="22").public_key == other
    assert AuditEntry.objects.filter(action="federation.key_changed", detail__previous_key=services.public_key()
                                     ).exists()


class _National(http.server.BaseHTTPRequestHandler):
    """A stand-in national instance answering each report with the status it is given."""

    answers: list[int] = []
    bodies: list[bytes] = []

    def do_POST(self):  # noqa: N802 - the handler's name
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.answers.pop(0) if self.answers else 201)
        self.end_headers()
        self.wfile.write(b'{"detail": "ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    server = http.server.HTTPServer(("127.0.0.1", 0), _National)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _National.answers, _National.bodies = [], []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.django_db
def test_a_day_is_sent_again_while_its_figures_move_or_until_it_is_taken(lishu, stand_in):  # noqa: F811
    made = _received_yesterday(lishu, answered=0)
    _National.answers = [503]  # the national instance is down: the day is not taken
    (first,) = services.send(Actor.console(), stand_in, "22")
    assert first.day == yesterday() and not first.accepted and first.answer.startswith("503")
    (again,) = services.send(Actor.console(), stand_in, "22")  # the next night: sent again, and taken
    assert again.accepted and Sent.objects.get(day=yesterday()).digest
    _National.answers = [201]
    assert [s.day for s in services.send(Actor.console(), stand_in, "22", always=1)] == [yesterday()]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert [d for d, _c, _h in services.due("22", tomorrow, always=1)] == [timezone.localdate()], \
        "a day taken with its present figures is not sent again"

    cases.take(lishu["staff"], made[0].number)  # yesterday's figures move: due again the night after
    cases.resolve(lishu["staff"], made[0].number, "已修好")
    assert yesterday() in [d for d, _c, _h in services.due("22", tomorrow, always=1)]
    _National.answers = [409]  # the national instance keeps a newer report of the day: that counts as taken
    sent = services.send(Actor.console(), stand_in, "22")
    assert all(s.accepted for s in sent) and json.loads(json.loads(_National.bodies[-1])["report"])["day"]
    assert [d for d, _c, _h in services.due("22", tomorrow, always=1)] == [timezone.localdate()]
    with pytest.raises(ValidationError):
        services.send(Actor.console(), "ftp://national", "22")
    with pytest.raises(ValidationError):
        services.send(Actor.console(), stand_in, "22", always=91)
    assert AuditEntry.objects.filter(action="federation.reports_sent").count() == 4


@pytest.mark.django_db
def test_the_nations_page_is_public_and_says_which_days_are_missing(lishu):  # noqa: F811
    _received_yesterday(lishu)
    _register_self()
    _post(services.report(yesterday(), "22"))
    page = Client().get("/national/", {"start": yesterday() - dt.timedelta(days=1), "end": yesterday()},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200 and "吉林省" in text and "1 天未报" in text
    page = Client().get("/national/", {"start": yesterday(), "end": yesterday() - dt.timedelta(days=3)},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "结束" in page.content.decode()  # the period ends before it starts


def _instance(path: Path, template: Path, province: str) -> dict:
    path.mkdir()
    shutil.copy(template / "cunwu.sqlite3", path / "cunwu.sqlite3")
    shutil.copy(template / "secret_key", path / "secret_key")
    return _env(path, "") | {"CUNWU_PROVINCE": province}


def _script(env: dict, *args: str) -> subprocess.Popen:
    script = Path(__file__).with_name("federation_instance.py")
    return subprocess.Popen([sys.executable, str(script), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _done(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return out


@pytest.mark.slow
@pytest.mark.skipif(ON_POSTGRES, reason="the four instances run on SQLite files of their own")
@pytest.mark.django_db(transaction=True)  # (its database is the one server_database copies)
def test_three_provinces_feed_one_national_instance(tmp_path, server_database):  # noqa: F811
    template = tmp_path  # server_database put the migrated database and its secret key here
    provinces = {"22": ("220322100201", 5, 2), "21": ("210102001001", 4, 4), "13": ("130102001001", 3, 0)}
    envs = {code: _instance(tmp_path / f"province-{code}", template, code) for code in provinces}
    national_env = _instance(tmp_path / "national", template, "")
    made = {code: _script(envs[code], code, village, str(n), str(a)) for code, (village, n, a) in provinces.items()}
    own = {code: json.loads(_done(p).splitlines()[-1]) for code, p in made.items()}
    assert len({o["key"] for o in own.values()}) == 3, "each province signs with its own key"

    registering = [subprocess.Popen([CLI, "federation", "register", code, "--key", own[code]["key"], "--name",
                                     f"省{code}"], env=national_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for code in provinces]  # the national operator, at its console
    for process in registering:
        assert "registered" in _done(process)
    port = _free_port()
    server = _serve(national_env, port, "--workers", "1")
    url = f"http://127.0.0.1:{port}"
    try:
        senders = {code: subprocess.Popen([CLI, "federation", "send", "--to", url, "--days", "2"], env=envs[code],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for code in provinces}
        for code, process in senders.items():  # each province, both days taken
            lines = _done(process).splitlines()
            assert len(lines) == 2 and all(" taken: 201" in line for line in lines), (code, lines)

        def nation() -> dict:
            with urllib.request.urlopen(f"{url}/api/v1/federation/national?start={yesterday()}&end={yesterday()}",
                                        timeout=20) as answer:
                return json.loads(answer.read())

        figures = nation()
        by_code = {p["key"]: p for p in figures["provinces"]}
        assert set(by_code) == set(provinces)
        for code in provinces:
            for name in ("received", "pending", "response", "resolution", "satisfaction", "on_time"):
                assert by_code[code][name] == own[code]["rates"][name], (code, name)
        assert figures["total"]["received"] == 5 + 4 + 3
        assert figures["total"]["resolution"] == {"count": 6, "of": 12, "rate": 50.0}

        with urllib.request.urlopen(f"{url}/national/?start={yesterday()}&end={yesterday()}", timeout=20) as page:
            text = page.read().decode()
        assert all(f"省{code}" in text for code in provinces)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
