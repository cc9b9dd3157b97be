"""Background jobs of the platform as a whole (huey): stored files no row names are removed hourly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from cunwu import uploads


@db_periodic_task(crontab(minute="23"))
@lock_task("upload-orphans")
def sweep_upload_orphans():
    return uploads.sweep_orphans()
