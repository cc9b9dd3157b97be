"""Admission, registry, report and index pages. Thin: parse the form, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.accounts.departments import CHINESE_NAMES, DepartmentKind
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.web.feedback import act_and_return, errors_of, flash_errors

from . import figures, returns, services
from .choices import (
    DemandKind,
    DutyKind,
    Frequency,
    NegativeDuty,
    Placement,
    ReportKind,
    ReportOutcome,
    RequestState,
)
from .models import AdmissionRequest, BurdenCap, DemandReport, FormsList, FormsListEntry
from .policies import CONSENT, DECIDE, REVIEW


@login_required
def requests_list(request):
    actor = Actor.from_request(request)
    state = request.GET.get("state", "")
    queryset = permissions.restrict(AdmissionRequest.objects.select_related(
        "applicant_department__county", "applicant_region"), actor)
    if state in RequestState.values:
        queryset = queryset.filter(state=state)
    may_file = any(a.role in (Role.DEPARTMENT_OFFICER, Role.TOWNSHIP_OFFICER)
                   for a in permissions.assignments_of(request.user))
    return render(request, "burden/requests.html", {
        "requests": queryset[:200], "state": state, "states": RequestState.choices, "may_file": may_file,
    })


@login_required
def request_new(request):
    actor = Actor.from_request(request)
    errors: dict = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        data = services.RequestInput(
            kind=form.get("kind", ""), title=form.get("title", ""), description=form.get("description", ""),
            legal_basis=form.get("legal_basis", ""), frequency=form.get("frequency", ""),
            scope=form.get("scope", "").replace("，", ",").split(","), funding_yuan=form.get("funding_yuan") or 0,
            funding_source=form.get("funding_source", ""), working_conditions=form.get("working_conditions", ""),
            form_fields=form.get("form_fields", "").replace("，", ",").replace("、", ",").split(","),
            placement=form.get("placement", ""), negative_duties=request.POST.getlist("negative_duties"),
        )
        try:
            made = services.file_request(actor, data)
            if made.state == RequestState.REFUSED:
                messages.error(request, made.reason)
            else:
                messages.success(request, _("Filed as %(n)s; the joint review has begun.") % {"n": made.number})
            return redirect("burden:request", request_id=made.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, "burden/request_new.html", {
        "errors": errors, "form": form, "kinds": DemandKind.choices, "frequencies": Frequency.choices,
        "placements": Placement.choices, "duties": NegativeDuty.choices,
    })


@login_required
def request_detail(request, request_id: int):
    actor = Actor.from_request(request)
    found = permissions.get_or_404(AdmissionRequest.objects.select_related("county", "applicant_region"), actor,
                                   pk=request_id)
    reviewed = set(found.reviews.values_list("reviewer_kind", flat=True))
    return render(request, "burden/request.html", {
        "r": found, "reviews": found.reviews.select_related("reviewer"), "events": found.events.all(),
        "panel": [(k, CHINESE_NAMES.get(k, k), k in reviewed) for k in found.reviewers],
        "may_review": found.state == RequestState.UNDER_REVIEW and permissions.can(actor, REVIEW, found),
        "may_decide": found.state == RequestState.REVIEWED and permissions.can(actor, DECIDE, found),
        "may_consent": found.state == RequestState.AWAITING_PROVINCE and permissions.can(actor, CONSENT, found),
        "may_withdraw": found.state in (RequestState.UNDER_REVIEW, RequestState.REVIEWED,
                                        RequestState.AWAITING_PROVINCE, RequestState.ADMITTED)
        and permissions.can(actor, permissions.CHANGE, found),
        "problems": services.approvable_problems(found), "villages": found.obligations.filter(active=True).count(),
    })


def _post_action(request, request_id: int, action, success: str):
    return act_and_return(request, action, success, reverse("burden:request", kwargs={"request_id": request_id}))


@require_POST
@login_required
def request_review(request, request_id: int):
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
    return _post_action(request, request_id, lambda a: services.review(a, request_id, decision, reason),
                        _("Your review is recorded."))


@require_POST
@login_required
def request_decide(request, request_id: int):
    approve, reason = request.POST.get("approve") == "1", request.POST.get("reason", "")
    return _post_action(request, request_id, lambda a: services.decide(a, request_id, approve, reason),
                        _("Admitted: it is on every concerned village's registry.") if approve else _("Declined."))


@require_POST
@login_required
def request_consent(request, request_id: int):
    approve, reason = request.POST.get("approve") == "1", request.POST.get("reason", "")
    return _post_action(request, request_id, lambda a: services.consent(a, request_id, approve, reason),
                        _("Consented: it is on every concerned village's registry.") if approve
                        else _("Refused by the province."))


@require_POST
@login_required
def request_withdraw(request, request_id: int):
    reason = request.POST.get("reason", "")
    return _post_action(request, request_id, lambda a: services.withdraw(a, request_id, reason), _("Withdrawn."))


@login_required
def village_registry(request, code: str):
    actor = Actor.from_request(request)
    village, rows = services.village_registry(actor, code)
    reports = permissions.restrict(DemandReport.objects.filter(village=village), actor).select_related("reported_by")
    staff = services.village_staff_assignment(actor, code) is not None
    year = timezone.localdate().year
    forms_list = FormsList.objects.filter(county_id=code[:6], year=year).first()
    return render(request, "burden/village.html", {
        "village": village, "path": village.path(), "year": year, "forms_list": forms_list,
        "groups": [(label, [o for o in rows if o.kind == kind]) for kind, label in DemandKind.choices],
        "reports": reports[:50], "may_report": staff, "today": timezone.localdate().isoformat(),
        "departments": [(k.value, CHINESE_NAMES[k.value]) for k in DepartmentKind],
        "row": figures.compare(code, year)[0], "placements": Placement.choices, "report_kinds": ReportKind.choices,
    })


@require_POST
@login_required
def report_demand(request, code: str):
    form = request.POST
    who = form.get("department") or form.get("demanded_by", "")
    try:
        services.report_demand(Actor.from_request(request), code, who, form.get("what", ""),
                               form.get("demanded_on") or None, form.get("anonymous") == "1",
                               form.get("kind") or "demand")
        messages.success(request, _("Reported. Supervisors will look into it."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("burden:village", code=code)


@require_POST
@login_required
def record_plaque(request, code: str):
    form = request.POST
    try:
        services.record_plaque(Actor.from_request(request), code, form.get("title", ""), form.get("placement", ""),
                               form.get("demanded_by", ""), form.get("basis", ""))
        messages.success(request, _("The plaque is on the registry."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("burden:village", code=code)


@require_POST
@login_required
def take_down_plaque(request, code: str):
    try:
        plaque = services.take_down_plaque(Actor.from_request(request), code, _plaque_id(request.POST.get("plaque")))
        messages.success(request, _("“%(title)s” is recorded as taken down.") % {"title": plaque.title})
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("burden:village", code=code)


def _plaque_id(value: str | None) -> int:
    if not (value or "").isdigit():
        raise permissions.NotFound
    return int(value or 0)


@login_required
def reports_queue(request):
    actor = Actor.from_request(request)
    state = request.GET.get("state", "open")
    queryset = permissions.restrict(DemandReport.objects.select_related("village", "reported_by"), actor)
    if state in ("open", "resolved"):
        queryset = queryset.filter(state=state)
    reports = list(queryset[:200])
    manageable = set(permissions.restrict(DemandReport.objects.filter(pk__in=[r.pk for r in reports]), actor,
                                          permissions.MANAGE).values_list("pk", flat=True))
    rows = [(r, services.reporter_name(r, actor), r.pk in manageable) for r in reports]
    return render(request, "burden/reports.html", {"rows": rows, "state": state, "outcomes": ReportOutcome.choices})


@require_POST
@login_required
def resolve_report(request, report_id: int):
    try:
        services.resolve_report(Actor.from_request(request), report_id, request.POST.get("outcome", ""),
                                request.POST.get("resolution", ""))
        messages.success(request, _("Resolved."))
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("burden:reports")


@login_required
def burden_index(request):
    actor = Actor.from_request(request)
    code = request.GET.get("region") or services.default_comparison_region(actor)
    if not code:
        raise Http404
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    place, rows, summary = services.burden_figures(actor, code, year)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(figures.to_xlsx(rows, summary, year),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="burden-{code}-{year}.xlsx"'
        return response
    rows.sort(key=lambda r: -r.index)
    return render(request, "burden/index.html", {
        "place": place, "path": place.path(), "rows": rows, "summary": summary, "year": year,
    })


@login_required
def forms_list(request, county: str, year: int):
    """A county's annual forms list: which forms villages fill by hand and which are computed."""
    actor = Actor.from_request(request)
    found = permissions.get_or_404(FormsList.objects.select_related("county"), actor, county_id=county, year=year)
    entries = list(found.entries.select_related("department"))
    return render(request, "burden/forms.html", {
        "forms_list": found, "entries": entries,
        "may_define": permissions.can(actor, permissions.CHANGE, found)})


