"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions and requests, each in JSON or
XML (by the path's extension), errors in the specification's format. Reading is public: every answer is
published information; nothing personal is in it (georeport.py). Writing (POST requests) takes a partner
system's api_key (intake.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cunwu.accounts import throttle
from cunwu.audit.context import client_ip
from cunwu.partners import services as partners

from . import georeport, intake
from .formats import answer, errors

PER_MINUTE = 120  # answers for one client address


def _guarded(view, methods=("GET",)):
    """The format checked, the caller's budget counted, a Problem answered in the specification's shape."""

    def wrapped(request, fmt: str, *args, **kwargs) -> HttpResponse:
        if fmt not in ("json", "xml"):
            return errors("json", 404, _("Ask for .json or .xml."))
        if request.method not in methods:
            return errors(fmt, 405, _("This path takes %(m)s.") % {"m": " or ".join(methods)})
        if request.method == "GET" and not throttle.allowed("open311", client_ip(request), PER_MINUTE, 60):
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
    return answer(georeport.requests(place, request.GET), fmt, "service_requests", "request")


requests = _guarded(_requests, ("GET", "POST"))


@_guarded
def token(request, fmt: str, value: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer([intake.token(place, value)], fmt, "service_requests", "request")


@_guarded
def one_request(request, fmt: str, number: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer([georeport.request(place, number)], fmt, "service_requests", "request")
