"""Signed checkpoints of the audit chain's head, kept outside the database.

The chain itself proves that no entry was edited or inserted, but someone who can write to the database could
cut its tail and copy the new last hash into the head row, or restore an older copy. So every hour (and on
`cunwu audit checkpoint`) the worker appends the head's sequence number and hash, signed with an Ed25519 key
the database never holds, to a file an operator keeps (append only, ideally on another machine or shipped to
write-once storage). `cunwu audit verify` then checks every checkpoint: its signature, that the entry it names
still has that hash, and that the chain is at least as long as the newest checkpoint.

Settings: CUNWU["AUDIT_CHECKPOINT_KEY"] (a file with the private key, made 0600 on first use) and
CUNWU["AUDIT_CHECKPOINTS"] (the append-only file). An auditor who holds only the public key (printed by
`cunwu audit checkpoint --public-key`) can verify a copy of the file.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from cunwu import keyfiles, pgpartitions

from .models import AuditArchive, AuditEntry, AuditHead
from .services import archive_too_young


def _key_path() -> Path:
    return Path(settings.CUNWU["AUDIT_CHECKPOINT_KEY"])


def _log_path() -> Path:
    return Path(settings.CUNWU["AUDIT_CHECKPOINTS"])


def private_key() -> Ed25519PrivateKey:
    return keyfiles.private_key(_key_path())


def public_key_text() -> str:
    return keyfiles.public_text(private_key())


def _message(seq: int, digest: str, at: str) -> bytes:
    return f"cunwu-audit-checkpoint:{seq}:{digest}:{at}".encode()


def write() -> dict | None:
    """Append a signed checkpoint of the current head (None when the head has not moved since the last one)."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    last = _read()[-1:] if _log_path().exists() else []
    if last and last[0]["seq"] == head.seq and last[0]["hash"] == head.hash:
        return None
    at = timezone.now().isoformat(timespec="seconds")
    signature = private_key().sign(_message(head.seq, head.hash, at))
    line = {"seq": head.seq, "hash": head.hash, "at": at, "sig": base64.b64encode(signature).decode()}
    _log_path().parent.mkdir(parents=True, exist_ok=True)
    with open(_log_path(), "a", encoding="utf-8") as out:  # append only
        out.write(json.dumps(line) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return line


def _read() -> list[dict]:
    path = _log_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class CheckpointResult:
    ok: bool
    checked: int
    reason: str = ""


def verify(public_key: str | None = None) -> CheckpointResult:
    """Check every checkpoint against the chain in the database."""
    try:
        lines = _read()
    except (ValueError, OSError) as exc:
        return CheckpointResult(False, 0, f"the checkpoint file cannot be read: {exc}")
    if not lines:
        return CheckpointResult(True, 0)
    key = (Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)) if public_key
           else private_key().public_key())
    head = AuditHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    hashes = dict(AuditEntry.objects.filter(seq__in=[c["seq"] for c in lines]).values_list("seq", "hash"))
    archives = list(AuditArchive.objects.all())
    archived_hash = {a.last_seq: a.last_hash for a in archives}  # the last entry of each month detached
    young = archive_too_young()
    if young:
        return CheckpointResult(False, 0, young)
    archived_to = max([0, *(a.last_seq for a in archives)])
    # A checkpoint's entry may be missing only if the checkpoint was signed before the end of a month archived.
    ends = [pgpartitions.add_months(a.month, 1) for a in archives]
    archived_until = (timezone.make_aware(dt.datetime.combine(max(ends), dt.time())) if ends else None)
    for number, c in enumerate(lines, start=1):
        try:
            key.verify(base64.b64decode(c["sig"]), _message(c["seq"], c["hash"], c["at"]))
        except (InvalidSignature, KeyError, ValueError):
            return CheckpointResult(False, number - 1, f"checkpoint {number} (entry #{c.get('seq')}) is not signed "
                                                       f"by the checkpoint key")
        if c["seq"] > head_seq:
            return CheckpointResult(False, number - 1, f"the chain ends at #{head_seq} but checkpoint {number} of "
                                                       f"{c['at']} saw it at #{c['seq']}: entries were removed "
                                                       f"or an older copy was restored")
        if (c["seq"] <= archived_to and c["seq"] not in hashes and archived_until
                and dt.datetime.fromisoformat(c["at"]) < archived_until):
            # its entry left the database with a month detached for archive (signed before that month ended)
            if archived_hash.get(c["seq"], c["hash"]) != c["hash"]:
                return CheckpointResult(False, number - 1, f"entry #{c['seq']} is not the one checkpoint {number} "
                                                           f"signed at {c['at']}: the chain was rewritten")
            continue
        if hashes.get(c["seq"]) != c["hash"]:
            return CheckpointResult(False, number - 1, f"entry #{c['seq']} is not the one checkpoint {number} "
                                                       f"signed at {c['at']}: the chain was rewritten")
    return CheckpointResult(True, len(lines))
