"""Background jobs of the audit log (huey): a signed checkpoint of the chain's head every hour."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import checkpoints


@db_periodic_task(crontab(minute="3"))
@lock_task("audit-checkpoint")
def audit_checkpoint():
    line = checkpoints.write()
    return line["seq"] if line else None
