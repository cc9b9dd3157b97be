"""The real message providers: their signatures reproduce the providers' own published worked examples, and each
provider's request and answers are played through a local HTTP server standing in for Alibaba Cloud, Tencent
Cloud or WeCom."""

import dataclasses
import hashlib
import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from cunwu.sms.providers import DeliveryFailed
from cunwu.sms.providers.aliyun import AliyunSms, percent_encode, sign_rpc, string_to_sign
from cunwu.sms.providers.tencent import TencentSms, tc3_authorization, tc3_string_to_sign
from cunwu.sms.providers.wecom import WeComApp

PHONE = "13800138000"
CODE_PARAMS = {"code": "246810", "m": "5"}
WORK_PARAMS = {"what": "低保申请", "ref": "A-2024-17", "due": "3月5日 17:00"}
PURPOSES = {"sign_in_code": ("code", "m"), "work": ("what", "ref", "due")}

ALIYUN = {"ACCESS_KEY_ID": "LTAI5tTestKeyId", "ACCESS_KEY_SECRET": "test-secret/with+odd*chars", "SIGN_NAME": "村务平台",
          "TEMPLATES": {"sign_in_code": "SMS_123456", "work": "SMS_654321"}, "TIMEOUT": 2}
TENCENT = {"SECRET_ID": "AKIDtestSecretId", "SECRET_KEY": "test-secret-key", "SDK_APP_ID": "1400006666",
           "SIGN_NAME": "村务平台", "TEMPLATES": {"sign_in_code": "1234567", "work": "7654321"}, "TIMEOUT": 2}
WECOM = {"CORP_ID": "ww0123456789abcdef", "CORP_SECRET": "app-secret", "AGENT_ID": "1000002", "TIMEOUT": 2}


# --- the providers' published worked examples ------------------------------------------------------------


def test_aliyun_percent_encoding_follows_the_pop_rules():
    assert percent_encode("a b*c~d+e/=&é") == "a%20b%2Ac~d%2Be%2F%3D%26%C3%A9"
    assert percent_encode("AZaz09-_.~") == "AZaz09-_.~"


