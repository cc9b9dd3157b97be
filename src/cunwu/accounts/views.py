"""Sign-in pages and the people pages. Thin: parse the request, call a service, render."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunwu.audit.context import Actor
from cunwu.audit.services import record

from . import permissions, services, signin
from .models import Assignment, OutboxMessage, User
from .roles import GRANTS, Role


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _finish_sign_in(request, user: User, method: str):
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # rotates the session key
    request.session["cunwu_sign_in_method"] = method
    next_url = request.session.pop("cunwu_next", "") or request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        return redirect(next_url)
    return redirect("web:home")


# --- villagers: phone and one-time code -----------------------------------------------------------------


def villager_sign_in(request):
    errors: dict = {}
    phone = ""
    if request.GET.get("next"):  # back to where they were (a terminal's form, for example) once signed in
        request.session["cunwu_next"] = request.GET["next"]
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        try:
            sent = signin.request_code(phone, Actor.from_request(request).source)
            request.session["cunwu_phone"] = sent.phone
            return redirect("accounts:villager-verify")
        except ValidationError as exc:
            errors = {"phone": [m for ms in _errors(exc).values() for m in ms]}  # the form's one field
        except signin.LockedOut as exc:
            errors = {"__all__": [str(exc)]}
    return render(request, "accounts/villager_sign_in.html", {"errors": errors, "phone": phone})


def villager_verify(request):
    phone = request.session.get("cunwu_phone")
    if not phone:
        return redirect("accounts:villager-sign-in")
    errors: dict = {}
    if request.method == "POST":
        try:
            user = signin.verify_code(phone, request.POST.get("code", ""), Actor.from_request(request).source,
                                      Actor.from_request(request))
            request.session.pop("cunwu_phone", None)
            return _finish_sign_in(request, user, "phone_code")
        except ValidationError as exc:
            errors = {"code": [m for ms in _errors(exc).values() for m in ms]}  # the form's one field
        except signin.LockedOut as exc:
            errors = {"__all__": [str(exc)]}
    demo_sms = None
    if settings.CUNWU.get("DEMO_SMS_ON_SCREEN"):
        demo_sms = OutboxMessage.objects.filter(phone=phone, purpose="sign_in_code").first()
    return render(request, "accounts/villager_verify.html",
                  {"errors": errors, "masked_phone": f"{phone[:3]}****{phone[-4:]}", "demo_sms": demo_sms})


# --- officials: username, password, TOTP ------------------------------------------------------------------


def sign_in(request):
    errors: dict = {}
    username = ""
    if request.GET.get("next"):
        request.session["cunwu_next"] = request.GET["next"]
    if request.method == "POST":
        username = request.POST.get("username", "")
        actor = Actor.from_request(request)
        try:
            user = signin.check_password(request, username, request.POST.get("password", ""), actor)
            if services.totp_required(user):
                request.session["cunwu_pending_user"] = user.pk
                return redirect("accounts:totp")
            record(Actor(user=user, channel="web", source=actor.source), "accounts.sign_in", user,
                   detail={"method": "password"})
            return _finish_sign_in(request, user, "password")
        except ValidationError as exc:
            errors = {"code": exc.messages}  # the page's one question
        except signin.LockedOut as exc:
            errors = {"__all__": [str(exc)]}
    return render(request, "accounts/sign_in.html",
                  {"errors": errors, "username": username, "timeout": request.GET.get("timeout")})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def totp_step(request):
    """Second factor; an official who must have one and has none enrols here first."""
    user = User.objects.filter(pk=request.session.get("cunwu_pending_user"), is_active=True).first()
    if user is None:
        return redirect("accounts:sign-in")
    actor = Actor(user=user, channel="web", source=Actor.from_request(request).source)
    errors: dict = {}
    enrol = not user.totp_confirmed
    secret = services.start_totp_enrolment(actor) if enrol else ""
    if request.method == "POST":
        try:
            if enrol:
                services.confirm_totp(actor, request.POST.get("code", ""))
            else:
                signin.check_second_factor(user, request.POST.get("code", ""), actor)
            request.session.pop("cunwu_pending_user", None)
            record(actor, "accounts.sign_in", user, detail={"method": "password+totp"})
            return _finish_sign_in(request, user, "password+totp")
        except ValidationError as exc:
            errors = {"code": exc.messages}  # the page's one question
        except signin.LockedOut as exc:
            errors = {"__all__": [str(exc)]}
    context = {"errors": errors, "enrol": enrol}
    if enrol:
        context.update(secret=secret, qr_svg=_qr_svg(services.totp_uri(user, secret)))
        request.cunwu_no_store = True
    return render(request, "accounts/totp.html", context)


@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        record(Actor.from_request(request), "accounts.sign_out", request.user)
    logout(request)
    return redirect("web:home")


# --- people -----------------------------------------------------------------------------------------------


@login_required
def people(request):
    actor = Actor.from_request(request)
    queryset = permissions.restrict(User.objects.all(), actor).order_by("full_name", "id")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        queryset = queryset.filter(full_name__contains=q)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    grantable = sorted({r for a in permissions.assignments_of(request.user) for r in GRANTS.get(a.role, ())})
    return render(request, "accounts/people.html", {"page": page, "q": q, "can_add": bool(grantable)})


def _person_context(request, person: User, actor: Actor) -> dict:
    assignments = permissions.restrict(Assignment.objects.filter(user=person), actor).select_related("region", "department")
    return {
        "person": person,
        "assignments": [(a, permissions.can(actor, permissions.MANAGE, a)) for a in assignments],
        "can_reveal": person.has_national_id and permissions.can(actor, permissions.REVEAL, person),
        "can_change": permissions.can(actor, permissions.CHANGE, person),
        "roles": [(r.value, r.label) for r in Role if any(r in GRANTS.get(a.role, ()) for a in permissions.assignments_of(request.user))],
    }


@login_required
def person_detail(request, person_id: int):
    actor = Actor.from_request(request)
    try:
        person = permissions.get_or_404(User.objects.all(), actor, pk=person_id)
    except permissions.NotFound:
        raise Http404 from None
    context = _person_context(request, person, actor)
    request.cunwu_no_store = True
    return render(request, "accounts/person.html", context)


@login_required
@require_POST
def person_reveal(request, person_id: int):
    actor = Actor.from_request(request)
    try:
        value = services.reveal_national_id(actor, person_id)
        person = permissions.get_or_404(User.objects.all(), actor, pk=person_id)
    except permissions.NotFound:
        raise Http404 from None
    except permissions.Forbidden as exc:
        messages.error(request, exc.message)
        return redirect("accounts:person", person_id=person_id)
    context = _person_context(request, person, actor)
    context["revealed"] = value
    request.cunwu_no_store = True
    return render(request, "accounts/person.html", context)


@login_required
@require_POST
def person_grant(request, person_id: int):
    actor = Actor.from_request(request)
    try:
        person = permissions.get_or_404(User.objects.all(), actor, pk=person_id)
        services.grant_role(actor, person, request.POST.get("role", ""), request.POST.get("region", "").strip(),
                            request.POST.get("department") or None)
        messages.success(request, _("The role was granted."))
    except permissions.NotFound:
        messages.error(request, _("There is no such region in your jurisdiction."))
    except permissions.Forbidden as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for field_errors in _errors(exc).values():
            for message in field_errors:
                messages.error(request, message)
    return redirect("accounts:person", person_id=person_id)


@login_required
@require_POST
def assignment_revoke(request, assignment_id: int):
    actor = Actor.from_request(request)
    try:
        assignment = services.revoke_assignment(actor, assignment_id)
    except permissions.NotFound:
        raise Http404 from None
    except (permissions.Forbidden, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(getattr(exc, "messages", [])))
        return redirect("accounts:people")
    messages.success(request, _("The role was revoked."))
    return redirect("accounts:person", person_id=assignment.user_id)


@login_required
def person_new(request):
    """Provision a person: administrators add officials; village staff register villagers of their village."""
    actor = Actor.from_request(request)
    mine = permissions.assignments_of(request.user)
    roles = [(r.value, r.label) for r in Role if any(r in GRANTS.get(a.role, ()) for a in mine)]
    if not roles:
        raise Http404
    errors: dict = {}
    values = request.POST if request.method == "POST" else {"region": mine[0].region_id if len(mine) == 1 else ""}
    if request.method == "POST":
        try:
            person = services.safe_create(
                services.create_user, actor,
                services.PersonInput(values.get("username", ""), values.get("full_name", ""),
                                     values.get("phone", ""), values.get("national_id", ""), values.get("password", "")),
                values.get("role", ""), values.get("region", "").strip(), values.get("department") or None,
            )
            messages.success(request, _("%(name)s was added.") % {"name": person.display_name})
            return redirect("accounts:person", person_id=person.pk)
        except permissions.NotFound:
            errors = {"region": [_("There is no such region in your jurisdiction.")]}
        except permissions.Forbidden as exc:
            errors = {"role": [exc.message]}
        except ValidationError as exc:
            errors = _errors(exc)
    return render(request, "accounts/person_new.html", {"roles": roles, "errors": errors, "values": values})


@login_required
def outbox(request):
    """The demo's text message outbox (see services.read_outbox)."""
    rows = services.read_outbox(Actor.from_request(request))
    request.cunwu_no_store = True
    return render(request, "accounts/outbox.html", {"rows": rows})


@login_required
def tokens(request):
    """The person's API tokens: create one (shown once), see when each was last used, revoke."""
    actor = Actor.from_request(request)
    errors: dict = {}
    created = ""
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                services.revoke_api_token(actor, int(request.POST["revoke"]))
                messages.success(request, _("The token was revoked; it no longer works."))
                return redirect("accounts:tokens")
            created = services.create_api_token(actor, request.user, request.POST.get("name", ""),
                                                 request.POST.get("days") or None)
        except ValidationError as exc:
            errors = _errors(exc)
        except (ValueError, permissions.NotFound):
            raise Http404 from None
    request.cunwu_no_store = True
    return render(request, "accounts/tokens.html", {
        "rows": services.tokens_of(actor, request.user), "created": created, "errors": errors,
        "form": request.POST if errors else {}, "default_days": settings.CUNWU["TOKEN_DAYS"]})
