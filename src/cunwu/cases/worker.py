"""The sweep the background worker runs every minute: 75% warnings, overdue marks, escalation of overdue
village-stage cases to the township, closing results left unrated, and late department sign-ins and answers.

It reads only rows whose `next_check_at` has come (a partial index), never every open case. Each row is
handled in its own transaction under a row lock (skipped if another worker holds it) and saved with the
version check of the service layer, so two workers never apply the same step twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.audit.context import Actor

from . import alerts, services
from .choices import OPEN_STATES, Action, DispatchState, Stage, State
from .models import Case, Dispatch


def _locking(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset  # SQLite: transactions are IMMEDIATE, so writers already take turns


def _due(model, now: dt.datetime, batch: int):
    """The ids of rows whose check has come, each once, in batches."""
    seen: set[int] = set()
    while True:
        ids = [pk for pk in model.objects.filter(next_check_at__lte=now).order_by("next_check_at")
               .values_list("pk", flat=True)[:batch] if pk not in seen]
        if not ids:
            return
        seen.update(ids)
        yield from ids


def sweep(now: dt.datetime | None = None, batch: int = 500) -> Counter:
    now = now or timezone.now()
    done: Counter = Counter()
    for pk in _due(Case, now, batch):
        try:
            with transaction.atomic():
                _check_case(pk, now, done)
        except services.Conflict:
            done["conflicts"] += 1
    for pk in _due(Dispatch, now, batch):
        with transaction.atomic():
            _check_dispatch(pk, now, done)
    return done


def _check_case(pk: int, now: dt.datetime, done: Counter) -> None:
    case = _locking(Case.objects.select_related("village")).filter(pk=pk, next_check_at__lte=now).first()
    if case is None:
        return
    worker = Actor.worker()
    told = []
    if case.responded_on_time is None and case.respond_by and case.respond_by <= now:
        case.responded_on_time = False
        services._event(case, worker, Action.OVERDUE, _("Nobody took charge within the response time limit."))
        told.append(("overdue", "response"))
        done["late_response"] += 1
    if case.state in OPEN_STATES and case.due_at:
        if not case.warned and case.warn_at and case.warn_at <= now:
            case.warned = True
            services._event(case, worker, Action.WARNED)
            told.append(("warned", ""))
            done["warned"] += 1
        if not case.overdue and case.due_at <= now:
            case.overdue = True
            services._event(case, worker, Action.OVERDUE)
            told.append(("overdue", "result"))
            done["overdue"] += 1
        if (case.overdue and case.stage == Stage.VILLAGE and case.state in (State.NEW, State.HANDLING)
                and services.escalates(case)):
            services._to_township(case, now, _("The village did not finish within the time limit."))
            services._event(case, worker, Action.AUTO_ESCALATED)
            told.append(("township", ""))
            done["escalated"] += 1
    if case.state in OPEN_STATES and case.stage_due_at and not case.stage_overdue and case.stage_due_at <= now:
        case.stage_overdue = True
        what = _("rectification") if case.state == State.RECTIFYING else case.get_stage_display()
        services._event(case, worker, Action.OVERDUE, _("Time limit of the %(what)s passed.") % {"what": what})
        told.append(("overdue", "stage"))
        done["stage_overdue"] += 1
    if case.state == State.RESOLVED and case.result_at:
        closes = services.clock.deadline(case.result_at, services._limit("UNRATED_CLOSE"), case.village_id)
        if closes <= now:
            services._close(case, worker, now, _("Closed without a rating."))
            done["closed_unrated"] += 1
    services._save(case)
    for what, detail in told:  # written in this transaction: a worker that dies before commit tells nobody
        if what == "warned":
            alerts.warned(case)
        elif what == "township":
            alerts.to_township(case)
        else:
            alerts.overdue(case, detail)


def _check_dispatch(pk: int, now: dt.datetime, done: Counter) -> None:
    row = _locking(Dispatch.objects.select_related("case", "department")).filter(pk=pk, next_check_at__lte=now).first()
    if row is None:
        return
    worker = Actor.worker()
    if row.state == DispatchState.CALLED and not row.sign_in_overdue and row.sign_in_by <= now:
        row.sign_in_overdue = True
        services._event(row.case, worker, Action.OVERDUE,
                        _("%(d)s did not report in within the time limit.") % {"d": row.department.chinese_name})
        alerts.dispatch_late(row.case, row, "sign_in")
        done["late_sign_in"] += 1
    if row.is_active and not row.respond_overdue and row.respond_by <= now:
        row.respond_overdue = True
        services._event(row.case, worker, Action.OVERDUE,
                        _("%(d)s did not answer within the time limit.") % {"d": row.department.chinese_name})
        alerts.dispatch_late(row.case, row, "answer")
        done["late_answer"] += 1
    services._schedule_dispatch(row)
    row.save(update_fields=["sign_in_overdue", "respond_overdue", "next_check_at"])
