"""Pages: a village's households (its staff and grid workers), one household with its people, key-group labels,
visits and history; the grids; the visits due (made from a phone, offline too); coverage figures for townships
and counties; the county's visit rules."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.accounts.permissions import CHANGE, MANAGE, REVEAL
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.regions.models import Region
from cunwu.web.feedback import act_and_return, errors_of, form_page

from . import ledger, services, sharing
from .choices import DEFAULT_RULES, Condition, KeyGroup, Mode, Relation, Residence, Sex, Status
from .models import Grid, LedgerImport, VisitRule


def _person_input(form, prefix: str = "") -> services.PersonInput:
    return services.PersonInput(
        name=form.get(prefix + "name", ""), relation=form.get(prefix + "relation", Relation.HEAD),
        sex=form.get(prefix + "sex", ""), birth_date=form.get(prefix + "birth_date", ""),
        national_id=form.get(prefix + "national_id", ""), phone=form.get(prefix + "phone", ""),
        residence=form.get(prefix + "residence", Residence.REGISTERED_HERE), note=form.get(prefix + "note", ""))


CHOICES = {"relations": Relation.choices, "sexes": Sex.choices, "residences": Residence.choices,
           "groups": KeyGroup.choices, "modes": Mode.choices, "conditions": Condition.choices}


@login_required
def village(request, code: str):
    actor = Actor.from_request(request)
    place = services.village_or_404(code)
    services.keeper_of(actor, code)
    query, grid = request.GET.get("q", "").strip()[:50], request.GET.get("grid", "")
    page = Paginator(services.households_of(actor, code, query, grid), 50).get_page(request.GET.get("page"))
    staff = any(a.role == Role.VILLAGE_STAFF and a.region_id == code for a in permissions.assignments_of(request.user))
    return render(request, "households/village.html", {
        "village": place, "page": page, "q": query, "grid": grid, "staff": staff,
        "grids": services.grids_of_village(actor, code)})


@login_required
def new_household(request, code: str):
    place = services.village_or_404(code)
    actor = Actor.from_request(request)
    services.keeper_of(actor, code)

    form = request.POST if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        try:
            made = services.create_household(actor, services.HouseholdInput(
                village=code, address=form.get("address", ""), group_name=form.get("group_name", ""),
                phone=form.get("phone", ""), grid=form.get("grid") or None), _person_input(form, "head_"))
            messages.success(request, _("The household is recorded."))
            return redirect("households:household", household_id=made.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, "households/new.html", {
        "village": place, "grids": services.grids_of_village(actor, code), **CHOICES, "form": form,
        "errors": errors, "head_form": _unprefixed(form, "head_"), "head_errors": _unprefixed(errors, "head_")})


def _unprefixed(values, prefix: str) -> dict:
    return {k.removeprefix(prefix): v for k, v in values.items() if k.startswith(prefix)}


@login_required
def household(request, household_id: int):
    actor = Actor.from_request(request)
    found, members = services.read_household(actor, household_id)
    labels = list(found.labels.select_related("resident").order_by("ended_on", "started_on"))
    today = timezone.localdate()
    for label in labels:
        label.state = services.state_of(label, today)
    staff = permissions.can(actor, MANAGE, found.grid) if found.grid_id else any(
        a.role == Role.VILLAGE_STAFF and a.region_id == found.village_id for a in permissions.assignments_of(
            request.user))
    form = request.session.pop("households_form", {})
    errors = request.session.pop("households_errors", {})
    return render(request, "households/household.html", {
        "h": found, "members": members, "labels": labels, "visits": services.visits_of(actor, household_id),
        "history": services.history(actor, household_id), "staff": staff, "today": today,
        "grids": services.grids_of_village(actor, found.village_id) if staff else [],
        "current": [m for m in members if m.status == Status.MEMBER], "form": form, "errors": errors,
        "visit_key": uuid.uuid4().hex, **CHOICES})


def _back_with_errors(request, exc: ValidationError, to: str):
    request.session["households_errors"] = errors_of(exc)
    request.session["households_form"] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    messages.error(request, _("Not saved: see the messages beside the fields."))
    return redirect(to)


@login_required
@require_POST
def household_step(request, household_id: int, step: str):
    actor = Actor.from_request(request)
    found = services.get_household(actor, household_id)
    here = reverse("households:household", args=[household_id])
    form = request.POST
    if step == "member":
        try:
            services.add_member(actor, household_id, _person_input(form))
        except ValidationError as exc:
            return _back_with_errors(request, exc, here)
        messages.success(request, _("The person is added to the household."))
        return redirect(here)
    if step == "label":
        try:
            services.add_label(actor, None, form.get("group", ""), form.get("started_on", ""), form.get("note", ""),
                               household_id=household_id)
        except ValidationError as exc:
            return _back_with_errors(request, exc, here)
        messages.success(request, _("The label is added; its visits are scheduled."))
        return redirect(here)
    actions = {
        "verify": (lambda a: services.verify(a, household_id), _("Marked as checked with the household today.")),
        "place": (lambda a: services.place_household(a, household_id, form.get("grid") or None),
                  _("The household's grid is changed.")),
        "update": (lambda a: services.update_household(a, household_id, services.HouseholdInput(
            village=found.village_id, address=form.get("address", ""), group_name=form.get("group_name", ""),
            phone=form.get("phone", ""))), _("Saved; the previous values are kept in the history.")),
    }
    if step not in actions:
        raise permissions.NotFound
    action, success = actions[step]
    return act_and_return(request, action, success, here)


@login_required
def person(request, resident_id: int):
    actor = Actor.from_request(request)
    found = services.get_resident(actor, resident_id)
    services.get_household(actor, found.household_id)  # the household's readers only (not a mediator's look-up)
    initial = {"name": found.name, "relation": found.relation, "sex": found.sex,
               "birth_date": found.birth_date.isoformat(), "phone": found.phone, "residence": found.residence,
               "note": found.note}

    def save(form):
        services.update_resident(actor, resident_id, _person_input(form))
        return reverse("households:household", args=[found.household_id])

    context = {"p": found, "may_reveal": permissions.can(actor, REVEAL, found),
               "may_change": permissions.can(actor, CHANGE, found), **CHOICES}
    if request.method != "POST":
        return render(request, "households/person.html", {**context, "form": initial, "errors": {}})
    return form_page(request, "households/person.html", context, save,
                     _("Saved; the previous values are kept in the history."))


@login_required
@require_POST
def person_step(request, resident_id: int, step: str):
    actor = Actor.from_request(request)
    found = services.get_resident(actor, resident_id)
    services.get_household(actor, found.household_id)
    here = reverse("households:household", args=[found.household_id])
    form = request.POST
    if step == "reveal":
        try:
            shown = services.reveal_national_id(actor, resident_id)
        except permissions.Forbidden as exc:
            messages.error(request, exc.message)
            return redirect(here)
        messages.info(request, _("ID number of %(name)s: %(id)s (this reading is recorded)") % {
            "name": found.name, "id": shown})
        return redirect(here)
    if step == "label":
        try:
            services.add_label(actor, resident_id, form.get("group", ""), form.get("started_on", ""),
                               form.get("note", ""))
        except ValidationError as exc:
            return _back_with_errors(request, exc, here)
        messages.success(request, _("The label is added; its visits are scheduled."))
        return redirect(here)
    if step == "status":
        return act_and_return(request, lambda a: services.set_status(a, resident_id, form.get("status", ""),
                                                                     form.get("on", "")),
                              _("Recorded; the person's history is kept."), here)
    raise permissions.NotFound


@login_required
@require_POST
def end_label(request, label_id: int):
    actor = Actor.from_request(request)
    label = permissions.get_or_404(services.Label.objects.all(), actor, CHANGE, pk=label_id)
    return act_and_return(request, lambda a: services.end_label(a, label_id, request.POST.get("ended_on", "")),
                          _("The label has ended; its visits are no longer due."),
                          reverse("households:household", args=[label.household_id]))


@login_required
def grids(request, code: str):
    actor = Actor.from_request(request)
    place = services.village_or_404(code)
    services.keeper_of(actor, code)
    staff = any(a.role == Role.VILLAGE_STAFF and a.region_id == code for a in permissions.assignments_of(request.user))
    if request.method == "POST":
        if not staff:
            raise permissions.NotFound
        here = reverse("households:grids", args=[code])
        if request.POST.get("grid"):
            grid = permissions.get_or_404(Grid.objects.filter(village_id=code), actor, MANAGE,
                                          pk=request.POST.get("grid") if request.POST["grid"].isdigit() else 0)
            return act_and_return(request, lambda a: services.set_grid_workers(
                a, grid.pk, request.POST.get("workers", "").replace("，", ",").split(",")),
                _("The grid's workers are saved."), here)
        return act_and_return(request, lambda a: services.create_grid(a, code, request.POST.get("name", "")),
                              _("The grid is created."), here)
    workers = Region.objects.none()
    if staff:
        from cunwu.accounts.models import User

        workers = User.objects.filter(assignments__active=True, assignments__role=Role.GRID_WORKER,
                                      assignments__region_id=code).distinct()
    return render(request, "households/grids.html", {
        "village": place, "grids": services.grids_of_village(actor, code), "staff": staff, "workers": workers})


@login_required
def due(request):
    """The visits the signed-in worker makes, soonest first, each recorded on the spot in a few taps."""
    actor = Actor.from_request(request)
    villages = [a.region_id for a in permissions.assignments_of(request.user)
                if a.role in (Role.GRID_WORKER, Role.VILLAGE_STAFF)]
    if not villages:
        raise permissions.NotFound
    today = timezone.localdate()
    show = request.GET.get("show", "due")
    rows = services.due_labels(actor)
    if show == "due":
        rows = rows.filter(warn_on__lte=today)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    for label in page:
        label.state = services.state_of(label, today)
        label.key = uuid.uuid4().hex
    return render(request, "households/due.html", {"page": page, "show": show, "today": today, **CHOICES})


@login_required
@require_POST
def record_visit(request):
    actor = Actor.from_request(request)
    form = request.POST
    data = services.VisitInput(
        household=form.get("household", ""), resident=form.get("resident") or None,
        visited_at=form.get("visited_at", ""), mode=form.get("mode", ""), condition=form.get("condition", ""),
        needs=form.get("needs", ""), client_key=form.get("idempotency_key", ""))
    back = form.get("next", "")
    back = back if back.startswith("/households/") else reverse("households:due")
    try:
        visit, created = services.record_visit(actor, data)
    except ValidationError as exc:
        for field_messages in errors_of(exc).values():
            for message in field_messages:
                messages.error(request, message)
        return redirect(back)
    if created:
        messages.success(request, _("The visit to %(who)s is recorded.") % {
            "who": visit.resident.name if visit.resident_id else visit.household})
    if visit.needs and visit.condition in (Condition.NEEDS_HELP, Condition.URGENT):
        return redirect(f"{reverse('households:visit', args=[visit.pk])}")
    return redirect(back)


@login_required
def visit(request, visit_id: int):
    """A recorded visit; a need found on it becomes a request, a legal question or an aid application in one
    tap, each form prefilled from the record and linked back."""
    actor = Actor.from_request(request)
    found = permissions.get_or_404(services.Visit.objects.select_related("household", "resident", "worker"),
                                   actor, pk=visit_id)
    staff = any(a.role == Role.VILLAGE_STAFF and a.region_id == found.village_id
                for a in permissions.assignments_of(request.user))
    return render(request, "households/visit.html", {"v": found, "staff": staff})


@login_required
def coverage(request):
    actor = Actor.from_request(request)
    places = services.places_to_count(actor)
    if not places:
        raise permissions.NotFound
    code = request.GET.get("region", "") or places[0]
    rows, groups = services.coverage(actor, code)
    region = Region.objects.get(code=code)
    workers = services.coverage_by_worker(actor, code) if len(code) >= 9 else []
    return render(request, "households/coverage.html", {
        "region": region, "rows": rows, "groups": [(label, groups.get(value, 0)) for value, label in KeyGroup.choices],
        "workers": workers, "total": sum(groups.values()),
        "places": list(Region.objects.filter(code__in=places).values_list("code", "name")),
        "child_link": len(code) < 12})


@login_required
def rules(request, county: str):
    if not any(a.role == Role.COUNTY_ADMIN and a.region_id == county for a in permissions.assignments_of(request.user)):
        raise permissions.NotFound
    region = Region.objects.filter(code=county, level=3).first()
    if region is None:
        raise permissions.NotFound
    if request.method == "POST":
        def change(a):
            try:
                every, in_person = int(request.POST.get("every_days", "")), int(request.POST.get("in_person_days", ""))
            except ValueError:
                raise ValidationError({"every_days": [_("Enter whole numbers of days.")]}) from None
            services.set_rule(a, county, request.POST.get("group", ""), every, in_person)

        return act_and_return(request, change, _("The visit rule is saved; due days are recomputed."),
                              reverse("households:rules", args=[county]))
    own = {r.group: r for r in VisitRule.objects.filter(county_id=county)}
    table = [(value, label, own.get(value), DEFAULT_RULES[value]) for value, label in KeyGroup.choices]
    return render(request, "households/rules.html", {"region": region, "table": table})


@login_required
def ledger_import(request, code: str):
    """Import the village's existing household ledger (.xlsx): the template, the upload, the recent imports."""
    actor = Actor.from_request(request)
    place = services.village_or_404(code)
    services.staff_of(actor, code)
    if request.GET.get("template"):
        response = HttpResponse(ledger.template(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="household-ledger-template.xlsx"'
        return response
    errors: dict = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            job = ledger.start(actor, code, upload.name if upload else "", upload.read() if upload else b"")
            return redirect("households:import_job", code=code, job_id=job.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
    jobs = LedgerImport.objects.filter(village_id=code).select_related("uploaded_by")[:10]
    return render(request, "households/import.html", {"village": place, "jobs": jobs, "errors": errors})


@login_required
def import_job(request, code: str, job_id: int):
    actor = Actor.from_request(request)
    place = services.village_or_404(code)
    services.staff_of(actor, code)
    job = LedgerImport.objects.filter(pk=job_id, village_id=code).first()
    if job is None:
        raise permissions.NotFound
    return render(request, "households/import_job.html", {"village": place, "job": job,
                                                            "running": job.state in ("queued", "checking")})


@login_required
def sharing_list(request):
    """Data sharing requests: a department asks here; the county administrator decides from the request."""
    actor = Actor.from_request(request)
    officer = sharing.department_officer(actor)
    errors: dict = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            made = sharing.ask(actor, sharing.SharingInput(form.get("group", ""), request.POST.getlist("fields"),
                                                           form.get("purpose", ""), form.get("legal_basis", "")))
            messages.success(request, _("Sent to the county administrator for a decision."))
            return redirect("households:sharing_request", request_id=made.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, "households/sharing.html", {
        "rows": sharing.requests_of(actor)[:100], "may_ask": officer is not None, "groups": KeyGroup.choices,
        "fields": [(k, str(v)) for k, v in sharing.FIELDS.items()], "form": form, "errors": errors,
        "asked": request.POST.getlist("fields")})


@login_required
def sharing_request(request, request_id: int):
    actor = Actor.from_request(request)
    found = sharing.get(actor, request_id)
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        return act_and_return(request, lambda a: sharing.decide(
            a, request_id, approve, request.POST.getlist("fields"), request.POST.get("valid_until", ""),
            request.POST.get("note", "")), _("Decided; the department is told."),
            reverse("households:sharing_request", args=[request_id]))
    officer = sharing.department_officer(actor)
    return render(request, "households/sharing_request.html", {
        "r": found, "may_decide": permissions.can(actor, sharing.DECIDE, found) and found.state == "pending",
        "may_export": found.usable and officer is not None and officer.department_id == found.department_id,
        "fields": [(k, str(v)) for k, v in sharing.FIELDS.items() if k in found.fields],
        "approved": [str(sharing.FIELDS[k]) for k in found.approved_fields]})


@login_required
def sharing_export(request, request_id: int):
    actor = Actor.from_request(request)
    try:
        found, rows, mark = sharing.export(actor, request_id)
    except permissions.Forbidden as exc:
        messages.error(request, exc.message)
        return redirect("households:sharing_request", request_id=request_id)
    response = HttpResponse(sharing.to_xlsx(found, rows, mark),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="S-{found.pk}-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
