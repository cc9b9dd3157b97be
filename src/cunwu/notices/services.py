"""Village notices (村务公开): published by the village's staff by category with the period they are shown,
archived, and corrected only by a new version (the old one stays readable, marked superseded). The village's
service directory is shown as the standing "services and procedures" notice, always the current version.

What is due: the Village Committees Organisation Law asks for village affairs at least every quarter and, where
there are many transactions, finances every month (`CUNWU["NOTICE_DUE"]`); `overdue` lists the villages of a
region that have published nothing of a due category in the current period."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import MANAGE, VIEW
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions.models import Region
from cunwu.text import clean_text as _text

from .models import Category, Notice, VillageOffice
from .policies import NOTICE_OVERSEERS


def _cfg(name: str):
    return settings.CUNWU[name]


def _village(code: str) -> Region:
    village = Region.objects.village(code)
    if village is None:
        raise permissions.NotFound
    return village


def _staff_of(actor: Actor, village_code: str) -> Actor:
    """The village's staff publish for it (NotFound for anyone else, as for things they cannot see)."""
    return permissions.acting_at(actor, village_code, (Role.VILLAGE_STAFF,))


def _period(shown_from: dt.date | None, shown_until: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    shown_from = shown_from or today
    shown_until = shown_until or shown_from + dt.timedelta(days=_cfg("NOTICE_DAYS"))
    shortest = _cfg("NOTICE_MIN_DAYS")
    if shown_from < today:
        raise ValidationError({"shown_from": [_("A notice cannot be published in the past.")]})
    if (shown_until - shown_from).days + 1 < shortest:
        raise ValidationError({"shown_until": [_("Show it for at least %(n)s days, so that villagers can read it.")
                                               % {"n": shortest}]})
    if (shown_until - shown_from).days > 366:
        raise ValidationError({"shown_until": [_("Show it for at most a year; publish it again after.")]})
    return shown_from, shown_until


@dataclass
class NoticeInput:
    village: str
    category: str
    title: str
    body: str
    shown_from: dt.date | None = None
    shown_until: dt.date | None = None


def publish(actor: Actor, data: NoticeInput) -> Notice:
    village = _village(data.village)
    acting = _staff_of(actor, village.code)
    if data.category not in Category.values or data.category == Category.SERVICES:
        raise ValidationError({"category": [_(
            "Choose a category. Services and procedures are published from the service directory.")]})
    title, body = _text(data.title, "title", 200), _text(data.body, "body", 20000)
    shown_from, shown_until = _period(data.shown_from, data.shown_until)
    with transaction.atomic():
        notice = Notice(village=village, category=data.category, title=title, body=body, series=0,
                        shown_from=shown_from, shown_until=shown_until, by=actor.user)
        notice.save()
        Notice.objects.filter(pk=notice.pk).update(series=notice.pk)  # the first version names the series
        notice.series = notice.pk
        record(acting, "notice.published", notice, region_code=village.code,
               detail={"category": notice.category, "title": title})
    return notice


def correct(actor: Actor, notice_id: int, title: str, body: str, correction: str,
            shown_until: dt.date | None = None) -> Notice:
    """A new version; the corrected one stays in the archive, marked superseded."""
    correction = _text(correction, "correction", 500)
    title, body = _text(title, "title", 200), _text(body, "body", 20000)
    with transaction.atomic():
        found = permissions.get_or_404(Notice.objects.all(), actor, VIEW, pk=notice_id)
        acting = permissions.require(actor, MANAGE, found, _("Only the village's staff correct its notices."))
        old = Notice.objects.select_for_update().get(pk=found.pk)
        if old.superseded_at is not None:
            raise permissions.Forbidden(_("This version was already corrected; correct the current one."))
        until = shown_until or max(old.shown_until, timezone.localdate() + dt.timedelta(days=_cfg("NOTICE_MIN_DAYS")))
        shown_from, until = _period(max(old.shown_from, timezone.localdate()), until)
        new = Notice(village_id=old.village_id, category=old.category, title=title, body=body, series=old.series,
                     version=old.version + 1, correction=correction, shown_from=shown_from, shown_until=until,
                     by=actor.user)
        new.save()
        old.superseded_at = new.published_at
        old.save(update_fields=["superseded_at"])
        record(acting, "notice.corrected", new, region_code=old.village_id,
               detail={"series": old.series, "version": new.version, "correction": correction})
    return new


def board(village_code: str, on: dt.date | None = None) -> dict[str, list[Notice]]:
    """What the village's notice board shows today, by category (current versions within their period)."""
    on = on or timezone.localdate()
    shown = Notice.objects.filter(village_id=village_code, superseded_at__isnull=True, shown_from__lte=on,
                                  shown_until__gte=on).order_by("-published_at")
    grouped: dict[str, list[Notice]] = {c: [] for c in Category.values}
    for notice in shown[:200]:
        grouped[notice.category].append(notice)
    return grouped


def archive(village_code: str, category: str = ""):
    """Everything the village ever published, corrections and superseded versions included (public)."""
    queryset = Notice.objects.filter(village_id=village_code)
    return queryset.filter(category=category) if category in Category.values else queryset


def get_notice(notice_id: int) -> tuple[Notice, list[Notice]]:
    """One notice and every version of its series, newest first (public)."""
    notice = Notice.objects.select_related("village").filter(pk=notice_id).first()
    if notice is None:
        raise permissions.NotFound
    return notice, list(Notice.objects.filter(series=notice.series).order_by("-version"))


# --- what is due ------------------------------------------------------------------------------------------


def period_start(every: str, on: dt.date) -> dt.date:
    if every == "month":
        return on.replace(day=1)
    if every == "quarter":
        return on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(every)


@dataclass
class Lacking:
    code: str
    name: str
    missing: list[tuple[str, str, dt.datetime | None]]  # category, its label, last published


def overdue(actor: Actor, region_code: str, on: dt.date | None = None) -> tuple[Region, list[Lacking], int]:
    """The villages of a region that have not published what is due in the current period (supervisors, the
    township and the administrators above)."""
    region = Region.objects.filter(code=(region_code or "").strip(), level__lte=5).first()
    if region is None or not (actor.system or any(
            region.code.startswith(a.region_id) for a in permissions.assignments_of(actor.user)
            if a.role in NOTICE_OVERSEERS)):
        raise permissions.NotFound
    on = on or timezone.localdate()
    due = _cfg("NOTICE_DUE")
    villages = list(Region.objects.active().filter(permissions.within("code", region.code), level=5)
                    .order_by("code").values_list("code", "name"))
    last = {(r["village_id"], r["category"]): r["last"] for r in Notice.objects.filter(
        permissions.within("village_id", region.code), category__in=list(due)).values("village_id", "category")
        .annotate(last=Max("published_at"))}
    zone = timezone.get_current_timezone()
    starts = {c: dt.datetime.combine(period_start(every, on), dt.time.min, zone) for c, every in due.items()}
    labels = dict(Category.choices)
    lacking = []
    for code, name in villages:
        missing = [(c, str(labels[c]), last.get((code, c))) for c in due
                   if last.get((code, c)) is None or last[(code, c)] < starts[c]]
        if missing:
            lacking.append(Lacking(code, name, missing))
    return region, lacking, len(villages)


# --- who to contact -------------------------------------------------------------------------------------------

PHONE = re.compile(r"^[0-9][0-9-]{6,19}$")


def set_office(actor: Actor, village_code: str, phone: str, hours: str, on_duty: str = "") -> VillageOffice:
    """The village's public phone, hours and who is on duty (its staff)."""
    village = _village(village_code)
    acting = _staff_of(actor, village.code)
    phone = (phone or "").strip().replace(" ", "")
    if not PHONE.match(phone):
        raise ValidationError({"phone": [_("Enter a phone number such as 0434-5211234 or 13904341234.")]})
    hours, on_duty = _text(hours, "hours", 200), _text(on_duty, "on_duty", 300, required=False)
    with transaction.atomic():
        office, _made = VillageOffice.objects.update_or_create(
            village=village, defaults={"phone": phone, "hours": hours, "on_duty": on_duty, "updated_by": actor.user})
        record(acting, "village.office_set", office, region_code=village.code,
               detail={"phone": phone, "hours": hours, "on_duty": on_duty})
    return office


@dataclass
class Contacts:
    office: VillageOffice | None
    staff: list
    advisers: list  # (user, AdviserProfile or None)
    police: list


def contacts(village_code: str) -> Contacts:
    """Who a villager can reach, with public work phones only (never a person's own mobile)."""
    from cunwu.accounts.models import Assignment
    from cunwu.legal.models import AdviserProfile, PoliceOfficer

    people = list(Assignment.objects.active().filter(
        region_id=village_code, role__in=(Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.LEGAL_ADVISER))
        .select_related("user").order_by("role", "pk"))
    advisers = [a.user for a in people if a.role == Role.LEGAL_ADVISER]
    profiles = {p.user_id: p for p in AdviserProfile.objects.filter(user__in=advisers)}
    return Contacts(
        office=VillageOffice.objects.filter(village_id=village_code).first(),
        staff=[a for a in people if a.role != Role.LEGAL_ADVISER],
        advisers=[(u, profiles.get(u.pk)) for u in advisers],
        police=list(PoliceOfficer.objects.filter(village_id=village_code, active=True)))
