"""Every write about admission, the registry and demand reports: permission, validation, write, history and
audit in one transaction. Views, API endpoints and commands only call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import dates
from cunwu.accounts import permissions
from cunwu.accounts.departments import CHINESE_NAMES, DepartmentKind, kind_from_name
from cunwu.accounts.models import Department
from cunwu.accounts.permissions import CHANGE, MANAGE
from cunwu.accounts.roles import Role
from cunwu.accounts.services import holders, region_or_error
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.notify import services as notify
from cunwu.regions import codes
from cunwu.regions.models import Region
from cunwu.text import clean_text, text_problem

from .choices import (
    CHANNELS,
    NEGATIVE_WORDS,
    STANDARD_PLAQUES,
    TIMES_PER_YEAR,
    Decision,
    DemandKind,
    DutyKind,
    Frequency,
    NegativeDuty,
    Placement,
    ReportKind,
    ReportOutcome,
    ReportState,
    RequestState,
)
from .models import (
    AdmissionEvent,
    AdmissionRequest,
    BurdenCap,
    DemandReport,
    FormsList,
    FormsListEntry,
    LawfulDuty,
    Obligation,
    PlaqueStandard,
    Review,
    ReviewPanel,
)
from .policies import CONSENT, DECIDE, REVIEW, reviewer_kinds

# --- helpers ------------------------------------------------------------------------------------------------


def _event(request: AdmissionRequest, actor: Actor, action: str, note: str = "") -> None:
    AdmissionEvent.objects.create(request=request, actor_label=_actor_name(actor), action=action, note=note)


def _actor_name(actor: Actor) -> str:
    if actor.user is None:
        return _("system")
    return actor.user.display_name


def _locked(actor: Actor, action: str, request_id: int, message: str = "") -> tuple[AdmissionRequest, Actor]:
    request = permissions.get_or_404(AdmissionRequest.objects.all(), actor, permissions.VIEW, pk=request_id)
    acting = permissions.require(actor, action, request, message)
    return AdmissionRequest.objects.select_for_update().get(pk=request.pk), acting


def rural_villages(region_codes: list[str]):
    """The rural villages inside any of the given regions."""
    q = None
    for code in region_codes:
        part = permissions.within("code", code)
        q = part if q is None else q | part
    return Region.objects.active().filter(level=5, is_rural=True).filter(q) if q is not None else Region.objects.none()


def negative_duties_in(text: str) -> list[str]:
    return [duty for duty, words in NEGATIVE_WORDS.items() if any(w in text for w in words)]


# --- filing -------------------------------------------------------------------------------------------------


@dataclass
class RequestInput:
    kind: str = ""
    title: str = ""
    description: str = ""
    legal_basis: str = ""
    scope: list[str] = field(default_factory=list)
    frequency: str = ""
    funding_yuan: str | Decimal | int = 0
    funding_source: str = ""
    working_conditions: str = ""
    form_fields: list[str] = field(default_factory=list)
    placement: str = ""
    negative_duties: list[str] = field(default_factory=list)


def _applicant_assignment(actor: Actor):
    for assignment in permissions.assignments_of(actor.user):
        if assignment.role in (Role.DEPARTMENT_OFFICER, Role.TOWNSHIP_OFFICER):
            return assignment
    raise permissions.Forbidden(_("Only a county department or a township files admission requests."))


def _clean_request(data: RequestInput, county: Region) -> dict:
    errors: dict[str, list[str]] = {}

    def err(name, message):
        errors.setdefault(name, []).append(message)

    cleaned: dict = {}
    cleaned["kind"] = data.kind if data.kind in DemandKind.values else ""
    if not cleaned["kind"]:
        err("kind", _("Choose what villages would take on: a work item, a form, a mechanism or a plaque."))
    cleaned["title"] = (data.title or "").strip()
    if text_problem(cleaned["title"], 200):
        err("title", text_problem(cleaned["title"], 200))
    if not cleaned["title"]:
        err("title", _("A request needs a title."))
    cleaned["description"] = (data.description or "").strip()
    if text_problem(cleaned["description"], 4000):
        err("description", text_problem(cleaned["description"], 4000))
    if not cleaned["description"]:
        err("description", _("Say what villages would have to do."))
    cleaned["legal_basis"] = (data.legal_basis or "").strip()
    if text_problem(cleaned["legal_basis"], 4000):
        err("legal_basis", text_problem(cleaned["legal_basis"], 4000))
    cleaned["frequency"] = data.frequency if data.frequency in Frequency.values else ""
    if not cleaned["frequency"]:
        err("frequency", _("Say how often villages would have to do it."))
    try:
        funding = Decimal(str(data.funding_yuan or 0)).quantize(Decimal("0.01"))
        if funding < 0 or funding > Decimal("9999999999"):
            raise InvalidOperation
        cleaned["funding_yuan"] = funding
    except (InvalidOperation, ValueError):
        err("funding_yuan", _("The funding is an amount in yuan, zero or more."))
    cleaned["funding_source"] = (data.funding_source or "").strip()
    if text_problem(cleaned["funding_source"], 200):
        err("funding_source", text_problem(cleaned["funding_source"], 200))
    cleaned["working_conditions"] = (data.working_conditions or "").strip()
    if text_problem(cleaned["working_conditions"], 4000):
        err("working_conditions", text_problem(cleaned["working_conditions"], 4000))
    scope = list(dict.fromkeys(c.strip() for c in data.scope if c and c.strip())) or [county.code]
    outside = [c for c in scope if not codes.is_valid(c) or not codes.contains(county.code, c)]
    if outside:
        err("scope", _("These regions are not in %(county)s: %(codes)s.") % {"county": county.name,
                                                                             "codes": ", ".join(outside)})
    elif not rural_villages(scope).exists():
        err("scope", _("The chosen area has no villages."))
    cleaned["scope"] = scope
    fields_asked = [f.strip() for f in data.form_fields if f and f.strip()]
    for name in fields_asked:
        if text_problem(name, 100):
            err("form_fields", f"{name[:20]}…：{text_problem(name, 100)}")
    if cleaned["kind"] == DemandKind.FORM and not fields_asked:
        err("form_fields", _("A form request lists the fields it asks villages to fill in."))
    cleaned["form_fields"] = fields_asked if cleaned["kind"] == DemandKind.FORM else []
    placement = data.placement or ""
    if cleaned["kind"] == DemandKind.PLAQUE:
        if placement not in Placement.values:
            err("placement", _("Say where the plaque would hang (outside or inside)."))
        else:
            problem = _outside_problem(county.code, cleaned["title"], placement)
            if problem:
                err("placement", problem)
    cleaned["placement"] = placement if cleaned["kind"] == DemandKind.PLAQUE else ""
    unknown = [d for d in data.negative_duties if d not in NegativeDuty.values]
    if unknown:
        err("negative_duties", _("Unknown duties: %(d)s.") % {"d": ", ".join(unknown)})
    cleaned["negative_duties"] = [d for d in NegativeDuty.values if d in data.negative_duties]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _next_number(county: Region) -> str:
    """ZR + county + year + a serial from the county's counter (inside the filing transaction)."""
    from django.db import IntegrityError
    from django.db.models import F

    from .models import RequestCounter

    year = timezone.localdate().year
    counters = RequestCounter.objects.filter(county=county, year=year)
    if not counters.update(last=F("last") + 1):
        prefix = f"ZR{county.code}{year}"
        numbered = (AdmissionRequest.objects.filter(number__startswith=prefix).order_by("-number")
                    .values_list("number", flat=True).first())  # requests filed before the counter existed
        try:
            with transaction.atomic():
                RequestCounter.objects.create(county=county, year=year,
                                              last=(int(numbered[len(prefix):]) if numbered else 0) + 1)
        except IntegrityError:  # another filing made the counter first
            counters.update(last=F("last") + 1)
    return f"ZR{county.code}{year}{counters.values_list('last', flat=True).get():04d}"


