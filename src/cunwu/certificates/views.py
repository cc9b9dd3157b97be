"""Certificate pages. Public: each village's list of types, the verification page a QR code opens (or a serial
typed in), the published keys. Signed in: asking for a certificate, the staff's checks and issuing, the PDF,
revocation, and the figures. Thin: parse the form, call a service, render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.audit.context import Actor, client_ip
from cunwu.dbrouter import reads_from_replica
from cunwu.downloads import XLSX
from cunwu.households import intake
from cunwu.web.feedback import act_and_return, errors_of, flash_errors

from . import figures as tables
from . import keys, services
from .models import RequestState, Status
from .policies import ISSUE, REVOKE

STATUS_WORDS = {
    "valid": (gettext_lazy("Valid"), gettext_lazy("This certificate is genuine and in force."), "ok"),
    "expired": (gettext_lazy("Expired"), gettext_lazy("This certificate is genuine but its validity has passed."),
                "warn"),
    "revoked": (gettext_lazy("Revoked"), gettext_lazy("The village revoked this certificate; it must not be used."),
                "bad"),
    "unknown": (gettext_lazy("No record"),
                gettext_lazy("This platform has no record of such a certificate: check the code, or do not trust "
                             "it."), "bad"),
    "malformed": (gettext_lazy("Not recognised"),
                  gettext_lazy("This is not a certificate code of this platform, or it is incomplete."), "bad"),
    "unknown_key": (gettext_lazy("Unknown key"), gettext_lazy("It was signed with a key no county has published."),
                    "bad"),
    "bad_signature": (gettext_lazy("Signature does not match"),
                      gettext_lazy("The content was changed or forged: do not trust it."), "bad"),
}


def public_url(request, path: str) -> str:
    base = settings.CUNWU["PUBLIC_URL"]
    return base + path if base else request.build_absolute_uri(path)


def verify_url(request, token: str) -> str:
    return public_url(request, reverse("certificates:verify", args=[token]))


def _verification(request, check):
    if not services.verification_allowed(client_ip(request)):
        return render(request, "certificates/verify.html", {"limited": True}, status=429)
    result = check()
    title, words, tone = STATUS_WORDS[result.status]
    return render(request, "certificates/verify.html", {
        "result": result, "shown": result.as_dict(), "title": title, "words": words, "tone": tone})


@never_cache
def verify_page(request, token: str):
    return _verification(request, lambda: services.verify(token))


@never_cache
def verify_short(request, code: str):
    """The short address printed on the certificate: its serial (any case, hyphens or not)."""
    return _verification(request, lambda: services.verify_code(code[:64]))


@never_cache
def lookup(request):
    """A form for the serial printed on the certificate (or a pasted link), for those who cannot scan."""
    code = request.GET.get("code", "").strip()[:2000]
    if not code:
        return render(request, "certificates/verify.html", {"ask": True})
    return _verification(request, lambda: services.verify_code(code))


def published_keys(request):
    response = JsonResponse({"keys": keys.published(request.GET.get("county", "").strip())},
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


def village_list(request, code: str):
    """The village's notice of certificates (public): what it issues and how, what a commitment replaces, and what
    it must not issue with who verifies instead."""
    village, groups = services.public_list(code)
    return render(request, "certificates/village.html", {
        "village": village, "path": village.path(), "issuable": groups[Status.ISSUABLE],
        "commitment": groups[Status.COMMITMENT], "non_issuable": groups[Status.NON_ISSUABLE],
        "as": services.may_request(Actor.from_request(request), village.code),
    })


@login_required
def request_new(request, code: str):
    actor = Actor.from_request(request)
    village, groups = services.public_list(code)
    who = services.may_request(actor, village.code)
    if not who:
        raise permissions.NotFound
    kinds = {k.code: k for group in groups.values() for k in group}
    kind = kinds.get(request.POST.get("type") or request.GET.get("type", ""))
    errors: dict = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST" and kind is not None:
        try:
            made = services.submit(actor, services.RequestInput(
                village=village.code, type=kind.code, purpose=form.get("purpose", ""),
                values={name: form.get(f"v_{name}", "") for name, _label in kind.fields},
                applicant_name=form.get("applicant_name", ""), resident=form.get("resident") or None))
            if made.state == RequestState.REFUSED:
                messages.error(request, made.reason)
            elif made.state == RequestState.COMMITTED:
                messages.info(request, made.reason)
            else:
                messages.success(request, _("Your request is with the village staff."))
            return redirect("certificates:request", request_id=made.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
    records = intake.lookup(request, actor, village.code) if who == "staff" else {}
    if records.get("taken") is not None and request.method != "POST":
        taken = intake.details(records["taken"])
        form = {"applicant_name": taken["name"], "v_address": taken["address"]}
    return render(request, "certificates/request_new.html", {
        **records, "village": village, "groups": [(Status(s).label, groups[s]) for s in (Status.ISSUABLE, Status.COMMITMENT,
                                                                               Status.NON_ISSUABLE)],
        "kind": kind, "who": who, "errors": errors, "form": form,
        "fields": [(name, label, form.get(f"v_{name}", ""), errors.get(f"v_{name}", []))
                   for name, label in (kind.fields if kind else [])],
    })


@login_required
def requests_list(request):
    actor = Actor.from_request(request)
    state = request.GET.get("state", "open")
    return render(request, "certificates/requests.html", {
        "requests": services.visible_requests(actor, state)[:200], "state": state,
        "states": [("open", _("To handle")), *RequestState.choices, ("all", _("All"))],
    })


@login_required
def request_page(request, request_id: int):
    actor = Actor.from_request(request)
    req = services.get_request(actor, request_id)
    certificate = getattr(req, "certificate", None) if req.state == RequestState.ISSUED else None
    may_issue = req.state in (RequestState.PENDING, RequestState.REVIEW) and permissions.can(actor, ISSUE, req)
    return render(request, "certificates/request.html", {
        "r": req, "kind": req.type, "certificate": certificate, "may_issue": may_issue,
        "may_revoke": certificate is not None and not certificate.revoked_at and permissions.can(actor, REVOKE,
                                                                                                  certificate),
        "values": [(label, req.values.get(name, "")) for name, label in req.type.fields],
        "fields": [(name, label, req.values.get(name, "")) for name, label in req.type.fields],
        "link": verify_url(request, certificate.token) if certificate else "",
        "may_ask_township": services.may_ask_township(actor, req),
        "as_staff": actor.user is not None and req.applicant_id != actor.user.pk,
    })


def _post(request, request_id: int, action, success: str):
    return act_and_return(request, action, success, reverse("certificates:request", kwargs={"request_id": request_id}))


@require_POST
@login_required
def issue(request, request_id: int):
    form = request.POST
    values = {k[2:]: v for k, v in form.items() if k.startswith("v_")}
    return _post(request, request_id, lambda a: services.issue(a, request_id, form.getlist("checks"), values),
                 _("Issued. Print it or let the applicant download it."))


@require_POST
@login_required
def refuse(request, request_id: int):
    return _post(request, request_id, lambda a: services.refuse(a, request_id, request.POST.get("reason", "")),
                 _("Refused; the applicant sees the reason."))


@require_POST
@login_required
def review(request, request_id: int):
    return _post(request, request_id, lambda a: services.record_review(a, request_id, request.POST.get("note", "")),
                 _("Recorded. The certificate may now be issued."))


@require_POST
@login_required
def revoke(request, serial: str):
    actor = Actor.from_request(request)
    certificate = services.get_certificate(actor, serial)
    return _post(request, certificate.request_id,
                 lambda a: services.revoke(a, serial, request.POST.get("reason", "")),
                 _("Revoked. Anyone who verifies it now sees that it was revoked."))


@login_required
def certificate_pdf(request, serial: str):
    certificate, data = services.certificate_pdf(Actor.from_request(request), serial,
                                                 lambda path: public_url(request, path))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.serial}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@login_required
@reads_from_replica
def figures_page(request):
    actor = Actor.from_request(request)
    try:
        result = services.figures(actor, request.GET.get("region", ""), _date(request.GET.get("from", "")),
                                  _date(request.GET.get("to", "")))
    except ValidationError as exc:
        flash_errors(request, exc)
        result = services.figures(actor, request.GET.get("region", ""), None, None)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(tables.to_xlsx(result), content_type=XLSX)
        response["Content-Disposition"] = (f'attachment; filename="certificates-{result.region.code}-'
                                           f'{result.start.isoformat()}-{result.end.isoformat()}.xlsx"')
        return response
    return render(request, "certificates/figures.html", {"report": result, "path": result.region.path()})


# --- a province's own types ------------------------------------------------------------------------------------


def _type_input(form) -> services.TypeInput:
    """The type form: checks one a line; printed fields one a line, as a label or as name=label."""
    fields = []
    for line in form.get("fields", "").splitlines():
        name, sep, label = line.partition("=")
        fields.append([name.strip(), label.strip()] if sep else line.strip())
    return services.TypeInput(
        name=form.get("name", ""), status=form.get("status", ""), legal_basis=form.get("legal_basis", ""),
        purpose=form.get("purpose", ""), procedure=form.get("procedure", ""),
        verify_instead=form.get("verify_instead", ""),
        checks=[c for c in form.get("checks", "").splitlines() if c.strip()], fields=fields,
        limit_days=form.get("limit_days", ""), validity_days=form.get("validity_days", ""),
        major=form.get("major") == "on")


def _type_form(kind) -> dict:
    """A type as the form shows it (to change it)."""
    return {"name": kind.name, "status": kind.status, "legal_basis": kind.legal_basis, "purpose": kind.purpose,
            "procedure": kind.procedure, "verify_instead": kind.verify_instead, "checks": "\n".join(kind.checks),
            "fields": "\n".join(f"{n}={label}" for n, label in kind.fields[1:]),
            "limit_days": kind.limit_days, "validity_days": kind.validity_days, "major": "on" if kind.major else ""}


def province_types(request, province: str):
    """The province's certificate types (public): its own with their versions, the national ones in force, the
    history. The province's administrator adds one here."""
    actor = Actor.from_request(request)
    book = services.province_types(province)
    may_keep = services.may_keep_types(actor, book.province.code)
    form = request.POST if request.method == "POST" else {"validity_days": 180, "limit_days": 0}
    errors: dict = {}
    if request.method == "POST":
        if not may_keep:
            raise permissions.NotFound
        try:
            made = services.add_type(actor, book.province.code, form.get("code", ""), _type_input(form))
            messages.success(request, _("“%(name)s” is on the province's list.") % {"name": made.name})
            return redirect("certificates:types", province=book.province.code)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, "certificates/types.html", {
        "book": book, "may_keep": may_keep, "form": form, "errors": errors, "statuses": Status.choices,
        "path": book.province.path()})


