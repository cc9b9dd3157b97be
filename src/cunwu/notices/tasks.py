"""Background jobs (huey): texting a warning to the staff of every village of its area."""

import logging

from huey.contrib.djhuey import db_task

from . import warnings

log = logging.getLogger("cunwu.worker")


@db_task(retries=3, retry_delay=30)
def fan_out_task(warning_id: int, only_unacknowledged: bool = False, round_key: str = "issued") -> int:
    sent = warnings.fan_out(warning_id, only_unacknowledged, round_key)
    log.info("warning %s: %s texts", warning_id, sent)
    return sent
