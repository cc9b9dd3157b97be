"""The worker's half of webhooks: send what is due, signed the Standard Webhooks way
(https://www.standardwebhooks.com/): `webhook-id` (the message's id, the same on every retry), `webhook-timestamp`
(seconds, this attempt), `webhook-signature` (`v1,` and base64 of HMAC-SHA256 over "id.timestamp.body" with the
endpoint's secret).

- Sent after the commit by a task, and every minute for retries; rows are claimed with a token of the worker's
  own, so a second worker never sends the same row at the same time.
- A 2xx answer delivers. Anything else (another status, a redirect, which is never followed, no answer within
  the timeout) is one failed attempt, kept with its answer; the next is due after RETRY, about a day in all.
  When the last one fails, the endpoint is paused (what is due for it waits) and the county's administrators
  are told.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cunwu.accounts import personal_data
from cunwu.accounts.models import Assignment
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.notify import services as notify

from .models import Attempt, Endpoint, EndpointState, Send, SendState
from .services import allowed_hosts, internal

RETRY = (dt.timedelta(seconds=5), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
         dt.timedelta(hours=5), dt.timedelta(hours=10), dt.timedelta(hours=10))
BATCH = 50


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a receiver's redirect is an answer, not an address to follow
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _refused(url: str) -> str:
    """Why the receiver's host may not be posted to now: it resolves to this machine (an address that changed
    after it was registered), unless the deployment lists it."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host in allowed_hosts():
        return ""
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        return f"the host does not resolve: {exc}"
    return "the host resolves to this machine" if any(internal(a) for a in found) else ""


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, str]:
    refused = _refused(url)
    if refused:
        return None, refused
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, (exc.read(500) or b"").decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"[:500]


class _Batch:
    """What one batch of sends shares: each endpoint's secret opened once, and each attempt's answer kept until
    the batch is written in one transaction (a worker stopped mid-batch sends those rows again after ten minutes,
    with the same webhook-id, which receivers use to drop a repeat)."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.secrets: dict[int, tuple[str | None, str]] = {}
        self.attempts: list[Attempt] = []
        self.delivered: list[int] = []
        self.failed: list[tuple[Send, str]] = []

    def secret(self, endpoint: Endpoint) -> tuple[str | None, str]:
        if endpoint.pk not in self.secrets:
            try:
                self.secrets[endpoint.pk] = personal_data.decrypt(endpoint.secret_sealed), ""
            except ValueError as exc:  # sealed with a key no longer configured
                self.secrets[endpoint.pk] = None, f"the secret cannot be read: {exc}"[:500]
        return self.secrets[endpoint.pk]

    def write(self) -> None:
        with transaction.atomic():
            Attempt.objects.bulk_create(self.attempts)
            Send.objects.filter(pk__in=self.delivered).update(
                state=SendState.DELIVERED, attempts=F("attempts") + 1, delivered_at=self.now, last_error="",
                claim="", replaying=False)
            for send, error in self.failed:
                _failed(send, self.now, error)


def attempt(send: Send, batch: _Batch) -> bool:
    """One attempt at one row, kept in the batch with its answer. True if delivered."""
    endpoint, message = send.endpoint, send.message
    started = time.monotonic()
    secret, problem = batch.secret(endpoint)
    if secret is None:
        status, answer = None, problem
    else:
        stamp = int(time.time())
        headers = {"content-type": "application/json", "user-agent": "cunwu-webhooks/1",
                   "webhook-id": message.uid, "webhook-timestamp": str(stamp),
                   "webhook-signature": sign(secret, message.uid, stamp, message.body)}
        status, answer = _post(endpoint.url, message.body.encode(), headers,
                               settings.CUNWU.get("WEBHOOK_TIMEOUT_SECONDS", 5))
    batch.attempts.append(Attempt(send=send, at=batch.now, status=status, answer=answer[:500],
                                  replay=send.replaying, milliseconds=int((time.monotonic() - started) * 1000)))
    if status is not None and 200 <= status < 300:
        batch.delivered.append(send.pk)
        return True
    batch.failed.append((send, (f"HTTP {status}" if status is not None else answer)[:300]))
    return False


def _failed(send: Send, now: dt.datetime, error: str) -> None:
    tries = send.attempts + 1
    if send.replaying:  # sent again by hand: the answer is kept, and nothing more is scheduled
        Send.objects.filter(pk=send.pk).update(state=SendState.FAILED, attempts=tries, last_error=error, claim="",
                                               replaying=False)
    elif tries <= len(RETRY):
        Send.objects.filter(pk=send.pk).update(
            state=SendState.PENDING, attempts=tries, last_error=error, claim="", due_at=now + RETRY[tries - 1])
    else:
        Send.objects.filter(pk=send.pk).update(state=SendState.FAILED, attempts=tries, last_error=error, claim="")
        _pause(send.endpoint, now, error)


def _pause(endpoint: Endpoint, now: dt.datetime, error: str) -> None:
    """Failing for about a day: stop sending to it, keep what is due, and tell the county's administrators."""
    with transaction.atomic():
        if not Endpoint.objects.filter(pk=endpoint.pk, state=EndpointState.ACTIVE).update(
                state=EndpointState.PAUSED, paused_reason=error[:300]):
            return
        partner = endpoint.partner
        record(Actor.worker(), "partners.endpoint.paused", endpoint, region_code=partner.region_id,
               detail={"partner": partner.pk, "url": endpoint.url, "error": error[:200]})
        admins = [a.user for a in Assignment.objects.active().filter(
            role=Role.COUNTY_ADMIN, region_id=partner.region_id).select_related("user")]
        notify.tell(admins, "webhook_paused", f"webhook-paused:{endpoint.pk}:{int(now.timestamp())}", partner.name,
                    link=f"/partners/{partner.pk}/", region_code=partner.region_id, role=Role.COUNTY_ADMIN)


def _claim(ids: list[int], now: dt.datetime) -> list[Send]:
    token = uuid.uuid4().hex
    Send.objects.filter(pk__in=ids, state=SendState.PENDING).update(state=SendState.CLAIMED, claim=token,
                                                                     claimed_at=now)
    return list(Send.objects.filter(pk__in=ids, claim=token).select_related("endpoint__partner", "message")
                .order_by("due_at", "id"))


def deliver_due(now: dt.datetime | None = None, batch: int = BATCH) -> Counter:
    """Send every row whose time has come to an active endpoint. Returns counts by outcome."""
    now = now or timezone.now()
    done: Counter = Counter()
    # rows a worker claimed and never finished (it stopped mid-send): due again after ten minutes
    Send.objects.filter(state=SendState.CLAIMED, claimed_at__lt=now - dt.timedelta(minutes=10)).update(
        state=SendState.PENDING, claim="")
    while True:
        ids = list(Send.objects.filter(state=SendState.PENDING, due_at__lte=now,
                                       endpoint__state=EndpointState.ACTIVE, endpoint__partner__active=True)
                   .order_by("due_at", "id").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        sending = _Batch(now)
        for send in _claim(ids, now):
            done["delivered" if attempt(send, sending) else "failed"] += 1
        sending.write()
        if len(ids) < batch:
            break
    return done
