"""The signed daily report a province sends the national instance, and how it is read.

A report is JSON: {"report": TEXT, "signature": BASE64}. TEXT is itself JSON (UTF-8) with exactly these keys:
format ("cunwu.federation.v1"), province (two digits), day (YYYY-MM-DD), generated_at (ISO 8601 with its
offset) and counties ({six-digit county code of the province: {count: non-negative integer}} with exactly the
counts of `rates.REPORTED_COUNTS`). The signature is Ed25519 over TEXT's bytes as sent, by the province's key:
the national instance checks the very bytes that were signed and keeps them. Anything else in a report is
refused: it carries tallies, never a name, a phone number or a case."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext as _

from cunwu.cases.rates import REPORTED_COUNTS

FORMAT = "cunwu.federation.v1"
MAX_BYTES = 256 * 1024  # the largest province (Sichuan, 183 counties) reports about 40 KB a day
MAX_COUNT = 10**9
KEYS = {"format", "province", "day", "generated_at", "counties"}


class Refused(Exception):
    """Why a report is not taken: `status` (400 unreadable, 403 not the province's, 409 older than the one
    kept) and a message for the sender."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Received:
    province: str
    day: dt.date
    generated_at: dt.datetime
    counties: dict[str, dict[str, int]]
    text: str
    signature: str


def make(province: str, day: dt.date, generated_at: dt.datetime, counties: dict, key: Ed25519PrivateKey) -> str:
    """The signed report, as the JSON text that is sent."""
    text = json.dumps({"format": FORMAT, "province": province, "day": day.isoformat(),
                       "generated_at": generated_at.isoformat(timespec="seconds"), "counties": counties},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    signature = base64.b64encode(key.sign(text.encode("utf-8"))).decode()
    return json.dumps({"report": text, "signature": signature}, ensure_ascii=False)


def read(body: bytes) -> Received:
    """The report's contents, checked for shape (not yet for its signature: `check`), or Refused(400)."""
    if len(body) > MAX_BYTES:
        raise Refused(400, _("A report is at most %(n)d KB.") % {"n": MAX_BYTES // 1024})
    try:
        outer = json.loads(body.decode("utf-8"))
        text, signature = outer["report"], outer["signature"]
        if not isinstance(outer, dict) or set(outer) != {"report", "signature"} or not isinstance(text, str) \
                or not isinstance(signature, str):
            raise ValueError
        inner = json.loads(text)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        raise Refused(400, _("This is not a report: send {\"report\": …, \"signature\": …} as made by "
                             "`cunwu federation report`.")) from None
    if not isinstance(inner, dict) or set(inner) != KEYS or inner["format"] != FORMAT:
        raise Refused(400, _("A report has exactly format, province, day, generated_at and counties, in format "
                             "%(format)s: tallies only, never anything about a person.") % {"format": FORMAT})
    province = inner["province"]
    if not isinstance(province, str) or not re.fullmatch(r"[1-9][0-9]", province):
        raise Refused(400, _("The province is its two-digit division code."))
    try:
        day = dt.date.fromisoformat(inner["day"])
        generated_at = dt.datetime.fromisoformat(inner["generated_at"])
        if generated_at.tzinfo is None:
            raise ValueError
    except (TypeError, ValueError):
        raise Refused(400, _("The day is YYYY-MM-DD and generated_at a moment with its offset from UTC.")) from None
    counties = inner["counties"]
    if not isinstance(counties, dict) or not all(
            isinstance(code, str) and re.fullmatch(r"[0-9]{6}", code) and code.startswith(province)
            and isinstance(counts, dict) and set(counts) == set(REPORTED_COUNTS)
            and all(type(n) is int and 0 <= n <= MAX_COUNT for n in counts.values())
            for code, counts in counties.items()):
        raise Refused(400, _("Counties are the province's six-digit county codes, each with exactly the counts "
                             "%(counts)s as whole numbers from 0.") % {"counts": ", ".join(REPORTED_COUNTS)})
    if any(c["n_responded_ok"] > c["n_response_judged"] or c["n_satisfied"] > c["n_rated"] for c in counties.values()):
        raise Refused(400, _("A part is never more than its whole: responded on time within those judged, satisfied "
                             "within those rated."))
    return Received(province, day, generated_at, counties, text, signature)


def check(received: Received, public_key: Ed25519PublicKey) -> None:
    """Refused(403) unless the province's key signed exactly this text."""
    try:
        raw = base64.b64decode(received.signature, validate=True)
        public_key.verify(raw, received.text.encode("utf-8"))
    except (binascii.Error, ValueError, InvalidSignature):
        raise Refused(403, _("The signature does not match the report and the province's registered key: "
                             "nothing was kept.")) from None
