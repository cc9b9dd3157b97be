"""Pages: a village's notice board (public), its archive and a notice's versions; publishing and correcting for
the village's staff; what is due for supervisors; warnings issued, followed live, acknowledged."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cunwu.accounts import permissions
from cunwu.accounts.permissions import MANAGE
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.directory import services as directory
from cunwu.directory.models import DirectoryVersion
from cunwu.regions.models import Region
from cunwu.web.feedback import act_and_return, form_page, parse_date

from . import services, warnings
from .models import Category, Kind, Level
from .policies import may_issue


def _is_staff(request, code: str) -> bool:
    return request.user.is_authenticated and any(
        a.role == Role.VILLAGE_STAFF and a.region_id == code for a in permissions.assignments_of(request.user))


def board(request, code: str):
    village = services._village(code)
    entries = directory.directory_for(code)
    version = DirectoryVersion.objects.filter(pk=entries[0].version_id).first() if entries else None
    return render(request, "notices/board.html", {
        "village": village, "path": village.path(), "sections": [
            (value, label, shown) for (value, label), shown in zip(Category.choices, services.board(code).values(),
                                                                    strict=True) if value != Category.SERVICES],
        "entries": len(entries), "version": version, "warnings": warnings.current_for(code),
        "staff": _is_staff(request, code)})


def archive(request, code: str):
    village = services._village(code)
    category = request.GET.get("category", "")
    page = Paginator(services.archive(code, category), 50).get_page(request.GET.get("page"))
    return render(request, "notices/archive.html", {
        "village": village, "path": village.path(), "page": page, "category": category,
        "categories": Category.choices})


@require_safe
def notice(request, notice_id: int):
    found, versions = services.get_notice(notice_id)
    may_correct = (request.user.is_authenticated and found.current
                   and permissions.can(Actor.from_request(request), MANAGE, found))
    return render(request, "notices/notice.html", {"n": found, "versions": versions, "may_correct": may_correct,
                                                   "village": found.village})


@login_required
def publish(request, code: str):
    village = services._village(code)
    actor = Actor.from_request(request)
    services._staff_of(actor, code)

    def save(form):
        made = services.publish(actor, services.NoticeInput(
            village=code, category=form.get("category", ""), title=form.get("title", ""), body=form.get("body", ""),
            shown_from=parse_date(form.get("shown_from", ""), "shown_from"),
            shown_until=parse_date(form.get("shown_until", ""), "shown_until")))
        return reverse("notices:notice", args=[made.pk])

    return form_page(request, "notices/publish.html", {
        "village": village, "categories": [c for c in Category.choices if c[0] != Category.SERVICES]},
        save, _("The notice is published."))


@login_required
def correct(request, notice_id: int):
    found, _versions = services.get_notice(notice_id)
    actor = Actor.from_request(request)

    def save(form):
        made = services.correct(actor, notice_id, form.get("title", ""), form.get("body", ""),
                                form.get("correction", ""), parse_date(form.get("shown_until", ""), "shown_until"))
        return reverse("notices:notice", args=[made.pk])

    if not permissions.can(actor, MANAGE, found):
        raise permissions.NotFound
    return form_page(request, "notices/correct.html", {"n": found, "village": found.village}, save,
                      _("The correction is published; the earlier version stays in the archive."))


@login_required
def office(request, code: str):
    """The village's public phone, opening hours and who is on duty (its staff set them)."""
    village = services._village(code)
    actor = Actor.from_request(request)
    services._staff_of(actor, code)
    current = services.contacts(code).office

    def save(form):
        services.set_office(actor, code, form.get("phone", ""), form.get("hours", ""), form.get("on_duty", ""))
        return reverse("directory:village", args=[code])

    return form_page(request, "notices/office.html", {"village": village, "current": current}, save,
                     _("Saved. Villagers see it on the village's page."))


@login_required
def due(request):
    actor = Actor.from_request(request)
    code = request.GET.get("region", "") or next(
        (a.region_id for a in permissions.assignments_of(actor.user)), "")
    region, lacking, total = services.overdue(actor, code)
    townships = []
    if region.level < 4:  # a county or above: how many villages of each place below lag, each a way down
        width = {1: 4, 2: 6, 3: 9}[region.level]
        by_township: dict[str, int] = {}
        for v in lacking:
            by_township[v.code[:width]] = by_township.get(v.code[:width], 0) + 1
        names = dict(Region.objects.filter(code__in=by_township).values_list("code", "name"))
        townships = [(code, names.get(code, code), n) for code, n in sorted(by_township.items())]
    return render(request, "notices/due.html", {"region": region, "path": region.path(), "lacking": lacking[:1000],
                                                "townships": townships, "count": len(lacking), "total": total})


# --- warnings ------------------------------------------------------------------------------------------------


@login_required
def warning_list(request):
    actor = Actor.from_request(request)
    return render(request, "notices/warnings.html", {
        "issued": warnings.issued(actor)[:100], "copies": warnings.for_village_staff(actor)[:50],
        "may_issue": any(may_issue(a) for a in permissions.assignments_of(actor.user))})


def _area_choices(actor: Actor) -> list[dict]:
    """The places an issuer may choose: their county and its townships, or their township and its villages."""
    groups = []
    for a in permissions.assignments_of(actor.user):
        if may_issue(a):
            below = Region.objects.active().filter(parent_id=a.region_id).order_by("code").values_list("code", "name")
            groups.append({"region": a.region, "below": list(below)})
    return groups


@login_required
def warning_new(request):
    actor = Actor.from_request(request)
    groups = _area_choices(actor)
    if not groups:
        raise permissions.NotFound

    def save(form):
        until = form.get("valid_until", "").strip()
        try:
            valid_until = timezone.make_aware(dt.datetime.fromisoformat(until)) if until else None
        except ValueError:
            raise ValidationError({"valid_until": [_("Enter a date and time such as 2026-11-23 18:00.")]}) from None
        made = warnings.issue(actor, warnings.WarningInput(
            kind=form.get("kind", ""), level=form.get("level", ""), title=form.get("title", ""),
            text=form.get("text", ""), valid_until=valid_until,
            area=form.getlist("area") + form.get("codes", "").replace("，", ",").replace(" ", ",").split(",")))
        return reverse("notices:warning", args=[made.pk])

    return form_page(request, "notices/warning_new.html", {
        "groups": groups, "kinds": Kind.choices, "levels": Level.choices,
        "chosen": request.POST.getlist("area") if request.method == "POST" else [],
        "default_until": (timezone.localtime() + dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")},
        save, _("The warning is issued. The village staff are being texted now."))


@login_required
def warning_page(request, warning_id: int):
    actor = Actor.from_request(request)
    mine = warnings.for_village_staff(actor).filter(warning_id=warning_id)
    try:
        status = warnings.status(actor, warning_id)
    except permissions.NotFound:
        if not mine.exists():
            raise
        status = {"warning": warnings.get_warning(warning_id)}
    return render(request, "notices/warning.html", {**status, "mine": list(mine)})


@require_POST
@login_required
def warning_step(request, warning_id: int, step: str):
    steps = {
        "acknowledge": (lambda a: warnings.acknowledge(a, warning_id, request.POST.get("village", "")),
                        _("Acknowledged. The issuer sees it now.")),
        "resend": (lambda a: warnings.resend(a, warning_id),
                   _("The villages that have not acknowledged are being texted again.")),
        "cancel": (lambda a: warnings.cancel(a, warning_id), _("The warning is cancelled.")),
    }
    if step not in steps:
        raise permissions.NotFound
    action, success = steps[step]
    return act_and_return(request, action, success, reverse("notices:warning", args=[warning_id]))
