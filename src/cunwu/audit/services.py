"""Append to the audit trail and verify it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from cunwu import pgpartitions, plainsql

from .context import Actor
from .models import AuditArchive, AuditEntry, AuditHead

GENESIS = "0" * 64
# Sent after each entry is written, inside the caller's transaction: what other systems are told of (partners'
# webhooks) is decided from the same record of what happened, and rolls back with it.
recorded = Signal()
_HASHED_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "role", "assignment_id", "action", "object_type", "object_id",
    "region_code", "source", "channel", "result", "detail", "prev_hash",
)


def chain_keys() -> list[tuple[str, bytes]]:
    """CUNWU_AUDIT_KEYS: "id:base64 of 32 bytes" entries, newest first; an older key stays to verify the entries
    it made. Without it (an embedded install), one key derived from SECRET_KEY, under the id "" (the deploy
    check refuses that in production)."""
    import base64

    keys = []
    for item in filter(None, (s.strip() for s in settings.CUNWU.get("AUDIT_KEYS", "").split(","))):
        key_id, _sep, b64 = item.partition(":")
        key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(key) != 32 or not key_id.isalnum() or len(key_id) > 16:
            raise ValueError("CUNWU_AUDIT_KEYS entries are 'id:base64 of 32 bytes'")
        keys.append((key_id, key))
    return keys or [("", hashlib.sha256(b"cunwu-audit-chain:" + settings.SECRET_KEY.encode()).digest())]


def _chain_key(key_id: str | None = None) -> bytes:
    keys = chain_keys()
    if key_id is None:
        return keys[0][1]
    if key_id == "":
        return hashlib.sha256(b"cunwu-audit-chain:" + settings.SECRET_KEY.encode()).digest()
    found = dict(keys).get(key_id)
    if found is None:
        raise LookupError(f"no audit key {key_id!r}")
    return found


def _digest(entry: AuditEntry) -> str:
    values = {}
    for name in _HASHED_FIELDS:
        value = getattr(entry, name)
        if name == "at":
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        values[name] = value
    payload = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(_chain_key(entry.key_id), payload.encode(), hashlib.sha256).hexdigest()


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record(
    actor: Actor,
    action: str,
    obj=None,
    *,
    region_code: str = "",
    detail: dict | None = None,
    result: str = "ok",
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditEntry:
    """Append one entry, inside the caller's transaction when there is one (so it commits with the write)."""
    otype, oid = _object_ref(obj)
    assignment = actor.assignment
    # Inside the caller's transaction no savepoint is needed: a failure here fails the caller's write too.
    with transaction.atomic(savepoint=False):
        seq, prev_hash = _head()
        entry = AuditEntry(
            seq=seq + 1,
            at=timezone.now(),
            actor_id=getattr(actor.user, "pk", None),
            actor_label=actor.label[:150],
            role=getattr(assignment, "role", "") or ("system" if actor.system else ""),
            assignment_id=getattr(assignment, "pk", None),
            action=action,
            object_type=object_type if object_type is not None else otype,
            object_id=(object_id if object_id is not None else oid)[:64],
            region_code=region_code or "",
            source=actor.source[:64],
            channel=actor.channel,
            result=result,
            detail=detail or {},
            prev_hash=prev_hash,
            key_id=chain_keys()[0][0],
        )
        entry.hash = _digest(entry)
        plainsql.insert([entry])  # as save(force_insert=True): every write of the platform passes here
        with connection.cursor() as cursor:  # the row is locked by _head: written without another read
            cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET seq = %s, hash = %s WHERE id = 1",  # noqa: S608
                           [entry.seq, entry.hash])
        recorded.send(sender=AuditEntry, entry=entry, obj=obj)
    return entry


def _head() -> tuple[int, str]:
    """The chain's last sequence number and hash, its row locked until the transaction ends (PostgreSQL; SQLite
    has one writer at a time). Plain SQL: every write of the platform passes here."""
    table = AuditHead._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
        if row is None:  # the very first entry: two processes may both find no head, and one makes it
            cursor.execute(f"INSERT INTO {table} (id, seq, hash) VALUES (1, 0, %s) "  # noqa: S608
                           "ON CONFLICT (id) DO NOTHING", [GENESIS])
            cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1{lock}")  # noqa: S608
            row = cursor.fetchone()
    return row[0], row[1]


ARCHIVED = "audit.archived"


def archive_too_young() -> str:
    """Why an archive note cannot be genuine: months are detached only once six months old (or "")."""
    kept = pgpartitions.kept_from(timezone.localdate())
    young = AuditArchive.objects.filter(month__gte=kept).order_by("month").first()
    return (f"the audit log of {young.month:%Y-%m} is noted as archived, but months from {kept:%Y-%m} on are never "
            "detached") if young else ""


def mark_archived(actor: Actor, month: dt.date, table: str, rows: int, last_seq: int, last_hash: str) -> AuditArchive:
    """Note that a month of the log left the database (its partition detached): verification starts after it.
    The note is an entry of the chain too, so a note slipped in by hand is found out."""
    archive = AuditArchive.objects.create(month=month, table=table, rows=rows, last_seq=last_seq,
                                          last_hash=last_hash, detached_at=timezone.now())
    record(actor, ARCHIVED, archive, detail={"month": month.isoformat(), "table": table, "rows": rows,
                                             "last_seq": last_seq, "last_hash": last_hash})
    return archive


@dataclass
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def _unsound(entry: AuditEntry) -> str:
    """Why an entry's own hash does not hold, or ""."""
    try:
        altered = _digest(entry) != entry.hash
    except LookupError:
        return f"entry #{entry.seq} was made with audit key {entry.key_id!r}, which is no longer configured"
    return f"entry #{entry.seq} was altered" if altered else ""


def verify() -> Verification:
    """Walk the whole chain; report the first entry that was edited, inserted, reordered or removed. Months
    detached for archive (`AuditArchive`) are not in the database: the walk starts after the last of them."""
    archived = AuditArchive.objects.order_by("-last_seq").first()
    start = archived.last_seq if archived else 0
    if archived and not AuditEntry.objects.filter(
            action=ARCHIVED, seq__gt=start, detail__month=archived.month.isoformat(), detail__last_seq=start,
            detail__last_hash=archived.last_hash).exists():
        return Verification(False, 0, start, f"the archive of entries to #{start} has no entry of its own after them")
    young = archive_too_young()
    if young:
        return Verification(False, 0, start, young)
    for entry in AuditEntry.objects.filter(seq__lte=start).iterator(chunk_size=5000):  # a clock a moment behind
        bad = _unsound(entry)
        if bad:
            return Verification(False, 0, entry.seq, bad)
    expected_seq = start + 1
    prev = archived.last_hash if archived else GENESIS
    checked = 0
    for entry in AuditEntry.objects.filter(seq__gt=start).order_by("seq").iterator(chunk_size=5000):
        if entry.seq != expected_seq:
            return Verification(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return Verification(False, checked, entry.seq, f"entry #{entry.seq} does not follow entry #{entry.seq - 1}")
        bad = _unsound(entry)
        if bad:
            return Verification(False, checked, entry.seq, bad)
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != start + checked or head_hash != prev:
        return Verification(False, checked, start + checked + 1,
                            f"entries after #{start + checked} were removed (head says #{head_seq})")
    return Verification(True, checked)
