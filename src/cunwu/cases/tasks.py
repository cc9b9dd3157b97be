"""Background jobs (huey): the minute sweep of case time limits. `cunwu worker` runs them."""

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