def file_request(actor: Actor, data: RequestInput) -> AdmissionRequest:
    """A department or township asks for villages to take something on. A negative-list duty is refused at once."""
    assignment = _applicant_assignment(actor)
    acting = actor.acting_as(assignment)
    if assignment.role == Role.DEPARTMENT_OFFICER:
        county, applicant_region, department = assignment.region, assignment.region, assignment.department
    else:
        county = Region.objects.get(code=assignment.region_id[:6])
        applicant_region, department = assignment.region, None
    cleaned = _clean_request(data, county)
    found = negative_duties_in(f"{cleaned['title']}\n{cleaned['description']}")
    negative = [d for d in NegativeDuty.values if d in cleaned["negative_duties"] or d in found]
    with transaction.atomic():
        request = AdmissionRequest.objects.create(
            county=county, number=_next_number(county), applicant_region=applicant_region,
            applicant_department=department, filed_by=actor.user, reviewers=reviewer_kinds(county.code), **cleaned,
        )
        _event(request, acting, "filed")
        if negative:
            request.state = RequestState.REFUSED
            request.negative_duties = negative
            request.reason = _("Village organisations may not be made responsible for %(duties)s (the negative list "
                               "for village organisations); the request is refused.") % {
                "duties": "、".join(str(NegativeDuty(d).label) for d in negative)}
            request.decided_at = timezone.now()
            request.save()
            _event(request, acting, "refused", request.reason)
        record(acting, "admission.filed", request, region_code=county.code,
               detail={"number": request.number, "kind": request.kind, "state": request.state})
        if request.state == RequestState.UNDER_REVIEW:
            _tell_reviewers(request)
    return request


# --- joint review -----------------------------------------------------------------------------------------


def approvable_problems(request: AdmissionRequest) -> list[str]:
    """Why a request cannot be approved: no legal basis, or no funding ("funding follows the matter")."""
    problems = []
    if not request.legal_basis.strip():
        problems.append(_("it has no legal basis"))
    if request.funding_yuan <= 0 and request.kind not in (DemandKind.FORM, *CHANNELS):
        problems.append(_("it transfers no funding"))
    return problems