def test_aliyun_signature_reproduces_the_describe_regions_example():
    # Alibaba Cloud, "签名机制" (RPC signature V2), worked example "示例":
    # https://help.aliyun.com/document_detail/469176.html (the same example, same values, is in
    # https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism and the ECS "Request signatures" topic)
    params = {"Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid",
              "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Version": "2014-05-26",
              "SignatureVersion": "1.0"}
    assert string_to_sign(params) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26")
    assert sign_rpc(params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert percent_encode(sign_rpc(params, "testsecret")) == "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"


def test_aliyun_signature_reproduces_the_older_timestamp_spelling_example():
    # Alibaba Cloud developer community, "API 签名机制(示例)" (云栖大讲堂, 2017), the same request spelt
    # "TimeStamp": https://developer.aliyun.com/ask/210168 ; its signature CT9X0VtwR86fNWSnsc6v8YGOjuE%3D is the
    # one still quoted in the overview of Alibaba Cloud's "签名机制" pages.
    params = {"TimeStamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid",
              "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Version": "2014-05-26",
              "SignatureVersion": "1.0"}
    assert sign_rpc(params, "testsecret") == "CT9X0VtwR86fNWSnsc6v8YGOjuE="


def test_aliyun_signature_reproduces_the_send_sms_example():
    # Alibaba Cloud SMS, "签名机制" (SendSms with AccessKey testId / testSecret):
    # https://help.aliyun.com/document_detail/101343.html
    params = {"SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "AccessKeyId": "testId", "SignatureVersion": "1.0", "Timestamp": "2017-07-12T02:42:19Z",
              "Format": "XML", "Action": "SendSms", "Version": "2017-05-25", "RegionId": "cn-hangzhou",
              "PhoneNumbers": "15300000001", "SignName": "阿里云短信测试专用",
              "TemplateParam": '{"customer":"test"}', "TemplateCode": "SMS_71390007", "OutId": "123"}
    assert string_to_sign(params) == (
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
        "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou"
        "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5"
        "%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0"
        "%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
        "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25")
    assert sign_rpc(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


# Tencent Cloud, "Signature v3" (签名方法 v3), the CVM DescribeInstances example at timestamp 1551113065:
# https://www.tencentcloud.com/document/api/213/33224 (Chinese: https://cloud.tencent.com/document/api/213/30654)
TC3_PAYLOAD = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_tencent_string_to_sign_reproduces_the_published_example():
    assert hashlib.sha256(TC3_PAYLOAD.encode()).hexdigest() == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
    assert tc3_string_to_sign(service="cvm", host="cvm.tencentcloudapi.com", payload=TC3_PAYLOAD,
                              timestamp=1551113065) == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031")


def test_tencent_authorization_reproduces_the_published_example():
    authorization = tc3_authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                                      service="cvm", host="cvm.tencentcloudapi.com", payload=TC3_PAYLOAD,
                                      timestamp=1551113065)
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")


# --- a local server standing in for the provider ---------------------------------------------------------


@dataclasses.dataclass
class Call:
    method: str
    path: str
    raw_query: str
    query: dict[str, str]
    headers: Message  # names match in any case, as in HTTP
    body: bytes


class FakeProvider:
    """Records each request and answers with `reply(call) -> (status, JSON-able or bytes)`."""

    def __init__(self, url: str):
        self.url = url
        self.calls: list[Call] = []
        self.delay = 0.0
        self.reply: Callable[[Call], tuple[int, object]] = lambda call: (200, {})

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def fake():
    provider: FakeProvider

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            parts = urllib.parse.urlsplit(self.path)
            call = Call(self.command, parts.path, parts.query,
                        dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)), self.headers,
                        self.rfile.read(length))
            provider.calls.append(call)
            if provider.delay:
                time.sleep(provider.delay)
            status, body = provider.reply(call)
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

        def log_message(self, format, *args):
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    provider = FakeProvider(f"http://127.0.0.1:{server.server_address[1]}/")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_url():
    """The address of a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def _loopback_only_and_fresh_cache(monkeypatch, db):
    """(The cache is the database's cache table, as deployed: the test's transaction keeps it its own.)"""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    cache.clear()
    yield
    cache.clear()


def _refusal(exc_info) -> tuple[bool, str]:
    return exc_info.value.retry, exc_info.value.code


# --- Alibaba Cloud -------------------------------------------------------------------------------------------


def _aliyun_ok(call):
    return 200, {"Message": "OK", "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": "OK",
                 "BizId": "900619746936498440^0"}


def test_aliyun_sends_a_signed_send_sms_request_and_returns_the_biz_id(fake):
    fake.reply = _aliyun_ok
    sms = AliyunSms({**ALIYUN, "ENDPOINT": fake.url})
    assert sms.send(PHONE, "work", WORK_PARAMS, "text") == "900619746936498440^0"
    assert sms.send("+86 138-0013-8000", "sign_in_code", CODE_PARAMS, "text") == "900619746936498440^0"

    first, second = fake.calls
    assert first.method == "GET" and first.path == "/"
    query = dict(first.query)
    signature = query.pop("Signature")
    assert signature == sign_rpc(query, ALIYUN["ACCESS_KEY_SECRET"])
    assert query["TemplateParam"] == '{"what":"低保申请","ref":"A-2024-17","due":"3月5日 17:00"}'
    assert json.loads(query["TemplateParam"]) == WORK_PARAMS
    assert {k: v for k, v in query.items() if k not in ("TemplateParam", "Timestamp", "SignatureNonce")} == {
        "AccessKeyId": "LTAI5tTestKeyId", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": PHONE,
        "RegionId": "cn-hangzhou", "SignName": "村务平台", "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_654321", "Version": "2017-05-25"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", query["Timestamp"])
    assert "+" not in first.raw_query  # spaces and "+" are percent-encoded (%20, %2B)

    assert second.query["PhoneNumbers"] == PHONE
    assert second.query["TemplateCode"] == "SMS_123456"
    assert json.loads(second.query["TemplateParam"]) == CODE_PARAMS
    assert second.query["SignatureNonce"] != first.query["SignatureNonce"]
    rest = {k: v for k, v in second.query.items() if k != "Signature"}
    assert second.query["Signature"] == sign_rpc(rest, ALIYUN["ACCESS_KEY_SECRET"])


@pytest.mark.parametrize(("status", "code", "retry"), [
    (200, "isv.MOBILE_NUMBER_ILLEGAL", False),
    (200, "isv.BUSINESS_LIMIT_CONTROL", True),
    (200, "isv.AMOUNT_NOT_ENOUGH", True),
    (200, "isv.SMS_TEMPLATE_ILLEGAL", False),
    (200, "isv.SMS_SIGNATURE_ILLEGAL", False),
    (200, "isv.TEMPLATE_MISSING_PARAMETERS", False),
    (400, "SignatureDoesNotMatch", False),
    (404, "InvalidAccessKeyId.NotFound", False),
    (403, "isp.RAM_PERMISSION_DENY", False),
    (200, "isv.SOMETHING_NEW", False),
    (200, "isp.SYSTEM_ERROR", True),
])
def test_aliyun_maps_each_refusal(fake, status, code, retry):
    fake.reply = lambda call: (status, {"RequestId": "5F2D1A4C", "Code": code, "Message": "refused"})
    with pytest.raises(DeliveryFailed) as refused:
        AliyunSms({**ALIYUN, "ENDPOINT": fake.url}).send(PHONE, "sign_in_code", CODE_PARAMS, "text")
    assert _refusal(refused) == (retry, code)
    assert refused.value.reason


def test_aliyun_refuses_a_purpose_without_template_before_calling(fake):
    with pytest.raises(DeliveryFailed) as refused:
        AliyunSms({**ALIYUN, "ENDPOINT": fake.url}).send(PHONE, "notice", {}, "text")
    assert _refusal(refused) == (False, "no_template")
    assert fake.calls == []


# --- Tencent Cloud -------------------------------------------------------------------------------------------


def _tencent_status(code: str, message: str = "send success", serial: str = "2640:319281727417120935549881631"):
    return {"Response": {"SendStatusSet": [{"SerialNo": serial, "PhoneNumber": f"+86{PHONE}", "Fee": 1,
                                            "SessionContext": "", "Code": code, "Message": message,
                                            "IsoCode": "CN"}],
                         "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}


def test_tencent_sends_a_signed_send_sms_request_and_returns_the_serial_no(fake):
    fake.reply = lambda call: (200, _tencent_status("Ok"))
    sms = TencentSms({**TENCENT, "ENDPOINT": fake.url})
    assert sms.send(PHONE, "work", WORK_PARAMS, "text") == "2640:319281727417120935549881631"

    (call,) = fake.calls
    assert call.method == "POST" and call.path == "/"
    headers = call.headers
    assert headers["Host"] == urllib.parse.urlsplit(fake.url).netloc
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    timestamp = int(headers["X-TC-Timestamp"])
    assert abs(timestamp - time.time()) < 60
    assert headers["Authorization"] == tc3_authorization(
        TENCENT["SECRET_ID"], TENCENT["SECRET_KEY"], service="sms", host=headers["Host"], payload=call.body,
        timestamp=timestamp)
    assert json.loads(call.body) == {"PhoneNumberSet": [f"+86{PHONE}"], "SmsSdkAppId": "1400006666",
                                     "SignName": "村务平台", "TemplateId": "7654321",
                                     "TemplateParamSet": ["低保申请", "A-2024-17", "3月5日 17:00"]}


def test_tencent_fills_the_template_in_the_order_params_are_given(fake):
    fake.reply = lambda call: (200, _tencent_status("Ok"))
    sms = TencentSms({**TENCENT, "ENDPOINT": fake.url, "REGION": "ap-nanjing"})
    sms.send("+86 138 0013 8000", "sign_in_code", {"m": "5", "code": "246810"}, "text")
    (call,) = fake.calls
    body = json.loads(call.body)
    assert body["TemplateParamSet"] == ["5", "246810"]
    assert body["PhoneNumberSet"] == [f"+86{PHONE}"]
    assert body["TemplateId"] == "1234567"
    assert call.headers["X-TC-Region"] == "ap-nanjing"


def _tencent_error(code: str):
    return {"Response": {"Error": {"Code": code, "Message": "refused"},
                         "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}


@pytest.mark.parametrize(("answer", "code", "retry"), [
    (_tencent_error, "AuthFailure.SignatureFailure", False),
    (_tencent_error, "AuthFailure.SecretIdNotFound", False),
    (_tencent_error, "FailedOperation.SignatureIncorrectOrUnapproved", False),
    (_tencent_error, "FailedOperation.TemplateIncorrectOrUnapproved", False),
    (_tencent_error, "FailedOperation.InsufficientBalanceInSmsPackage", True),
    (_tencent_error, "InvalidParameterValue.IncorrectPhoneNumber", False),
    (_tencent_error, "InternalError.Timeout", True),
    (_tencent_error, "FailedOperation.SomethingNew", False),
    (_tencent_status, "InvalidParameterValue.IncorrectPhoneNumber", False),
    (_tencent_status, "LimitExceeded.PhoneNumberDailyLimit", True),
    (_tencent_status, "LimitExceeded.PhoneNumberThirtySecondLimit", True),
    (_tencent_status, "FailedOperation.InsufficientBalanceInSmsPackage", True),
])
def test_tencent_maps_each_refusal(fake, answer, code, retry):
    fake.reply = lambda call: (200, answer(code))
    with pytest.raises(DeliveryFailed) as refused:
        TencentSms({**TENCENT, "ENDPOINT": fake.url}).send(PHONE, "sign_in_code", CODE_PARAMS, "text")
    assert _refusal(refused) == (retry, code)
    assert refused.value.reason


def test_tencent_refuses_a_purpose_without_template_before_calling(fake):
    with pytest.raises(DeliveryFailed) as refused:
        TencentSms({**TENCENT, "ENDPOINT": fake.url}).send(PHONE, "notice", {}, "text")
    assert _refusal(refused) == (False, "no_template")
    assert fake.calls == []


# --- WeCom ---------------------------------------------------------------------------------------------------

TOKEN_PATH = "/cgi-bin/gettoken"
SEND_PATH = "/cgi-bin/message/send"


def _wecom(send_answers: list[dict], token_answers: list[dict] | None = None):
    """A reply function: the token answers and then the message answers in turn (the last one repeats)."""
    tokens = list(token_answers or [{"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-1", "expires_in": 7200}])
    sends = list(send_answers)

    def reply(call):
        queue = tokens if call.path == TOKEN_PATH else sends
        return 200, (queue.pop(0) if len(queue) > 1 else queue[0])

    return reply


SENT = {"errcode": 0, "errmsg": "ok", "invaliduser": "", "invalidparty": "", "invalidtag": "",
        "unlicenseduser": "", "msgid": "MSGID-1", "response_code": ""}


def test_wecom_fetches_the_token_once_and_sends_the_text(fake):
    fake.reply = _wecom([SENT])
    app = WeComApp({**WECOM, "ENDPOINT": fake.url})
    assert app.send("zhangsan", "【村务】您有一件待办：低保申请") == "MSGID-1"
    assert app.send("lisi", "second") == "MSGID-1"
    assert WeComApp({**WECOM, "ENDPOINT": fake.url}).send("wangwu", "third") == "MSGID-1"  # Django's cache

    (token_call,) = fake.calls_to(TOKEN_PATH)
    assert token_call.method == "GET"
    assert token_call.query == {"corpid": WECOM["CORP_ID"], "corpsecret": WECOM["CORP_SECRET"]}
    sends = fake.calls_to(SEND_PATH)
    assert [c.method for c in sends] == ["POST"] * 3
    assert all(c.query == {"access_token": "TOKEN-1"} for c in sends)
    assert json.loads(sends[0].body) == {"touser": "zhangsan", "msgtype": "text", "agentid": 1000002,
                                         "text": {"content": "【村务】您有一件待办：低保申请"}}


@pytest.mark.parametrize("stale", [40014, 42001])
def test_wecom_fetches_a_new_token_once_when_told_the_old_one_is_stale(fake, stale):
    fake.reply = _wecom(
        [{"errcode": stale, "errmsg": "access_token expired"}, SENT],
        [{"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-1", "expires_in": 7200},
         {"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-2", "expires_in": 7200}])
    app = WeComApp({**WECOM, "ENDPOINT": fake.url})
    assert app.send("zhangsan", "text") == "MSGID-1"
    assert len(fake.calls_to(TOKEN_PATH)) == 2
    assert [c.query["access_token"] for c in fake.calls_to(SEND_PATH)] == ["TOKEN-1", "TOKEN-2"]
    assert app.send("zhangsan", "again") == "MSGID-1"
    assert len(fake.calls_to(TOKEN_PATH)) == 2


def test_wecom_gives_up_when_the_new_token_is_stale_too(fake):
    fake.reply = _wecom([{"errcode": 42001, "errmsg": "access_token expired"}])
    with pytest.raises(DeliveryFailed) as refused:
        WeComApp({**WECOM, "ENDPOINT": fake.url}).send("zhangsan", "text")
    assert _refusal(refused) == (True, "42001")
    assert len(fake.calls_to(SEND_PATH)) == 2


@pytest.mark.parametrize("answer", [
    {**SENT, "invaliduser": "zhangsan"},
    {"errcode": 81013, "errmsg": "user & party & tag all invalid", "invaliduser": "zhangsan", "msgid": ""},
])
def test_wecom_names_an_unknown_account(fake, answer):
    fake.reply = _wecom([answer])
    with pytest.raises(DeliveryFailed) as refused:
        WeComApp({**WECOM, "ENDPOINT": fake.url}).send("zhangsan", "text")
    assert _refusal(refused) == (False, "invaliduser")
    assert "没有企业微信账号" in refused.value.reason


@pytest.mark.parametrize(("stage", "errcode", "retry"), [
    ("token", 40013, False),  # invalid corp id
    ("token", 40001, False),  # invalid secret
    ("token", 60020, False),  # this server's IP is not trusted
    ("token", -1, True),  # system busy
    ("send", 60020, False),
    ("send", 40056, False),  # invalid agent id
    ("send", -1, True),
    ("send", 45009, True),  # frequency limit
    ("send", 99999, False),
])
def test_wecom_maps_each_refusal(fake, stage, errcode, retry):
    refusal = {"errcode": errcode, "errmsg": "refused"}
    fake.reply = _wecom([refusal], [refusal]) if stage == "token" else _wecom([refusal])
    with pytest.raises(DeliveryFailed) as refused:
        WeComApp({**WECOM, "ENDPOINT": fake.url}).send("zhangsan", "text")
    assert _refusal(refused) == (retry, str(errcode))
    assert not fake.calls_to(SEND_PATH) if stage == "token" else len(fake.calls_to(SEND_PATH)) == 1


# --- every provider: no answer is a failure a retry may cure -------------------------------------------------


def _send(kind: str, endpoint: str, timeout: float = 2) -> str:
    if kind == "aliyun":
        return AliyunSms({**ALIYUN, "ENDPOINT": endpoint, "TIMEOUT": timeout}).send(
            PHONE, "sign_in_code", CODE_PARAMS, "text")
    if kind == "tencent":
        return TencentSms({**TENCENT, "ENDPOINT": endpoint, "TIMEOUT": timeout}).send(
            PHONE, "sign_in_code", CODE_PARAMS, "text")
    return WeComApp({**WECOM, "ENDPOINT": endpoint, "TIMEOUT": timeout}).send("zhangsan", "text")


KINDS = ["aliyun", "tencent", "wecom"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unreachable_endpoint_is_retried(closed_url, kind):
    with pytest.raises(DeliveryFailed) as refused:
        _send(kind, closed_url)
    assert _refusal(refused) == (True, "unreachable")
    assert "无法连接" in refused.value.reason


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("answer", [(502, b"<html>Bad Gateway</html>"), (503, {"Code": "ServiceUnavailable"}),
                                    (200, b"<html>maintenance</html>"), (200, b"[]")])
def test_a_server_error_or_an_answer_that_is_not_json_is_retried(fake, kind, answer):
    fake.reply = lambda call: answer
    with pytest.raises(DeliveryFailed) as refused:
        _send(kind, fake.url)
    assert _refusal(refused) == (True, "unreachable")
    assert len(fake.calls) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_provider_that_does_not_answer_in_time_is_retried(fake, kind):
    fake.delay = 1.0
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as refused:
        _send(kind, fake.url, timeout=0.2)
    assert _refusal(refused) == (True, "unreachable")
    assert time.monotonic() - started < 0.9


# --- what a deployment must configure ---------------------------------------------------------------------


def test_aliyun_names_each_missing_setting_and_template():
    assert AliyunSms.missing_settings({}, PURPOSES) == [
        "CUNWU_SMS_ACCESS_KEY_ID", "CUNWU_SMS_ACCESS_KEY_SECRET", "CUNWU_SMS_SIGN_NAME",
        "CUNWU_SMS_TEMPLATES[sign_in_code]", "CUNWU_SMS_TEMPLATES[work]"]
    partial = {**ALIYUN, "ACCESS_KEY_SECRET": "", "TEMPLATES": {"sign_in_code": "SMS_123456"}}
    assert AliyunSms.missing_settings(partial, PURPOSES) == ["CUNWU_SMS_ACCESS_KEY_SECRET",
                                                             "CUNWU_SMS_TEMPLATES[work]"]
    assert AliyunSms.missing_settings(ALIYUN, PURPOSES) == []


def test_tencent_names_each_missing_setting_and_template():
    assert TencentSms.missing_settings({}, PURPOSES) == [
        "CUNWU_SMS_SECRET_ID", "CUNWU_SMS_SECRET_KEY", "CUNWU_SMS_SDK_APP_ID", "CUNWU_SMS_SIGN_NAME",
        "CUNWU_SMS_TEMPLATES[sign_in_code]", "CUNWU_SMS_TEMPLATES[work]"]
    partial = {**TENCENT, "SDK_APP_ID": "", "TEMPLATES": {"work": "7654321"}}
    assert TencentSms.missing_settings(partial, PURPOSES) == ["CUNWU_SMS_SDK_APP_ID",
                                                              "CUNWU_SMS_TEMPLATES[sign_in_code]"]
    assert TencentSms.missing_settings(TENCENT, PURPOSES) == []


def test_wecom_names_each_missing_setting():
    assert WeComApp.missing_settings({}) == ["CUNWU_WECOM_CORP_ID", "CUNWU_WECOM_CORP_SECRET",
                                             "CUNWU_WECOM_AGENT_ID"]
    assert WeComApp.missing_settings({**WECOM, "CORP_SECRET": ""}) == ["CUNWU_WECOM_CORP_SECRET"]
    assert WeComApp.missing_settings(WECOM) == []
