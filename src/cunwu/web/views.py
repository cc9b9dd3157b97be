"""Home pages: one per role, chosen from the signed-in person's assignments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions, services
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.roles import GRANTS, Role
from cunwu.audit.context import Actor
from cunwu.burden.models import FormsList
from cunwu.notices.services import contacts as village_contacts
from cunwu.notices.warnings import current_for as current_warnings
from cunwu.regions import codes
from cunwu.regions.models import Region

VILLAGE_ROLES = {Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.LEGAL_ADVISER}


def home(request):
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    mine = permissions.assignments_of(request.user)
    if not mine:
        return _choose_village(request)
    current = next((a for a in mine if str(a.pk) == request.GET.get("as")), mine[0])
    if current.role == Role.VILLAGER:
        return _villager_home(request, current, mine)
    if current.role in VILLAGE_ROLES or (current.role == Role.MEDIATOR and current.region.level == 5):
        return _village_workbench(request, current, mine)
    return _jurisdiction_overview(request, current, mine)


def _choose_village(request):
    q = request.GET.get("q", "").strip()[:50]
    results = []
    if q:
        results = list(Region.objects.active().filter(level=5, name__contains=q).select_related("parent__parent")[:30])
    return render(request, "web/choose_village.html", {"q": q, "results": results})


@require_POST
def choose_village(request):
    if not request.user.is_authenticated:
        return redirect("accounts:villager-sign-in")
    try:
        services.choose_own_village(Actor.from_request(request), request.POST.get("village", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("web:home")


def _villager_home(request, current, mine):
    village = current.region
    return render(request, "web/home_villager.html", {"village": village, "path": village.path(),
                                                      "warnings": current_warnings(village.code),
                                                      "contacts": village_contacts(village.code),
                                                      "current": current, "mine": mine})


def _inbox(request, current) -> dict:
    from cunwu.notify.services import unread_count

    from . import inbox

    actor = Actor.from_request(request)
    return {"inbox": inbox.sections_for(actor, current), "unread": unread_count(request.user)}


def _village_workbench(request, current, mine):
    village = current.region
    actor = Actor.from_request(request)
    villagers = permissions.restrict(
        User.objects.filter(assignments__region=village, assignments__role=Role.VILLAGER, assignments__active=True), actor
    ).order_by("-date_joined")
    return render(request, "web/home_village_staff.html", {
        "warnings": current_warnings(village.code),
        "village": village, "path": village.path(), "current": current, "mine": mine,
        "villager_count": villagers.count(), "recent": villagers[:10],
        "can_register": Role.VILLAGER in GRANTS.get(current.role, ()), **_inbox(request, current),
        # the village's requests, households and certificates are for its staff and grid workers; an adviser or a
        # mediator working here is shown only the links they may follow
        "handles": current.role in (Role.VILLAGE_STAFF, Role.GRID_WORKER),
    })


def _jurisdiction_overview(request, current, mine):
    region = current.region
    below = Region.objects.active().within(region.code).exclude(code=region.code)
    by_level = dict(below.values_list("level").annotate(n=Count("code")).values_list("level", "n"))
    rural = below.filter(level=5, is_rural=True).count()
    people = (Assignment.objects.active().filter(permissions.within("region_id", region.code))
              .values("role").annotate(n=Count("id")).order_by("role"))
    return render(request, "web/home_overview.html", {
        "region": region, "path": region.path(), "current": current, "mine": mine,
        "levels": [(codes.LEVEL_NAMES[lv], by_level.get(lv, 0)) for lv in range(region.level + 1, 6)],
        "rural": rural, "people": [(Role(p["role"]).label, p["n"]) for p in people],
        "children": Region.objects.active().filter(parent=region).order_by("code")[:200],
        "is_auditor": current.role in (Role.AUDITOR, Role.SUPERVISOR),
        "may_compare": current.role != Role.DEPARTMENT_OFFICER,
        "can_manage": bool(GRANTS.get(current.role)),
        "department": current.department, **_inbox(request, current),
        "forms_year": FormsList.objects.filter(county_id=region.code).order_by("-year").values_list(
            "year", flat=True).first() if region.level == 3 else None,
    })


ELDER_COOKIE = "cunwu_elder"


@require_POST
def elder_mode(request):
    """Elder mode on or off for this browser: larger type and targets, stronger contrast, read-aloud."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(ELDER_COOKIE)
    return response


@require_POST
def speak(request):
    """One clip of a screen's text as spoken Mandarin (WAV), from the server's own engine; the page plays it from a
    blob, which the content security policy allows for media only."""
    from django.http import HttpResponse

    from cunwu.audit.context import client_ip

    from . import speech

    if not speech.allowed(client_ip(request)):
        return HttpResponse(status=429)
    text = request.POST.get("text", "")
    if not text.strip():
        return HttpResponse(status=400)
    try:
        audio = speech.synthesize(text, english=request.POST.get("lang") == "en")
    except speech.TooLong:
        return HttpResponse(status=413)
    except (speech.Unavailable, OSError, TimeoutError):
        return HttpResponse(status=503)
    response = HttpResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def notifications(request):
    """The person's own notifications, newest first; opening the page marks nothing read by itself."""
    from django.utils.dateparse import parse_datetime

    from cunwu.notify import kinds
    from cunwu.notify.services import notifications_of

    rows = list(notifications_of(Actor.from_request(request))[:200])
    for n in rows:
        n.label = kinds.label(n.kind)
        n.due = parse_datetime(n.params.get("due") or "") if n.params.get("due") else None
    request.cunwu_no_store = True
    return render(request, "web/notifications.html", {"rows": rows, "unread": sum(1 for n in rows if not n.read_at)})


@require_POST
@login_required
def notifications_read(request):
    from cunwu.notify.services import mark_read

    mark_read(Actor.from_request(request))
    return redirect("web:notifications")


@login_required
def deliveries(request):
    """For administrators: the texts sent about their places, with what became of each."""
    from cunwu.notify import kinds
    from cunwu.notify.models import DeliveryState
    from cunwu.notify.services import deliveries_for

    rows = deliveries_for(Actor.from_request(request))
    state = request.GET.get("state", "")
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    rows = list(rows[:300])
    for row in rows:
        row.label = kinds.label(row.kind) if row.kind else _("Text about their request")
    request.cunwu_no_store = True
    return render(request, "web/deliveries.html", {"rows": rows, "states": DeliveryState.choices, "state": state})
