"""Connected systems: Open311 POST with a partner's api_key (scoped to its county, rate-limited, revocable), the
token look-up, and signed webhooks (Standard Webhooks, verified with the `standardwebhooks` library) sent after
the commit, retried against a local receiver that fails and recovers, kept attempt by attempt, paused after a
day of failures with the administrators told, and sent again by hand."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from cunwu.accounts import permissions
from cunwu.accounts.models import User
from cunwu.audit.context import Actor
from cunwu.cases import services as cases
from cunwu.cases.models import Case
from cunwu.directory import seed
from cunwu.notify.models import Notification
from cunwu.partners import delivery, services
from cunwu.partners.models import Attempt, Endpoint, Message, Send

from .conftest import run
from .helpers import LISHU, OTHER_COUNTY, OTHER_COUNTY_VILLAGE, VILLAGE_A1, VILLAGE_A2, actor, person

pytestmark = pytest.mark.django_db
ROOT = "/open311/v2"


class Receiver:
    """A partner's webhook receiver on 127.0.0.1: answers each request with the next of `script` (a status, or
    "slow" to answer after `slow` seconds), then 200 for ever; keeps every request."""

    def __init__(self, script=(), slow: float = 2.0):
        self.script, self.slow, self.got = list(script), slow, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body.decode()))
                step = outer.script.pop(0) if outer.script else 200
                if step == "slow":
                    time.sleep(outer.slow)
                    step = 200
                try:
                    self.send_response(step)
                    if step in (301, 302):
                        self.send_header("location", "http://127.0.0.1:9/elsewhere")
                    self.end_headers()
                    self.wfile.write(b"ok" if step == 200 else b"not now")
                except (BrokenPipeError, ConnectionResetError):  # the sender stopped waiting, as it should
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _receivers_on_this_machine(settings):
    """The test's receivers listen on 127.0.0.1, which a deployment allows only when it lists it."""
    settings.CUNWU = {**settings.CUNWU, "WEBHOOK_HTTP_HOSTS": "127.0.0.1"}


@pytest.fixture
def receiver():
    made = []

    def make(*script, slow=2.0):
        made.append(Receiver(script, slow))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def hotline():
    seed.seed_jilin(Actor.console())
    admin = actor(person("county_admin", LISHU))
    partner = services.connect(admin, services.PartnerInput(LISHU, "12345热线", "hotline", "县政务服务中心", 60))
    return {"admin": admin, "partner": partner, "key": services.issue_key(admin, partner.pk)}


def _post(client, key, fmt="json", **fields):
    form = {"api_key": key, "jurisdiction_id": VILLAGE_A1, "service_code": "demand.roads",
            "description": "三组路灯坏了一个月", "last_name": "王", "first_name": "秀英", "phone": "13904345678",
            **fields}
    return client.post(f"{ROOT}/requests.{fmt}", {k: v for k, v in form.items() if v is not None})


def test_a_partner_posts_a_request_with_its_key_and_the_village_is_told(client, hotline):
    staff = person("village_staff", VILLAGE_A1)
    answer = _post(client, hotline["key"], token="RX-2026-0001", lat="43.1612", long="124.3501",
                   address_string="三组村道东头")
    assert answer.status_code == 201, answer.content
    [body] = answer.json()
    case = Case.objects.get(number=body["service_request_id"])
    assert body["token"] == "RX-2026-0001" and body["service_notice"] and body["account_id"] is None
    assert (case.channel, case.kind, case.category, case.village_id) == ("hotline", "demand", "roads", VILLAGE_A1)
    assert case.applicant_name == "王秀英" and case.submitted_by == hotline["partner"].user
    assert (str(case.latitude), str(case.longitude), case.place) == ("43.161200", "124.350100", "三组村道东头")
    assert Notification.objects.filter(recipient=staff, kind="case_new").exists()  # the village hears at once
    again = _post(client, hotline["key"], token="RX-2026-0001", lat="43.1612", long="124.3501",
                  address_string="三组村道东头")
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == case.number
    assert Case.objects.count() == 1
    changed = _post(client, hotline["key"], token="RX-2026-0001", description="别的事")
    assert changed.status_code == 400 and "token" in changed.json()[0]["description"]
    looked_up = client.get(f"{ROOT}/tokens/RX-2026-0001.json", {"jurisdiction_id": LISHU})
    assert looked_up.status_code == 200 and looked_up.json() == [{"token": "RX-2026-0001",
                                                                  "service_request_id": case.number}]
    assert client.get(f"{ROOT}/tokens/nope.json", {"jurisdiction_id": LISHU}).status_code == 404
    # the public answer publishes no one's name, phone or words
    public = client.get(f"{ROOT}/requests/{case.number}.json", {"jurisdiction_id": VILLAGE_A1}).content.decode()
    assert "王秀英" not in public and "13904345678" not in public and "路灯坏了" not in public
    assert "三组村道东头" not in public  # the place in words is the caller's; the point is rounded
    assert (json.loads(public)[0]["lat"], json.loads(public)[0]["long"]) == (43.161, 124.35)


