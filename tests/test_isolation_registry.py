"""The isolation registry: every URL pattern of the platform is declared here, with the kind of object its path
names. A test fails when a pattern is added without a declaration (or a declared one disappears). For every
object kind the registry knows how to make one in any village; every role, signed in at its home, then asks
every route of that kind, by every method the route takes, for the objects made outside its jurisdiction, and
must get exactly what it gets for an object that does not exist: the same status and the same body (once the
per-response CSRF mask and script nonce are set aside), with nothing written.

The per-domain tests (test_isolation_*.py) check the other direction, that each role does see and do what it
should inside its jurisdiction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from cunwu.accounts.models import Assignment, User
from cunwu.accounts.roles import Role
from cunwu.accounts.services import create_api_token
from cunwu.audit.context import Actor
from cunwu.audit.models import AuditEntry
from cunwu.audit.services import record
from cunwu.burden import services as burden
from cunwu.cases import services as cases
from cunwu.cases.models import Case
from cunwu.certificates import services as certificates
from cunwu.households import ledger, sharing
from cunwu.households import services as households
from cunwu.legal import aid, collaboration, mediation, scans
from cunwu.legal import services as legal
from cunwu.notices import services as notices
from cunwu.notices import warnings
from cunwu.partners import services as partners

from .helpers import LISHU, PNG, actor, person
from .test_isolation import HOMES, TARGETS


@dataclass(frozen=True)
class Route:
    """`kind`: an object kind made by MAKERS, or one of the kinds without an object of a place:
    "public" (anyone, signed in or not), "own" (the caller's own things), "list" (a collection or a form, each row
    filtered by the permission module; tested per domain), "region" (a place's pages or figures, checked per
    domain). `fixed`: the other path parameters. `public`: the object itself is public (a published notice, a
    mediation committee's member), so reading it is allowed and a refused change may say why (403)."""

    kind: str
    fixed: dict = field(default_factory=dict)
    public: bool = False


P, OWN, LIST, REGION = Route("public"), Route("own"), Route("list"), Route("region")

REGISTRY: dict[str, Route] = {
    # --- pages ---------------------------------------------------------------------------------------------
    "": OWN, "i18n/setlang/": P, "speech/": P, "elder/": P, "my-village/": OWN, "terminal/wipe/": OWN,
    "accounts/sign-in/": P, "accounts/sign-in/second-factor/": OWN, "accounts/sign-out/": OWN,
    "accounts/villager/": P, "accounts/villager/code/": P, "accounts/outbox/": LIST, "accounts/tokens/": OWN,
    "accounts/people/": LIST, "accounts/people/new/": LIST,
    "accounts/people/<int:person_id>/": Route("person"), "accounts/people/<int:person_id>/reveal/": Route("person"),
    "accounts/people/<int:person_id>/grant/": Route("person"),
    "accounts/assignments/<int:assignment_id>/revoke/": Route("assignment"),
    "regions/": P, "regions/<str:code>/": P,
    "audit/": LIST, "audit/<int:seq>/": Route("audit"),
    "burden/requests/": LIST, "burden/index/": REGION, "burden/requests/new/": LIST,
    "burden/requests/<int:request_id>/": Route("burden_request"),
    "burden/requests/<int:request_id>/review/": Route("burden_request"),
    "burden/requests/<int:request_id>/decide/": Route("burden_request"),
    "burden/requests/<int:request_id>/withdraw/": Route("burden_request"),
    "burden/requests/<int:request_id>/consent/": Route("burden_request"),
    "burden/village/<str:code>/": REGION, "burden/village/<str:code>/report/": REGION,
    "burden/village/<str:code>/plaques/": REGION, "burden/village/<str:code>/plaques/down/": REGION,
    "burden/reports/": LIST, "burden/lists/<str:county>/": P, "burden/lists/<str:county>/duties/": REGION,
    "burden/lists/<str:county>/duties/end/": REGION, "burden/lists/<str:county>/caps/": REGION,
    "burden/plaques/<str:province>/": REGION,
    "burden/reports/<int:report_id>/resolve/": Route("burden_report"),
    "burden/forms/<str:county>/<int:year>/": REGION, "burden/forms/<int:entry_id>/return/": Route("listed_form"),
    "burden/forms/<int:entry_id>/define/": Route("listed_form"),
    "cases/": LIST, "cases/new/": LIST, "cases/dispatch/": LIST, "cases/rates/": REGION, "cases/command/": REGION,
    "cases/public/<str:code>/": P,
    "national/": P,  # the nation's figures from the provinces' reports: counts only (test_federation.py)
    "cases/<str:number>/": Route("case"), "cases/<str:number>/act/<str:action>/": Route("case", {"action": "take"}),
    "cases/<str:number>/receipt/": Route("case"),
    "cases/<str:number>/files/<int:attachment_id>/": Route("attachment"),
    # Open311 GeoReport v2: published information only, no personal data (test_open311.py)
    "open311/v2/": P, r"open311/v2/^discovery\.(?P<fmt>\w+)$": P, r"open311/v2/^services\.(?P<fmt>\w+)$": P,
    r"open311/v2/^services/(?P<code>[^/]+)\.(?P<fmt>json|xml)$": P, r"open311/v2/^requests\.(?P<fmt>\w+)$": P,
    r"open311/v2/^requests/(?P<number>[^/]+)\.(?P<fmt>json|xml)$": P,
    # the token look-up answers only a request's public number (test_partners.py)
    r"open311/v2/^tokens/(?P<value>[^/]+)\.(?P<fmt>json|xml)$": P,
    "partners/": LIST, "partners/<int:partner_id>/": Route("partner"),
    "partners/<int:partner_id>/orders/": Route("partner"),
    "partners/<int:partner_id>/orders/results.<str:fmt>": Route("partner", {"fmt": "json"}),
    "certificates/requests/": LIST, "certificates/v/<str:token>": P, "certificates/v/": P, "v/<str:code>": P, "certificates/keys.json": P,
    "certificates/village/<str:code>/": REGION, "certificates/village/<str:code>/request/": REGION,
    "certificates/requests/<int:request_id>/": Route("certificate_request"),
    "certificates/requests/<int:request_id>/issue/": Route("certificate_request"),
    "certificates/requests/<int:request_id>/refuse/": Route("certificate_request"),
    "certificates/requests/<int:request_id>/review/": Route("certificate_request"),
    "certificates/requests/<int:request_id>/township/": Route("certificate_request"),
    "certificates/types/<str:province>/": REGION, "certificates/types/<str:province>/<str:code>/": REGION,
    "certificates/c/<str:serial>.pdf": Route("certificate"),
    "certificates/c/<str:serial>/revoke/": Route("certificate"), "certificates/figures/": REGION,
    "legal/village/<str:code>/": P, "legal/village/<str:code>/ask/": REGION,
    "legal/consultations/": LIST, "legal/consultations/<int:consultation_id>/": Route("consultation"),
    "legal/consultations/<int:consultation_id>/answer/": Route("consultation"),
    "legal/consultations/<int:consultation_id>/publish/": Route("consultation"),
    "legal/knowledge/": P, "legal/knowledge/<int:article_id>/": P, "legal/coverage/": REGION,
    "legal/files/": LIST, "legal/aid/new/": LIST, "legal/aid/limits/": REGION,
    "legal/aid/<int:application_id>/": Route("aid"),
    "legal/aid/<int:application_id>/<str:step>/": Route("aid", {"step": "decide"}),
    "legal/aid/collaborations/": LIST, "legal/aid/collaborations/<int:row_id>/": Route("aid_collaboration"),
    "legal/aid/collaborations/<int:row_id>/<str:step>/": Route("aid_collaboration", {"step": "accept"}),
    "legal/mediation/new/": LIST, "legal/mediation/apply/": LIST, "legal/mediation/<int:case_id>/": Route("mediation"),
    "legal/mediation/<int:case_id>/agreement.pdf": Route("mediation"),
    "legal/mediation/<int:case_id>/<str:step>/": Route("mediation", {"step": "risk"}),
    "legal/scans/<int:scan_id>/": Route("legal_scan"), "legal/screening/new/": LIST,
    "legal/publicity/": LIST, "legal/demonstration/": REGION, "legal/figures/": REGION,
    "notices/village/<str:code>/": P, "notices/village/<str:code>/archive/": P,
    "notices/village/<str:code>/new/": REGION, "notices/village/<str:code>/office/": REGION,
    "notices/<int:notice_id>/": Route("notice", public=True),
    "notices/<int:notice_id>/correct/": Route("notice"), "notices/due/": REGION,
    "warnings/": LIST, "warnings/new/": LIST, "warnings/<int:warning_id>/": Route("warning"),
    "warnings/<int:warning_id>/<str:step>/": Route("warning", {"step": "acknowledge"}),
    "village/<str:code>/": P, "village/<str:code>/services/": P, "village/<str:code>/services/<str:item>/": P,
    "directory/<str:region>/": P, "directory/<str:region>/draft/": REGION,
    "directory/<str:region>/choose/": REGION, "directory/<str:region>/remove/": REGION,
    "directory/<str:region>/publish/": REGION, "directory/<str:region>/import/": REGION,
    "directory/<str:region>/items/<str:code>/": P, "directory/<str:region>/v<int:number>.xlsx": P,
    "terminal/<str:code>/": REGION, "terminal/<str:code>/set-up/": REGION,
    "terminal/<str:code>/services/<str:item_code>/": REGION,
    "notifications/": OWN, "notifications/read/": OWN, "notifications/deliveries/": LIST,
    "households/village/<str:code>/": REGION, "households/village/<str:code>/new/": REGION,
    "households/village/<str:code>/grids/": REGION, "households/village/<str:code>/import/": REGION,
    "households/village/<str:code>/import/<int:job_id>/": Route("ledger_import"), "households/<int:household_id>/": Route("household"),
    "households/<int:household_id>/<str:step>/": Route("household", {"step": "verify"}),
    "households/people/<int:resident_id>/": Route("resident"),
    "households/people/<int:resident_id>/<str:step>/": Route("resident", {"step": "label"}),
    "households/labels/<int:label_id>/end/": Route("label"), "households/visits/": OWN,
    "households/visits/record/": LIST, "households/visits/<int:visit_id>/": Route("visit"),
    "households/coverage/": REGION, "households/rules/<str:county>/": REGION, "households/sharing/": LIST,
    "households/sharing/<int:request_id>/": Route("sharing"),
    "households/sharing/<int:request_id>/export.xlsx": Route("sharing"),
    # --- the API -------------------------------------------------------------------------------------------
    "api/v1/": P, "api/v1/openapi.json": P, "api/v1/docs": P,
    "api/v1/regions": P, "api/v1/regions/<code>": P, "api/v1/regions/<code>/children": P,
    "api/v1/me": OWN, "api/v1/users": LIST, "api/v1/users/<person_id>": Route("person"),
    "api/v1/users/<person_id>/assignments": Route("person"),
    "api/v1/assignments/<assignment_id>/revoke": Route("assignment"),
    "api/v1/users/<person_id>/reveal-national-id": Route("person"),
    "api/v1/tokens": OWN, "api/v1/tokens/<token_id>/revoke": Route("token"),
    "api/v1/audit": LIST, "api/v1/audit/<seq>": Route("audit"),
    "api/v1/directories/<region>": P, "api/v1/directories/<region>/items": P,
    "api/v1/directories/<region>/items/<code>": P, "api/v1/villages/<code>/services": P,
    "api/v1/directories/<region>/draft": REGION, "api/v1/directories/<region>/choose": REGION,
    "api/v1/directories/<region>/publish": REGION,
    "api/v1/burden/requests": LIST, "api/v1/burden/requests/<request_id>": Route("burden_request"),
    "api/v1/burden/requests/<request_id>/reviews": Route("burden_request"),
    "api/v1/burden/requests/<request_id>/decision": Route("burden_request"),
    "api/v1/burden/requests/<request_id>/withdraw": Route("burden_request"),
    "api/v1/burden/requests/<request_id>/consent": Route("burden_request"),
    "api/v1/burden/caps/<county>": REGION, "api/v1/burden/lists/<county>": P,
    "api/v1/burden/lists/<county>/duties": REGION, "api/v1/burden/lists/<county>/duties/end": REGION, "api/v1/burden/plaque-standards/<province>": REGION,
    "api/v1/burden/index": REGION, "api/v1/burden/villages/<code>/registry": REGION,
    "api/v1/burden/villages/<code>/plaques": REGION, "api/v1/burden/villages/<code>/plaques/down": REGION,
    "api/v1/burden/reports": LIST,
    "api/v1/burden/reports/<report_id>/resolve": Route("burden_report"),
    "api/v1/burden/forms-lists/<county>/<year>": REGION, "api/v1/burden/forms-lists/<county>/<year>/forms": REGION,
    "api/v1/burden/forms-lists/<county>/<year>/publish": REGION,
    "api/v1/burden/forms/<entry_id>/return": Route("listed_form"),
    "api/v1/burden/forms/<entry_id>/columns": Route("listed_form"),
    "api/v1/cases": LIST, "api/v1/cases/<number>": Route("case"),
    "api/v1/cases/<number>/actions/<action>": Route("case", {"action": "take"}),
    "api/v1/cases/<number>/attachments": Route("case"),
    "api/v1/cases/<number>/attachments/<attachment_id>": Route("attachment"),
    "api/v1/households": LIST, "api/v1/households/coverage": REGION,
    "api/v1/households/<household_id>": Route("household"), "api/v1/residents": LIST, "api/v1/visits": LIST,
    "api/v1/visits/due": OWN, "api/v1/sharing-requests": LIST,
    "api/v1/sharing-requests/<request_id>": Route("sharing"),
    "api/v1/sharing-requests/<request_id>/decision": Route("sharing"),
    "api/v1/sharing-requests/<request_id>/export": Route("sharing"),
    "api/v1/stats/rates": REGION, "api/v1/stats/ranking": REGION,
    "api/v1/certificates/types": P, "api/v1/certificates/requests": LIST,
    "api/v1/certificates/requests/<request_id>": Route("certificate_request"),
    "api/v1/certificates/requests/<request_id>/review": Route("certificate_request"),
    "api/v1/certificates/requests/<request_id>/refuse": Route("certificate_request"),
    "api/v1/certificates/requests/<request_id>/issue": Route("certificate_request"),
    "api/v1/certificates/requests/<request_id>/township": Route("certificate_request"),
    "api/v1/certificates/types/province/<province>": REGION, "api/v1/certificates/types/province/<province>/<code>": REGION,
    "api/v1/certificates/types/province/<province>/<code>/retire": REGION,
    "api/v1/certificates/issued/<serial>": Route("certificate"),
    "api/v1/certificates/issued/<serial>/pdf": Route("certificate"),
    "api/v1/certificates/issued/<serial>/revoke": Route("certificate"),
    # a province's report is authenticated by its signature, not by an account (test_federation.py)
    "api/v1/federation/reports": P, "api/v1/federation/national": P,
    "api/v1/certificates/verify": P, "api/v1/certificates/keys": P, "api/v1/certificates/figures": REGION,
    "api/v1/legal/consultations": LIST, "api/v1/legal/consultations/<consultation_id>": Route("consultation"),
    "api/v1/legal/consultations/<consultation_id>/answer": Route("consultation"),
    "api/v1/legal/consultations/<consultation_id>/publish": Route("consultation"),
    "api/v1/legal/consultations/mine": OWN,
    "api/v1/legal/knowledge": P, "api/v1/legal/articles": LIST, "api/v1/legal/committees": REGION,
    "api/v1/legal/committees/<committee_id>/members": Route("committee"),
    "api/v1/legal/members/<member_id>": Route("member", public=True), "api/v1/legal/understanding-people": REGION,
    "api/v1/legal/understanding-people/<person_id>/trainings": Route("understanding_person"),
    "api/v1/legal/coverage": REGION, "api/v1/legal/points": REGION,
    "api/v1/legal/aid": LIST, "api/v1/legal/aid/tracked": LIST, "api/v1/legal/aid/priority-limits": REGION,
    "api/v1/legal/aid/<int:application_id>": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/materials": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/supplied": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/scans": Route("aid"),
    "api/v1/legal/scans/<scan_id>": Route("legal_scan"),
    "api/v1/legal/aid/<int:application_id>/urgent": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/decision": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/objection": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/objection/decision": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/assign": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/accept": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/close": Route("aid"),
    "api/v1/legal/aid/<int:application_id>/collaborations": Route("aid"), "api/v1/legal/aid/collaborations": LIST,
    "api/v1/legal/aid/collaborations/<int:row_id>": Route("aid_collaboration"),
    "api/v1/legal/aid/collaborations/<int:row_id>/answer": Route("aid_collaboration"),
    "api/v1/legal/aid/collaborations/<int:row_id>/done": Route("aid_collaboration"),
    "api/v1/legal/aid/collaborations/<int:row_id>/withdraw": Route("aid_collaboration"),
    "api/v1/legal/mediations/applications": LIST,
    "api/v1/legal/screenings": LIST, "api/v1/legal/mediations": LIST, "api/v1/legal/mediations/tracked": LIST,
    "api/v1/legal/mediations/<case_id>": Route("mediation"),
    **{f"api/v1/legal/mediations/<case_id>/{step}": Route("mediation") for step in (
        "risk", "sessions", "scans", "extend", "agreement", "agreement.pdf", "sign", "seal", "end", "follow-ups",
        "confirmation", "court-decision")},
    "api/v1/legal/publicity": LIST, "api/v1/legal/demonstration-villages": REGION,
    "api/v1/legal/statistics": REGION,
    "api/v1/notices/village/<code>": P, "api/v1/notices/village/<code>/archive": P, "api/v1/notices": LIST,
    "api/v1/notices/<notice_id>": Route("notice", public=True),
    "api/v1/notices/<notice_id>/correction": Route("notice"), "api/v1/notices/due": REGION,
    "api/v1/warnings": LIST, "api/v1/warnings/village/<code>": P,
    "api/v1/warnings/<warning_id>/status": Route("warning"),
    "api/v1/warnings/<warning_id>/acknowledge": Route("warning"),
    "api/v1/warnings/<warning_id>/resend": Route("warning"), "api/v1/warnings/<warning_id>/cancel": Route("warning"),
}

MISSING = {  # path parameters of objects that do not exist
    "number": "220322100201-20000101-9999", "attachment_id": 999999999, "person_id": 999999999,
    "assignment_id": 999999999, "token_id": 999999999, "seq": 999999999, "request_id": 999999999,
    "report_id": 999999999, "serial": "ZZZZ-ZZZZ-ZZZZ", "consultation_id": 999999999, "application_id": 999999999,
    "case_id": 999999999, "scan_id": 999999999, "notice_id": 999999999, "warning_id": 999999999, "row_id": 999999999,
    "committee_id": 999999999, "member_id": 999999999, "household_id": 999999999, "resident_id": 999999999,
    "label_id": 999999999, "visit_id": 999999999, "entry_id": 999999999, "job_id": 999999999,
    "code": "220322100201", "partner_id": 999999999,
}


def url_patterns(patterns=None, prefix=""):
    """(pattern text, pattern) of every route, the API's included."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


def test_every_url_pattern_is_declared_in_the_registry():
    patterns = {text for text, _p in url_patterns()}
    undeclared = sorted(patterns - set(REGISTRY))
    assert not undeclared, f"declare these routes in tests/test_isolation_registry.py: {undeclared}"
    gone = sorted(set(REGISTRY) - patterns)
    assert not gone, f"these declared routes no longer exist: {gone}"


# --- makers: each makes one object of its kind in a village and returns its path parameters ------------------


def _case(code):
    staff = actor(person("village_staff", code))
    case = cases.submit(staff, cases.CaseInput(village=code, title=f"在{code}", applicant_phone="13904346666",
                                               consent="当面同意"))[0]
    case = cases.attach(staff, case.number, [cases.Upload("photo.png", PNG)])
    return {"number": case.number, "attachment_id": case.attachments.get().pk}


def _legal(code):
    villager = person("villager", code)
    person("legal_adviser", code)
    question = legal.ask(actor(villager), legal.ConsultationInput(code, f"在{code}的法律问题，请帮忙看看"))
    application = aid.apply(actor(villager), aid.AidInput(village=code, matter="labour", no_means="migrant",
                                                          facts=f"在{code}打工被拖欠工资，请求法律援助。"))
    committee = legal.set_committee(Actor.console(), code)
    member = legal.add_member(Actor.console(), committee.pk, "调解员甲", "F")
    mediator, other = person("mediator", code), person("villager", code)
    case = mediation.open_case(actor(mediator), mediation.MediationInput(
        village=code, source="application", category="neighbours", summary="宅基地边界纠纷", opened_on=None,
        parties=[mediation.PartyInput("applicant", "甲", "F", username=villager.username),
                 mediation.PartyInput("respondent", "乙", "M", username=other.username)]))
    scan = scans.add(Actor.console(), "aid", application.pk, [cases.Upload("scan.png", PNG)], "身份证复印件")[0]
    understanding = legal.add_understanding_person(Actor.console(), code, "明白人甲", "M")
    # asked of a county no role's home holds (another province's), so only the asking county's bureau sees it
    bureau = actor(person("department_officer", code[:6], department="justice"))
    asked = collaboration.ask(bureau, application.pk, "220102" if code.startswith("21") else "210102",
                              f"在外县为{code}的申请调取证据", 5)
    return {"consultation_id": question.pk, "application_id": application.pk, "case_id": case.pk,
            "collaboration_id": asked.pk,
            "scan_id": scan.pk, "committee_id": committee.pk, "member_id": member.pk,
            "understanding_person_id": understanding.pk}


def _certificate(code):
    staff = actor(person("village_staff", code))
    request = certificates.submit(staff, certificates.RequestInput(code, "party_residence", "组织要求", {
        "residence_since": "2001", "conduct": "良好"}, applicant_name="王某某"))
    issued = certificates.issue(staff, request.pk, request.type.checks)
    pending = certificates.submit(staff, certificates.RequestInput(code, "party_residence", "组织要求", {
        "residence_since": "2002", "conduct": "良好"}, applicant_name="李某某"))
    return {"request_id": pending.pk, "serial": issued.serial}


def _notices(code):
    notice = notices.publish(Actor.console(), notices.NoticeInput(code, "affairs", f"{code}公开", "内容"))
    warning = warnings.issue(Actor.console(), warnings.WarningInput(
        "flood", "red", f"{code}洪水", "转移", [code], timezone.now() + dt.timedelta(hours=6)))
    return {"notice_id": notice.pk, "warning_id": warning.pk}


def _burden(code):
    staff = actor(person("village_staff", code))
    report = burden.report_demand(staff, code, "agriculture", f"在{code}要求填报")
    officer = actor(person("department_officer", code[:6], department="agriculture"))
    try:
        request = burden.file_request(officer, burden.RequestInput(
            kind="work_item", title=f"{code[:6]} 巡查", description="每月一次", frequency="monthly",
            legal_basis="法律依据", funding_yuan="100", scope=[code]))
    except ValidationError:  # an urban district: no village to ask for work
        return {"report_id": report.pk}
    made = {"burden_request_id": request.pk, "report_id": report.pk}
    if code[:6] != LISHU:  # a county's forms list is read by every official in it: only another county's is outside
        made["entry_id"] = burden.add_listed_form(Actor.console(), code[:6], timezone.localdate().year, f"{code[:6]}户数年报",
                                                  "civil_affairs", "yearly", fields=["户数"]).pk
    return made


def _people(code):
    villager = person("villager", code, phone=f"139{code[-8:]}")
    staff = person("village_staff", code)
    token = create_api_token(Actor.console(), staff, "registry")
    del token
    entry = record(Actor.console(), "registry.probe", region_code=code)
    return {"person_id": villager.pk, "assignment_id": Assignment.objects.get(user=staff).pk,
            "token_id": staff.api_tokens.get().pk, "seq": entry.seq}


def _households(code):
    worker = person("grid_worker", code)
    grid = households.create_grid(Actor.console(), code, f"网格{code[-3:]}")
    households.set_grid_workers(Actor.console(), grid.pk, [worker.username])
    home = households.create_household(Actor.console(), households.HouseholdInput(code, "一组1号", grid=grid.pk),
                                       households.PersonInput(name="张老汉", sex="M", birth_date="1940-02-03"))
    resident = home.members.get()
    label = households.add_label(Actor.console(), resident.pk, "elderly_alone", "2026-01-05")
    visit = households.record_visit(actor(worker), households.VisitInput(home.pk, resident.pk, mode="phone",
                                                                       condition="needs_help", needs="屋顶漏雨"))[0]
    job = ledger.start(actor(person("village_staff", code)), code, "台账.xlsx", ledger.template())
    made = {"household_id": home.pk, "resident_id": resident.pk, "label_id": label.pk, "visit_id": visit.pk,
            "village": code, "job_id": job.pk}
    if code[:6] != LISHU:  # a county's requests are its own: only another county's is outside for its officials
        officer = person("department_officer", code[:6], department="civil_affairs")
        made["sharing_id"] = sharing.ask(actor(officer), sharing.SharingInput(
            "elderly_alone", ["name"], "冬季走访慰问", "《老年人权益保障法》")).pk
    return made


def _partners(code):
    partner = partners.connect(Actor.console(), partners.PartnerInput(code[:6], f"系统{code}", "hotline"))
    partners.issue_key(Actor.console(), partner.pk)
    partners.add_endpoint(Actor.console(), partner.pk, "https://hotline.example.gov.cn/hooks", ["case.created"])
    return {"partner_id": partner.pk}


MAKERS = (_case, _legal, _certificate, _notices, _burden, _people, _households, _partners)
PARAMETERS = {  # the path parameter each kind's routes take from what the makers return
    "case": {"number": "number"}, "attachment": {"number": "number", "attachment_id": "attachment_id"},
    "consultation": {"consultation_id": "consultation_id"}, "aid": {"application_id": "application_id"},
    "aid_collaboration": {"row_id": "collaboration_id"},
    "mediation": {"case_id": "case_id"}, "legal_scan": {"scan_id": "scan_id"},
    "committee": {"committee_id": "committee_id"}, "member": {"member_id": "member_id"},
    "understanding_person": {"person_id": "understanding_person_id"},
    "certificate_request": {"request_id": "request_id"}, "certificate": {"serial": "serial"},
    "notice": {"notice_id": "notice_id"}, "warning": {"warning_id": "warning_id"},
    "burden_request": {"request_id": "burden_request_id"}, "burden_report": {"report_id": "report_id"},
    "person": {"person_id": "person_id"}, "assignment": {"assignment_id": "assignment_id"},
    "token": {"token_id": "token_id"}, "audit": {"seq": "seq"},
    "household": {"household_id": "household_id"}, "resident": {"resident_id": "resident_id"},
    "label": {"label_id": "label_id"}, "visit": {"visit_id": "visit_id"},
    "listed_form": {"entry_id": "entry_id"}, "ledger_import": {"code": "village", "job_id": "job_id"},
    "sharing": {"request_id": "sharing_id"}, "partner": {"partner_id": "partner_id"},
}
PAGE_METHODS = ("get", "post")
API_METHODS = ("get", "post", "put", "delete")
VOLATILE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*|(nonce=")[^"]*|(csrf-token" content=")[^"]*')


def _url(pattern: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), pattern)


def _answer(client, method: str, url: str) -> tuple[int, bytes]:
    if method == "get":
        response = client.get(url)
    else:
        response = getattr(client, method)(url, {}, content_type="application/json") if url.startswith("/api/") \
            else getattr(client, method)(url, {})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, VOLATILE.sub(lambda m: m.group(1) or m.group(2) or m.group(3), body)


def outside(role, home: str, where: str) -> bool:
    """The object's place is outside the role's jurisdiction (for a villager: anything not their own)."""
    return role == Role.VILLAGER or not where.startswith(home)


PROBED = sorted(p for p, r in REGISTRY.items() if r.kind in PARAMETERS)


# On PostgreSQL the walk runs for one role of each way of scoping (oneself, a village, a township, a department,
# a county, a province); every role runs it on SQLite. The permission module builds the same filters for either
# database, and each domain's own isolation tests run every role on both.
ON_BOTH = {Role.VILLAGER, Role.VILLAGE_STAFF, Role.TOWNSHIP_OFFICER, Role.DEPARTMENT_OFFICER, Role.COUNTY_ADMIN,
           Role.PROVINCE_ADMIN}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [pytest.param(r, marks=() if r in ON_BOTH else pytest.mark.once) for r in HOMES],
                         ids=[str(r) for r in HOMES])
def test_every_object_route_answers_outside_the_jurisdiction_as_for_a_missing_object(role, client):
    from cunwu.certificates import services as certificate_services
    from cunwu.directory import seed

    seed.seed_jilin(Actor.console())
    certificate_services.seed_types()
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}", phone="13904345555")
    made = {}
    for where, code in TARGETS.items():
        if outside(role, home, code):
            made[where] = {k: v for maker in MAKERS for k, v in maker(code).items()}
    assert made, role
    client.force_login(me)
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    before = (AuditEntry.objects.exclude(action__startswith="denied.").count(),
              Case.objects.filter(version__gt=1).count(), User.objects.count())
    missing: dict[tuple[str, str], tuple[int, bytes]] = {}
    leaks, probes = [], 0
    for pattern in PROBED:
        route = REGISTRY[pattern]
        methods = API_METHODS if pattern.startswith("api/") else PAGE_METHODS
        names = PARAMETERS[route.kind]
        for method in methods:
            if route.public:
                if method != "get":
                    for where, values in made.items():
                        status = _answer(client, method, _url(pattern, {
                            **route.fixed, **{n: values[k] for n, k in names.items()}}))[0]
                        probes += 1
                        if status < 400:
                            leaks.append(f"{method.upper()} {pattern} in {where}: {status} on a public object")
                continue
            gone = missing.setdefault((pattern, method), _answer(
                client, method, _url(pattern, {**route.fixed, **{n: MISSING[n] for n in names}})))
            for where, values in made.items():
                if any(k not in values for k in names.values()):
                    continue
                got = _answer(client, method, _url(pattern, {**route.fixed, **{n: values[k] for n, k in names.items()}}))
                probes += 1
                if got != gone:
                    leaks.append(f"{method.upper()} {pattern} in {where}: {got[0]} {got[1][:120]!r} "
                                 f"(missing: {gone[0]} {gone[1][:80]!r})")
    after = (AuditEntry.objects.exclude(action__startswith="denied.").count(),
             Case.objects.filter(version__gt=1).count(), User.objects.count())
    assert not leaks, f"{role}: {len(leaks)} of {probes} probes differ from a missing object:\n" + "\n".join(leaks)
    assert after == before, ("a refused request wrote something",
                             list(AuditEntry.objects.filter(seq__gt=last).values_list("action", flat=True)[:20]))
    assert probes >= len(PROBED) * (len(made) - 1)
    print(f"{role}: {len(PROBED)} object routes, {len(made)} places outside, {probes} probes")


LISTED = sorted(p for p, r in REGISTRY.items() if r.kind == "list")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.VILLAGE_STAFF, Role.SUPERVISOR], ids=str)
def test_every_list_reads_as_many_queries_for_three_places_as_for_one(role, client):
    """No list or form page reads row by row: the same number of queries whether it shows the objects of one
    place or of three (every maker's objects in each)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cunwu.certificates import services as certificate_services

    certificate_services.seed_types()
    home, department = HOMES[role]
    me = person(role, home, department=department, username=f"me-{role}")
    client.force_login(me)
    places = [TARGETS["same village"], TARGETS["sibling village"], TARGETS["sibling township"]]

    def counts():
        found = {}
        for pattern in LISTED:
            with CaptureQueriesContext(connection) as queries:
                status = _answer(client, "get", "/" + pattern)[0]
            found[pattern] = (status, len(queries))
        return found

    for maker in MAKERS:
        maker(places[0])
    one = counts()
    for code in places[1:]:
        for maker in MAKERS:
            maker(code)
    three = counts()
    grew = {p: (one[p], three[p]) for p in LISTED if three[p][1] > one[p][1]}
    assert not grew, f"{role}: lists whose queries grow with their rows (status, queries): {grew}"
    assert any(status == 200 for status, _n in three.values())