def review(actor: Actor, request_id: int, decision: str, reason: str) -> Review:
    """One reviewing department approves or rejects, with a reason. A rejection ends the review; approval by all
    sends the request to the county for its decision."""
    reason = clean_text(reason, "reason", 4000, required=False)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve or reject.")})
    if not reason:
        raise ValidationError({"reason": _("Give the reason for your decision.")})
    with transaction.atomic():
        request, acting = _locked(actor, REVIEW, request_id,
                                  _("Only the reviewing departments of this county review admission requests."))
        kind = acting.assignment.department.kind if acting.assignment else ""
        if request.state != RequestState.UNDER_REVIEW:
            raise ValidationError(_("This request is no longer under review (%(state)s).")
                                  % {"state": request.get_state_display()})
        if kind not in request.reviewers:
            raise permissions.Forbidden(_("Your department is not on this request's review panel."))
        if request.reviews.filter(reviewer_kind=kind).exists():
            raise ValidationError(_("%(dept)s has already reviewed this request.") % {"dept": CHINESE_NAMES[kind]})
        if decision == Decision.APPROVE:
            problems = approvable_problems(request)
            if problems:
                raise ValidationError(_("This request cannot be approved: %(p)s.") % {"p": "; ".join(problems)})
        made = Review.objects.create(request=request, reviewer_kind=kind, reviewer=actor.user, decision=decision,
                                     reason=reason)
        _event(request, acting, f"review.{decision}", f"{CHINESE_NAMES[kind]}: {reason}")
        if decision == Decision.REJECT:
            request.state = RequestState.REJECTED
            request.reason = f"{CHINESE_NAMES[kind]}: {reason}"
            request.decided_at = timezone.now()
        elif set(request.reviews.values_list("reviewer_kind", flat=True)) >= set(request.reviewers):
            request.state = RequestState.REVIEWED
        request.save()
        if request.state == RequestState.REVIEWED:
            _tell_county(request)
        elif request.state == RequestState.REJECTED:
            _tell_applicant(request)
        record(acting, f"admission.review.{decision}", request, region_code=request.county_id,
               detail={"number": request.number, "reviewer": kind, "state": request.state})
        return made


def decide(actor: Actor, request_id: int, approve: bool, reason: str = "") -> AdmissionRequest:
    """The county approves the reviewed request onto its list (villages' registries gain it) or declines it."""
    reason = clean_text(reason, "reason", 4000, required=False)
    with transaction.atomic():
        request, acting = _locked(actor, DECIDE, request_id, _("Only the county administrator decides."))
        if request.state != RequestState.REVIEWED:
            raise ValidationError(_("The county decides only after every reviewer has approved (now: %(state)s).")
                                  % {"state": request.get_state_display()})
        to_province: list[str] = []
        if approve:
            problems = approvable_problems(request)
            if problems:
                raise ValidationError(_("This request cannot be approved: %(p)s.") % {"p": "; ".join(problems)})
            to_province = province_reasons(request)
            if to_province:  # the county has said yes; the province must consent before villages carry it
                request.state = RequestState.AWAITING_PROVINCE
            else:
                request.state = RequestState.ADMITTED
                _admit(request)
        else:
            if not reason:
                raise ValidationError({"reason": _("Give the reason for declining.")})
            request.state = RequestState.REJECTED
        request.reason = reason
        if to_province:
            request.save()
            _event(request, acting, "to_province", "；".join(to_province) + (f"。{reason}" if reason else ""))
            record(acting, "admission.to_province", request, region_code=request.county_id,
                   detail={"number": request.number, "why": to_province})
            _tell_province(request)
            return request
        return _closed(request, acting, "admitted" if approve else "declined", reason)


def _closed(request: AdmissionRequest, acting: Actor, outcome: str, note: str) -> AdmissionRequest:
    """A request decided: saved with its date, its history and audit record written, its applicant told."""
    request.decided_at = timezone.now()
    request.save()
    _event(request, acting, outcome, note)
    record(acting, f"admission.{outcome}", request, region_code=request.county_id, detail={"number": request.number})
    _tell_applicant(request)
    return request


def province_reasons(request: AdmissionRequest) -> list[str]:
    """Why admitting this request needs the province's consent after the county's approval (seed 004): a new
    working mechanism in villages, or villages that would carry more than the county's cap."""
    reasons = []
    if request.kind == DemandKind.MECHANISM:
        reasons.append(_("a new working mechanism in villages needs the province's consent"))
    cap = BurdenCap.objects.filter(county_id=request.county_id).first()
    limit = cap.limit(request.kind) if cap else None
    if limit is not None:
        over = villages_at_cap(rural_villages(request.scope), request.kind, limit)
        if over:
            reasons.append(_("%(n)d villages already carry the county's cap of %(cap)d (%(kind)s)")
                           % {"n": over, "cap": limit, "kind": DemandKind(request.kind).label})
    return reasons


def villages_at_cap(villages, kind: str, limit: int, on: dt.date | None = None) -> int:
    """How many of `villages` already carry `limit` or more of `kind` in force (a standard mechanism and a form
    computed from the records do not count)."""
    on = on or timezone.localdate()
    rows = Obligation.objects.filter(village__in=villages, kind=kind, active=True).in_force(on, on)
    if kind == DemandKind.MECHANISM:
        rows = rows.filter(standard=False)
    if kind == DemandKind.FORM:
        rows = rows.filter(Q(form__isnull=True) | Q(form__computed=False))
    return rows.values("village_id").annotate(n=Count("pk")).filter(n__gte=limit).count()