def test_an_application_post_checks_its_attributes_like_the_form(client, hotline):
    bad = _post(client, hotline["key"], service_code="22-YB-001", **{"attribute[insured_year]": "3000",
                                                                      "attribute[phone]": "13904341111"})
    assert bad.status_code == 400 and "attribute[insured_year]" in bad.json()[0]["description"]
    good = _post(client, hotline["key"], "xml", service_code="22-YB-001", **{
        "attribute[insured_year]": str(timezone.localdate().year), "attribute[phone]": "13904341111"})
    assert good.status_code == 201
    tree = ElementTree.fromstring(good.content)
    number = tree.findtext("request/service_request_id")
    assert tree.tag == "service_requests" and Case.objects.get(number=number).item_code == "22-YB-001"


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"api_key": ""}, 403, "api_key"),
    ({"api_key": "o311_not-a-key"}, 403, "api_key"),
    ({"jurisdiction_id": OTHER_COUNTY_VILLAGE}, 403, "jurisdiction_id"),
    ({"jurisdiction_id": OTHER_COUNTY, "address_id": OTHER_COUNTY_VILLAGE}, 403, "jurisdiction_id"),
    ({"jurisdiction_id": LISHU}, 400, "address_id"),
    ({"jurisdiction_id": LISHU, "address_id": OTHER_COUNTY_VILLAGE}, 400, "address_id"),
    ({"jurisdiction_id": ""}, 400, "jurisdiction_id"),
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "demand.nothing"}, 404, "demand.nothing"),
    ({"service_code": "99-XX-999"}, 404, ""),
    ({"lat": "91", "long": "124"}, 400, "lat"),
    ({"lat": "43.1", "long": None}, 400, "lat"),
    ({"lat": "NaN", "long": "124"}, 400, "lat"),
    ({"description": "长" * 5001}, 400, "description"),
    ({"phone": "abc<script>", "last_name": "", "first_name": ""}, 400, "phone"),
    ({"phone": "", "last_name": "", "first_name": ""}, 400, "phone"),
    ({"token": "t" * 65}, 400, "token"),
])
def test_bad_posts_get_the_specifications_error_and_write_nothing(client, hotline, fields, status, words):
    before = (Case.objects.count(), Message.objects.count())
    answer = _post(client, hotline["key"], **fields)
    assert answer.status_code == status, answer.content
    [error] = answer.json()
    assert error["code"] == status and words in error["description"]
    assert (Case.objects.count(), Message.objects.count()) == before


def test_a_key_is_revoked_at_once_and_its_budget_is_per_minute(client, hotline):
    admin, partner = hotline["admin"], hotline["partner"]
    partner.per_minute = 2
    partner.save()
    assert [_post(client, hotline["key"], token=f"r{i}").status_code for i in range(3)] == [201, 201, 429]
    second = services.issue_key(admin, partner.pk)
    services.revoke_key(admin, partner.pk, partner.keys.get(prefix=second[:10]).pk)
    assert _post(client, second, token="r9").status_code == 403
    services.disconnect(admin, partner.pk)
    assert not User.objects.get(pk=partner.user_id).is_active


