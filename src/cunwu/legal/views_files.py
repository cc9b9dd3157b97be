"""Pages for legal-aid and mediation files, screening, publicity and the figures. Each step of a file is one POST
to /legal/aid/<id>/<step>/ or /legal/mediation/<id>/<step>/, parsed here and done by the service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cunwu.accounts import permissions
from cunwu.accounts.permissions import CHANGE, MANAGE
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.dbrouter import reads_from_replica
from cunwu.downloads import XLSX, file_response, stored_file_response
from cunwu.households import intake
from cunwu.uploads import Upload
from cunwu.web.feedback import act_and_return, errors_of, form_page, parse_date

from . import aid, collaboration, mediation, publicity, scans, services, statistics
from .models import (
    AidMatter,
    AidResult,
    AidState,
    CollaborationState,
    DemoLevel,
    DisputeCategory,
    EventKind,
    Hardship,
    Law,
    MediationState,
    NoMeansGroup,
    PartyKind,
    Performance,
    Risk,
    RuralKind,
    Sex,
    Source,
)
from .policies import OBJECT, SIGN


def _date(value: str):
    return parse_date(value, "day")


def _int(value: str, field: str) -> int:
    try:
        return int((value or "0").strip())
    except ValueError:
        raise ValidationError({field: [_("Enter a whole number, 0 or more.")]}) from None


@login_required
def files(request):
    """The legal-aid and mediation files the user may read, and (for the village's chain) those they may only
    know exist."""
    actor = Actor.from_request(request)
    villages = services.chain_villages(actor)
    return render(request, "legal/files.html", {
        "aid": aid.applications(actor)[:200], "mediations": mediation.cases(actor)[:200],
        "aid_tracked": aid.tracked(actor)[:200], "mediations_tracked": mediation.tracked(actor)[:200],
        "villages": villages, "states": dict(AidState.choices), "mstates": dict(MediationState.choices),
        "risks": dict(Risk.choices),
        "collaborations": collaboration.visible(actor).filter(state__in=collaboration.RUNNING).count(),
    })


# --- legal aid ---------------------------------------------------------------------------------------------


@login_required
def aid_new(request):
    actor = Actor.from_request(request)
    village = request.GET.get("village", "") or request.POST.get("village", "")

    def save(form):
        made = aid.apply(actor, aid.AidInput(
            village=village, matter=form.get("matter", ""), facts=form.get("facts", ""),
            hardship=form.get("hardship", ""), no_means=form.get("no_means", ""), rural=form.get("rural", ""),
            opponent=form.get("opponent", ""), limitation_ends=_date(form.get("limitation_ends", "")),
            applicant_name=form.get("applicant_name", ""), applicant_phone=form.get("applicant_phone", ""),
            resident=form.get("resident") or None))
        return reverse("legal:aid", args=[made.pk])

    is_villager = any(a.role == Role.VILLAGER and a.region_id == village
                      for a in permissions.assignments_of(actor.user))
    context = {
        "village": village, "is_villager": is_villager,
        "matters": AidMatter.choices, "groups": NoMeansGroup.choices, "rural": RuralKind.choices,
        "hardships": [(Hardship.PLEDGE, Hardship.PLEDGE.label), (Hardship.DATA, Hardship.DATA.label)],
        **(intake.lookup(request, actor, village) if village and not is_villager else {}),
    }
    if request.method != "POST" and context.get("taken") is not None:  # collect once
        taken = intake.details(context["taken"])
        return render(request, "legal/aid_new.html", {**context, "errors": {}, "form": {
            "applicant_name": taken["name"], "applicant_phone": taken["phone"]}})
    return form_page(request, "legal/aid_new.html", context, save, _("Your application is with the legal aid centre."))

@login_required
def aid_page(request, application_id: int):
    actor = Actor.from_request(request)
    found = aid.get_application(actor, application_id)
    bureau = permissions.can(actor, MANAGE, found)
    return render(request, "legal/aid.html", {
        "a": found, "timeline": services.timeline(found), "bureau": bureau,
        "lawyer": found.lawyer_id == actor.user.pk, "applicant": permissions.can(actor, OBJECT, found),
        "urgent_due": aid.needs_urgent_help(found), "results": AidResult.choices,
        "lawyers": aid.lawyers_for(found.county_code) if bureau and found.state == AidState.GRANTED else [],
        "collaborations": list(collaboration.visible(actor).filter(application=found)),
        **_scans_context(actor, found, reverse("legal:aid_step", args=[found.pk, "scans"])),
    })


def _scans_context(actor: Actor, found, action: str) -> dict:
    return {"scans": found.scans.all(), "may_add_scans": scans.may_add(actor, found), "scans_action": action}


def _uploads(request) -> list[Upload]:
    return [Upload(f.name or "file", f.read()) for f in request.FILES.getlist("files")]


@login_required
def scan(request, scan_id: int):
    return stored_file_response(scans.read(Actor.from_request(request), scan_id))


AID_STEPS = {
    "materials": (lambda a, pk, f: aid.ask_for_materials(a, pk, f.get("missing", "").splitlines()),
                  _("The applicant is told everything missing, at once.")),
    "urgent": (lambda a, pk, f: aid.give_urgent_help(a, pk, f.get("note", "")), _("Urgent help recorded.")),
    "grant": (lambda a, pk, f: aid.decide(a, pk, True, f.get("reasons", "")), _("Granted.")),
    "refuse": (lambda a, pk, f: aid.decide(a, pk, False, f.get("reasons", "")),
               _("Refused; the applicant is told the reasons.")),
    "object": (lambda a, pk, f: aid.object_to_refusal(a, pk, f.get("objection", "")), _("The objection is filed.")),
    "objection": (lambda a, pk, f: aid.decide_objection(a, pk, f.get("upheld") == "1", f.get("reply", "")),
                  _("The objection is decided.")),
    "assign": (lambda a, pk, f: aid.assign(a, pk, f.get("lawyer", "")), _("The lawyer is assigned.")),
    "accept": (lambda a, pk, f: aid.accept(a, pk), _("You have accepted the case.")),
    "close": (lambda a, pk, f: aid.close(a, pk, f.get("result", ""), f.get("outcome", ""),
                                         f.get("recovered", "0") or "0"), _("The case is closed.")),
    "collaborate": (lambda a, pk, f: collaboration.ask(a, pk, f.get("county", ""), f.get("task", ""),
                                                       f.get("days", "")),
                    _("The other county's legal aid centre is asked; its answer is due within its limit.")),
}

COLLABORATION_STEPS = {
    "accept": (lambda a, pk, f: collaboration.answer(a, pk, True), _("Accepted; the working days asked run now.")),
    "decline": (lambda a, pk, f: collaboration.answer(a, pk, False, f.get("reason", "")),
                _("Declined; the asking county is told why.")),
    "report": (lambda a, pk, f: collaboration.report(a, pk, f.get("result", "")),
               _("Reported; the asking county and the lawyer are told.")),
    "withdraw": (lambda a, pk, f: collaboration.withdraw(a, pk, f.get("reason", "")), _("Withdrawn.")),
}


@login_required
def collaborations(request):
    """Off-site collaboration: what other counties asked of this county's legal aid centre, and what it asked."""
    state = request.GET.get("state", "")
    return render(request, "legal/collaborations.html", {
        "rows": collaboration.visible(Actor.from_request(request), state)[:200], "state": state,
        "states": CollaborationState.choices})


@login_required
def collaboration_page(request, row_id: int):
    actor = Actor.from_request(request)
    row = collaboration.get(actor, row_id)
    return render(request, "legal/collaboration.html", {"c": row, "may": collaboration.may(actor, row)})


@require_POST
@login_required
def collaboration_step(request, row_id: int, step: str):
    return _run_step(request, COLLABORATION_STEPS, row_id, step, "legal:collaboration")


def _run_step(request, steps: dict, pk: int, step: str, page: str):
    """One step of a file, posted from its page: the service does it, the page shows the outcome."""
    if step not in steps:
        raise Http404
    action, success = steps[step]
    return act_and_return(request, lambda a: action(a, pk, request.POST), success, reverse(page, args=[pk]))




@require_POST
@login_required
def aid_step(request, application_id: int, step: str):
    files = _uploads(request)
    steps = {**AID_STEPS, "supplied": (lambda a, pk, f: aid.supply_materials(a, pk, f.get("note", ""), files),
                                       _("Recorded; the clock runs on.")),
             "scans": (lambda a, pk, f: scans.add(a, "aid", pk, files, f.get("what", "")), _("The scans are added."))}
    return _run_step(request, steps, application_id, step, "legal:aid")


# --- mediation ---------------------------------------------------------------------------------------------


@login_required
def screening_new(request):
    actor = Actor.from_request(request)
    village = request.GET.get("village", "") or request.POST.get("village", "")

    def save(form):
        mediation.record_screening(actor, village, _date(form.get("day", "")), _int(form.get("visited"), "visited"),
                                   _int(form.get("found"), "found"), form.get("note", ""))
        return reverse("legal:mediation_new") + f"?village={village}"

    return form_page(request, "legal/screening_new.html", {
        "village": village, "recent": mediation.screenings(actor, village)[:10] if village else []},
        save, _("The screening visit is recorded."))


PARTY_PICKS = (("applicant_resident", gettext_lazy("as the applicant")),
               ("respondent_resident", gettext_lazy("as the respondent")))


def _parties(form) -> list[mediation.PartyInput]:
    parties = []
    for side in ("applicant", "respondent"):
        if form.get(f"{side}_name", "").strip():
            parties.append(mediation.PartyInput(
                side=side, name=form.get(f"{side}_name", ""), sex=form.get(f"{side}_sex", ""),
                birth_date=parse_date(form.get(f"{side}_birth", ""), f"{side}_birth"),
                ethnicity=form.get(f"{side}_ethnicity", ""),
                occupation=form.get(f"{side}_occupation", ""), phone=form.get(f"{side}_phone", ""),
                address=form.get(f"{side}_address", ""), username=form.get(f"{side}_username", ""),
                online=form.get(f"{side}_online") == "1", resident=form.get(f"{side}_resident") or None,
                kind=form.get(f"{side}_kind", "") or "person", representative=form.get(f"{side}_representative", "")))
    return parties


@login_required
def mediation_new(request):
    actor = Actor.from_request(request)
    village = request.GET.get("village", "") or request.POST.get("village", "")

    def save(form):
        made = mediation.open_case(actor, mediation.MediationInput(
            village=village, source=form.get("source", ""), category=form.get("category", ""),
            summary=form.get("summary", ""), risk=form.get("risk", Risk.YELLOW), parties=_parties(form),
            screening=_int(form.get("screening"), "screening") or None,
            opened_on=_date(form.get("opened_on", ""))))
        return reverse("legal:mediation", args=[made.pk])

    context = {
        "village": village, "sources": Source.choices, "party_kinds": PartyKind.choices,
        "categories": DisputeCategory.choices, "risks": Risk.choices, "sexes": Sex.choices,
        "screenings": mediation.screenings(actor, village).filter(found__gt=0)[:10] if village else [],
        **(intake.lookup(request, actor, village, PARTY_PICKS) if village else {}),
    }
    if request.method != "POST" and any((context.get("taken_by") or {}).values()):  # collect once
        form = {}
        for side in ("applicant", "respondent"):
            person = context["taken_by"].get(f"{side}_resident")
            if person is not None:
                taken = intake.details(person)
                form.update({f"{side}_name": taken["name"], f"{side}_sex": taken["sex"],
                             f"{side}_birth": taken["birth_date"].isoformat(), f"{side}_phone": taken["phone"],
                             f"{side}_address": taken["address"]})
        return render(request, "legal/mediation_new.html", {**context, "form": form, "errors": {}})
    return form_page(request, "legal/mediation_new.html", context, save, _("The dispute is accepted for mediation."))

@login_required
def mediation_apply(request):
    """A party applies for mediation (the directory's mediation item): the villager, or staff for them."""
    actor = Actor.from_request(request)
    village = request.GET.get("village", "") or request.POST.get("village", "")

    def save(form):
        made = mediation.apply(actor, mediation.MediationApplication(
            village=village, category=form.get("category", ""), summary=form.get("summary", ""),
            respondent_name=form.get("respondent_name", ""), respondent_sex=form.get("respondent_sex", ""),
            respondent_phone=form.get("respondent_phone", ""), respondent_kind=form.get("respondent_kind", ""),
            respondent_representative=form.get("respondent_representative", ""),
            applicant_sex=form.get("applicant_sex", ""), applicant_name=form.get("applicant_name", ""),
            applicant_phone=form.get("applicant_phone", ""), resident=form.get("resident") or None,
            consent=form.get("consent", "")))
        return reverse("legal:mediation", args=[made.pk])

    is_villager = any(a.role == Role.VILLAGER and a.region_id == village
                      for a in permissions.assignments_of(actor.user))
    context = {"village": village, "is_villager": is_villager, "categories": DisputeCategory.choices,
               "sexes": Sex.choices, "party_kinds": PartyKind.choices,
               **(intake.lookup(request, actor, village) if village and not is_villager else {})}
    if request.method != "POST" and context.get("taken") is not None:  # collect once
        taken = intake.details(context["taken"])
        return render(request, "legal/mediation_apply.html", {**context, "errors": {}, "form": {
            "applicant_name": taken["name"], "applicant_phone": taken["phone"], "applicant_sex": taken["sex"]}})
    return form_page(request, "legal/mediation_apply.html", context, save,
                     _("Your application is with the mediation committee; a mediator will contact you."))


@login_required
def mediation_page(request, case_id: int):
    actor = Actor.from_request(request)
    case = mediation.get_case(actor, case_id)
    agreement = getattr(case, "agreement", None) if hasattr(case, "agreement") else None
    parties = list(case.parties.all())
    mine = [p for p in parties if p.user_id == actor.user.pk]
    return render(request, "legal/mediation.html", {
        "c": case, "parties": parties, "agreement": agreement, "timeline": services.timeline(case),
        "mediator": permissions.can(actor, CHANGE, case), "my_parties": mine if permissions.can(actor, SIGN, case)
        else [], "missing": mediation.missing_signatures(case) if agreement else [],
        "term_rows": _term_rows(agreement.terms if agreement else []),
        "risks": Risk.choices, "performances": Performance.choices,
        "may_draft": agreement is None or not (agreement.mediator_signed_at or any(p.signed_at for p in parties)),
        **_scans_context(actor, case, reverse("legal:mediation_step", args=[case.pk, "scans"])),
    })


TERM_ROWS = 30  # the most terms an agreement holds


def _term_rows(terms: list) -> list[dict]:
    """The agreement's terms as rows of the form, with two empty rows to add more."""
    rows = [dict(t) for t in terms] + [{"text": "", "how": "", "by": ""}] * 2
    return [{"n": i, **row} for i, row in enumerate(rows[:TERM_ROWS], 1)]


def _terms(form) -> list[dict]:
    """The terms typed as rows (what, how, by which date); an empty row is left out, a half-filled one is not."""
    rows = zip(form.getlist("term_text"), form.getlist("term_how"), form.getlist("term_by"), strict=False)
    return [{"text": text.strip(), "how": how.strip(), "by": by.strip()} for text, how, by in rows
            if text.strip() or how.strip() or by.strip()][:TERM_ROWS]


MEDIATION_STEPS = {
    "risk": (lambda a, pk, f: mediation.set_risk(a, pk, f.get("risk", "")), _("The risk level is changed.")),
    "session": (lambda a, pk, f: mediation.add_session(a, pk, _date(f.get("held_on", "")), f.get("place", ""),
                                                       f.get("record", "")), _("The session is recorded.")),
    "agreement": (lambda a, pk, f: mediation.draft_agreement(a, pk, f.get("facts", ""), f.get("matters", ""),
                                                             f.get("responsibilities", ""), _terms(f)),
                  _("The agreement is drafted. The parties and the mediator sign it next.")),
    "sign": (lambda a, pk, f: mediation.sign(a, pk, _int(f.get("party"), "party") or None,
                                             f.get("how", "signature")), _("The signature is recorded.")),
    "seal": (lambda a, pk, f: mediation.seal(a, pk), _("Sealed: the agreement is in effect.")),
    "end": (lambda a, pk, f: mediation.end(a, pk, f.get("state", ""), f.get("note", ""), f.get("amount") or "0"),
            _("The case is ended.")),
    "follow_up": (lambda a, pk, f: mediation.follow_up(a, pk, f.get("performance", ""), f.get("note", ""),
                                                       _date(f.get("day", ""))), _("The visit is recorded.")),
    "confirmation": (lambda a, pk, f: mediation.apply_for_confirmation(a, pk, f.get("court_name", ""),
                                                                       _date(f.get("applied_on", ""))),
                     _("The application to the court is recorded.")),
    "court": (lambda a, pk, f: mediation.record_court_decision(a, pk, f.get("confirmed") == "1",
                                                               _date(f.get("decided_on", ""))),
              _("The court's decision is recorded.")),
}


@require_POST
@login_required
def mediation_step(request, case_id: int, step: str):
    files = _uploads(request)
    steps = {**MEDIATION_STEPS, "scans": (lambda a, pk, f: scans.add(a, "mediation", pk, files, f.get("what", "")),
                                          _("The scans are added."))}
    return _run_step(request, steps, case_id, step, "legal:mediation")


@login_required
def agreement_pdf(request, case_id: int):
    case, data = mediation.agreement_pdf(Actor.from_request(request), case_id)
    return file_response(data, "application/pdf", f"mediation-{case.number}.pdf", inline=True)


# --- publicity and figures -------------------------------------------------------------------------------------


@login_required
def publicity_new(request):
    actor = Actor.from_request(request)

    def save(form):
        publicity.record_event(actor, form.get("region", ""), form.get("kind", ""), form.get("law", ""),
                               form.get("title", ""), form.get("place", ""), _date(form.get("day", "")),
                               _int(form.get("attendance"), "attendance"), form.get("troupe", ""),
                               form.get("subsidy") or "0")
        return reverse("legal:publicity_new")

    return form_page(request, "legal/publicity_new.html", {
        "kinds": EventKind.choices, "laws": Law.choices, "recent": publicity.recent_here(actor)},
        save, _("The event is recorded."))


@login_required
def demonstration(request):
    """Demonstration villages of democracy and the rule of law in the user's area; the county's justice bureau
    records new titles."""
    actor = Actor.from_request(request)
    region = request.GET.get("region", "") or next(
        (a.region_id for a in permissions.assignments_of(actor.user)), "")

    def save(form):
        publicity.name_demonstration(actor, form.get("village", "").strip(), form.get("level", ""),
                                     _int(form.get("year"), "year"))
        return reverse("legal:demonstration") + f"?region={region}"

    return form_page(request, "legal/demonstration.html", {
        "region": region, "titles": publicity.demonstrations(actor, region)[:500], "levels": DemoLevel.choices,
        "may_name": publicity.may_name(actor), "this_year": timezone.localdate().year,
        "villages": publicity.villages_to_name(actor)},
        save, _("The title is recorded."))


@login_required
def priority_limits(request):
    """The province's tighter limits for rural legal-aid cases (land contract, farm inputs, migrant wages)."""
    actor = Actor.from_request(request)
    province = next((a.region_id for a in permissions.assignments_of(actor.user)
                     if a.role == Role.PROVINCE_ADMIN), None)
    if province is None:
        raise permissions.NotFound

    def save(form):
        aid.set_priority_limits(actor, province, *(_int(form.get(step), step) for step in aid.STEPS))
        return reverse("legal:priority_limits")

    current = aid.priority_limits(province)
    return form_page(request, "legal/priority_limits.html", {
        "province": province, "steps": [
            (step, aid.STEP_NAMES[step], aid.statutory(step),
             request.POST.get(step, "") if request.method == "POST" else getattr(current, step, aid.statutory(step)))
            for step in aid.STEPS],
        "current": current}, save, _("The province's limits are saved."))

@login_required
@reads_from_replica
def figures(request):
    actor = Actor.from_request(request)
    try:
        result = statistics.report(actor, request.GET.get("region", ""), _date(request.GET.get("start", "")),
                                   _date(request.GET.get("end", "")))
    except ValidationError as exc:
        messages.error(request, "; ".join(m for ms in errors_of(exc).values() for m in ms))
        return redirect("legal:figures")
    if request.GET.get("format") == "xlsx":
        return file_response(statistics.to_xlsx(result), XLSX, f"legal-{result.region.code}.xlsx")
    return render(request, "legal/figures.html", {
        "r": result, "path": result.region.path(),
        "category_bars": statistics.bars([(label, n) for label, n, _ok in result.by_category]),
        "month_bars": statistics.bars([(m, n) for m, n, _a in result.by_month]),
        "aid_month_bars": statistics.bars([(m, a) for m, _n, a in result.by_month]),
        "rate_bars": statistics.bars([(row.name, row.success_pct) for row in result.rows
                                      if row.mediated]),
    })
