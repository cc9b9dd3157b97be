"""Background jobs of the legal services (huey): the minute sweep of their time limits."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import supervise

log = logging.getLogger("cunwu.worker")


@db_periodic_task(crontab(minute="*"))
@lock_task("legal-sweep")
def sweep_legal_limits():
    done = supervise.sweep()
    if done:
        log.info("legal sweep: %s", dict(done))
    return dict(done)