def test_a_partner_reads_only_what_it_submitted_and_cannot_sign_in(client, hotline):
    mine = Case.objects.get(number=_post(client, hotline["key"]).json()[0]["service_request_id"])
    staff = actor(person("village_staff", VILLAGE_A2))
    theirs = cases.submit(staff, cases.CaseInput(village=VILLAGE_A2, title="桥", applicant_name="赵", consent="当面"))[0]
    machine = Actor(user=hotline["partner"].user, channel="api", source="127.0.0.1")
    assert list(cases.visible_cases(machine)) == [mine]
    with pytest.raises(permissions.NotFound):
        cases.get_case(machine, theirs.number)
    with pytest.raises(permissions.Forbidden):  # it follows its request; the village handles it
        cases.take(machine, mine.number)
    assert list(permissions.restrict(User.objects.all(), machine)) == [machine.user]  # no one else
    assert not hotline["partner"].user.has_usable_password()


def test_only_the_countys_administrators_manage_its_systems(client, hotline):
    partner = hotline["partner"]
    for role, home in (("county_admin", OTHER_COUNTY), ("village_staff", VILLAGE_A1), ("township_officer",
                                                                                         "220322100")):
        outsider = person(role, home)
        client.force_login(outsider)
        assert client.get(f"/partners/{partner.pk}/").status_code == 404
        assert client.post(f"/partners/{partner.pk}/", {"do": "issue_key"}).status_code == 404
        with pytest.raises(permissions.NotFound):
            services.issue_key(actor(outsider), partner.pk)
    assert partner.keys.count() == 1
    city = person("city_admin", "2203")
    client.force_login(city)
    assert client.get(f"/partners/{partner.pk}/").status_code == 200
    supervisor = actor(person("supervisor", LISHU))
    assert services.get_partner(supervisor, partner.pk)[0] == partner
    with pytest.raises(permissions.Forbidden):
        services.issue_key(supervisor, partner.pk)


@pytest.mark.parametrize(("url", "ok"), [
    ("https://hotline.example.gov.cn/cunwu", True), ("http://127.0.0.1:8080/x", True),
    ("https://10.1.2.3/hooks", True),  # a government intranet
    ("http://hotline.example.gov.cn/cunwu", False), ("https://user:pw@hotline.example.gov.cn/", False),
    ("ftp://hotline.example.gov.cn/", False), ("hotline", False), ("https://" + "a" * 500 + ".cn/", False),
    ("https://localhost/x", False), ("https://127.0.0.2/x", False), ("https://169.254.169.254/latest", False),
    ("https://[::1]/x", False), ("https://0.0.0.0/x", False),
])
def test_receiver_addresses_are_checked(hotline, url, ok):
    from django.core.exceptions import ValidationError

    if ok:
        services.add_endpoint(hotline["admin"], hotline["partner"].pk, url, ["case.created"])
    else:
        with pytest.raises(ValidationError) as refused:
            services.add_endpoint(hotline["admin"], hotline["partner"].pk, url, ["case.created"])
        assert "url" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.add_endpoint(hotline["admin"], hotline["partner"].pk, "https://a.cn/", ["case.nothing"])


def _verify(secret, headers, body):
    return Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})


