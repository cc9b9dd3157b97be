"""Background jobs (huey): the minute sweep of case time limits, and the nightly refresh of SQLite's query
statistics. `cunwu worker` runs them."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import worker

log = logging.getLogger("cunwu.worker")


@db_periodic_task(crontab(minute="*"))
@lock_task("cases-sweep")
def sweep_cases():
    done = worker.sweep()
    if done:
        log.info("case sweep: %s", dict(done))
    return dict(done)


@db_periodic_task(crontab(minute="17", hour="3"))
@lock_task("sqlite-optimize")
def refresh_query_statistics():
    """SQLite plans its queries from statistics that only ANALYZE gathers: refresh them nightly (sampling at
    most 1,000 rows per index, a second or so on millions of cases), so that queue pages keep the index that
    gives their order. PostgreSQL's autovacuum does this by itself."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")


@db_periodic_task(crontab(minute="25", hour="2"))
@lock_task("partitions-ahead")
def partitions_ahead():
    """On PostgreSQL, this month's and the next three months' partitions of case events, notifications and the
    audit log, made ahead every night: never at write time."""
    from cunwu.audit.context import Actor

    from . import archive

    return archive.ensure_ahead(Actor.worker())
