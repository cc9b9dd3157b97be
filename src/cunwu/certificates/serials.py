"""Certificate serials people can read aloud and type: 16 characters of Crockford's base32 (no I, L, O or U, so
nothing looks like anything else), random (80 bits), case-insensitive, printed in groups of four. What a person
types is read generously: lower case, spaces and hyphens, I or L for 1 and O for 0."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_READ = str.maketrans({"I": "1", "L": "1", "O": "0", " ": None, "-": None, "\u3000": None, "\u2010": None,
                       "\u2011": None, "\u2012": None, "\u2013": None, "\u2014": None, "\uff0d": None})


def new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normal(text: str) -> str | None:
    """The serial a person typed, as stored; None when it cannot be one."""
    value = (text or "").strip().upper().translate(_READ)
    if len(value) != LENGTH or any(c not in ALPHABET for c in value):
        return None
    return value


def grouped(serial: str) -> str:
    """ABCD-EFGH-JKMN-PQRS for a serial in this alphabet; an older serial as it was issued."""
    if normal(serial) != serial:
        return serial
    return "-".join(serial[i:i + 4] for i in range(0, LENGTH, 4))
