"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions and requests, each in JSON or
XML (by the path's extension), errors in the specification's format. Public and read-only: every answer is
published information; nothing personal is in it (georeport.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cunwu.accounts import throttle
from cunwu.audit.context import client_ip

from . import georeport
from .formats import answer, errors

PER_MINUTE = 120  # answers for one client address


def _guarded(view):
    """The format checked, the caller's budget counted, a Problem answered in the specification's shape."""

    def wrapped(request, fmt: str, *args, **kwargs) -> HttpResponse:
        if fmt not in ("json", "xml"):
            return errors("json", 404, _("Ask for .json or .xml."))
        if not throttle.allowed("open311", client_ip(request), PER_MINUTE, 60):
            return errors(fmt, 429, _("Too many requests from here: try again in a minute."))
        try:
            return view(request, fmt, *args, **kwargs)
        except georeport.Problem as problem:
            return errors(fmt, problem.code, problem.description)

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return require_GET(wrapped)


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


@_guarded
def requests(request, fmt: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer(georeport.requests(place, request.GET), fmt, "service_requests", "request")


@_guarded
def one_request(request, fmt: str, number: str):
    place = georeport.jurisdiction(request.GET.get("jurisdiction_id", ""))
    return answer([georeport.request(place, number)], fmt, "service_requests", "request")
