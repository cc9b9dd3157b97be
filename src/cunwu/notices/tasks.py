"""Background jobs (huey): texting a warning to the staff of every village of its area."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import warnings

log = logging.getLogger("cunwu.worker")


@db_task(retries=3, retry_delay=30)
def fan_out_task(warning_id: int, only_unacknowledged: bool = False, round_key: str = "issued") -> int:
    sent = warnings.fan_out(warning_id, only_unacknowledged, round_key)
    log.info("warning %s: %s texts", warning_id, sent)
    return sent


@db_periodic_task(crontab(minute="*/5"))
@lock_task("warnings-missed")
def fan_out_missed_task() -> int:
    return warnings.fan_out_missed()
