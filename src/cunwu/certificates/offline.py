"""Offline verification, as an office does it without reaching the platform: the payload's signature against
published public keys, and for a PDF also that its content is the content that was signed and is what the
page shows. Revocation can only be seen online."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import pdf, serials, signing
from .services import content_digest


@dataclass
class Offline:
    ok: bool
    reason: str  # valid, expired, malformed, unknown_key, bad_signature, content_altered, not_a_certificate
    claims: dict = field(default_factory=dict)


def keys_from_json(text: str) -> dict:
    """Public keys from the JSON served at /certificates/keys.json."""
    return {row["kid"]: signing.load_public(row["public_key"]) for row in json.loads(text)["keys"]}


def payload_of(text: str) -> str:
    """The payload itself, or the payload at the end of a verification link."""
    text = text.strip()
    return text.rsplit("/", 1)[-1] if "/" in text else text


def check_payload(text: str, public_keys: dict, today: dt.date) -> Offline:
    try:
        claims = signing.verify(payload_of(text), public_keys)
    except signing.Invalid as exc:
        return Offline(False, exc.reason)
    if dt.date.fromisoformat(claims["u"]) < today:
        return Offline(False, "expired", claims)
    return Offline(True, "valid", claims)


def check_pdf(data: bytes, public_keys: dict, today: dt.date) -> Offline:
    try:
        token, content, text = pdf.read(data)
    except ValueError:
        return Offline(False, "not_a_certificate")
    result = check_payload(token, public_keys, today)
    if result.reason in ("malformed", "unknown_key", "bad_signature"):
        return result
    flat = "".join(text.split())
    shown = [serials.grouped(str(result.claims.get("s", ""))), *(str(v) for v in content.values())]
    if content_digest(content) != result.claims.get("c") or any("".join(v.split()) not in flat for v in shown):
        return Offline(False, "content_altered", result.claims)
    return result


def check(target: str, public_keys: dict, today: dt.date) -> Offline:
    path = Path(target)
    try:
        is_file = not target.startswith(signing.PREFIX + ".") and path.is_file()
    except OSError:  # a name too long for a file: a payload
        is_file = False
    if is_file:
        return check_pdf(path.read_bytes(), public_keys, today)
    return check_payload(target, public_keys, today)
