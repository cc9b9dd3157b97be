"""Signed certificate payloads that anyone can check offline with a county's published public key.

A payload is `CW1.<claims>.<signature>`: the claims are canonical JSON (sorted keys, no spaces) in base64url,
and the signature is Ed25519 over the ASCII text `CW1.<claims>` by the key the claims name (`k`). Only the
canonical base64url spelling is accepted, so that every change to a payload, however small, is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "CW1"


class Invalid(Exception):
    """Why a payload does not verify: `malformed`, `unknown_key` or `bad_signature`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64url without padding: anything but the one canonical spelling of some bytes is refused."""
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("malformed") from None
    if b64encode(raw) != text:
        raise Invalid("malformed")
    return raw


def canonical(claims: Mapping) -> bytes:
    return json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def public_bytes(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_private(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64decode(text))


def sign(claims: Mapping, kid: str, key: Ed25519PrivateKey) -> str:
    body = b64encode(canonical({**claims, "k": kid}))
    signature = key.sign(f"{PREFIX}.{body}".encode("ascii"))
    return f"{PREFIX}.{body}.{b64encode(signature)}"


def peek(token: str) -> dict:
    """The claims of a well-formed payload, NOT verified (to find which key to verify it with)."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or len(token) > 2000:
        raise Invalid("malformed")
    try:
        claims = json.loads(b64decode(parts[1]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Invalid("malformed") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("k"), str):
        raise Invalid("malformed")
    return claims


def verify(token: str, public_keys: Mapping[str, Ed25519PublicKey]) -> dict:
    """The claims of a payload signed by one of `public_keys` (by key id), or Invalid."""
    token = (token or "").strip()
    claims = peek(token)
    key = public_keys.get(claims["k"])
    if key is None:
        raise Invalid("unknown_key")
    prefix, body, signature = token.split(".")
    try:
        key.verify(b64decode(signature), f"{prefix}.{body}".encode("ascii"))
    except InvalidSignature:
        raise Invalid("bad_signature") from None
    return claims
