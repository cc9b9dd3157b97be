"""Background jobs of accounts (huey): rate-limit counters of ended windows are dropped hourly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import throttle


@db_periodic_task(crontab(minute="7"))
@lock_task("rate-counter-purge")
def purge_rate_counters():
    return throttle.purge()
