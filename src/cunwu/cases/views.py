"""Case pages: the work queue, intake, one case with its timeline and the actions open to the reader, and the
rates. Thin: parse the form, call a service, render."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.accounts.departments import CHINESE_NAMES, DepartmentKind
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.dbrouter import reads_from_replica
from cunwu.directory import services as directory
from cunwu.downloads import stored_file_response
from cunwu.households import intake
from cunwu.households import services as households
from cunwu.regions.models import Region
from cunwu.web.feedback import errors_of, flash_errors

from . import duplicates, queues, rates, services
from .choices import OPEN_STATES, Category, DemandType, Grade, RatingGiven, Stage, State, Urgency

# Departments are offered by kind; the service finds (or opens) that department in the case's own county.
DEPARTMENTS = [(kind, CHINESE_NAMES[kind]) for kind in DepartmentKind.values]
STATUS_TABS = (("open", _("Open")), ("resolved", _("Waiting for rating")), ("done", _("Finished")),
               ("all", _("All")))




def _roles(request) -> set[str]:
    return {a.role for a in permissions.assignments_of(request.user)}


@login_required
def queue(request):
    actor = Actor.from_request(request)
    roles = _roles(request)
    get = request.GET
    # A queue opens at the level the person acts on: a township officer first sees what is at the township, a
    # department officer what their department is called in on ("stage=" shows every stage).
    default_stage = Stage.TOWNSHIP if roles == {Role.TOWNSHIP_OFFICER} else ""
    called_default = roles == {Role.DEPARTMENT_OFFICER} and "called" not in get and not get.get("status")
    filters = queues.Filters(
        status=get.get("status", "open"), stage=get.get("stage", default_stage), kind=get.get("kind", ""),
        urgency=get.get("urgency", ""), village=get.get("village", ""), township=get.get("township", ""),
        overdue=get.get("overdue") == "1", mine=get.get("mine") == "1",
        called=get.get("called") == "1" or called_default,
        q=get.get("q", "")[:50],
    )
    queryset = queues.queue(actor, filters)
    try:
        page = max(1, int(get.get("page", "1")))
    except ValueError:
        page = 1
    size = 50
    rows = list(queryset[(page - 1) * size: page * size + 1])
    township = Role.TOWNSHIP_OFFICER in roles
    staff = not (roles <= {Role.VILLAGER, Role.DEPARTMENT_OFFICER})
    return render(request, "cases/queue.html", {
        "alike": duplicates.flags(actor, rows[:size]) if staff else {},
        "cases": rows[:size], "more": len(rows) > size, "page": page, "filters": filters,
        "total": queues.count(queryset), "cap": queues.COUNT_CAP, "tabs": STATUS_TABS,
        "stages": Stage.choices, "urgencies": Urgency.choices, "now": timezone.now(),
        "is_villager": roles == {Role.VILLAGER}, "may_take_in": bool(roles & {
            Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN}),
        "township": township, "departments": DEPARTMENTS if township else [], "is_department": Role.DEPARTMENT_OFFICER in roles,
        "query": get.urlencode(),
    })


@login_required
@require_POST
def bulk_dispatch(request):
    actor = Actor.from_request(request)
    numbers = request.POST.getlist("cases")
    departments = request.POST.getlist("departments")
    lead = request.POST.get("lead") or None
    done, failed = 0, []
    for number in numbers[:100]:
        try:
            services.dispatch(actor, number, departments, lead, request.POST.get("note", ""))
            done += 1
        except ValidationError as exc:
            failed.append(f"{number}：" + "；".join(m for ms in errors_of(exc).values() for m in ms))
        except (permissions.Forbidden, services.Conflict) as exc:
            failed.append(f"{number}：{exc.message}")
        except permissions.NotFound:
            failed.append(f"{number}：" + _("Not found."))
    if done:
        messages.success(request, _("%(n)s cases dispatched.") % {"n": done})
    for line in failed:
        messages.error(request, line)
    return redirect(f"{reverse('cases:queue')}?stage=township")


def _village_for_intake(request, actor: Actor) -> Region | None:
    code = request.GET.get("village") or request.POST.get("village") or ""
    if not code:
        code = services.home_village(actor)
    return Region.objects.filter(code=code, level=5).first() if code else None


def _villages_to_choose(request) -> tuple[str, list]:
    """For an officer above a village (a township or county taking a call): the villages of their area whose
    name holds what they typed, to choose the one the request is for."""
    q = (request.GET.get("q") or "").strip()[:40]
    return q, services.villages_for_intake(Actor.from_request(request), q)


def _from_records(request, actor: Actor, village, is_villager: bool) -> dict:
    """Collect once: the intake finds the villager in the village's records and takes their details from there
    (a visit that found a need brings the person and the need)."""
    if village is None or is_villager:
        return {"prefill": {}}
    params = request.POST if request.method == "POST" else request.GET
    visit = households.visit_for_form(actor, params.get("visit"), village.code)
    context = intake.lookup(request, actor, village.code)
    if context["taken"] is None and visit is not None and visit.resident_id:
        context["taken"] = households.resident_for_form(actor, visit.resident_id, village.code)
    prefill = {}
    if context["taken"] is not None:
        taken = intake.details(context["taken"])
        prefill.update(applicant_name=taken["name"], applicant_phone=taken["phone"],
                       consent=_("agreed in person during the visit") if visit else "")
    if visit is not None:
        prefill.update(title=visit.needs[:200], description=visit.needs)
    return {**context, "visit": visit, "prefill": prefill}


@login_required
def new_case(request):
    actor = Actor.from_request(request)
    village = _village_for_intake(request, actor)
    item_code = request.GET.get("item") or request.POST.get("item") or ""
    entry = directory.entry_for(village.code, item_code) if village and item_code else None
    is_villager = any(a.role == Role.VILLAGER and village and a.region_id == village.code
                      for a in permissions.assignments_of(request.user))
    errors: dict = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        files = [services.Upload(f.name, f.read(), request.POST.get(f"material_for_{i}", ""))
                 for i, f in enumerate(request.FILES.getlist("files"))]
        answers = {}
        if entry is not None:
            for question in entry.questions:
                key = f"q_{question['key']}"
                answers[question["key"]] = (request.POST.getlist(key) if question["type"] == "multi_choice"
                                            else request.POST.get(key, ""))
        data = services.CaseInput(
            village=village.code if village else "", kind="application" if item_code else "demand", item=item_code,
            title=form.get("title", ""), description=form.get("description", ""),
            demand_type=form.get("demand_type", ""), category=form.get("category", ""),
            urgency=form.get("urgency", ""), answers=answers, materials=request.POST.getlist("materials"),
            materials_later=form.get("materials_later") == "1",
            channel=form.get("channel", ""), applicant_name=form.get("applicant_name", ""),
            applicant_phone=form.get("applicant_phone", ""), consent=form.get("consent", ""),
            idempotency_key=form.get("idempotency_key", ""), files=files,
            resident=form.get("resident") or None, visit=form.get("visit") or None,
            latitude=form.get("latitude") or None, longitude=form.get("longitude") or None,
            place=form.get("place", ""),
        )
        try:
            case, created = services.submit(actor, data)
            if created:
                messages.success(request, _("Received as %(n)s.") % {"n": case.number})
            else:
                messages.info(request, _("This was already received as %(n)s; nothing was registered twice.")
                              % {"n": case.number})
            if data.channel in ("terminal", "counter"):  # the villager leaves with a receipt
                return redirect("cases:receipt", number=case.number)
            return redirect(reverse("cases:case", args=[case.number]) + "?received=1")  # the confirmation
        except ValidationError as exc:
            errors = errors_of(exc)
    record_context = _from_records(request, actor, village, is_villager)
    if request.method != "POST":
        form = record_context.pop("prefill")
    record_context.pop("prefill", None)
    q, choices = _villages_to_choose(request) if village is None else ("", [])
    return render(request, "cases/new.html", {
        **record_context, "q": q, "village_choices": choices,
        "village": village, "entry": entry, "errors": errors, "form": form, "is_villager": is_villager,
        "intake_channels": [("counter", _("at the service point (handled on their behalf)")),
                            ("hotline", _("by telephone"))],
        "idempotency_key": form.get("idempotency_key") or uuid.uuid4().hex,
        "categories": Category.choices, "types": DemandType.choices, "urgencies": Urgency.choices,
        "on_terminal": request.GET.get("channel") == "terminal",  # ("terminal" is the terminal's village)
    })


@login_required
def case_page(request, number: str):
    actor = Actor.from_request(request)
    case = services.get_case(actor, number)
    actions = services.available_actions(actor, case)
    materials = [m["name"] for m in (case.entry.materials if case.entry_id else [])]
    dispatches = list(case.dispatches.select_related("department"))
    labels = {q["key"]: q["label"] for q in (case.entry.questions if case.entry_id else [])}
    answers = [(labels.get(key, key), "、".join(value) if isinstance(value, list) else value)
               for key, value in case.answers.items()]
    counted = case.ratings.filter(excluded=False).order_by("-round").first() if case.grade else None
    neighbours = list(Region.objects.active().filter(level=5, parent_id=case.township_code).exclude(
        code=case.village_id).order_by("code").values_list("code", "name")) if "transfer" in actions else []
    alike = duplicates.possible_duplicates(actor, case) if case.state in OPEN_STATES and (
        "take" in actions or "note" in actions) else []
    return render(request, "cases/case.html", {
        "neighbours": neighbours, "duplicates": alike, "open_states": list(OPEN_STATES),
        "joined": list(case.joined.order_by("created_at")) if not case.merged_into_id else [],
        "case": case, "actions": actions, "answers": answers, "events": case.events.all(), "dispatches": dispatches,
        "ratings": case.ratings.all(), "attachments": case.attachments.all(), "materials": materials,
        "grades": list(reversed(Grade.choices)), "now": timezone.now(), "rating_given": RatingGiven.choices,
        "rated_by_staff": bool(counted and counted.recorded_by_staff),
        "departments": DEPARTMENTS if "dispatch" in actions else [],
        "is_applicant": services.may(actor, "own", case),
        "received": request.GET.get("received") == "1" and case.state in (State.NEW, State.HANDLING),
    })


@login_required
def receipt(request, number: str):
    """A printable receipt: the case number and a QR code to follow it from any phone (sign-in still needed)."""
    import io

    import qrcode
    import qrcode.image.svg

    case = services.get_case(Actor.from_request(request), number)
    # On the villager's own phone: their sign-in (phone and code), then straight to the case.
    link = request.build_absolute_uri(f"{reverse('accounts:villager-sign-in')}?{urlencode({'next': reverse('cases:case', args=[case.number])})}")
    buffer = io.BytesIO()
    qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                error_correction=qrcode.constants.ERROR_CORRECT_M).save(buffer)
    return render(request, "cases/receipt.html", {"case": case, "link": link, "qr": buffer.getvalue().decode()})


def _call(request, actor: Actor, number: str, action: str):
    post = request.POST
    version = int(post["version"]) if post.get("version", "").isdigit() else None
    files = [services.Upload(f.name, f.read(), post.get("material", "")) for f in request.FILES.getlist("files")]
    calls = {
        "take": lambda: services.take(actor, number, version),
        "note": lambda: services.add_note(actor, number, post.get("note", ""), version),
        "hand_over": lambda: services.hand_over(actor, number, post.get("to", ""), post.get("note", ""), version),
        "return": lambda: services.return_for_materials(
            actor, number, [*post.getlist("missing"), *post.get("missing_other", "").replace("，", ",").split(",")],
            post.get("note", ""), post.get("reason", ""), version),
        "supply": lambda: services.supply(actor, number, post.getlist("materials"), post.get("note", ""), files,
                                          version),
        "refuse": lambda: services.refuse(actor, number, post.get("reason", ""), post.get("redirect_to", ""),
                                          version),
        "escalate": lambda: services.escalate(actor, number, post.get("reason", ""), version),
        "resolve": lambda: services.resolve(actor, number, post.get("result", ""), version),
        "dispatch": lambda: services.dispatch(actor, number, post.getlist("departments"), post.get("lead") or None,
                                              post.get("note", ""), post.get("decided") == "1", version),
        "sign_in": lambda: services.sign_in(actor, number, version),
        "department_return": lambda: services.department_return(actor, number, post.get("reason", ""), version),
        "respond": lambda: services.respond(actor, number, post.get("response", ""), version),
        "rate": lambda: services.rate(actor, number, post.get("grade"), post.get("comment", ""), version),
        "rate_for": lambda: services.rate_for(actor, number, post.get("grade"), post.get("given", ""),
                                              post.get("comment", ""), version),
        "callback": lambda: services.callback(actor, number, post.get("note", ""), version),
        "exclude_rating": lambda: services.exclude_rating(actor, number, post.get("reason", ""), None, version),
        "withdraw": lambda: services.withdraw(actor, number, post.get("reason", ""), version),
        "merge": lambda: services.merge(actor, number, post.get("into", ""), post.get("reason", ""), version),
        "transfer": lambda: services.transfer(actor, number, post.get("village", ""), post.get("reason", ""),
                                              version),
        "attach": lambda: services.attach(actor, number, files, version),
    }
    return calls.get(action)


@login_required
@require_POST
def act(request, number: str, action: str):
    actor = Actor.from_request(request)
    services.get_case(actor, number)
    call = _call(request, actor, number, action)
    if call is None:
        raise permissions.NotFound
    try:
        call()
        messages.success(request, str(DONE.get(action, _("Saved."))))
    except ValidationError as exc:
        flash_errors(request, exc)
    except services.Conflict as exc:
        messages.error(request, exc.message)
    except permissions.Forbidden as exc:
        messages.error(request, exc.message or _("You may not do this."))
    return redirect("cases:case", number=number)


DONE = {  # what each action did, said to the person who did it
    "take": gettext_lazy("Taken up: you are the person responsible for this request now."),
    "note": gettext_lazy("The note is on the record."),
    "hand_over": gettext_lazy("Handed over; the new owner is told."),
    "return": gettext_lazy("The applicant is told, once and completely, what is missing; the clock waits."),
    "supply": gettext_lazy("The materials are recorded; the clock runs again."),
    "refuse": gettext_lazy("Refused; the applicant is told why and where to go."),
    "escalate": gettext_lazy("Sent up to the township; its officers are told."),
    "resolve": gettext_lazy("The result is recorded; the applicant is asked to rate it."),
    "dispatch": gettext_lazy("Dispatched; the departments are told to report in."),
    "sign_in": gettext_lazy("Signed in: your department has taken this call."),
    "department_return": gettext_lazy("Returned to the township with your reason."),
    "respond": gettext_lazy("Your department's answer is recorded; the township is told."),
    "rate": gettext_lazy("Thank you: your rating is recorded."),
    "rate_for": gettext_lazy("The applicant's rating is recorded, marked as recorded by you."),
    "callback": gettext_lazy("The call back is recorded."),
    "exclude_rating": gettext_lazy("The rating is set aside, with your reason on the record."),
    "withdraw": gettext_lazy("Withdrawn."),
    "transfer": gettext_lazy("Passed to the other village; its staff and the applicant are told."),
    "merge": gettext_lazy("Joined: it follows the other request, and its applicant is told."),
    "attach": gettext_lazy("The files are added to the request."),
}


@login_required
def attachment(request, number: str, attachment_id: int):
    actor = Actor.from_request(request)
    return stored_file_response(services.read_attachment(actor, number, attachment_id))


@login_required
@reads_from_replica
def rates_page(request):
    actor = Actor.from_request(request)
    region = queues.region_in_scope(actor, request.GET.get("region", ""))
    try:
        report = queues.ranking(region, request.GET.get("month", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
        report = queues.ranking(region, "")
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(report.xlsx(), content_type="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="rates-{region.code}-{report.month}.xlsx"'
        return response
    path = [p for p in region.path() if queues.may_read_rates(actor, p.code)]
    places = [*path, *region.children.filter(active=True).order_by("code")] if region.level < 5 else path
    return render(request, "cases/rates.html", {"report": report, "region": region, "Rates": rates.Rates,
                                                "path": path, "places": places})



@login_required
@reads_from_replica
def command_page(request):
    """The command view of the person's township, county, city or province, with drill-down."""
    from . import command

    actor = Actor.from_request(request)
    region = queues.region_in_scope(actor, request.GET.get("region", ""))
    view = command.build(region)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(command.to_xlsx(view), content_type="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="command-{region.code}-{view.month}.xlsx"'
        return response
    path = [p for p in region.path() if queues.may_read_rates(actor, p.code)]
    lines = [(name, label, colour, command.chart_points(view.trend, name)) for name, label, colour in (
        ("response", _("Response rate"), "#1f5fa8"), ("resolution", _("Resolution rate"), "#2f6f4f"),
        ("satisfaction", _("Satisfaction rate"), "#c8102e"), ("on_time", _("On-time rate"), "#8a5a00"))]
    top = max([n for _label, n, _b in view.categories] + [1])
    return render(request, "cases/command.html", {
        "view": view, "region": region, "path": path, "lines": lines, "top": top,
        "village_level": region.level >= 4})


@reads_from_replica
def public_rates(request, code: str):
    """A village's or a township's rates and satisfaction, public without signing in (results are published);
    no names and no cases, only counts."""
    from . import command

    region = Region.objects.filter(code=code, active=True, level__in=(4, 5)).first()
    if region is None:
        raise permissions.NotFound
    today = timezone.localdate()
    current = rates.region_rates(region, today.replace(day=1), today)
    trend = command.build_trend(region, today)
    lines = [(name, label, colour, command.chart_points(trend, name)) for name, label, colour in (
        ("response", _("Response rate"), "#1f5fa8"), ("resolution", _("Resolution rate"), "#2f6f4f"),
        ("satisfaction", _("Satisfaction rate"), "#c8102e"), ("on_time", _("On-time rate"), "#8a5a00"))]
    return render(request, "cases/public_rates.html", {"region": region, "current": current, "trend": trend,
                                                       "path": region.path(), "lines": lines})
