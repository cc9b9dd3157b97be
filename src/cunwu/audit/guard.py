"""The database itself refuses to change or remove an audit entry: a trigger on SQLite and on PostgreSQL aborts
every UPDATE and DELETE of the audit table, whoever sends it (the application, a shell, a stray script).

Someone who holds the database's owner rights can still drop the trigger, or on PostgreSQL truncate the table;
the signed checkpoints kept outside the database (`checkpoints.py`) catch what they do then. A full wipe of a
SQLite database (`flush`, which tests run between transactional tests) lifts the trigger for its own
statements only: see `cunwu.sqlite_backend`."""

from __future__ import annotations

import contextlib

TABLE = "audit_auditentry"
MESSAGE = "audit entries are never changed or removed"

SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_entry_no_update", "DROP TRIGGER IF EXISTS audit_entry_no_delete"]

POSTGRES_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END $$",
    f"DROP TRIGGER IF EXISTS audit_entry_no_change ON {TABLE}",
    f"CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS audit_entry_no_change ON {TABLE}",
                 "DROP FUNCTION IF EXISTS audit_entry_refuse_change()"]


def statements(vendor: str, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    return []


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, False):
            cursor.execute(sql)


@contextlib.contextmanager
def lifted(connection):
    """The trigger dropped for the duration, as someone with the owner's rights could (tests of tampering)."""
    remove(connection)
    try:
        yield
    finally:
        install(connection)
