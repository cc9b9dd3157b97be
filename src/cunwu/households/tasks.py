"""Background job (huey): the morning visit sweep."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import worker

log = logging.getLogger("cunwu.worker")


@db_periodic_task(crontab(minute="30", hour="7"))
@lock_task("visits-sweep")
def sweep_visits():
    done = worker.sweep()
    log.info("visit sweep: %s", done)
    return done


@db_periodic_task(crontab(minute="*/5"))
@lock_task("ledger-left-queued")
def sweep_left_queued_imports():
    from . import ledger

    return ledger.run_left_queued()


@db_task()
def run_ledger_import(job_id: int):
    from . import ledger

    job = ledger.run(job_id)
    log.info("ledger import %s: %s", job_id, job.state)
    return job.state