def consent(actor: Actor, request_id: int, approve: bool, reason: str = "") -> AdmissionRequest:
    """The province consents (villages' registries gain the item) or refuses, after the county approved."""
    reason = clean_text(reason, "reason", 4000, required=False)
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    with transaction.atomic():
        request, acting = _locked(actor, CONSENT, request_id,
                                  _("Only the province's administrator consents to this request."))
        if request.state != RequestState.AWAITING_PROVINCE:
            raise ValidationError(_("This request is not awaiting the province (now: %(state)s).")
                                  % {"state": request.get_state_display()})
        if approve:
            request.state = RequestState.ADMITTED
            _admit(request)
        else:
            request.state = RequestState.REJECTED
        request.reason = reason
        return _closed(request, acting, "consented" if approve else "not_consented", reason)


def _tell(users, kind: str, request: AdmissionRequest, role: str) -> None:
    notify.tell(users, kind, f"admission:{request.pk}:{kind}:{request.state}", f"{request.number} {request.title}",
                link=f"/burden/requests/{request.pk}/", region_code=request.county_id, role=role)


def _tell_reviewers(request: AdmissionRequest) -> None:
    _tell(holders(Role.DEPARTMENT_OFFICER, region_id=request.county_id, department__kind__in=list(request.reviewers)),
          "admission_review", request, Role.DEPARTMENT_OFFICER)


def _tell_county(request: AdmissionRequest) -> None:
    _tell(holders(Role.COUNTY_ADMIN, region_id=request.county_id), "admission_decide", request, Role.COUNTY_ADMIN)


def _tell_province(request: AdmissionRequest) -> None:
    _tell(holders(Role.PROVINCE_ADMIN, region_id=request.county_id[:2]), "admission_consent", request,
          Role.PROVINCE_ADMIN)


def _tell_applicant(request: AdmissionRequest) -> None:
    from cunwu.accounts.models import User

    _tell(User.objects.filter(pk=request.filed_by_id), "admission_decided", request, "")


def _admit(request: AdmissionRequest) -> None:
    today = timezone.localdate()
    standard_names = plaque_standard_for(request.county_id).names
    form, ends = None, None
    if request.kind == DemandKind.FORM:  # on this year's list: in force until the year ends
        ends = dt.date(today.year, 12, 31)
        forms_list, _created = FormsList.objects.get_or_create(county=request.county, year=today.year)
        form = FormsListEntry.objects.create(
            forms_list=forms_list, title=request.title, department=request.applicant_department,
            demanded_by=request.applicant_name, frequency=request.frequency, basis=request.legal_basis,
            fields=request.form_fields, admission=request,
        )
    Obligation.objects.bulk_create([
        Obligation(village=village, kind=request.kind, title=request.title, demanded_by=request.applicant_name,
                   basis=request.legal_basis, times_per_year=TIMES_PER_YEAR[request.frequency],
                   placement=request.placement, admission=request, form=form, since=today, ended=ends,
                   standard=request.kind == DemandKind.PLAQUE and request.title in standard_names)
        for village in rural_villages(request.scope)
    ], batch_size=500)


def withdraw(actor: Actor, request_id: int, reason: str) -> AdmissionRequest:
    """The applicant (or the county) withdraws a request; an admitted one leaves every village's registry."""
    reason = clean_text(reason, "reason", 4000, required=False)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawing.")})
    with transaction.atomic():
        request, acting = _locked(actor, CHANGE, request_id, _("Only the applicant or the county withdraws a request."))
        if request.state not in (RequestState.UNDER_REVIEW, RequestState.REVIEWED, RequestState.AWAITING_PROVINCE,
                                 RequestState.ADMITTED):
            raise ValidationError(_("A request that is %(state)s cannot be withdrawn.")
                                  % {"state": request.get_state_display()})
        today = timezone.localdate()
        if request.state == RequestState.ADMITTED:
            request.obligations.filter(active=True).update(active=False, ended=today)
            FormsListEntry.objects.filter(admission=request).update(active=False)
        request.state = RequestState.WITHDRAWN
        request.reason = reason
        request.save()
        _event(request, acting, "withdrawn", reason)
        record(acting, "admission.withdrawn", request, region_code=request.county_id,
               detail={"number": request.number})
        return request


def set_review_panel(actor: Actor, county_code: str, kinds: list[str]) -> ReviewPanel:
    county = region_or_error(county_code, "county")
    cleaned = []
    for name in kinds:
        kind = kind_from_name(name)
        if kind is None:
            raise ValidationError({"kinds": _("Unknown department “%(name)s”; use one of: %(known)s.")
                                   % {"name": name, "known": ", ".join(k.value for k in DepartmentKind)}})
        if kind not in cleaned:
            cleaned.append(kind)
    if len(cleaned) < 2:
        raise ValidationError({"kinds": _("A joint review needs at least two departments.")})
    if county.level != 3:
        raise ValidationError({"county": _("Review panels belong to counties.")})
    with transaction.atomic():
        panel = ReviewPanel.objects.select_for_update().get_or_create(county=county, defaults={"kinds": cleaned})[0]
        acting = permissions.require(actor, CHANGE, panel, _("Only the county administrator sets the review panel."))
        panel.kinds = cleaned
        panel.save()
        record(acting, "admission.panel_set", panel, region_code=county.code, detail={"kinds": cleaned})
        return panel


