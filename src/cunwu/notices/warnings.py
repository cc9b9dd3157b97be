"""Emergency warnings (应急预警): issued by a township officer for the township, or by the county's
administrators and department officers for the county, to any set of villages, townships or the whole county.

Issuing writes one target row per village of the area in the issuer's request (a few bulk inserts: every
portal and terminal shows it at once) and leaves the texting to the background worker (`tasks.fan_out`): the
staff of each village get an SMS. The staff acknowledge for their village; the issuer sees which villages have
not, live, and can text those again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.permissions import CHANGE, VIEW
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.notify import services as notify
from cunwu.regions.models import Region

from .models import Kind, Level, Warning, WarningTarget
from .policies import TRACK, may_issue
from .services import _text


@dataclass
class WarningInput:
    kind: str
    level: str
    title: str
    text: str
    area: list[str] = field(default_factory=list)
    valid_until: dt.datetime | None = None


def _issuer(actor: Actor, area: list[str]):
    """The issuer's assignment that holds every code of the area; a code outside it is refused by name."""
    grants = [a for a in permissions.assignments_of(actor.user) if may_issue(a)]
    if not grants and not actor.system:
        raise permissions.Forbidden(_("Only township officers and the county's officials issue warnings."))
    for grant in grants:
        if all(code.startswith(grant.region_id) for code in area):
            return grant
    if actor.system:
        return None
    outside = [c for c in area if not any(c.startswith(g.region_id) for g in grants)]
    raise ValidationError({"area": [_("Outside your jurisdiction: %(codes)s.") % {"codes": "、".join(outside or area)}]})