@login_required
def province_type(request, province: str, code: str):
    """Change one of the province's types (a new version) or withdraw it: its administrator only."""
    actor = Actor.from_request(request)
    book = services.province_types(province)
    kind = next((t for t in book.own if t.code == code), None)
    if kind is None or not services.may_keep_types(actor, book.province.code):
        raise permissions.NotFound
    form = request.POST if request.method == "POST" else _type_form(kind)
    errors: dict = {}
    if request.method == "POST":
        try:
            if form.get("retire"):
                services.retire_type(actor, book.province.code, code, form.get("reason", ""))
                messages.success(request, _("Withdrawn. Certificates already issued stay valid until their date."))
            else:
                new = services.change_type(actor, book.province.code, code, _type_input(form), form.get("reason", ""))
                messages.success(request, _("Version %(v)d is in force. Certificates already issued keep the version "
                                            "they were issued under.") % {"v": new.version})
            return redirect("certificates:types", province=book.province.code)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, "certificates/type_change.html", {
        "book": book, "kind": kind, "form": form, "errors": errors, "statuses": Status.choices,
        "path": book.province.path()})


@require_POST
@login_required
def ask_township(request, request_id: int):
    """A refused certificate the village must not issue: ask the township to help obtain the proof."""
    actor = Actor.from_request(request)
    try:
        number = services.ask_township(actor, request_id, request.POST.get("note", ""),
                                       request.POST.get("consent", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("certificates:request", request_id=request_id)
    except permissions.Forbidden as exc:
        messages.error(request, exc.message or _("You may not do this."))
        return redirect("certificates:request", request_id=request_id)
    messages.success(request, _("The township has your request (%(n)s); its officers are told and the clock runs.")
                     % {"n": number})
    return redirect("cases:case", number=number)
