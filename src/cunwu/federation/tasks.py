"""Background job (huey): every night a province's instance sends its recent days to the national instance,
when CUNWU_PROVINCE and CUNWU_NATIONAL_URL say where."""

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from cunwu.audit.context import Actor

from . import services

log = logging.getLogger("cunwu.worker")


@db_periodic_task(crontab(minute="40", hour="1"))
@lock_task("federation-send")
def send_reports():
    if not (settings.CUNWU["PROVINCE"] and settings.CUNWU["NATIONAL_URL"]):
        return []
    sent = services.send(Actor.worker())
    missed = [s.day.isoformat() for s in sent if not s.accepted]
    if missed:
        log.warning("national reports not taken for %s (sent again tomorrow)", ", ".join(missed))
    return [s.day.isoformat() for s in sent]
