"""The county administrator's pages for connected systems: the list (and connecting one), and one system with its
keys, webhook receivers and recent deliveries. Thin: parse, call the service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import MANAGE
from cunwu.audit.context import Actor
from cunwu.web.feedback import errors_of

from . import services
from .events import CATALOGUE
from .models import Attempt, EndpointState, PartnerKind

SHOWN = 50  # deliveries on the page, newest first
WATCHERS = ("county_admin", "city_admin", "province_admin", "supervisor", "auditor")


def _counties(actor: Actor) -> list[tuple[str, str]]:
    """The counties where the person may connect a system (their own, or those of their city or province)."""
    from cunwu.regions.models import Region

    places = []
    for a in permissions.assignments_of(actor.user):
        if a.role in ("county_admin", "city_admin", "province_admin"):
            found = Region.objects.within(a.region_id).filter(level=3, active=True).order_by("code")[:300]
            places += [(r.code, r.name) for r in found]
    return list(dict.fromkeys(places))


@login_required
def partner_list(request):
    actor = Actor.from_request(request)
    counties = _counties(actor)
    form = request.POST if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        try:
            partner = services.connect(actor, services.PartnerInput(
                region=form.get("region", ""), name=form.get("name", ""), kind=form.get("kind", ""),
                contact=form.get("contact", ""), per_minute=form.get("per_minute") or 0))
            messages.success(request, _("%(name)s is connected. Issue it a key below.") % {"name": partner.name})
            return redirect("partners:partner", partner_id=partner.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
        except permissions.NotFound:
            errors = {"region": [_("You do not administer this county.")]}
    if not counties and not any(a.role in WATCHERS for a in permissions.assignments_of(actor.user)):
        raise Http404
    rows = services.partners_for(actor)
    return render(request, "partners/list.html", {
        "rows": rows, "counties": counties, "kinds": PartnerKind.choices, "form": form, "errors": errors})


ACTIONS = {
    "issue_key": lambda actor, pk, post: services.issue_key(actor, pk),
    "revoke_key": lambda actor, pk, post: services.revoke_key(actor, pk, _int(post.get("key"))),
    "add_endpoint": lambda actor, pk, post: services.add_endpoint(actor, pk, post.get("url", ""),
                                                                  post.getlist("events")),
    "pause": lambda actor, pk, post: services.set_endpoint(actor, pk, _int(post.get("endpoint")),
                                                           state=EndpointState.PAUSED),
    "resume": lambda actor, pk, post: services.set_endpoint(actor, pk, _int(post.get("endpoint")),
                                                            state=EndpointState.ACTIVE),
    "remove_endpoint": lambda actor, pk, post: services.remove_endpoint(actor, pk, _int(post.get("endpoint"))),
    "replay": lambda actor, pk, post: services.replay(actor, pk, _int(post.get("send"))),
    "disconnect": lambda actor, pk, post: services.disconnect(actor, pk),
}
DONE = {
    "revoke_key": _("The key was revoked; it no longer works."),
    "pause": _("Sending is paused; events wait for it."), "resume": _("Sending resumed; what waited goes now."),
    "remove_endpoint": _("The receiver was removed."), "replay": _("The event will be sent again within a minute."),
    "disconnect": _("The system is disconnected: its keys no longer work and nothing more is sent to it."),
}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def partner_detail(request, partner_id: int):
    actor = Actor.from_request(request)
    try:
        partner, _acting = services.get_partner(actor, partner_id)
    except permissions.NotFound:
        raise Http404 from None
    errors: dict = {}
    shown_once: dict = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        action = ACTIONS.get(form.get("do", ""))
        if action is None:
            raise Http404
        try:
            made = action(actor, partner.pk, form)
        except ValidationError as exc:
            errors = errors_of(exc)
        except permissions.Forbidden as exc:
            errors = {"__all__": [exc.message or _("You may not do this.")]}
        else:
            if form["do"] == "issue_key":
                shown_once = {"key": made}
            elif form["do"] == "add_endpoint":
                shown_once = {"secret": made[1], "url": made[0].url}
            else:
                messages.success(request, DONE[form["do"]])
                return redirect("partners:partner", partner_id=partner.pk)
        partner, _acting = services.get_partner(actor, partner_id)
    sends = list(services.sends_of(actor, partner.pk)[:SHOWN])
    tries: dict = {}
    for attempt in Attempt.objects.filter(send__in=sends).order_by("at", "id"):
        tries.setdefault(attempt.send_id, []).append(attempt)
    request.cunwu_no_store = True  # a key or secret shown once is not kept by the browser
    return render(request, "partners/partner.html", {
        "partner": partner, "keys": partner.keys.order_by("-created_at"),
        "endpoints": partner.endpoints.order_by("created_at"), "sends": [(s, tries.get(s.pk, [])) for s in sends],
        "catalogue": list(CATALOGUE.items()), "errors": errors, "form": form, "shown_once": shown_once,
        "may_manage": permissions.can(actor, MANAGE, partner), "open311": request.build_absolute_uri("/open311/v2/"),
    })