# --- the county's caps and the province's plaque standard ----------------------------------------------------


def set_caps(actor: Actor, county_code: str, work_items: int | str | None, mechanisms: int | str | None,
             forms: int | str | None) -> BurdenCap:
    """The county caps what one village carries at once; admitting more needs the province's consent. An empty
    value: no cap for that kind."""
    county = region_or_error(county_code, "county")
    if county.level != 3:
        raise ValidationError({"county": _("Caps belong to counties.")})
    values: dict[str, int | None] = {}
    errors: dict[str, list[str]] = {}
    for name, value in (("work_items", work_items), ("mechanisms", mechanisms), ("forms", forms)):
        text = str(value).strip() if value is not None else ""
        if not text:
            values[name] = None
        elif not text.isdigit() or not 1 <= int(text) <= 500:
            errors[name] = [_("A cap is a whole number from 1 to 500, or empty for none.")]
        else:
            values[name] = int(text)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cap = BurdenCap.objects.select_for_update().get_or_create(county=county)[0]
        acting = permissions.require(actor, CHANGE, cap, _("Only the county administrator sets the caps."))
        for name, value in values.items():
            setattr(cap, name, value)
        cap.set_label = actor.label
        cap.save()
        record(acting, "burden.caps_set", cap, region_code=county.code, detail=values)
        return cap


@dataclass
class PlaqueRule:
    names: list[str]
    most: int
    style: str
    version: int  # 0: the national list (no province standard yet)


def plaque_standard_for(region_code: str) -> PlaqueRule:
    """The plaque standard villages of this region are held to: their province's, else the national list."""
    found = PlaqueStandard.objects.filter(province_id=region_code[:2]).first()
    if found is None:
        return PlaqueRule(list(STANDARD_PLAQUES), len(STANDARD_PLAQUES), "", 0)
    return PlaqueRule(list(found.names), found.most, found.style, found.version)


def _outside_problem(region_code: str, title: str, placement: str) -> str:
    if placement != Placement.OUTSIDE:
        return ""
    rule = plaque_standard_for(region_code)
    if title in rule.names:
        return ""
    return _("The province's standard hangs only these plaques outside: %(list)s; any other hangs inside.") % {
        "list": "、".join(rule.names)}


