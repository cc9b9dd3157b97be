"""The worker's supervision of legal time limits, as for cases: at 75% of a limit the person who must act is
told; past it the file is marked overdue and the county justice bureau is told (escalation).

- a consultation: the village's legal adviser must answer (CUNWU["LEGAL_LIMITS"]["consultation"]);
- a legal-aid application: the bureau decides, then assigns, then the lawyer signs the agreement, each step on
  its own working-day limit (waiting for materials stops the clock, so it is not watched then);
- a mediation: its mediators must end it by `due_on`;
- an off-site collaboration: the county asked must answer, then do the work, each in its limit (collaboration.py).

Each mark is written once per limit (`watch_level` and `watch_due`), and each notification once per person and
event, so a second worker or a retried run tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.accounts.roles import Role
from cunwu.accounts.services import holders
from cunwu.notify import services as notify

from .collaboration import running as collaborations
from .models import AidApplication, AidState, Consultation, ConsultationState, MediationCase, MediationState

WARN_SHARE = 0.75


def _bureau(county_code: str) -> list[User]:
    return holders(Role.DEPARTMENT_OFFICER, region_id=county_code, department__kind="justice")


def _level(start: dt.datetime, due: dt.datetime, now: dt.datetime) -> int:
    if now >= due:
        return 2
    if start and (now - start) >= (due - start) * WARN_SHARE:
        return 1
    return 0


def _pending(queryset):
    """Rows whose limit has not been fully supervised yet: a new limit, or one not yet marked overdue."""
    return queryset.filter(Q(watch_due__isnull=True) | ~Q(watch_due=F("due_at")) | Q(watch_level__lt=2))


def _watch(row, due: dt.datetime, start: dt.datetime, now: dt.datetime, kind: str, ref: str, link: str,
           actors: list[User], role: str, done: Counter, where: str = "") -> None:
    """`where`: the place the actors hold `role` at, when not the row's village (another county's officers)."""
    level = _level(start, due, now)
    before = row.watch_level if row.watch_due == due else 0
    if level <= before:
        if row.watch_due != due:
            type(row).objects.filter(pk=row.pk).update(watch_due=due, watch_level=0)
        return
    key = f"{kind}:{row.pk}:{int(due.timestamp())}"
    with transaction.atomic():
        if not type(row).objects.filter(pk=row.pk).exclude(watch_due=due, watch_level__gte=level).update(
                watch_due=due, watch_level=level):
            return  # another worker marked it first
        if level == 1:
            notify.tell(actors, kind, f"{key}:warn", ref, due=due, link=link, region_code=where or row.village_id,
                        role=role)
            done["warned"] += 1
        if level == 2:  # straight to overdue when the warning point passed unseen: one notification, not two
            notify.tell(actors + _bureau(row.county_code), "legal_overdue", f"{key}:overdue", ref, due=due,
                        link=link, region_code=row.village_id, urgent=True)
            done["overdue"] += 1


def sweep(now: dt.datetime | None = None) -> Counter:
    now = now or timezone.now()
    done: Counter = Counter()
    open_questions = _pending(Consultation.objects.filter(state=ConsultationState.OPEN, due_at__isnull=False))
    for c in open_questions.select_related("adviser", "village").iterator(chunk_size=500):
        _watch(c, c.due_at, c.created_at, now, "legal_question", c.village.name, f"/legal/consultations/{c.pk}/",
               [c.adviser] if c.adviser else [], Role.LEGAL_ADVISER, done)
    running = _pending(AidApplication.objects.filter(clock_from__isnull=False, due_at__isnull=False).exclude(
        state__in=[AidState.CLOSED, AidState.WITHDRAWN, AidState.REFUSED, AidState.AWAITING]))
    for a in running.select_related("lawyer").iterator(chunk_size=500):
        lawyer_step = a.state == AidState.ASSIGNED and a.lawyer is not None
        actors = [a.lawyer] if lawyer_step else _bureau(a.county_code)
        # the lawyer may be the adviser of another village of the county: told as the file's lawyer, not by place
        _watch(a, a.due_at, a.clock_from, now, "legal_aid", a.number or str(a.pk), f"/legal/aid/{a.pk}/", actors,
               "" if lawyer_step else Role.DEPARTMENT_OFFICER, done)
    tz = timezone.get_current_timezone()
    # open mediations only (an extension after the limit brings a watched one back: its due moment moves)
    for m in MediationCase.objects.filter(state=MediationState.OPEN).prefetch_related("mediators").iterator(
            chunk_size=500):
        due = timezone.make_aware(dt.datetime.combine(m.due_on + dt.timedelta(days=1), dt.time.min), tz)
        start = timezone.make_aware(dt.datetime.combine(m.opened_on, dt.time.min), tz)
        _watch(m, due, start, now, "mediation_assigned", m.number or str(m.pk), f"/legal/mediation/{m.pk}/",
               list(m.mediators.all()), Role.MEDIATOR, done)
    # off-site collaboration: the county asked must answer, then do it; past the limit the asking bureau is told too
    for c in _pending(collaborations()).select_related("application").iterator(chunk_size=500):
        _watch(c, c.due_at, c.step_from, now, "aid_collaboration", c.application.number or str(c.pk),
               f"/legal/aid/collaborations/{c.pk}/", _bureau(c.helper_id), Role.DEPARTMENT_OFFICER, done,
               where=c.helper_id)
    return done
