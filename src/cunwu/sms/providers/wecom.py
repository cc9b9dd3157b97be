"""WeCom (企业微信) application messages: a text from the platform's self-built application to an official's
WeCom account."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .base import DeliveryFailed, MessengerProvider, fetch_json

DEFAULT_ENDPOINT = "https://qyapi.weixin.qq.com/"
DEFAULT_TIMEOUT = 5
#: a token is used at most until this many seconds before WeCom says it expires
TOKEN_MARGIN = 300
#: WeCom's answers that the access token is invalid (40014) or expired (42001)
STALE_TOKEN = {40014, 42001}

NO_ACCOUNT = gettext_noop("The official has no WeCom account under this id, or the application may not reach it.")

#: errcode -> (reason, whether a later retry can succeed)
ERRORS: dict[int, tuple[str, bool]] = {
    -1: (gettext_noop("WeCom is busy; the message can be sent later."), True),
    40001: (gettext_noop("WeCom refused the application secret (check CUNWU_WECOM_CORP_SECRET)."), False),
    40013: (gettext_noop("WeCom does not know the corporation id (check CUNWU_WECOM_CORP_ID)."), False),
    40014: (gettext_noop("WeCom refused a freshly fetched access token; the message can be sent later."), True),
    42001: (gettext_noop("WeCom says a freshly fetched access token has expired; the message can be sent later."),
            True),
    40056: (gettext_noop("WeCom does not know the application id (check CUNWU_WECOM_AGENT_ID)."), False),
    60020: (gettext_noop("WeCom refuses calls from this server's IP address: add it to the application's "
                         "trusted IP addresses."), False),
    48002: (gettext_noop("The WeCom application may not send messages through the API."), False),
    44004: (gettext_noop("WeCom refused an empty message."), False),
    45002: (gettext_noop("WeCom refused the message as too long."), False),
    45009: (gettext_noop("WeCom limits how often the application may call it; the message can be sent later."),
            True),
    45033: (gettext_noop("WeCom limits how many calls may run at once; the message can be sent later."), True),
    60111: (NO_ACCOUNT, False),
    81013: (NO_ACCOUNT, False),
}


def _unreachable(error: object) -> DeliveryFailed:
    return DeliveryFailed(_("WeCom could not be reached: %(error)s") % {"error": error}, retry=True,
                          code="unreachable")


def _http(url: str, *, timeout: float, body: dict | None = None) -> dict:
    """GET the URL, or POST `body` as JSON to it, and return its JSON answer; any HTTP error counts as
    unreachable (WeCom answers its errors with 200 and an errcode)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = {} if body is None else {"Content-Type": "application/json; charset=utf-8"}
    request = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    return fetch_json(request, timeout, _unreachable, error_bodies=False)


def _errcode(answer: dict) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        return -1


def _refused(answer: dict) -> DeliveryFailed:
    errcode = _errcode(answer)
    if errcode in ERRORS:
        reason, retry = ERRORS[errcode]
        return DeliveryFailed(_(reason), retry=retry, code=str(errcode))
    return DeliveryFailed(_("WeCom refused the message (%(code)s): %(message)s")
                          % {"code": errcode, "message": answer.get("errmsg", "")}, retry=False, code=str(errcode))


class WeComApp(MessengerProvider):
    """A WeCom self-built application. Settings: CORP_ID, CORP_SECRET (the application's secret), AGENT_ID,
    optionally ENDPOINT and TIMEOUT (seconds).

    The access token is kept in the instance and in Django's cache (shared by the worker's processes) until
    shortly before it expires; when WeCom calls it invalid or expired, it is fetched again once."""

    required = ("CORP_ID", "CORP_SECRET", "AGENT_ID")

    def __init__(self, config: dict):
        super().__init__(config)
        self._token = ""
        self._token_until = 0.0

    @property
    def _endpoint(self) -> str:
        return (self.config.get("ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/") + "/"

    @property
    def _timeout(self) -> float:
        return float(self.config.get("TIMEOUT") or DEFAULT_TIMEOUT)

    @property
    def _cache_key(self) -> str:
        secret = f"{self.config['CORP_ID']}\n{self.config['CORP_SECRET']}".encode()
        return f"cunwu:wecom-token:{hashlib.sha256(secret).hexdigest()[:32]}"

    def _forget_token(self) -> None:
        self._token, self._token_until = "", 0.0
        cache.delete(self._cache_key)

    def access_token(self) -> str:
        """A valid access token: the instance's, the cached one, or a new one from WeCom."""
        now = time.time()
        if self._token and now < self._token_until:
            return self._token
        cached = cache.get(self._cache_key)
        if cached and now < cached["until"]:
            self._token, self._token_until = cached["token"], cached["until"]
            return self._token
        query = urllib.parse.urlencode({"corpid": self.config["CORP_ID"], "corpsecret": self.config["CORP_SECRET"]})
        answer = _http(f"{self._endpoint}cgi-bin/gettoken?{query}", timeout=self._timeout)
        if _errcode(answer) != 0:
            raise _refused(answer)
        if not answer.get("access_token"):
            raise _unreachable(_("the answer has no access_token"))
        lifetime = int(answer.get("expires_in") or 7200) - TOKEN_MARGIN
        self._token, self._token_until = str(answer["access_token"]), now + max(lifetime, 0)
        if lifetime > 0:
            cache.set(self._cache_key, {"token": self._token, "until": self._token_until}, timeout=lifetime)
        return self._token

    def _post_message(self, body: dict) -> dict:
        query = urllib.parse.urlencode({"access_token": self.access_token()})
        return _http(f"{self._endpoint}cgi-bin/message/send?{query}", timeout=self._timeout, body=body)

    def send(self, account: str, text: str) -> str:
        """Send `text` to the WeCom member `account` (their userid); return WeCom's msgid."""
        try:
            agent_id = int(self.config["AGENT_ID"])
        except (TypeError, ValueError):
            raise DeliveryFailed(_("CUNWU_WECOM_AGENT_ID must be the application's number."), retry=False,
                                 code="config") from None
        body = {"touser": account, "msgtype": "text", "agentid": agent_id, "text": {"content": text}}
        answer = self._post_message(body)
        if _errcode(answer) in STALE_TOKEN:
            self._forget_token()
            answer = self._post_message(body)
        if answer.get("invaliduser"):
            raise DeliveryFailed(_(NO_ACCOUNT), retry=False, code="invaliduser")
        if _errcode(answer) != 0:
            raise _refused(answer)
        if answer.get("unlicenseduser"):
            raise DeliveryFailed(_("The official's WeCom account has no licence to receive application messages."),
                                 retry=False, code="unlicenseduser")
        return str(answer.get("msgid", ""))