def test_events_are_signed_sent_after_commit_retried_and_received_once(client, hotline, receiver):
    got = receiver(500)
    endpoint, secret = services.add_endpoint(hotline["admin"], hotline["partner"].pk, got.url,
                                             ["case.created", "case.resolved"])
    staff = actor(person("village_staff", VILLAGE_A1))
    number = _post(client, hotline["key"], token="RX-7").json()[0]["service_request_id"]
    with pytest.raises(RuntimeError), transaction.atomic():  # an action that rolls back tells nobody
        cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, title="回滚", applicant_name="甲", consent="当面"))
        raise RuntimeError
    assert Message.objects.count() == 1
    now = timezone.now()
    assert delivery.deliver_due(now) == {"failed": 1}
    send = Send.objects.get()
    assert send.state == "pending" and send.due_at == now + dt.timedelta(seconds=5)
    assert delivery.deliver_due(now) == {}  # not before its time
    assert delivery.deliver_due(now + dt.timedelta(seconds=6)) == {"delivered": 1}
    assert [(a.status, a.answer) for a in Attempt.objects.order_by("at")] == [(500, "not now"), (200, "ok")]
    (first_headers, first_body), (headers, body) = got.got
    assert first_headers["webhook-id"] == headers["webhook-id"] == Message.objects.get().uid
    event = _verify(secret, headers, body)
    assert event["type"] == "case.created" and event["data"]["service_request_id"] == number
    assert event["data"]["external_id"] == "RX-7" and event["data"]["village"]["code"] == VILLAGE_A1
    assert "王秀英" not in body and "13904345678" not in body
    with pytest.raises(WebhookVerificationError):  # a body changed on the way fails
        _verify(secret, headers, body.replace("RX-7", "RX-8"))
    stale = {**headers, "webhook-timestamp": str(int(time.time()) - 600)}
    stale["webhook-signature"] = delivery.sign(secret, headers["webhook-id"], int(stale["webhook-timestamp"]), body)
    with pytest.raises(WebhookVerificationError):  # a replayed old delivery is refused by the receiver
        _verify(secret, stale, body)
    # the result goes back to the hotline that sent the request, with its reference
    cases.take(staff, number)
    cases.resolve(staff, number, "路灯已修好，王秀英已确认")
    assert delivery.deliver_due() == {"delivered": 1}
    resolved = _verify(secret, *got.got[-1])
    assert resolved["type"] == "case.resolved" and resolved["data"]["result"] == "路灯已修好，王秀英已确认"
    assert resolved["data"]["status"] == "closed" and resolved["data"]["external_id"] == "RX-7"
    assert len({h["webhook-id"] for h, _b in got.got}) == 2  # two events, each received (once delivered)


def test_another_system_of_the_county_hears_the_event_without_the_result(client, hotline, receiver):
    admin = hotline["admin"]
    other = services.connect(admin, services.PartnerInput(LISHU, "民政局业务系统", "department"))
    theirs, ours = receiver(), receiver()
    _e, their_secret = services.add_endpoint(admin, other.pk, theirs.url, ["case.resolved"])
    services.add_endpoint(admin, hotline["partner"].pk, ours.url, ["case.resolved"])
    elsewhere = services.connect(Actor.console(), services.PartnerInput(OTHER_COUNTY, "伊通热线", "hotline"))
    far = receiver()
    services.add_endpoint(Actor.console(), elsewhere.pk, far.url, ["case.resolved"])
    number = _post(client, hotline["key"], token="RX-9").json()[0]["service_request_id"]
    staff = actor(person("village_staff", VILLAGE_A1))
    cases.take(staff, number)
    cases.resolve(staff, number, "已修复")
    assert delivery.deliver_due() == {"delivered": 2}
    event = _verify(their_secret, *theirs.got[0])
    assert event["data"]["service_request_id"] == number
    assert "result" not in event["data"] and "external_id" not in event["data"]
    assert json.loads(ours.got[0][1])["data"]["result"] == "已修复" and far.got == []


def test_a_day_of_failures_pauses_the_receiver_and_tells_the_administrators(client, hotline, receiver, settings):
    got = receiver(*([503] * 8))
    endpoint, _secret = services.add_endpoint(hotline["admin"], hotline["partner"].pk, got.url, ["case.created"])
    _post(client, hotline["key"], token="RX-1")
    moment = timezone.now()
    for _attempt in range(8):
        delivery.deliver_due(moment)
        moment = Send.objects.get().due_at
    send = Send.objects.get()
    assert send.state == "failed" and send.attempts == 8 and Attempt.objects.count() == 8
    total = sum(delivery.RETRY, dt.timedelta())
    assert dt.timedelta(hours=24) <= total <= dt.timedelta(hours=30)
    endpoint.refresh_from_db()
    assert endpoint.state == "paused" and "503" in endpoint.paused_reason
    admin = hotline["admin"].user
    assert Notification.objects.filter(recipient=admin, kind="webhook_paused").count() == 1
    _post(client, hotline["key"], token="RX-2")  # events wait while it is paused
    assert delivery.deliver_due(timezone.now() + dt.timedelta(days=2)) == {}
    services.set_endpoint(hotline["admin"], hotline["partner"].pk, endpoint.pk, state="active")
    assert delivery.deliver_due() == {"delivered": 1}
    services.replay(hotline["admin"], hotline["partner"].pk, send.pk)  # and the failed one, sent again by hand
    assert delivery.deliver_due() == {"delivered": 1}
    last = Attempt.objects.filter(send=send).order_by("-id").first()
    assert last.replay and last.status == 200 and got.got[-1][0]["webhook-id"] == send.message.uid


