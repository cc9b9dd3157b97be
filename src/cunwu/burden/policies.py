"""Who sees and acts on admission requests, registries and demand reports.

Admitted (and withdrawn) requests of a county are open to every official of that county, since villages must
know what may be asked of them; pending ones to the applicant, the reviewing departments, the county's
administrators and those above, supervisors and auditors. Demand reports go to the reporting village, the
township, the county and supervisors; the named department sees reports about itself (without the reporter's
name when the village asked for that)."""

from django.conf import settings
from django.db.models import Q

from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW, Policy, register, within
from cunwu.accounts.roles import ADMIN_ROLES, SPECS, Role

from .choices import RequestState

REVIEW, DECIDE, CONSENT = "review", "decide", "consent"
OPEN_STATES = [RequestState.ADMITTED, RequestState.WITHDRAWN]
OVERSEERS = (*ADMIN_ROLES, Role.SUPERVISOR, Role.AUDITOR)
VILLAGE_OFFICIALS = (Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.LEGAL_ADVISER, Role.MEDIATOR)


def reviewer_kinds(county_code: str) -> list[str]:
    from .models import ReviewPanel

    panel = ReviewPanel.objects.filter(county_id=county_code).values_list("kinds", flat=True).first()
    return list(panel) if panel else list(settings.CUNWU["ADMISSION_REVIEWERS"])


def _county_of(code: str) -> str:
    return code[:6]


def _request_rule(user, a, action):
    role, code = a.role, a.region_id
    if action == VIEW:
        if role in OVERSEERS:
            return within("county_id", code) | within("applicant_region_id", code)
        if role == Role.DEPARTMENT_OFFICER:
            mine = Q(applicant_department_id=a.department_id) | Q(county_id=code, state__in=OPEN_STATES)
            if a.department.kind in reviewer_kinds(code):
                mine |= Q(county_id=code)
            return mine
        if role == Role.TOWNSHIP_OFFICER:
            return Q(applicant_region_id=code) | Q(county_id=_county_of(code), state__in=OPEN_STATES)
        if role in VILLAGE_OFFICIALS:
            return Q(county_id=_county_of(code), state__in=OPEN_STATES)
        return None
    if action == CHANGE:  # the applicant withdraws; the county administrator too
        if role == Role.DEPARTMENT_OFFICER:
            return Q(applicant_department_id=a.department_id)
        if role == Role.TOWNSHIP_OFFICER:
            return Q(applicant_region_id=code, applicant_department__isnull=True)
        if role == Role.COUNTY_ADMIN:
            return Q(county_id=code)
        return None
    if action == REVIEW and role == Role.DEPARTMENT_OFFICER and a.department.kind in reviewer_kinds(code):
        return Q(county_id=code)
    if action == DECIDE and role == Role.COUNTY_ADMIN:
        return Q(county_id=code)
    if action == CONSENT and role == Role.PROVINCE_ADMIN:
        return within("county_id", code)
    return None


def _village_rule(field: str):
    def rule(user, a, action):
        if action != VIEW or a.role in (Role.VILLAGER, Role.DEPARTMENT_OFFICER):
            return None
        return within(field, a.region_id)

    return rule


def _obligation_rule(user, a, action):
    if action == VIEW and a.role == Role.DEPARTMENT_OFFICER:
        return Q(admission__applicant_department_id=a.department_id) | Q(form__department_id=a.department_id)
    return _village_rule("village_id")(user, a, action)


def _report_rule(user, a, action):
    if action == VIEW:
        if a.role == Role.DEPARTMENT_OFFICER:
            return Q(department_id=a.department_id)
        if a.role in (Role.VILLAGE_STAFF, Role.GRID_WORKER):
            return Q(village_id=a.region_id)
        if a.role in (Role.TOWNSHIP_OFFICER, *OVERSEERS):
            return within("village_id", a.region_id)
        return None
    if action == MANAGE and a.role == Role.SUPERVISOR:
        return within("village_id", a.region_id)
    return None


def _forms_list_rule(field: str):
    def rule(user, a, action):
        if action == VIEW and a.role != Role.VILLAGER:
            if len(a.region_id) > 6:  # townships and villages see their county's list
                return Q(**{field: _county_of(a.region_id)})
            return within(field, a.region_id)
        if action == CHANGE and a.role == Role.COUNTY_ADMIN:
            return Q(**{field: a.region_id})
        return None

    return rule


def _plaque_standard_rule(user, a, action):
    if action == VIEW:
        return Q()  # a province's standard is public: villages are held to it
    if action == CHANGE and a.role == Role.PROVINCE_ADMIN:
        return Q(province_id=a.region_id)
    return None


def _duty_rule(user, a, action):
    if action == VIEW:
        return Q()  # the list of duties by law is public
    if action == CHANGE and a.role == Role.COUNTY_ADMIN:
        return Q(county_id=a.region_id)
    return None


def register_policies() -> None:
    from .models import (
        AdmissionRequest,
        BurdenCap,
        DemandReport,
        FormsList,
        FormsListEntry,
        LawfulDuty,
        Obligation,
        PlaqueStandard,
        ReviewPanel,
    )

    every_role = list(SPECS)
    register(AdmissionRequest, Policy(rules=dict.fromkeys(every_role, _request_rule)))
    register(Obligation, Policy(rules=dict.fromkeys(every_role, _obligation_rule)))
    register(DemandReport, Policy(rules=dict.fromkeys(every_role, _report_rule)))
    register(FormsList, Policy(rules=dict.fromkeys(every_role, _forms_list_rule("county_id"))))
    register(FormsListEntry, Policy(rules=dict.fromkeys(every_role, _forms_list_rule("forms_list__county_id"))))
    register(ReviewPanel, Policy(rules=dict.fromkeys(every_role, _forms_list_rule("county_id"))))
    register(BurdenCap, Policy(rules=dict.fromkeys(every_role, _forms_list_rule("county_id"))))
    register(PlaqueStandard, Policy(rules=dict.fromkeys(every_role, _plaque_standard_rule)))
    register(LawfulDuty, Policy(rules=dict.fromkeys(every_role, _duty_rule)))
