"""The daily visit sweep: a label past its due day becomes a missed visit (once per due day), and each grid
worker (or, for households in no grid, the village's staff) is told how many visits are due and missed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts.models import Assignment, User
from cunwu.accounts.roles import Role
from cunwu.notify import services as notify

from .models import Grid, Label, MissedVisit

CHUNK = 2000


def _mark_missed(today: dt.date) -> int:
    made = 0
    last = 0
    while True:
        rows = list(Label.objects.filter(due_on__lt=today, pk__gt=last).order_by("pk")
                    .values_list("pk", "village_id", "grid_id", "due_on")[:CHUNK])
        if not rows:
            return made
        last = rows[-1][0]
        created = MissedVisit.objects.bulk_create([
            MissedVisit(label_id=pk, village_id=village, grid_id=grid, due_on=due) for pk, village, grid, due in rows
            if due is not None
        ], ignore_conflicts=True)
        made += len(created)


def sweep(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    missed = _mark_missed(today)
    per_grid = Label.objects.filter(warn_on__lte=today, due_on__isnull=False).values("village_id", "grid_id").annotate(
        due=Count("id", filter=Q(due_on__gte=today)), late=Count("id", filter=Q(due_on__lt=today)))
    told = 0
    workers: defaultdict[int, list[User]] = defaultdict(list)
    grids = [row["grid_id"] for row in per_grid if row["grid_id"]]
    for membership in Grid.workers.through.objects.filter(grid_id__in=grids).select_related("user"):
        workers[membership.grid_id].append(membership.user)
    unplaced = {row["village_id"] for row in per_grid if not row["grid_id"]}
    staff: defaultdict[str, list[User]] = defaultdict(list)
    for a in Assignment.objects.active().filter(role=Role.VILLAGE_STAFF, region_id__in=unplaced).select_related(
            "user"):
        staff[a.region_id].append(a.user)
    link = reverse("households:due")
    for row in per_grid:
        people: list[User] = workers[row["grid_id"]] if row["grid_id"] else staff[row["village_id"]]
        if not people:  # a grid without a worker: the village's staff look after it
            people = staff.get(row["village_id"]) or list(User.objects.filter(
                assignments__active=True, assignments__role=Role.VILLAGE_STAFF,
                assignments__region_id=row["village_id"]))
        ref = _("%(due)s visits due, %(missed)s missed") % {"due": row["due"], "missed": row["late"]}
        told += notify.tell(people, "visits_due", f"visits:{today}:{row['village_id']}:{row['grid_id']}", ref,
                            link=link, region_code=row["village_id"], role=Role.GRID_WORKER if row["grid_id"] else
                            Role.VILLAGE_STAFF)
    return {"missed": missed, "told": told}