def set_plaque_standard(actor: Actor, province_code: str, names: list[str], most: int | str,
                        style: str = "") -> PlaqueStandard:
    """The province sets which plaques hang outside a village's service centre, how many at most, and their style.
    Plaques already recorded keep their history; new ones are held to the new standard."""
    province = region_or_error(province_code, "province")
    errors: dict[str, list[str]] = {}
    cleaned = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not cleaned:
        errors["names"] = [_("Name the plaques that hang outside.")]
    elif any(text_problem(n, 40) for n in cleaned):
        errors["names"] = [_("A plaque's name is at most 40 characters of plain text.")]
    text = str(most).strip()
    if not text.isdigit() or not 1 <= int(text) <= max(1, len(cleaned)):
        errors["most"] = [_("At most how many hang outside: a whole number from 1 to the number of plaques named "
                            "(%(n)d).") % {"n": len(cleaned)}]
    style = (style or "").strip()
    if text_problem(style, 2000):
        errors["style"] = [text_problem(style, 2000)]
    if province.level != 1:
        errors["province"] = [_("Plaque standards belong to provinces.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        standard, made = PlaqueStandard.objects.select_for_update().get_or_create(
            province=province, defaults={"names": cleaned, "most": int(text), "style": style})
        acting = permissions.require(actor, CHANGE, standard,
                                     _("Only the province's administrator sets the plaque standard."))
        if not made:
            standard.names, standard.most, standard.style = cleaned, int(text), style
            standard.version += 1
        standard.set_label = actor.label
        standard.save()
        record(acting, "burden.plaque_standard_set", standard, region_code=province.code,
               detail={"names": cleaned, "most": int(text), "version": standard.version})
        return standard


# --- the list of duties by law (the third list) ---------------------------------------------------------------


@dataclass
class CountyLists:
    county: Region
    duties: list[LawfulDuty]
    negative: list[tuple[str, str]]  # (duty, label): national, the same for every county
    directory_items: int  # items in the county's published directory of services


def county_lists(county_code: str) -> CountyLists:
    """The three lists of a county, public: duties by law, the negative list, the directory of services."""
    from cunwu.directory.models import Directory, DirectoryEntry

    county = region_or_error(county_code, "county")
    if county.level != 3:
        raise permissions.NotFound
    today = timezone.localdate()
    duties = list(LawfulDuty.objects.filter(county=county, since__lte=today)
                  .filter(Q(ended__isnull=True) | Q(ended__gt=today)))  # (`ended`: the day it left the list)
    current = Directory.objects.filter(region=county).values_list("current_id", flat=True).first()
    items = DirectoryEntry.objects.filter(version_id=current).count() if current else 0
    return CountyLists(county, duties, [(d.value, str(d.label)) for d in NegativeDuty], items)


def sets_plaque_standard(actor: Actor, province_code: str) -> bool:
    """Is this person the province's administrator, who sets its plaque standard?"""
    return actor.user is not None and any(
        a.role == Role.PROVINCE_ADMIN and a.region_id == province_code for a in permissions.assignments_of(actor.user))


def keeps_duties(actor: Actor, county_code: str) -> bool:
    """Is this person the county administrator who keeps the county's list of duties by law?"""
    return actor.user is not None and any(
        a.role == Role.COUNTY_ADMIN and a.region_id == county_code for a in permissions.assignments_of(actor.user))


def add_duty(actor: Actor, county_code: str, kind: str, title: str, basis: str, department: str = "") -> LawfulDuty:
    """The county puts a duty by law on its list: it needs the law that imposes it."""
    county = region_or_error(county_code, "county")
    errors: dict[str, list[str]] = {}
    if kind not in DutyKind.values:
        errors["kind"] = [_("Say whether villages perform it or assist the government with it.")]
    title = clean_text(title, "title", 200, required=False)
    if not title:
        errors["title"] = [_("Name the duty.")]
    basis = clean_text(basis, "basis", 4000, required=False)
    if not basis:
        errors["basis"] = [_("A duty by law names the law that imposes it.")]
    duties = negative_duties_in(title)
    if duties:
        errors["title"] = [_("%(duties)s is on the negative list: village organisations may not be made responsible "
                             "for it.") % {"duties": "、".join(str(NegativeDuty(d).label) for d in duties)}]
    department_kind = kind_from_name(department) if (department or "").strip() else ""
    if department_kind is None:
        errors["department"] = [_("Unknown department “%(name)s”.") % {"name": department}]
    if county.level != 3:
        errors["county"] = [_("The list of duties by law belongs to a county.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        duty = LawfulDuty.objects.create(county=county, kind=kind, title=title, basis=basis,
                                         department=department_kind or "", since=timezone.localdate(),
                                         added_label=actor.label)
        # (checked on the row just written: a refusal undoes it with the transaction)
        acting = permissions.require(actor, CHANGE, duty, _("Only the county administrator keeps this list."))
        record(acting, "burden.duty_added", duty, region_code=county.code, detail={"title": title, "kind": kind})
        return duty


def end_duty(actor: Actor, county_code: str, duty_id: int) -> LawfulDuty:
    """A duty leaves the list from today (a law changed); its entry stays in the history."""
    with transaction.atomic():
        duty = LawfulDuty.objects.select_for_update().filter(pk=duty_id, county_id=county_code,
                                                             ended__isnull=True).first()
        if duty is None:
            raise permissions.NotFound
        acting = permissions.require(actor, CHANGE, duty, _("Only the county administrator keeps this list."))
        duty.ended = timezone.localdate()
        duty.save(update_fields=["ended"])
        record(acting, "burden.duty_ended", duty, region_code=duty.county_id, detail={"title": duty.title})
        return duty


# --- forms list and plaques ----------------------------------------------------------------------------------


def add_listed_form(actor: Actor, county_code: str, year: int, title: str, department: str, frequency: str,
                    basis: str = "", fields: list[str] | None = None) -> FormsListEntry:
    """The county puts a form on its annual list (seed 004: integrated and published at the start of the year)."""
    county = region_or_error(county_code, "county")
    if county.level != 3:
        raise ValidationError({"county": _("The annual forms list belongs to a county.")})
    errors: dict[str, list[str]] = {}
    title = clean_text(title, "title", 200, required=False)
    if not title:
        errors["title"] = [_("A form needs a title.")]
    if frequency not in Frequency.values:
        errors["frequency"] = [_("Say how often villages would have to do it.")]
    kind = kind_from_name(department or "")
    if kind is None:
        errors["department"] = [_("Name the department that asks for the form.")]
    today = timezone.localdate()
    if not 2000 <= int(year) <= 2100:
        errors["year"] = [_("Give a year like 2026.")]
    elif int(year) < today.year:
        errors["year"] = [_("The %(year)s list is closed: a form goes on this year's list or a later one.")
                          % {"year": year}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        forms_list = FormsList.objects.get_or_create(county=county, year=int(year))[0]
        acting = permissions.require(actor, CHANGE, forms_list,
                                     _("Only the county administrator keeps the forms list."))
        cap = BurdenCap.objects.filter(county=county).first()
        if cap is not None and cap.forms is not None:
            on = max(today, dt.date(int(year), 1, 1))
            if villages_at_cap(rural_villages([county.code]), DemandKind.FORM, cap.forms, on):
                raise ValidationError({"title": [_(
                    "Villages already fill the county's cap of %(cap)d forms by hand: a form beyond it goes "
                    "through admission, with the province's consent.") % {"cap": cap.forms}]})
        dept = Department.objects.get_or_create(county=county, kind=kind)[0]
        entry = FormsListEntry.objects.create(
            forms_list=forms_list, title=title, department=dept, demanded_by=str(dept), frequency=frequency,
            basis=clean_text(basis, "basis", 4000, required=False), fields=[f.strip() for f in fields or [] if f.strip()],
        )
        # in force within the list's year (from today when it is this year's)
        since, ends = max(today, dt.date(int(year), 1, 1)), dt.date(int(year), 12, 31)
        Obligation.objects.bulk_create([
            Obligation(village=v, kind=DemandKind.FORM, title=title, demanded_by=str(dept), basis=entry.basis,
                       times_per_year=TIMES_PER_YEAR[frequency], form=entry, since=since, ended=ends)
            for v in rural_villages([county.code])
        ], batch_size=500)
        record(acting, "forms_list.added", entry, region_code=county.code, detail={"year": forms_list.year,
                                                                                  "title": title})
        return entry


def publish_forms_list(actor: Actor, county_code: str, year: int) -> FormsList:
    with transaction.atomic():
        forms_list = permissions.get_or_404(FormsList.objects.select_for_update(), actor, permissions.VIEW,
                                            county_id=county_code, year=year)
        acting = permissions.require(actor, CHANGE, forms_list, _("Only the county administrator publishes it."))
        if forms_list.published_at:
            raise ValidationError(_("The %(year)s forms list was already published.") % {"year": year})
        forms_list.published_at = timezone.now()
        forms_list.published_label = actor.label
        forms_list.save()
        record(acting, "forms_list.published", forms_list, region_code=county_code, detail={"year": year})
        return forms_list


def village_staff_assignment(actor: Actor, village_code: str):
    for assignment in permissions.assignments_of(actor.user):
        if assignment.role in (Role.VILLAGE_STAFF, Role.GRID_WORKER) and assignment.region_id == village_code:
            return assignment
    return None


def record_plaque(actor: Actor, village_code: str, title: str, placement: str, demanded_by: str,
                  basis: str = "") -> Obligation:
    """Village staff record a plaque hanging at their service centre (the registry of what is there)."""
    village = region_or_error(village_code, "village")
    assignment = village_staff_assignment(actor, village.code)
    if assignment is None and not actor.system:
        raise permissions.NotFound
    title = clean_text(title, "title", 200, required=False)
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Name the plaque.")]
    if placement not in Placement.values:
        errors["placement"] = [_("Say where the plaque would hang (outside or inside).")]
    elif _outside_problem(village.code, title, placement):
        errors["placement"] = [_outside_problem(village.code, title, placement)]
    elif placement == Placement.OUTSIDE:
        most = plaque_standard_for(village.code).most
        hanging = (Obligation.objects.filter(village=village, kind=DemandKind.PLAQUE, placement=Placement.OUTSIDE,
                                             active=True).in_force(timezone.localdate(), timezone.localdate()))
        if hanging.count() >= most:
            errors["placement"] = [_("The province's standard allows at most %(n)d plaques outside; take one down "
                                     "first.") % {"n": most}]
    if not (demanded_by or "").strip():
        errors["demanded_by"] = [_("Say who asked for the plaque.")]
    if errors:
        raise ValidationError(errors)
    acting = actor.acting_as(assignment) if assignment else actor
    with transaction.atomic():
        plaque = Obligation.objects.create(
            village=village, kind=DemandKind.PLAQUE, title=title, placement=placement, demanded_by=clean_text(demanded_by, "demanded_by", 200),
            basis=clean_text(basis, "basis", 4000, required=False),
            standard=title in plaque_standard_for(village.code).names, since=timezone.localdate(),
        )
        record(acting, "registry.plaque_recorded", plaque, region_code=village.code, detail={"title": title})
        return plaque


def take_down_plaque(actor: Actor, village_code: str, plaque_id: int) -> Obligation:
    """Village staff record that a plaque was taken down: its registry row ends today (the index of this year
    still counts it; later years do not)."""
    village = region_or_error(village_code, "village")
    assignment = village_staff_assignment(actor, village.code)
    if assignment is None and not actor.system:
        raise permissions.NotFound
    acting = actor.acting_as(assignment) if assignment else actor
    with transaction.atomic():
        plaque = (Obligation.objects.select_for_update()
                  .filter(pk=plaque_id, village=village, kind=DemandKind.PLAQUE, active=True).first())
        if plaque is None:
            raise permissions.NotFound
        if plaque.admission is not None:
            raise ValidationError(_("This plaque was admitted by the county: it comes down when request %(number)s "
                                    "is withdrawn.") % {"number": plaque.admission.number})
        plaque.active, plaque.ended = False, timezone.localdate()
        plaque.save(update_fields=["active", "ended"])
        record(acting, "registry.plaque_taken_down", plaque, region_code=village.code, detail={"title": plaque.title})
        return plaque


# --- demand reports --------------------------------------------------------------------------------------


def report_demand(actor: Actor, village_code: str, demanded_by: str, what: str, demanded_on: dt.date | str | None = None,
                  anonymous: bool = False, kind: str = ReportKind.DEMAND) -> DemandReport:
    """Village staff report a demand that never went through admission (a work item or form, a government app or
    a work group they were asked to use that is not on the county's list): who, what, when."""
    village = region_or_error(village_code, "village")
    assignment = village_staff_assignment(actor, village.code)
    if assignment is None:
        raise permissions.NotFound
    errors: dict[str, list[str]] = {}
    who = clean_text(demanded_by, "demanded_by", 200, required=False)
    if not who:
        errors["demanded_by"] = [_("Say who made the demand.")]
    what = clean_text(what, "what", 4000, required=False)
    if not what:
        errors["what"] = [_("Say what was demanded.")]
    today = timezone.localdate()
    when = demanded_on or today
    if isinstance(when, str):
        try:
            when = dt.date.fromisoformat(when)
        except ValueError:
            errors["demanded_on"] = [_("Give the date like 2026-11-23.")]
            when = today
    if dates.problem(when):
        errors.setdefault("demanded_on", []).append(dates.problem(when))
        when = today
    if when > today:
        errors.setdefault("demanded_on", []).append(_("The date cannot be in the future."))
    if (kind or ReportKind.DEMAND) not in ReportKind.values:
        errors["kind"] = [_("Say what it is: a demand, an app or a work group.")]
    if errors:
        raise ValidationError(errors)
    department_kind = kind_from_name(who)
    department = (Department.objects.get_or_create(county_id=village.code[:6], kind=department_kind)[0]
                  if department_kind else None)
    acting = actor.acting_as(assignment)
    with transaction.atomic():
        report = DemandReport.objects.create(
            village=village, reported_by=actor.user, anonymous=bool(anonymous), department=department,
            demanded_by=str(department) if department else who, what=what, demanded_on=when,
            kind=kind or ReportKind.DEMAND,
        )
        record(acting, "registry.demand_reported", report, region_code=village.code,
               detail={"demanded_by": report.demanded_by, "anonymous": report.anonymous, "kind": report.kind})
        _tell_report(report, holders(Role.SUPERVISOR, region_id=village.code[:6]), "demand_report", Role.SUPERVISOR)
        return report


def _tell_report(report: DemandReport, users, kind: str, role: str) -> None:
    """A report reaches the county's supervisors, who must resolve it; its outcome reaches the reporter."""
    notify.tell(users, kind, f"demandreport:{report.pk}:{kind}", f"{report.village.name} {report.demanded_by}",
                link="/burden/reports/", region_code=report.village_id, role=role)


def resolve_report(actor: Actor, report_id: int, outcome: str, note: str) -> DemandReport:
    note = clean_text(note, "note", 4000, required=False)
    if outcome not in ReportOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome: demand stopped, brought into admission, or unfounded.")})
    if not note:
        raise ValidationError({"resolution": _("Say what was done.")})
    with transaction.atomic():
        report = permissions.get_or_404(DemandReport.objects.all(), actor, permissions.VIEW, pk=report_id)
        acting = permissions.require(actor, MANAGE, report, _("Only supervisors resolve reports."))
        report = DemandReport.objects.select_for_update().get(pk=report.pk)
        if report.state == ReportState.RESOLVED:
            raise ValidationError(_("This report was already resolved."))
        report.state = ReportState.RESOLVED
        report.outcome = outcome
        report.resolution = note
        report.resolved_by = actor.user
        report.resolved_at = timezone.now()
        report.save()
        record(acting, "registry.report_resolved", report, region_code=report.village_id, detail={"outcome": outcome})
        _tell_report(report, [report.reported_by], "demand_report_resolved", Role.VILLAGE_STAFF)
        return report


def reporter_name(report: DemandReport, actor: Actor) -> str:
    """The reporter's name, unless the village asked to hide it from the department the report is about."""
    if report.anonymous and not any(a.role != Role.DEPARTMENT_OFFICER for a in permissions.assignments_of(actor.user)):
        return _("(anonymous)")
    return report.reported_by.display_name


# --- reading the registry and the index (one jurisdiction rule for pages, API and commands) -----------------

COMPARERS = (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR,
             Role.TOWNSHIP_OFFICER)


def _holds_over(actor: Actor, code: str, roles) -> bool:
    return actor.system or any(codes.contains(a.region_id, code) for a in permissions.assignments_of(actor.user)
                               if a.role in roles)


def village_registry(actor: Actor, village_code: str) -> tuple[Region, list[Obligation]]:
    """What is demanded of a village, for officials whose region contains it (NotFound for anyone else)."""
    village = Region.objects.filter(code=village_code, level=5).first()
    if village is None or not _holds_over(actor, village_code, set(Role) - {Role.VILLAGER, Role.DEPARTMENT_OFFICER}):
        raise permissions.NotFound
    today = timezone.localdate()
    rows = permissions.restrict(Obligation.objects.filter(village=village, active=True).in_force(today, today), actor)
    return village, list(rows.select_related("admission", "form"))


def burden_figures(actor: Actor, region_code: str, year: int) -> tuple[Region, list, object]:
    """The burden index of the places below a region, for those who oversee it (NotFound for anyone else)."""
    from . import figures

    place = Region.objects.filter(code=region_code, level__lte=5).first()
    if place is None or not _holds_over(actor, region_code, COMPARERS):
        raise permissions.NotFound
    rows = figures.compare(region_code, year)
    return place, rows, figures.total(rows, region_code, place.name)


def default_comparison_region(actor: Actor) -> str | None:
    return next((a.region_id for a in permissions.assignments_of(actor.user) if a.role in COMPARERS), None)
