"""Monthly partitions on PostgreSQL for the tables that only grow: case events, notifications, the audit log.

Each table is partitioned by range on its time column, one partition per month of China's calendar
(`<table>_p202612` holds December 2026, Beijing time), plus a default partition that only catches a row whose month
has no partition yet. The worker makes the coming months' partitions ahead (`ensure`), every day; it never
happens at write time. A row that still fell into the default partition (the worker was stopped for months, or a
date far in the past was written) is moved into its own month's partition by the next `ensure`.

A partitioned table's primary key and unique constraints must hold its partition column, so on PostgreSQL they
are widened to it: the id is unique by its sequence, the audit log's sequence number by its locked head row, and a
person is told of an event once by a lock on the event taken while telling (`notify.services.tell`). Nothing may
point into these tables with a foreign key (`partition` refuses to convert a table something points into).

Old months are detached for archive (`detach`): the month becomes a table of its own (`…_p202401_archived`,
without foreign keys), outside the partitioned table, to be dumped and dropped by the operator. SQLite keeps plain tables: nothing here runs there.

This module issues plain DDL and knows no application; `cunwu.cases.archive` decides what may be detached.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings

# table -> its time column
TABLES = {
    "cases_caseevent": "at",
    "notify_notification": "created_at",
    "audit_auditentry": "at",
}
MONTHS_AHEAD = 3
LOCK_TIMEOUT = "5s"
KEEP_MONTHS = 6  # the Cybersecurity Law keeps network logs six months at least (art. 21)
_MONTH = re.compile(r"_p(\d{4})(\d{2})$")


@dataclass(frozen=True)
class Part:
    table: str  # the partition's own table
    month: dt.date | None  # its month's first day; None for the default partition
    rows: int | None = None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_q = quote


def _zone() -> str:
    return settings.TIME_ZONE


def first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def part_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def archived_name(table: str, month: dt.date) -> str:
    return f"{part_name(table, month)}_archived"


def kept_from(today: dt.date) -> dt.date:
    """The first month that must stay: every entry of an earlier month is at least KEEP_MONTHS months old."""
    return add_months(first_of(today), -KEEP_MONTHS)


def _bounds_sql(month: dt.date) -> str:
    zone = _zone().replace("'", "")
    return (f"FOR VALUES FROM (timezone('{zone}', '{month:%Y-%m-%d} 00:00:00'::timestamp)) "
            f"TO (timezone('{zone}', '{add_months(month, 1):%Y-%m-%d} 00:00:00'::timestamp))")


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                   "WHERE c.relname = %s AND pg_table_is_visible(c.oid)", [table])
    return cursor.fetchone() is not None


def parts(cursor, table: str, count: bool = False) -> list[Part]:
    """The partitions attached to a table, oldest month first, the default one last."""
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s AND pg_table_is_visible(p.oid) "
                   "ORDER BY c.relname", [table])
    found = []
    for (name,) in cursor.fetchall():
        match = _MONTH.search(name)
        month = dt.date(int(match[1]), int(match[2]), 1) if match else None
        rows = None
        if count:
            cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # noqa: S608
            rows = cursor.fetchone()[0]
        found.append(Part(name, month, rows))
    return sorted(found, key=lambda p: (p.month is None, p.month or dt.date.min))


def _months_in(cursor, table: str, column: str) -> list[dt.date]:
    zone = _zone().replace("'", "")
    cursor.execute(f"SELECT DISTINCT date_trunc('month', {_q(column)} AT TIME ZONE '{zone}')::date "  # noqa: S608
                   f"FROM {_q(table)} ORDER BY 1")
    return [row[0] for row in cursor.fetchall()]


def partition(connection, table: str, column: str, today: dt.date) -> None:
    """Turn a plain table into one partitioned by month on `column`, keeping its rows, indexes, checks, foreign
    keys and triggers (a migration step; PostgreSQL only)."""
    with connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return
        cursor.execute("SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                       "AND confrelid = %s::regclass", [table])
        pointing = [row[0] for row in cursor.fetchall()]
        if pointing:
            raise RuntimeError(f"{table} cannot be partitioned: {', '.join(pointing)} point into it")
        old = f"{table}_unpartitioned"
        cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
        # what the new table must have again, read before the old one goes
        cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid), "
                       "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey)) "
                       "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') "
                       "ORDER BY contype DESC, conname", [old])
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexdef FROM pg_indexes i WHERE tablename = %s AND NOT EXISTS "
                       "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
                       [old, old])
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
                       "AND NOT tgisinternal", [old])
        triggers = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
                       "WHERE a.attrelid = %s::regclass AND a.attidentity <> ''", [old, old])
        identities = cursor.fetchall()

        cursor.execute(f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({_q(column)})")
        months = _months_in(cursor, old, column)
        start = min([*months, first_of(today)])
        month = start
        while month <= add_months(first_of(today), MONTHS_AHEAD):
            _create(cursor, table, month)
            month = add_months(month, 1)
        cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
        cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {_q(old)}")
        for attname, _sequence in identities:  # a partitioned table has no identity column on PostgreSQL 15
            seq = f"{table}_{attname}_seq"
            cursor.execute(f"CREATE SEQUENCE {_q(seq)} AS bigint OWNED BY {_q(table)}.{_q(attname)}")
            cursor.execute(f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(attname)} SET DEFAULT nextval('{seq}'::regclass)")
            cursor.execute(f"SELECT setval(%s, COALESCE((SELECT max({_q(attname)}) FROM {_q(table)}), 0) + 1, "  # noqa: S608
                           "false)", [seq])

        for name, kind, definition, columns in constraints:
            if kind in ("p", "u") and column not in columns:
                definition = re.sub(r"\)\s*$", f", {_q(column)})", definition.rstrip())
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
        for sql in indexes:
            cursor.execute(_retarget(sql, old, table))
        for sql in triggers:
            cursor.execute(_retarget(sql, old, table))


def _retarget(sql: str, old: str, table: str) -> str:
    return re.sub(rf" ON (?:\w+\.)?{re.escape(old)} ", f" ON {_q(table)} ", sql, count=1)


def _create(cursor, table: str, month: dt.date) -> str:
    name = part_name(table, month)
    # (not IF NOT EXISTS: a table of that name not attached is a fault to be told, not a partition)
    cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} {_bounds_sql(month)}")
    return name


def _fill(cursor, table: str, column: str, wanted: list[dt.date]) -> list[str]:
    """Partitions for the `wanted` months a table lacks, and for every month found in its default partition
    (those rows moved to theirs)."""
    have = {p.month for p in parts(cursor, table)}
    stray = [m for m in _months_in(cursor, table + "_default", column) if m not in have]
    made = _move_out_of_default(cursor, table, column, stray) if stray else []
    have.update(stray)
    return made + [_create(cursor, table, m) for m in wanted if m not in have]


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first_of(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _lock_briefly(connection, cursor) -> None:
    # Making a partition locks its table for a moment; behind a long query it would hold every write in the
    # queue behind it. It gives up instead, and the next night tries again (three months ahead leave time).
    if connection.in_atomic_block:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def cover(connection, first: dt.date, last: dt.date, tables: list[str] | None = None) -> list[str]:
    """Partitions for every month from `first` to `last` of the partitioned tables (all, or `tables`), made before
    rows of earlier years are loaded (an import of a county's history): a default partition would take them, but
    moving millions of rows out of it later is far slower than routing them in."""
    made: list[str] = []
    with connection.cursor() as cursor:
        _lock_briefly(connection, cursor)
        for table in tables or list(TABLES):
            if is_partitioned(cursor, table):
                made += _fill(cursor, table, TABLES[table], _months(first, last))
    return made


def ensure(connection, today: dt.date, ahead: int = MONTHS_AHEAD, tables: list[str] | None = None) -> list[str]:
    """Make the partitions of this month and the next `ahead` months, and give every month found in a default
    partition a partition of its own, moving its rows there. Returns the partitions made."""
    if connection.vendor != "postgresql":
        return []
    return cover(connection, today, add_months(first_of(today), ahead), tables)


def _move_out_of_default(cursor, table: str, column: str, months: list[dt.date]) -> list[str]:
    """The default partition is taken out while its rows of these months move to their own partitions (a row
    trigger refusing deletes, such as the audit log's, is not on a detached table), then put back."""
    default = table + "_default"
    made = []
    cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(default)}")
    zone = _zone().replace("'", "")
    for month in months:
        made.append(_create(cursor, table, month))
        where = (f"{_q(column)} >= timezone('{zone}', '{month:%Y-%m-%d}'::timestamp) AND {_q(column)} < "
                 f"timezone('{zone}', '{add_months(month, 1):%Y-%m-%d}'::timestamp)")
        cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(default)} WHERE {where}")  # noqa: S608
        cursor.execute(f"DELETE FROM {_q(default)} WHERE {where}")  # noqa: S608
    cursor.execute(f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(default)} DEFAULT")
    return made


