"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions and requests, each in JSON or
XML (by the path's extension), errors in the specification's format. Reading is public: every answer is
published information; nothing personal is in it (georeport.py). Writing (POST requests) takes a partner
system's api_key (intake.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cunwu.accounts import permissions, throttle
from cunwu.audit.context import Actor, client_ip
from cunwu.downloads import XLSX, file_response
from cunwu.partners import services as partners
from cunwu.web.feedback import errors_of

from . import georeport, intake, workorders
from .formats import answer, errors


def _guarded(view, methods=("GET",)):
    """The format checked, the caller's budget counted, a Problem answered in the specification's shape."""

    def wrapped(request, fmt: str, *args, **kwargs) -> HttpResponse:
        if fmt not in ("json", "xml"):
            return errors("json", 404, _("Ask for .json or .xml."))
        if request.method not in methods:
            return errors(fmt, 405, _("This path takes %(m)s.") % {"m": " or ".join(methods)})
        if request.method == "GET" and not throttle.allowed("open311", client_ip(request),
                                                           settings.CUNWU["OPEN311_PER_MINUTE"], 60):
            return errors(fmt, 429, _("Too many requests from here: try again in a minute."))
        try:
            return view(request, fmt, *args, **kwargs)
        except georeport.Problem as problem:
            return errors(fmt, problem.code, problem.description)

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return csrf_exempt(wrapped) if "POST" in methods else wrapped


@_guarded
def discovery(request, fmt: str):
    base = (settings.CUNWU.get("PUBLIC_URL") or request.build_absolute_uri("/").rstrip("/")) + reverse(
        "open311:root")
    return answer({"changeset": "2026-12-03T00:00:00+08:00", "contact": _("The county's data administrator"),
                   "key_service": _("API keys are issued by the county administrator."),
                   "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                                  "changeset": "2026-12-03T00:00:00+08:00", "type": "production",
                                  "formats": ["application/json", "text/xml"]}]},
                  fmt, "discovery", None)


@_guarded
def services(request, fmt: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer(georeport.services(place), fmt, "services", "service")


@_guarded
def definition(request, fmt: str, code: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer(georeport.definition(place, code), fmt, "service_definition", None)


def _post(request, fmt: str):
    """POST requests: a partner system's key, its budget a minute, then the case (201; 200 for a token sent
    again with the same content)."""
    partner = partners.partner_for_key(request.POST.get("api_key", "").strip())
    if partner is None:
        return errors(fmt, 403, _("api_key is missing, unknown or revoked."))
    if not throttle.allowed("open311-key", str(partner.pk), partner.per_minute, 60):
        return errors(fmt, 429, _("This api_key sent too many requests: try again in a minute."))
    body, created = intake.submit(partner, request.POST, client_ip(request))
    response = answer([body], fmt, "service_requests", "request")
    response.status_code = 201 if created else 200
    return response


def _requests(request, fmt: str):
    if request.method == "POST":
        return _post(request, fmt)
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    found = georeport.requests(place, request.GET)
    response = answer(found, fmt, "service_requests", "request")
    page, size = georeport.page_of(request.GET)
    if len(found) == size and not request.GET.get("service_request_id"):  # there may be more: RFC 8288's next
        following = request.GET.copy()
        following["page"] = str(page + 1)
        response["Link"] = f'<{request.path}?{following.urlencode()}>; rel="next"'
    return response


requests = _guarded(_requests, ("GET", "POST"))


@_guarded
def token(request, fmt: str, value: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer([intake.token(place, value)], fmt, "service_requests", "request")


@_guarded
def one_request(request, fmt: str, number: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer([georeport.request(place, number)], fmt, "service_requests", "request")


# --- work orders (a county administrator's page for one partner system) ----------------------------------------


@login_required
def orders(request, partner_id: int):
    """Import a file of the partner's work orders and see what became of each row; download their results."""
    actor = Actor.from_request(request)
    try:
        partner, _acting = partners.get_partner(actor, partner_id)
    except permissions.NotFound:
        raise Http404 from None
    errors: dict = {}
    outcomes: list = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError({"file": [_("Choose the file of work orders.")]})
            if upload.size > 5 * 1024 * 1024:
                raise ValidationError({"file": [_("A file of work orders is at most 5 MB.")]})
            rows = workorders.read(upload.name, upload.read(), workorders.PAGE_MOST)
            outcomes = workorders.import_orders(actor, partner.pk, rows)
        except ValidationError as exc:
            errors = errors_of(exc)
        except permissions.Forbidden as exc:
            errors = {"file": [exc.message or _("You may not do this.")]}
    counts = {state: sum(o.state == state for o in outcomes) for state in ("created", "already", "refused")}
    return render(request, "open311/orders.html", {
        "partner": partner, "errors": errors, "outcomes": outcomes, "counts": counts,
        "columns": workorders.COLUMNS, "result_columns": workorders.RESULT_COLUMNS, "format": workorders.FORMAT,
        "most": workorders.PAGE_MOST})


@login_required
def order_results(request, partner_id: int, fmt: str):
    if fmt not in ("json", "xlsx"):
        raise Http404
    actor = Actor.from_request(request)
    since = None
    if request.GET.get("since"):
        try:
            since = timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(request.GET["since"]), dt.time()))
        except ValueError:
            since = None
    try:
        rows = workorders.results(actor, partner_id, since)
    except permissions.NotFound:
        raise Http404 from None
    if fmt == "xlsx":
        return file_response(workorders.as_xlsx(rows), XLSX, f"workorder-results-{partner_id}.xlsx")
    return file_response(workorders.as_json(rows), "application/json; charset=utf-8",
                         f"workorder-results-{partner_id}.json")
