"""What every message provider offers the delivery worker.

Chinese SMS providers send only templates approved in advance, under an approved signature (签名): a text is a
purpose (which names the provider's template) and its parameters, never free text. A provider raises
`DeliveryFailed` with a reason a person can read; the worker records it and retries when `retry` is true.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable

from django.utils.translation import gettext as _


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, retry: bool = True, code: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.code = code


class SmsProvider:
    """Texts a phone number with the template of a purpose."""

    #: settings a deployment must give, as they are named in CUNWU["SMS"]
    required: tuple[str, ...] = ()

    def __init__(self, config: dict):
        self.config = config

    @classmethod
    def missing_settings(cls, config: dict, purposes: dict[str, tuple[str, ...]]) -> list[str]:
        """The names of the settings this provider lacks (empty: ready). `purposes` maps each purpose the
        platform texts to its parameter names, in the order of the template."""
        missing = [f"CUNWU_SMS_{name}" for name in cls.required if not config.get(name)]
        templates = config.get("TEMPLATES") or {}
        missing += [f"CUNWU_SMS_TEMPLATES[{p}]" for p in purposes if not templates.get(p)]
        return missing

    def send(self, phone: str, purpose: str, params: dict[str, str], text: str) -> str:
        """Send; return the provider's message id. `text` is the message as the platform words it (only a
        backend that sends free text, like the demo outbox, uses it)."""
        raise NotImplementedError


class MessengerProvider:
    """Sends a free-text message to an official's account in a work messenger (WeCom)."""

    required: tuple[str, ...] = ()

    def __init__(self, config: dict):
        self.config = config

    @classmethod
    def missing_settings(cls, config: dict) -> list[str]:
        return [f"CUNWU_WECOM_{name}" for name in cls.required if not config.get(name)]

    def send(self, account: str, text: str) -> str:
        raise NotImplementedError


def fetch_json(request: urllib.request.Request, timeout: float, unreachable: Callable[[object], DeliveryFailed],
               error_bodies: bool = True) -> dict:
    """Send the request and return its JSON answer. With `error_bodies`, an error answer (4xx) that carries JSON
    is returned like any other; no answer, a 5xx (or any HTTP error without `error_bodies`) or anything that is
    not a JSON object raises `unreachable(reason)`, a DeliveryFailed with retry."""
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or not error_bodies:
                raise unreachable(f"HTTP {exc.code}") from exc
            raw = exc.read()
    except (http.client.HTTPException, OSError) as exc:
        raise unreachable(getattr(exc, "reason", None) or exc) from exc
    try:
        answer = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise unreachable(_("the answer is not JSON")) from exc
    if not isinstance(answer, dict):
        raise unreachable(_("the answer is not JSON"))
    return answer
