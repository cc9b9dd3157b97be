"""Copies of the whole test database at known states ("baseline": the session's regions and directories; a
fixture's data once built), put back in milliseconds with SQLite's backup API instead of built again after a
transactional test (a browser journey) wiped the database. SQLite's in-memory test database only; on PostgreSQL
each state is built as before.

Only the database is put back: files written under MEDIA_ROOT, the task queue's own database and a process's
memory (the ContentType cache excepted, cleared here) stay as the last test left them, and ids are handed out
again from the snapshot's. What was built keeps the moment it was built at: its deadlines are minutes older for a
later test, so a test that needs fresh ones makes its own data."""

import sqlite3

_SNAPSHOTS: dict[str, tuple[sqlite3.Connection, object]] = {}


def _in_memory_sqlite():
    from django.db import connection

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    connection.ensure_connection()
    return connection.connection


def restore(key: str):
    """Put the database back as it was when `key` was taken; (True, what was built) or (False, None)."""
    raw, held = _in_memory_sqlite(), _SNAPSHOTS.get(key)
    if raw is None or held is None:
        return False, None
    held[0].backup(raw)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return True, held[1]


def take(key: str, result: object = None) -> None:
    raw = _in_memory_sqlite()
    if raw is not None:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        raw.backup(copy)
        _SNAPSHOTS[key] = (copy, result)


def built_once(key: str, build):
    """`build()` the first time in this process, then the database put back as it left it (SQLite in memory)."""
    restored, result = restore(key)
    if restored:
        return result
    result = build()
    take(key, result)
    return result