@login_required
def form_return(request, entry_id: int):
    """A listed form's return for every village of the county, computed from the villages' own records."""
    from cunwu import dates

    actor = Actor.from_request(request)
    try:
        day = dates.parse(request.GET.get("day", ""), "day")
    except ValidationError as exc:
        flash_errors(request, exc)
        day = None
    result = returns.compute(actor, entry_id, day)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(returns.to_xlsx(result),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="return-{entry_id}-{result.start:%Y%m%d}.xlsx"'
        return response
    return render(request, "burden/return.html", {"r": result, "day": (day or timezone.localdate()).isoformat()})


@login_required
def form_define(request, entry_id: int):
    actor = Actor.from_request(request)
    entry = permissions.get_or_404(FormsListEntry.objects.select_related("forms_list"), actor, pk=entry_id)
    if not permissions.can(actor, permissions.CHANGE, entry):
        raise permissions.NotFound
    errors: dict = {}
    if request.method == "POST":
        try:
            returns.define(actor, entry_id, [request.POST.get(f"column_{i}", "") for i in range(len(entry.fields))])
            messages.success(request, _("Saved. A form whose every field is computed leaves the villages' burden."))
            return redirect("burden:forms", county=entry.forms_list.county_id, year=entry.forms_list.year)
        except ValidationError as exc:
            errors = errors_of(exc)
    columns = entry.columns or [""] * len(entry.fields)
    return render(request, "burden/define.html", {
        "entry": entry, "rows": list(zip(range(len(entry.fields)), entry.fields, columns, strict=True)),
        "metrics": returns.catalogue(), "errors": errors})


def county_lists(request, county: str):
    """A county's three lists, public: duties by law, the negative list, the directory of services."""
    actor = Actor.from_request(request)
    lists = services.county_lists(county)
    return render(request, "burden/lists.html", {
        "lists": lists, "perform": [d for d in lists.duties if d.kind == DutyKind.PERFORM],
        "assist": [d for d in lists.duties if d.kind == DutyKind.ASSIST], "duty_kinds": DutyKind.choices,
        "departments": [(k.value, CHINESE_NAMES[k.value]) for k in DepartmentKind],
        "may_keep": services.keeps_duties(actor, lists.county.code),
        "caps": BurdenCap.objects.filter(county=lists.county).first(),
        "plaques": services.plaque_standard_for(lists.county.code)})


@require_POST
@login_required
def set_caps(request, county: str):
    form = request.POST
    return act_and_return(
        request, lambda a: services.set_caps(a, county, form.get("work_items"), form.get("mechanisms"),
                                             form.get("forms")),
        _("The caps are set."), reverse("burden:lists", kwargs={"county": county}))


@login_required
def plaque_standard(request, province: str):
    """The province's plaque standard: read by everyone signed in, set by the province's administrator."""
    actor = Actor.from_request(request)
    rule = services.plaque_standard_for(province[:2])
    if request.method == "POST":
        form = request.POST
        names = [n for n in form.get("names", "").replace("、", "\n").splitlines()]
        return act_and_return(
            request, lambda a: services.set_plaque_standard(a, province, names, form.get("most", ""),
                                                            form.get("style", "")),
            _("The plaque standard is set."), reverse("burden:plaques", kwargs={"province": province}))
    return render(request, "burden/plaques.html", {"province": province, "rule": rule,
                                                    "may_set": services.sets_plaque_standard(actor, province)})


@require_POST
@login_required
def add_duty(request, county: str):
    form = request.POST
    return act_and_return(
        request, lambda a: services.add_duty(a, county, form.get("kind", ""), form.get("title", ""),
                                             form.get("basis", ""), form.get("department", "")),
        _("The duty is on the list."), reverse("burden:lists", kwargs={"county": county}))


@require_POST
@login_required
def end_duty(request, county: str):
    duty = request.POST.get("duty", "")
    if not duty.isdigit():
        raise permissions.NotFound
    return act_and_return(request, lambda a: services.end_duty(a, county, int(duty)),
                          _("The duty has left the list."), reverse("burden:lists", kwargs={"county": county}))