def detach(connection, table: str, month: dt.date) -> str:
    """Take one month out of its partitioned table: it stays in the database as a table of its own, renamed (so
    that rows of that month coming later get a partition of their own again) and without foreign keys (so that
    nothing the platform deletes is held by an archive)."""
    name, archived = part_name(table, month), archived_name(table, month)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks still deferred in this transaction run first
        cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}")
        cursor.execute(f"ALTER TABLE {_q(name)} RENAME TO {_q(archived)}")
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                       [_q(archived)])
        for (constraint,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {_q(archived)} DROP CONSTRAINT {_q(constraint)}")
    return archived


def locks_per_read(connection) -> dict[str, int]:
    """{table: the locks one read of it takes when nothing prunes its months}: the table, each partition and each
    of its indexes (a person's notifications or a case's events, read without a period, touch every month kept)."""
    found = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            if not is_partitioned(cursor, table):
                continue
            cursor.execute("SELECT count(*) FROM pg_index x JOIN pg_class p ON p.oid = x.indrelid "
                           "WHERE p.relname = %s AND pg_table_is_visible(p.oid)", [table])
            indexes = cursor.fetchone()[0]
            found[table] = 1 + len(parts(cursor, table)) * (1 + indexes)
    return found


def lock_shortfall(connection, limit: int | None = None) -> dict[str, int]:
    """The tables one read of which takes more locks than `max_locks_per_transaction` (or `limit`): as many such
    reads at once as the server has connections would fill PostgreSQL's lock table ("out of shared memory").
    Raise the setting, or detach old months (`cunwu partitions detach`)."""
    if connection.vendor != "postgresql":
        return {}
    if limit is None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_locks_per_transaction")
            limit = int(cursor.fetchone()[0])
    return {table: n for table, n in locks_per_read(connection).items() if n > limit}
