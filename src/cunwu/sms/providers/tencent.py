"""Tencent Cloud SMS (API 3.0, version 2021-01-11): the `SendSms` action, a JSON POST signed with
TC3-HMAC-SHA256."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .base import DeliveryFailed, SmsProvider, fetch_json

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
DEFAULT_REGION = "ap-guangzhou"
DEFAULT_TIMEOUT = 5
SERVICE = "sms"
VERSION = "2021-01-11"
JSON_TYPE = "application/json; charset=utf-8"
ALGORITHM = "TC3-HMAC-SHA256"

#: provider code -> (reason, whether a later retry can succeed)
ERRORS: dict[str, tuple[str, bool]] = {
    "FailedOperation.SignatureIncorrectOrUnapproved": (
        gettext_noop("Tencent Cloud SMS refused the signature: it is wrong or not approved "
                     "(check CUNWU_SMS_SIGN_NAME)."), False),
    "FailedOperation.TemplateIncorrectOrUnapproved": (
        gettext_noop("Tencent Cloud SMS refused the template: it is wrong or not approved "
                     "(check CUNWU_SMS_TEMPLATES)."), False),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": (
        gettext_noop("Tencent Cloud SMS refused the text: its parameters do not match the approved template."),
        False),
    "InvalidParameterValue.TemplateParameterFormatError": (
        gettext_noop("Tencent Cloud SMS refused a template parameter's format."), False),
    "InvalidParameterValue.TemplateParameterLengthLimit": (
        gettext_noop("Tencent Cloud SMS refused a template parameter as too long."), False),
    "InvalidParameterValue.IncorrectPhoneNumber": (
        gettext_noop("Tencent Cloud SMS refused the phone number as not a valid mobile number."), False),
    "FailedOperation.PhoneNumberInBlacklist": (
        gettext_noop("The phone number has unsubscribed from texts or is blocked by the carrier."), False),
    "LimitExceeded.PhoneNumberDailyLimit": (
        gettext_noop("Tencent Cloud SMS reached the daily limit of texts to this number; the text can be sent "
                     "tomorrow."), True),
    "LimitExceeded.PhoneNumberOneHourLimit": (
        gettext_noop("Tencent Cloud SMS reached the hourly limit of texts to this number; the text can be sent "
                     "later."), True),
    "LimitExceeded.PhoneNumberThirtySecondLimit": (
        gettext_noop("Tencent Cloud SMS allows one text to a number every 30 seconds; the text can be sent "
                     "shortly."), True),
    "LimitExceeded.PhoneNumberSameContentDailyLimit": (
        gettext_noop("Tencent Cloud SMS reached the daily limit of identical texts to this number; the text can "
                     "be sent tomorrow."), True),
    "LimitExceeded.DeliveryFrequencyLimit": (
        gettext_noop("Tencent Cloud SMS is limiting how often this number may be texted; the text can be sent "
                     "later."), True),
    "FailedOperation.InsufficientBalanceInSmsPackage": (
        gettext_noop("The Tencent Cloud SMS package is used up; the text can be sent once a package is bought."),
        True),
    "AuthFailure.SignatureFailure": (
        gettext_noop("Tencent Cloud refused the request's signature: the SecretKey is wrong "
                     "(check CUNWU_SMS_SECRET_KEY)."), False),
    "AuthFailure.SecretIdNotFound": (
        gettext_noop("Tencent Cloud does not know the SecretId (check CUNWU_SMS_SECRET_ID)."), False),
    "AuthFailure.UnauthorizedOperation": (
        gettext_noop("The Tencent Cloud key may not send texts: its CAM user lacks the SMS permission."), False),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": (
        gettext_noop("Tencent Cloud SMS does not know the application (check CUNWU_SMS_SDK_APP_ID)."), False),
    "AuthFailure.SignatureExpire": (
        gettext_noop("Tencent Cloud refused the request as expired: this server's clock is off by more than five "
                     "minutes."), True),
    "RequestLimitExceeded": (
        gettext_noop("Tencent Cloud is limiting this account's requests; the text can be sent later."), True),
}


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _utc_date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")


def tc3_string_to_sign(*, service: str, host: str, payload: bytes | str, timestamp: int,
                       content_type: str = JSON_TYPE) -> str:
    """The StringToSign of a POST to "/" whose signed headers are content-type and host."""
    body = payload.encode() if isinstance(payload, str) else payload
    canonical_request = "\n".join([
        "POST", "/", "",
        f"content-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n",
        "content-type;host",
        _sha256_hex(body),
    ])
    scope = f"{_utc_date(timestamp)}/{service}/tc3_request"
    return "\n".join([ALGORITHM, str(timestamp), scope, _sha256_hex(canonical_request.encode())])


def tc3_authorization(secret_id: str, secret_key: str, *, service: str, host: str, payload: bytes | str,
                      timestamp: int, content_type: str = JSON_TYPE) -> str:
    """The Authorization header of a TencentCloud API 3.0 POST (TC3-HMAC-SHA256): the key is derived from the
    SecretKey, the UTC date of `timestamp` and the service, then signs the StringToSign."""
    date = _utc_date(timestamp)
    key = _hmac_sha256(f"TC3{secret_key}".encode(), date)
    key = _hmac_sha256(key, service)
    key = _hmac_sha256(key, "tc3_request")
    to_sign = tc3_string_to_sign(service=service, host=host, payload=payload, timestamp=timestamp,
                                 content_type=content_type)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={signature}")


def _unreachable(error: object) -> DeliveryFailed:
    return DeliveryFailed(_("Tencent Cloud SMS could not be reached: %(error)s") % {"error": error},
                          retry=True, code="unreachable")


def _http(url: str, *, timeout: float, data: bytes, headers: dict[str, str]) -> dict:
    """POST `data` to the URL and return its JSON answer (an error answer that carries JSON included)."""
    return fetch_json(urllib.request.Request(url, data=data, headers=headers, method="POST"), timeout, _unreachable)


def _e164_mainland(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return f"+86{digits}"


def _refused(code: str, message: str) -> DeliveryFailed:
    if code in ERRORS:
        reason, retry = ERRORS[code]
        return DeliveryFailed(_(reason), retry=retry, code=code)
    transient = code.startswith(("InternalError", "LimitExceeded", "RequestLimitExceeded"))
    return DeliveryFailed(_("Tencent Cloud SMS refused the text (%(code)s): %(message)s")
                          % {"code": code, "message": message}, retry=transient, code=code)


class TencentSms(SmsProvider):
    """Tencent Cloud SMS. Settings: SECRET_ID, SECRET_KEY, SDK_APP_ID, SIGN_NAME, TEMPLATES (purpose -> template
    id), optionally REGION (default ap-guangzhou), ENDPOINT and TIMEOUT (seconds)."""

    required = ("SECRET_ID", "SECRET_KEY", "SDK_APP_ID", "SIGN_NAME")

    def request_body(self, phone: str, template: str, params: dict[str, str]) -> dict:
        return {
            "PhoneNumberSet": [_e164_mainland(phone)],
            "SmsSdkAppId": str(self.config["SDK_APP_ID"]),
            "SignName": self.config["SIGN_NAME"],
            "TemplateId": str(template),
            "TemplateParamSet": [str(value) for value in params.values()],
        }

    def send(self, phone: str, purpose: str, params: dict[str, str], text: str) -> str:
        """Text the purpose's template; return Tencent's SerialNo.

        Tencent's templates are positional ({1}, {2}, ...): the values of `params` fill them in the order the
        dict gives them, so callers pass the parameters in the template's order (as `cunwu.sms.send` does)."""
        template = (self.config.get("TEMPLATES") or {}).get(purpose)
        if not template:
            raise DeliveryFailed(_("No Tencent Cloud SMS template is configured for the purpose %(purpose)s "
                                   "(CUNWU_SMS_TEMPLATES).") % {"purpose": purpose}, retry=False, code="no_template")
        endpoint = (self.config.get("ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/") + "/"
        host = urllib.parse.urlsplit(endpoint).netloc
        payload = json.dumps(self.request_body(phone, template, params), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {
            "Authorization": tc3_authorization(self.config["SECRET_ID"], self.config["SECRET_KEY"],
                                               service=SERVICE, host=host, payload=payload, timestamp=timestamp),
            "Content-Type": JSON_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.config.get("REGION") or DEFAULT_REGION,
        }
        answer = _http(endpoint, timeout=float(self.config.get("TIMEOUT") or DEFAULT_TIMEOUT), data=payload,
                       headers=headers)
        response = answer.get("Response")
        if not isinstance(response, dict):
            raise _unreachable(_("the answer has no Response"))
        error = response.get("Error")
        if isinstance(error, dict):
            raise _refused(str(error.get("Code", "")), str(error.get("Message", "")))
        statuses = response.get("SendStatusSet") or []
        if not statuses or not isinstance(statuses[0], dict):
            raise _unreachable(_("the answer has no SendStatusSet"))
        status = statuses[0]
        if status.get("Code") == "Ok":
            return str(status.get("SerialNo", ""))
        raise _refused(str(status.get("Code", "")), str(status.get("Message", "")))
