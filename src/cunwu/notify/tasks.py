"""Background delivery (huey): at once after a commit, and every minute for held texts and retries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import services


@db_task()
def deliver_task():
    return services.deliver_due()


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-deliver")
def deliver_periodic():
    return services.deliver_due()
