"""Ed25519 private keys kept in files outside the database (made 0600 on first use), and public keys as text:
the audit checkpoints' key and a province's key for its national reports."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def private_key(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, made there (readable by its owner only) the first time it is asked for."""
    if not path.exists():  # written whole beside it, then linked into place: never seen half written
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(base64.b64encode(raw).decode())
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:  # another process made it first: use theirs
                pass
        finally:
            draft.unlink(missing_ok=True)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public half as base64 of its 32 raw bytes (what is published or registered)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def load_public(text: str) -> Ed25519PublicKey:
    """A public key from its text; ValueError for anything but base64 of 32 bytes."""
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) != 32:
        raise ValueError("not 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)
