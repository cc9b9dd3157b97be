"""Webhook delivery (huey): at once after a commit, and every minute for retries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import delivery


@db_task()
def deliver_task():
    return dict(delivery.deliver_due())


@db_periodic_task(crontab(minute="*"))
@lock_task("partners-deliver")
def deliver_periodic():
    return dict(delivery.deliver_due())
