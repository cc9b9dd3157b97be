"""The months of the tables that only grow (case events, notifications, the audit log) on PostgreSQL: the coming
months' partitions made ahead by the worker, and old months detached for archive by the operator at the console.

A detached month is a table of its own in the same database (`cases_caseevent_p202401_archived`, …), no longer read by
the platform, for the operator to dump and drop (docs/deployment.md). What is refused:
- the last six months (the Cybersecurity Law keeps network logs at least six months, art. 21: a month may go
  once its last day is six months old), and any month
  whose case events belong to a case not yet closed (its history would lose its beginning);
- anything on SQLite, which keeps plain tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import pgpartitions
from cunwu.accounts import permissions
from cunwu.audit import services as audit
from cunwu.audit.context import Actor

from .models import Case

EVENTS = "cases_caseevent"
AUDIT = "audit_auditentry"
ORDER = [EVENTS, "notify_notification", AUDIT]  # every write appends to the audit log: its lock is taken last


@dataclass(frozen=True)
class Month:
    table: str
    month: dt.date | None
    partition: str
    rows: int


def _postgres() -> None:
    if connection.vendor != "postgresql":
        raise ValidationError(_("Only a PostgreSQL database keeps its months apart: on SQLite the tables are whole."))


def _operator(actor: Actor) -> None:
    if not actor.system:
        raise permissions.Forbidden(_("Only the operator detaches months, at the console."))


def months(actor: Actor) -> list[Month]:
    """Each partitioned table's months with their row counts (the default partition last, month None)."""
    _operator(actor)
    _postgres()
    found = []
    with connection.cursor() as cursor:
        for table in pgpartitions.TABLES:
            if pgpartitions.is_partitioned(cursor, table):
                found += [Month(table, p.month, p.table, p.rows or 0)
                          for p in pgpartitions.parts(cursor, table, count=True)]
    return found


def ensure_ahead(actor: Actor, today: dt.date | None = None) -> list[str]:
    """This month's partitions and the next three months' (the worker, every night; a no-op on SQLite). A month
    found in a default partition gets its own partition too. One short transaction per table, the audit log's
    last: a partition made locks its table until the commit."""
    _operator(actor)
    if connection.vendor != "postgresql":
        return []
    made: list[str] = []
    for table in ORDER:
        with transaction.atomic():
            made += pgpartitions.ensure(connection, today or timezone.localdate(), tables=[table])
    if made:
        audit.record(actor, "partitions.made", detail={"made": made})
    return made


def detach_through(actor: Actor, through: dt.date, today: dt.date | None = None) -> list[Month]:
    """Detach every month up to `through` (inclusive) of each partitioned table, oldest first."""
    _operator(actor)
    _postgres()
    today = today or timezone.localdate()
    through = pgpartitions.first_of(through)
    kept_from = pgpartitions.kept_from(today)
    if through >= kept_from:
        raise ValidationError(_("The last %(n)d months (from %(month)s) stay in the database: the Cybersecurity "
                                "Law keeps logs for six months at least.")
                              % {"n": pgpartitions.KEEP_MONTHS, "month": f"{kept_from:%Y-%m}"})
    ensure_ahead(actor, today)  # a month still in a default partition gets its own first
    return _detach(actor, through)


@transaction.atomic
def _detach(actor: Actor, through: dt.date) -> list[Month]:
    done: list[Month] = []
    order = {table: i for i, table in enumerate(ORDER)}
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{pgpartitions.LOCK_TIMEOUT}'")
        chosen = [(table, p) for table in ORDER if pgpartitions.is_partitioned(cursor, table)
                  for p in pgpartitions.parts(cursor, table, count=True) if p.month and p.month <= through]
        for table, part in chosen:
            if table == EVENTS:
                cursor.execute(f"SELECT count(DISTINCT e.case_id) FROM {pgpartitions.quote(part.table)} e "  # noqa: S608
                               f"JOIN {Case._meta.db_table} c ON c.id = e.case_id WHERE c.closed_at IS NULL")
                open_cases = cursor.fetchone()[0]
                if open_cases:
                    raise ValidationError(_("%(month)s holds the history of %(n)d cases not yet closed: it stays.")
                                          % {"month": f"{part.month:%Y-%m}", "n": open_cases})
        for table, part in sorted(chosen, key=lambda tp: (tp[1].month, order[tp[0]])):
            assert part.month is not None
            last = None
            if table == AUDIT and part.rows:
                cursor.execute(f"SELECT seq, hash FROM {pgpartitions.quote(part.table)} "  # noqa: S608
                               "ORDER BY seq DESC LIMIT 1")
                last = cursor.fetchone()
            archived = pgpartitions.detach(connection, table, part.month)
            if last:
                audit.mark_archived(actor, part.month, archived, part.rows or 0, last[0], last[1])
            audit.record(actor, "partitions.detached", detail={"table": table, "month": f"{part.month:%Y-%m}",
                                                               "archive": archived, "rows": part.rows})
            done.append(Month(table, part.month, archived, part.rows or 0))
    return done