def test_a_slow_or_redirecting_receiver_is_a_failed_attempt(client, hotline, receiver, settings):
    settings.CUNWU = {**settings.CUNWU, "WEBHOOK_TIMEOUT_SECONDS": 0.5}
    slow, moved = receiver("slow", slow=2), receiver(302)
    services.add_endpoint(hotline["admin"], hotline["partner"].pk, slow.url, ["case.created"])
    services.add_endpoint(hotline["admin"], hotline["partner"].pk, moved.url, ["case.created"])
    _post(client, hotline["key"])
    started = time.monotonic()
    assert delivery.deliver_due() == {"failed": 2}
    assert time.monotonic() - started < 2
    answers = {a.send.endpoint.url: (a.status, a.answer) for a in Attempt.objects.select_related("send__endpoint")}
    assert answers[slow.url][0] is None and "timed out" in answers[slow.url][1].lower()
    assert answers[moved.url][0] == 302
    assert Send.objects.filter(state="pending").count() == 2


def test_the_pages_issue_a_key_and_a_receiver_once(client, hotline, receiver):
    client.force_login(hotline["admin"].user)
    page = client.post(f"/partners/{hotline['partner'].pk}/", {"do": "issue_key"})
    assert page.status_code == 200 and "o311_" in page.content.decode()
    assert page.headers["Cache-Control"].startswith("no-store")
    bad = client.post(f"/partners/{hotline['partner'].pk}/", {"do": "add_endpoint", "url": "http://x.cn/"})
    text = bad.content.decode()
    assert 'id="url-error"' in text and 'id="events-error"' in text and not Endpoint.objects.exists()
    good = client.post(f"/partners/{hotline['partner'].pk}/", {"do": "add_endpoint", "url": receiver().url,
                                                              "events": ["case.created", "warning.issued"]})
    assert "whsec_" in good.content.decode() and Endpoint.objects.get().events == ["case.created", "warning.issued"]
    listing = client.get("/partners/")
    assert "12345热线" in listing.content.decode()
    made = client.post("/partners/", {"region": LISHU, "name": "", "kind": "hotline", "per_minute": "0"})
    assert 'id="name-error"' in made.content.decode() and 'id="per_minute-error"' in made.content.decode()


def test_the_command_connects_issues_and_delivers(hotline, receiver):
    out = run("partners", "key", str(hotline["partner"].pk))
    assert out.strip().splitlines()[-1].startswith("o311_")
    got = receiver()
    secret = run("partners", "endpoint", str(hotline["partner"].pk), got.url, "--events", "warning.issued")
    assert secret.strip().splitlines()[-1].startswith("whsec_")
    assert "warning.issued" in run("partners", "events")
    assert "nothing due" in run("partners", "deliver")


def test_a_partner_system_submits_over_http_and_reads_it_back_with_a_third_party_client(live_server, hotline):
    import requests
    from georeport import GeoReport

    base = live_server.url + ROOT
    services_list = GeoReport(base, jurisdiction=VILLAGE_A1).get_service_list()
    assert any(s["service_code"] == "demand.roads" for s in services_list)
    answer = requests.post(f"{base}/requests.json", data={
        "api_key": hotline["key"], "jurisdiction_id": VILLAGE_A1, "service_code": "demand.roads",
        "description": "三组路灯不亮", "phone": "13904345678", "token": "RX-HTTP-1"}, timeout=30)
    assert answer.status_code == 201, answer.text
    number = answer.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=VILLAGE_A1, output_format=fmt)
        found = client.get_service_request(number)
        assert found["service_request_id"] == number and found["status"] == "open"


def test_a_receiver_that_turns_out_to_be_this_machine_is_not_posted_to(client, hotline, settings, receiver):
    got = receiver()
    services.add_endpoint(hotline["admin"], hotline["partner"].pk, got.url, ["case.created"])
    settings.CUNWU = {**settings.CUNWU, "WEBHOOK_HTTP_HOSTS": ""}  # no longer listed: 127.0.0.1 is this machine
    _post(client, hotline["key"])
    assert delivery.deliver_due() == {"failed": 1}
    assert got.got == [] and "this machine" in Attempt.objects.get().answer