def _area(codes: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not cleaned:
        raise ValidationError({"area": [_("Choose the villages, townships or county it is for.")]})
    if len(cleaned) > 2000:
        raise ValidationError({"area": [_("Choose at most 2,000 places; choose the township instead.")]})
    known = set(Region.objects.filter(code__in=cleaned, active=True).values_list("code", flat=True))
    unknown = [c for c in cleaned if c not in known]
    if unknown:
        raise ValidationError({"area": [_("No such county, township or village: %(codes)s.") % {
            "codes": "、".join(unknown[:10])}]})
    return cleaned


def _villages(area: list[str]) -> list[str]:
    place = Q()
    for code in area:
        place |= permissions.within("code", code)
    return list(Region.objects.active().filter(place, level=5).order_by("code").values_list("code", flat=True))


def issue(actor: Actor, data: WarningInput) -> Warning:
    area = _area(data.area)
    grant = _issuer(actor, area)
    kind = data.kind if data.kind in Kind.values else None
    level = data.level if data.level in Level.values else None
    if kind is None or level is None:
        raise ValidationError({"kind" if kind is None else "level": [_("Choose one of the listed values.")]})
    title, text = _text(data.title, "title", 120), _text(data.text, "text", 2000)
    now = timezone.now()
    until = data.valid_until
    if until is None or until <= now:
        raise ValidationError({"valid_until": [_("Give when the warning ends (later than now).")]})
    if until > now + dt.timedelta(days=30):
        raise ValidationError({"valid_until": [_("A warning lasts at most 30 days; issue it again after.")]})
    villages = _villages(area)
    if not villages:
        raise ValidationError({"area": [_("There are no villages in this area.")]})
    acting = actor.acting_as(grant) if grant else actor
    issuer_region = grant.region_id if grant else area[0][:6]
    with transaction.atomic():
        warning = Warning.objects.create(kind=kind, level=level, title=title, text=text, area=area,
                                         issuer_region_id=issuer_region, issued_by=actor.user, issued_at=now,
                                         valid_until=until, villages=len(villages))
        warning.number = f"YJ{now.astimezone(timezone.get_current_timezone()):%Y%m%d}{issuer_region}{warning.pk:06d}"
        Warning.objects.filter(pk=warning.pk).update(number=warning.number)
        WarningTarget.objects.bulk_create(
            [WarningTarget(warning=warning, village_id=code, valid_until=until) for code in villages],
            batch_size=2000)
        record(acting, "warning.issued", warning, region_code=issuer_region,
               detail={"kind": kind, "level": level, "area": area[:50], "villages": len(villages)})
        transaction.on_commit(lambda: _enqueue(warning.pk, False))
    return warning


def _enqueue(warning_id: int, only_unacknowledged: bool, round_key: str = "issued") -> None:
    from cunwu.background import hand_over

    from .tasks import fan_out_task

    hand_over(fan_out_task, warning_id, only_unacknowledged, round_key)


def fan_out(warning_id: int, only_unacknowledged: bool = False, round_key: str = "issued") -> int:
    """Tell the staff of every village of the warning (or of those that have not acknowledged), urgently, in
    the platform and by text: run by the worker. A retried task tells nobody twice (one notification per
    person and round). Returns the number of people newly told."""
    warning = Warning.objects.filter(pk=warning_id).first()
    if warning is None or not warning.in_force:
        return 0
    targets = WarningTarget.objects.filter(warning=warning)
    if only_unacknowledged:
        targets = targets.filter(acknowledged_at__isnull=True)
    ref = f"[{warning.get_level_display()}{warning.get_kind_display()}] {warning.title}"
    told = 0
    villages = list(targets.values_list("village_id", flat=True))
    for start in range(0, len(villages), 2000):
        chunk = villages[start:start + 2000]
        staff = list(Assignment.objects.active().filter(role=Role.VILLAGE_STAFF, region_id__in=chunk)
                     .values_list("region_id", "user_id"))
        people = {u.pk: u for u in User.objects.filter(pk__in=[user for _v, user in staff], is_active=True)}
        per_village: dict[str, int] = {}
        for village, user in staff:
            if user in people and people[user].phone:
                per_village[village] = per_village.get(village, 0) + 1
        with transaction.atomic():
            told += notify.tell(people.values(), "warning", f"warning:{warning.pk}:{round_key}", ref,
                                due=warning.valid_until, link=f"/warnings/{warning.pk}/",
                                region_of={user: village for village, user in staff}, role=Role.VILLAGE_STAFF,
                                urgent=True)
            now = timezone.now()
            by_count: dict[int, list[str]] = {}
            for village, count in per_village.items():
                by_count.setdefault(count, []).append(village)
            for count, same in by_count.items():
                WarningTarget.objects.filter(warning=warning, village_id__in=same).update(
                    texted=F("texted") + count, texted_at=now)
    if not only_unacknowledged:
        Warning.objects.filter(pk=warning.pk).update(fanned_out_at=timezone.now())
    return told


def fan_out_missed(now: dt.datetime | None = None) -> int:
    """Fan out the warnings in force whose fan-out never finished ten minutes after issue (the queue could not
    be reached, or the worker stopped): run by the worker's sweep. Returns the number of people newly told."""
    now = now or timezone.now()
    missed = Warning.objects.filter(fanned_out_at__isnull=True, cancelled_at__isnull=True, valid_until__gt=now,
                                    issued_at__lte=now - dt.timedelta(minutes=10))
    return sum(fan_out(pk) for pk in missed.values_list("pk", flat=True))


def get_warning(warning_id: int) -> Warning:
    """A warning's public content."""
    return permissions.get_or_404(Warning.objects.select_related("issuer_region"), None, VIEW, pk=warning_id)


def status(actor: Actor, warning_id: int) -> dict:
    """Acknowledgements, for those following the issuer's area."""
    warning = permissions.get_or_404(Warning.objects.select_related("issuer_region"), actor, TRACK, pk=warning_id)
    targets = WarningTarget.objects.filter(warning=warning)
    counts = targets.aggregate(total=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
                               texted=Count("pk", filter=Q(texted__gt=0)))
    waiting = list(targets.filter(acknowledged_at__isnull=True).select_related("village").order_by("village_id")[:500])
    return {"warning": warning, **counts, "waiting": waiting, "may_change": permissions.can(actor, CHANGE, warning)}


def resend(actor: Actor, warning_id: int) -> int:
    """Text again the villages that have not acknowledged (in the worker). Returns how many villages."""
    warning = permissions.get_or_404(Warning.objects.all(), actor, TRACK, pk=warning_id)
    acting = permissions.require(actor, CHANGE, warning, _("Only the issuing township or county resends it."))
    if not warning.in_force:
        raise permissions.Forbidden(_("The warning is no longer in force."))
    waiting = WarningTarget.objects.filter(warning=warning, acknowledged_at__isnull=True).count()
    record(acting, "warning.resent", warning, region_code=warning.issuer_region_id, detail={"villages": waiting})
    round_key = f"resent:{timezone.now().timestamp():.0f}"
    transaction.on_commit(lambda: _enqueue(warning.pk, True, round_key))
    return waiting


def cancel(actor: Actor, warning_id: int) -> Warning:
    with transaction.atomic():
        warning = permissions.get_or_404(Warning.objects.all(), actor, TRACK, pk=warning_id)
        acting = permissions.require(actor, CHANGE, warning, _("Only the issuing township or county cancels it."))
        if not warning.in_force:
            raise permissions.Forbidden(_("The warning is no longer in force."))
        now = timezone.now()
        Warning.objects.filter(pk=warning.pk).update(cancelled_at=now)
        WarningTarget.objects.filter(warning=warning).update(valid_until=now)
        record(acting, "warning.cancelled", warning, region_code=warning.issuer_region_id)
    warning.refresh_from_db()
    return warning


def acknowledge(actor: Actor, warning_id: int, village_code: str = "") -> WarningTarget:
    """The village's staff confirm they received it and are acting on it (once; later calls change nothing)."""
    with transaction.atomic():
        mine = permissions.restrict(WarningTarget.objects.filter(warning_id=warning_id), actor, CHANGE)
        if village_code:
            mine = mine.filter(village_id=village_code)
        target = mine.select_for_update().first()
        if target is None:
            raise permissions.NotFound
        if target.acknowledged_at is None:
            target.acknowledged_at, target.acknowledged_by = timezone.now(), actor.user
            target.save(update_fields=["acknowledged_at", "acknowledged_by"])
            grant = next((a for a in permissions.assignments_of(actor.user)
                          if a.role == Role.VILLAGE_STAFF and a.region_id == target.village_id), None)
            record(actor.acting_as(grant) if grant else actor, "warning.acknowledged", target.warning,
                   region_code=target.village_id, detail={"village": target.village_id})
    return target


def current_for(village_code: str):
    """Warnings in force for a village, newest and most severe first (public)."""
    order = {Level.RED: 0, Level.ORANGE: 1, Level.YELLOW: 2, Level.BLUE: 3}
    found = list(Warning.objects.filter(targets__village_id=village_code, targets__valid_until__gt=timezone.now(),
                                        cancelled_at__isnull=True).order_by("-issued_at")[:20])
    return sorted(found, key=lambda w: order.get(w.level, 9))


def for_village_staff(actor: Actor):
    """The copies of warnings for the villages the actor staffs, newest first."""
    return (permissions.restrict(WarningTarget.objects.select_related("warning", "village"), actor, CHANGE)
            .order_by("-warning__issued_at"))


def issued(actor: Actor):
    """Warnings the actor follows (their area's), newest first."""
    return permissions.restrict(Warning.objects.select_related("issuer_region"), actor, TRACK).order_by("-issued_at")
