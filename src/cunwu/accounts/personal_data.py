"""National ID and phone numbers: validation, encryption at rest, blind index, masking."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level prefixes of GB/T 2260 (mainland 11-65, Taiwan 71, Hong Kong 81, Macao 82).
_ID_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
}
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_national_id(value: str) -> str:
    """Return the canonical 18-character ID number or raise ValidationError with a reason."""
    raw = (value or "").strip().upper().replace(" ", "")
    if len(raw) != 18 or not raw[:17].isdigit() or not (raw[17].isdigit() or raw[17] == "X"):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a final digit or X."), code="format")
    if raw[:2] not in _ID_PROVINCES:
        raise ValidationError(_("This ID number does not start with a province code."), code="region")
    try:
        born = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in this ID number is not a real date."), code="birth") from None
    if born.year < 1900 or born > dt.date.today():  # noqa: DTZ011 - a calendar date, not an instant
        raise ValidationError(_("The birth date in this ID number is not possible."), code="birth")
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationError(_("The check digit of this ID number is wrong; please check it again."), code="check")
    return raw


def normalize_phone(value: str) -> str:
    raw = re.sub(r"[\s-]", "", value or "")
    if raw.startswith("+86"):
        raw = raw[3:]
    if not _PHONE.match(raw):
        raise ValidationError(_("Enter an 11-digit mainland mobile number starting with 1."), code="phone")
    return raw


def mask_national_id(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if value and len(value) > 8 else ""


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if value and len(value) == 11 else ""


# --- encryption at rest -----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _keyring(spec: str, secret: str) -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        key_id, _sep, b64 = item.partition(":")
        key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(key) != 32 or not key_id.isalnum():
            raise ValueError("CUNWU_DATA_KEYS entries are 'id:base64 of 32 bytes'")
        keys.append((key_id, key))
    if not keys:  # embedded installs: derive from the secret key kept under var/
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cunwu personal data").derive(
            secret.encode()
        )
        keys.append(("k0", derived))
    return keys


def _keys() -> list[tuple[str, bytes]]:
    return _keyring(settings.CUNWU["DATA_KEYS"], settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    key_id, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), key_id.encode())
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    if not token:
        return ""
    key_id, _sep, body = token.partition(":")
    key = dict(_keys()).get(key_id)
    if key is None:
        raise ValueError(f"no key {key_id!r} to decrypt personal data")
    blob = base64.urlsafe_b64decode(body)
    return AESGCM(key).decrypt(blob[:12], blob[12:], key_id.encode()).decode()


def blind_index(value: str) -> str:
    """A keyed digest for uniqueness and exact lookups without storing the number in clear."""
    key = hashlib.sha256(b"cunwu-blind-index:" + _keys()[-1][1]).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
