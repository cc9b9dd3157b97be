"""Alibaba Cloud SMS (Dysmsapi, API version 2017-05-25): the `SendSms` action, signed with Alibaba Cloud's RPC
("POP") signature, version 1.0 (HMAC-SHA1 over the sorted, percent-encoded query)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .base import DeliveryFailed, SmsProvider, fetch_json

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
DEFAULT_TIMEOUT = 5

#: provider code -> (reason, whether a later retry can succeed)
ERRORS: dict[str, tuple[str, bool]] = {
    "isv.MOBILE_NUMBER_ILLEGAL": (
        gettext_noop("Alibaba Cloud SMS refused the phone number as not a valid mobile number."), False),
    "isv.BUSINESS_LIMIT_CONTROL": (
        gettext_noop("Alibaba Cloud SMS limits how often one number may be texted (per minute, hour and day); "
                     "the text can be sent later."), True),
    "isv.DAY_LIMIT_CONTROL": (
        gettext_noop("Alibaba Cloud SMS reached the daily sending limit; the text can be sent later."), True),
    "isv.AMOUNT_NOT_ENOUGH": (
        gettext_noop("The Alibaba Cloud account has too little balance to send texts; it can be sent once the "
                     "account is topped up."), True),
    "isv.OUT_OF_SERVICE": (
        gettext_noop("Alibaba Cloud SMS is suspended for this account (usually an unpaid balance); it can be sent "
                     "once the account is topped up."), True),
    "isv.SMS_TEMPLATE_ILLEGAL": (
        gettext_noop("Alibaba Cloud SMS refused the template: it is not approved or belongs to another account "
                     "(check CUNWU_SMS_TEMPLATES)."), False),
    "isv.SMS_SIGNATURE_ILLEGAL": (
        gettext_noop("Alibaba Cloud SMS refused the signature: it is not approved or belongs to another account "
                     "(check CUNWU_SMS_SIGN_NAME)."), False),
    "isv.TEMPLATE_MISSING_PARAMETERS": (
        gettext_noop("Alibaba Cloud SMS refused the text: the template expects parameters that were not given."),
        False),
    "isv.INVALID_PARAMETERS": (
        gettext_noop("Alibaba Cloud SMS refused the request's parameters as invalid."), False),
    "SignatureDoesNotMatch": (
        gettext_noop("Alibaba Cloud refused the request's signature: the AccessKey secret is wrong "
                      "(check CUNWU_SMS_ACCESS_KEY_SECRET)."), False),
    "InvalidAccessKeyId.NotFound": (
        gettext_noop("Alibaba Cloud does not know the AccessKey ID (check CUNWU_SMS_ACCESS_KEY_ID)."), False),
    "InvalidAccessKeyId.Inactive": (
        gettext_noop("The Alibaba Cloud AccessKey is disabled (check CUNWU_SMS_ACCESS_KEY_ID)."), False),
    "isp.RAM_PERMISSION_DENY": (
        gettext_noop("The Alibaba Cloud AccessKey may not send texts: its RAM user lacks the SMS permission."),
        False),
    "SignatureNonceUsed": (
        gettext_noop("Alibaba Cloud saw the request's nonce before; the text can be sent again."), True),
    "Throttling.User": (
        gettext_noop("Alibaba Cloud is throttling this account's requests; the text can be sent later."), True),
}


def percent_encode(value: object) -> str:
    """Alibaba Cloud's percent-encoding (RFC 3986): UTF-8, only A-Z a-z 0-9 - _ . ~ left as they are, a space as
    %20. The same as form-encoding followed by "+" -> "%20", "*" -> "%2A" and "%7E" -> "~"."""
    return urllib.parse.quote(str(value), safe="~")


def canonical_query(params: dict) -> str:
    """The parameters sorted by name, each name and value percent-encoded, joined by "=" and "&"."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(params: dict, method: str = "GET") -> str:
    """HTTPMethod & percentEncode("/") & percentEncode(canonical query), without any Signature parameter."""
    query = canonical_query({k: v for k, v in params.items() if k != "Signature"})
    return f"{method}&{percent_encode('/')}&{percent_encode(query)}"


def sign_rpc(params: dict, secret: str, method: str = "GET") -> str:
    """The RPC signature of a request's parameters: Base64(HMAC-SHA1(secret + "&", StringToSign))."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _unreachable(error: object) -> DeliveryFailed:
    return DeliveryFailed(_("Alibaba Cloud SMS could not be reached: %(error)s") % {"error": error},
                          retry=True, code="unreachable")


def _http(url: str, *, timeout: float) -> dict:
    """GET the URL and return its JSON answer (an error answer that carries JSON included)."""
    return fetch_json(urllib.request.Request(url), timeout, _unreachable)


def _mainland(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


class AliyunSms(SmsProvider):
    """Alibaba Cloud SMS. Settings: ACCESS_KEY_ID, ACCESS_KEY_SECRET, SIGN_NAME, TEMPLATES (purpose -> template
    code such as "SMS_123456"), optionally ENDPOINT and TIMEOUT (seconds)."""

    required = ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME")

    def request_params(self, phone: str, template: str, params: dict[str, str]) -> dict[str, str]:
        """The query of a SendSms request, before its signature."""
        query = {
            "AccessKeyId": self.config["ACCESS_KEY_ID"],
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": _mainland(phone),
            "RegionId": "cn-hangzhou",
            "SignName": self.config["SIGN_NAME"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        if params:
            query["TemplateParam"] = json.dumps(params, ensure_ascii=False, separators=(",", ":"))
        return query

    def send(self, phone: str, purpose: str, params: dict[str, str], text: str) -> str:
        """Text the purpose's template with `params` (template variable -> value); return Alibaba's BizId."""
        template = (self.config.get("TEMPLATES") or {}).get(purpose)
        if not template:
            raise DeliveryFailed(_("No Alibaba Cloud SMS template is configured for the purpose %(purpose)s "
                                   "(CUNWU_SMS_TEMPLATES).") % {"purpose": purpose}, retry=False, code="no_template")
        query = self.request_params(phone, template, params)
        query["Signature"] = sign_rpc(query, self.config["ACCESS_KEY_SECRET"])
        endpoint = self.config.get("ENDPOINT") or DEFAULT_ENDPOINT
        url = f"{endpoint.rstrip('/')}/?{canonical_query(query)}"
        answer = _http(url, timeout=float(self.config.get("TIMEOUT") or DEFAULT_TIMEOUT))
        code = str(answer.get("Code") or "")
        if code == "OK":
            return str(answer.get("BizId", ""))
        if not code:
            raise _unreachable(_("the answer has no Code"))
        if code in ERRORS:
            reason, retry = ERRORS[code]
            raise DeliveryFailed(_(reason), retry=retry, code=code)
        raise DeliveryFailed(_("Alibaba Cloud SMS refused the text (%(code)s): %(message)s")
                             % {"code": code, "message": answer.get("Message", "")},
                             retry=code.startswith("isp."), code=code)
