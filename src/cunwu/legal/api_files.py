"""Legal aid, people's mediation, legal publicity and the justice bureau's figures, under /api/v1/legal/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from cunwu.audit.context import Actor
from cunwu.dates import PlausibleDate
from cunwu.downloads import XLSX, file_response, stored_file_response
from cunwu.uploads import Upload

from . import aid, collaboration, mediation, publicity, scans, services, statistics
from .models import AidApplication, MediationCase

router = Router(tags=["legal"])


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


# --- legal aid ---------------------------------------------------------------------------------------------


class AidIn(Schema):
    village: str
    matter: str
    facts: str
    hardship: str = ""
    no_means: str = ""
    rural: str = ""
    opponent: str = ""
    limitation_ends: PlausibleDate | None = None
    applicant_name: str = ""
    applicant_phone: str = ""


class StepOut(Schema):
    at: dt.datetime
    action: str
    label: str
    actor: str


class ScanOut(Schema):
    id: int
    what: str
    content_type: str
    size: int
    uploaded_at: dt.datetime


class AidOut(Schema):
    id: int
    number: str
    village: str
    channel: str
    matter: str
    no_means: str
    hardship: str
    rural: str
    facts: str
    state: str
    applied_at: dt.datetime
    due_at: dt.datetime | None
    missing: list[str]
    urgent: bool
    decided_at: dt.datetime | None
    refusal_reason: str
    objection: str
    lawyer: str | None
    result: str
    recovered: Decimal
    scans: list[ScanOut]
    timeline: list[StepOut]


class TrackedOut(Schema):
    id: int
    number: str
    village: str
    state: str


class MaterialsIn(Schema):
    missing: list[str]


class LegalNoteIn(Schema):
    note: str = ""


class LegalDecisionIn(Schema):
    grant: bool
    reasons: str = ""
    at: dt.datetime | None = None


class ObjectionIn(Schema):
    objection: str


class ObjectionDecisionIn(Schema):
    upheld: bool
    reply: str


class AssignIn(Schema):
    lawyer: str


class CloseIn(Schema):
    result: str
    outcome: str
    recovered: Decimal = Decimal(0)


class PriorityIn(Schema):
    province: str
    decision: int
    assignment: int
    agreement: int


def _scans(obj) -> list[dict]:
    return [{"id": s.pk, "what": s.what, "content_type": s.content_type, "size": s.size,
             "uploaded_at": s.uploaded_at} for s in obj.scans.all()]


def _uploads(files: list[UploadedFile]) -> list[Upload]:
    return [Upload(f.name or "file", f.read()) for f in files]


def _steps(obj) -> list[dict]:
    return [{"at": s["at"], "action": s["action"], "label": str(s["label"]), "actor": s["actor_label"]}
            for s in services.timeline(obj)]


def _aid(a: AidApplication) -> dict:
    return {"id": a.pk, "number": a.number, "village": a.village_id, "channel": a.channel, "matter": a.matter,
            "no_means": a.no_means, "hardship": a.hardship, "rural": a.rural, "facts": a.facts, "state": a.state,
            "applied_at": a.applied_at, "due_at": a.due_at, "missing": a.missing, "urgent": bool(a.urgent_at),
            "decided_at": a.decided_at, "refusal_reason": a.refusal_reason, "objection": a.objection,
            "lawyer": a.lawyer.username if a.lawyer_id else None, "result": a.result, "recovered": a.recovered,
            "scans": _scans(a), "timeline": _steps(a)}


def _aid_step(request, application_id: int, step, *args, **kwargs) -> dict:
    step(_actor(request), application_id, *args, **kwargs)
    return _aid(aid.get_application(_actor(request), application_id))


@router.post("/aid", response={201: AidOut}, summary="Apply for legal aid (villager, village staff, adviser, "
                                                     "justice bureau)")
def apply(request, data: AidIn):
    application = aid.apply(_actor(request), aid.AidInput(**data.dict()))
    return Status(201, _aid(aid.get_application(_actor(request), application.pk)))


@router.get("/aid", response=list[AidOut], summary="Legal-aid files the caller may read")
def aid_files(request, state: str = "", limit: int = 100):
    return [_aid(a) for a in aid.applications(_actor(request), state)[:max(1, min(limit, 500))]]


@router.get("/aid/tracked", response=list[TrackedOut], summary="That legal-aid files exist, and their state")
def aid_tracked(request, village: str = "", limit: int = 200):
    rows = aid.tracked(_actor(request), village)[:max(1, min(limit, 1000))]
    return [{"id": r["pk"], "number": r["number"], "village": r["village_id"], "state": r["state"]} for r in rows]


@router.get("/aid/{int:application_id}", response=AidOut, summary="One legal-aid file (read audited)")
def aid_one(request, application_id: int):
    return _aid(aid.get_application(_actor(request), application_id))


@router.post("/aid/{int:application_id}/materials", response=AidOut, summary="List every missing material at once")
def aid_materials(request, application_id: int, data: MaterialsIn):
    return _aid_step(request, application_id, aid.ask_for_materials, data.missing)


@router.post("/aid/{int:application_id}/supplied", response=AidOut, summary="The missing materials arrived")
def aid_supplied(request, application_id: int, data: LegalNoteIn):
    return _aid_step(request, application_id, aid.supply_materials, data.note)


@router.post("/aid/{int:application_id}/scans", response=AidOut, summary="Add scans or photos (multipart: files, what)")
def aid_scans(request, application_id: int, files: File[list[UploadedFile]], what: Form[str]):
    return _aid_step(request, application_id, lambda a, pk: scans.add(a, "aid", pk, _uploads(files), what))


@router.get("/scans/{scan_id}", summary="One scan or photo of a legal-aid or mediation file (read audited)")
def read_scan(request, scan_id: int):
    response = stored_file_response(scans.read(_actor(request), scan_id))
    response["Content-Disposition"] = "attachment"
    return response


@router.post("/aid/{int:application_id}/urgent", response=AidOut, summary="Urgent help before the decision")
def aid_urgent(request, application_id: int, data: LegalNoteIn):
    return _aid_step(request, application_id, aid.give_urgent_help, data.note)


@router.post("/aid/{int:application_id}/decision", response=AidOut, summary="Grant, or refuse in writing with reasons")
def aid_decide(request, application_id: int, data: LegalDecisionIn):
    return _aid_step(request, application_id, aid.decide, data.grant, data.reasons, data.at)


@router.post("/aid/{int:application_id}/objection", response=AidOut, summary="Object to a refusal")
def aid_object(request, application_id: int, data: ObjectionIn):
    return _aid_step(request, application_id, aid.object_to_refusal, data.objection)


@router.post("/aid/{int:application_id}/objection/decision", response=AidOut, summary="Decide an objection")
def aid_objection_decision(request, application_id: int, data: ObjectionDecisionIn):
    return _aid_step(request, application_id, aid.decide_objection, data.upheld, data.reply)


@router.post("/aid/{int:application_id}/assign", response=AidOut, summary="Assign a lawyer")
def aid_assign(request, application_id: int, data: AssignIn):
    return _aid_step(request, application_id, aid.assign, data.lawyer)


@router.post("/aid/{int:application_id}/accept", response=AidOut, summary="The lawyer accepts the case")
def aid_accept(request, application_id: int):
    return _aid_step(request, application_id, aid.accept)


@router.post("/aid/{int:application_id}/close", response=AidOut, summary="Close with the result and amount recovered")
def aid_close(request, application_id: int, data: CloseIn):
    return _aid_step(request, application_id, aid.close, data.result, data.outcome, data.recovered)


class CollaborationIn(Schema):
    county: str  # the county whose legal aid centre is asked
    task: str
    days: int


class CollaborationOut(Schema):
    id: int
    application: str
    asking_county: str
    county: str
    task: str
    days: int
    state: str
    asked_at: dt.datetime
    due_at: dt.datetime | None
    answered_at: dt.datetime | None
    answered_on_time: bool | None
    decline_reason: str
    done_at: dt.datetime | None
    done_on_time: bool | None
    result: str


class CollaborationAnswerIn(Schema):
    accept: bool
    reason: str = ""


class CollaborationResultIn(Schema):
    result: str


def _collaboration(c) -> dict:
    return {"id": c.pk, "application": c.application.number or "", "asking_county": c.county_code,
            "county": c.helper_id, "task": c.task, "days": c.days, "state": c.state, "asked_at": c.asked_at,
            "due_at": c.due_at, "answered_at": c.answered_at, "answered_on_time": c.answered_on_time,
            "decline_reason": c.decline_reason, "done_at": c.done_at, "done_on_time": c.done_on_time,
            "result": c.result}


@router.post("/aid/{int:application_id}/collaborations", response={201: CollaborationOut},
             summary="Ask another county's legal aid centre to do part of the application there (异地协作)")
def collaboration_ask(request, application_id: int, data: CollaborationIn):
    row = collaboration.ask(_actor(request), application_id, data.county, data.task, data.days)
    return Status(201, _collaboration(collaboration.get(_actor(request), row.pk)))


@router.get("/aid/collaborations", response=list[CollaborationOut],
            summary="Off-site collaboration asked by or of the caller's county")
def collaboration_list(request, state: str = "", limit: int = 100):
    return [_collaboration(c) for c in collaboration.visible(_actor(request), state)[: max(1, min(limit, 500))]]


@router.get("/aid/collaborations/{int:row_id}", response=CollaborationOut, summary="One off-site collaboration")
def collaboration_one(request, row_id: int):
    return _collaboration(collaboration.get(_actor(request), row_id))


@router.post("/aid/collaborations/{int:row_id}/answer", response=CollaborationOut,
             summary="The county asked accepts, or declines with a reason")
def collaboration_answer(request, row_id: int, data: CollaborationAnswerIn):
    collaboration.answer(_actor(request), row_id, data.accept, data.reason)
    return _collaboration(collaboration.get(_actor(request), row_id))


@router.post("/aid/collaborations/{int:row_id}/done", response=CollaborationOut,
             summary="The county asked reports what it did")
def collaboration_done(request, row_id: int, data: CollaborationResultIn):
    collaboration.report(_actor(request), row_id, data.result)
    return _collaboration(collaboration.get(_actor(request), row_id))


@router.post("/aid/collaborations/{int:row_id}/withdraw", response=CollaborationOut,
             summary="The asking county withdraws it, with a reason")
def collaboration_withdraw(request, row_id: int, data: LegalNoteIn):
    collaboration.withdraw(_actor(request), row_id, data.note)
    return _collaboration(collaboration.get(_actor(request), row_id))


@router.put("/aid/priority-limits", response=PriorityIn, summary="A province's limits for rural priority cases")
def priority_limits(request, data: PriorityIn):
    row = aid.set_priority_limits(_actor(request), data.province, data.decision, data.assignment, data.agreement)
    return {"province": row.province_id, "decision": row.decision, "assignment": row.assignment,
            "agreement": row.agreement}


# --- mediation ---------------------------------------------------------------------------------------------


class ScreeningIn(Schema):
    village: str
    day: PlausibleDate | None = None
    visited: int = 0
    found: int = 0
    note: str = ""


class ScreeningOut(Schema):
    id: int
    village: str
    day: dt.date
    visited: int
    found: int


class PartyIn(Schema):
    side: str
    name: str
    sex: str = ""  # a person's: F or M
    kind: str = "person"  # or "organisation", with its representative
    representative: str = ""
    birth_date: PlausibleDate | None = None
    ethnicity: str = ""
    occupation: str = ""
    phone: str = ""
    address: str = ""
    agent: str = ""
    username: str = ""


class MediationIn(Schema):
    village: str
    source: str
    category: str
    summary: str
    risk: str = "yellow"
    parties: list[PartyIn]
    mediators: list[str] = []
    screening: int | None = None
    opened_on: PlausibleDate | None = None


class PartyOut(Schema):
    id: int
    side: str
    kind: str
    name: str
    signed: bool


class TermIn(Schema):
    text: str
    how: str
    by: PlausibleDate


class AgreementIn(Schema):
    facts: str
    matters: str
    responsibilities: str
    terms: list[TermIn]


class MediationOut(Schema):
    id: int
    number: str
    village: str
    source: str
    category: str
    summary: str
    risk: str
    state: str
    opened_on: dt.date
    due_on: dt.date
    extended: bool
    parties: list[PartyOut]
    mediators: list[str]
    sessions: int
    agreement: bool
    effective: bool
    missing_signatures: list[str]
    court: str
    scans: list[ScanOut]
    timeline: list[StepOut]


class TrackedCaseOut(TrackedOut):
    risk: str


class RiskIn(Schema):
    risk: str


class SessionIn(Schema):
    held_on: PlausibleDate | None = None
    place: str = ""
    record: str


class ExtendIn(Schema):
    consenting: list[int]
    until: PlausibleDate
    reason: str


class SignIn(Schema):
    party: int | None = None
    how: str = "signature"


class EndIn(Schema):
    state: str
    note: str
    amount: Decimal = Decimal(0)
    day: PlausibleDate | None = None


class FollowUpIn(Schema):
    performance: str
    note: str = ""
    day: PlausibleDate | None = None


class ConfirmationIn(Schema):
    court_name: str
    applied_on: PlausibleDate | None = None


class CourtDecisionIn(Schema):
    confirmed: bool
    decided_on: PlausibleDate | None = None


def _case(c: MediationCase) -> dict:
    agreement = getattr(c, "agreement", None) if hasattr(c, "agreement") else None
    return {"id": c.pk, "number": c.number, "village": c.village_id, "source": c.source, "category": c.category,
            "summary": c.summary, "risk": c.risk, "state": c.state, "opened_on": c.opened_on, "due_on": c.due_on,
            "extended": c.extended,
            "parties": [{"id": p.pk, "side": p.side, "kind": p.kind, "name": p.name, "signed": p.signed_at is not None}
                        for p in c.parties.all()],
            "mediators": [u.username for u in c.mediators.all()], "sessions": c.sessions.count(),
            "agreement": agreement is not None, "effective": bool(agreement and agreement.effective_at),
            "missing_signatures": mediation.missing_signatures(c) if agreement else [], "court": c.court,
            "scans": _scans(c), "timeline": _steps(c)}


def _case_step(request, case_id: int, step, *args) -> dict:
    step(_actor(request), case_id, *args)
    return _case(mediation.get_case(_actor(request), case_id))


@router.post("/screenings", response={201: ScreeningOut}, summary="Record a dispute screening visit")
def screening(request, data: ScreeningIn):
    s = mediation.record_screening(_actor(request), data.village, data.day, data.visited, data.found, data.note)
    return Status(201, {"id": s.pk, "village": s.village_id, "day": s.day, "visited": s.visited, "found": s.found})


@router.post("/mediations", response={201: MediationOut}, summary="Accept a dispute for mediation")
def open_case(request, data: MediationIn):
    values = data.dict()
    values["parties"] = [mediation.PartyInput(**p) for p in values["parties"]]
    case = mediation.open_case(_actor(request), mediation.MediationInput(**values))
    return Status(201, _case(mediation.get_case(_actor(request), case.pk)))


class MediationApplicationIn(Schema):
    village: str
    category: str
    summary: str
    respondent_name: str
    respondent_sex: str = ""
    respondent_phone: str = ""
    respondent_kind: str = "person"
    respondent_representative: str = ""
    applicant_sex: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    resident: int | None = None
    consent: str = ""  # staff: the villager's consent to apply on their behalf


@router.post("/mediations/applications", response={201: MediationOut},
             summary="A party applies for mediation (the villager, or village staff for them): the file opens at once")
def mediation_application(request, data: MediationApplicationIn):
    case = mediation.apply(_actor(request), mediation.MediationApplication(**data.dict()))
    return Status(201, _case(mediation.get_case(_actor(request), case.pk)))


@router.get("/mediations", response=list[MediationOut], summary="Mediation files the caller may read")
def mediation_files(request, state: str = "", limit: int = 100):
    return [_case(c) for c in mediation.cases(_actor(request), state)[:max(1, min(limit, 500))]]


@router.get("/mediations/tracked", response=list[TrackedCaseOut], summary="That mediation cases exist, their "
                                                                          "state and risk")
def mediation_tracked(request, village: str = "", limit: int = 200):
    rows = mediation.tracked(_actor(request), village)[:max(1, min(limit, 1000))]
    return [{"id": r["pk"], "number": r["number"], "village": r["village_id"], "state": r["state"],
             "risk": r["risk"]} for r in rows]


@router.get("/mediations/{case_id}", response=MediationOut, summary="One mediation file (read audited)")
def mediation_one(request, case_id: int):
    return _case(mediation.get_case(_actor(request), case_id))


@router.post("/mediations/{case_id}/risk", response=MediationOut, summary="Change the risk level")
def mediation_risk(request, case_id: int, data: RiskIn):
    return _case_step(request, case_id, mediation.set_risk, data.risk)


@router.post("/mediations/{case_id}/sessions", response=MediationOut, summary="Record a mediation session")
def mediation_session(request, case_id: int, data: SessionIn):
    return _case_step(request, case_id, mediation.add_session, data.held_on, data.place, data.record)


@router.post("/mediations/{case_id}/scans", response=MediationOut, summary="Add scans or photos, such as a "
             "signed paper agreement (multipart: files, what)")
def mediation_scans(request, case_id: int, files: File[list[UploadedFile]], what: Form[str]):
    return _case_step(request, case_id, lambda a, pk: scans.add(a, "mediation", pk, _uploads(files), what))


@router.post("/mediations/{case_id}/extend", response=MediationOut, summary="Extend with every party's consent")
def mediation_extend(request, case_id: int, data: ExtendIn):
    return _case_step(request, case_id, mediation.extend, data.consenting, data.until, data.reason)


@router.put("/mediations/{case_id}/agreement", response=MediationOut, summary="Draft the written agreement")
def mediation_agreement(request, case_id: int, data: AgreementIn):
    return _case_step(request, case_id, mediation.draft_agreement, data.facts, data.matters, data.responsibilities,
                      [t.dict() for t in data.terms])


@router.get("/mediations/{case_id}/agreement.pdf", summary="The agreement as PDF (read audited)")
def mediation_agreement_pdf(request, case_id: int):
    case, data = mediation.agreement_pdf(_actor(request), case_id)
    return file_response(data, "application/pdf", f"mediation-{case.number}.pdf", inline=True)


@router.post("/mediations/{case_id}/sign", response=MediationOut, summary="Sign the agreement (a party, or the "
                                                                          "mediator)")
def mediation_sign(request, case_id: int, data: SignIn):
    return _case_step(request, case_id, mediation.sign, data.party, data.how)


@router.post("/mediations/{case_id}/seal", response=MediationOut, summary="Seal: the agreement takes effect")
def mediation_seal(request, case_id: int):
    return _case_step(request, case_id, mediation.seal)


@router.post("/mediations/{case_id}/end", response=MediationOut, summary="End without a written agreement")
def mediation_end(request, case_id: int, data: EndIn):
    return _case_step(request, case_id, mediation.end, data.state, data.note, data.amount, data.day)


@router.post("/mediations/{case_id}/follow-ups", response=MediationOut, summary="A follow-up visit")
def mediation_follow_up(request, case_id: int, data: FollowUpIn):
    return _case_step(request, case_id, mediation.follow_up, data.performance, data.note, data.day)


@router.post("/mediations/{case_id}/confirmation", response=MediationOut, summary="Applied for judicial "
                                                                                  "confirmation")
def mediation_confirmation(request, case_id: int, data: ConfirmationIn):
    return _case_step(request, case_id, mediation.apply_for_confirmation, data.court_name, data.applied_on)


@router.post("/mediations/{case_id}/court-decision", response=MediationOut, summary="The court's decision")
def mediation_court(request, case_id: int, data: CourtDecisionIn):
    return _case_step(request, case_id, mediation.record_court_decision, data.confirmed, data.decided_on)


# --- publicity and figures -----------------------------------------------------------------------------------


class EventIn(Schema):
    region: str
    kind: str
    law: str
    title: str
    place: str
    day: PlausibleDate | None = None
    attendance: int
    troupe: str = ""
    subsidy: Decimal = Decimal(0)


class LegalEventOut(Schema):
    id: int
    region: str
    kind: str
    law: str
    title: str
    place: str
    day: dt.date
    attendance: int
    subsidy: Decimal


class DemonstrationIn(Schema):
    village: str
    level: str
    year: int


def _event(e) -> dict:
    return {"id": e.pk, "region": e.region_id, "kind": e.kind, "law": e.law, "title": e.title, "place": e.place,
            "day": e.day, "attendance": e.attendance, "subsidy": e.subsidy}


@router.post("/publicity", response={201: LegalEventOut}, summary="Record a legal publicity event or performance")
def publicity_event(request, data: EventIn):
    return Status(201, _event(publicity.record_event(_actor(request), **data.dict(exclude={"region"}),
                                                     region_code=data.region)))


@router.get("/publicity", response=list[LegalEventOut], auth=None, summary="Legal publicity events (public)")
def publicity_events(request, region: str = "", limit: int = 100):
    return [_event(e) for e in publicity.events(_actor(request), region)[:max(1, min(limit, 500))]]


@router.post("/demonstration-villages", response={201: DemonstrationIn}, summary="Record a demonstration "
                                                                                  "village title")
def demonstration(request, data: DemonstrationIn):
    row = publicity.name_demonstration(_actor(request), data.village, data.level, data.year)
    return Status(201, {"village": row.village_id, "level": row.level, "year": row.year})


@router.get("/statistics", summary="The justice bureau's figures for a region and period (json or xlsx)")
def figures(request, region: str = "", start: dt.date | None = None, end: dt.date | None = None,
            format: str = "json"):
    result = statistics.report(_actor(request), region, start, end)
    if format == "xlsx":
        return file_response(statistics.to_xlsx(result), XLSX, f"legal-{result.region.code}.xlsx")
    names = [name for name, _label in statistics.HEADERS]

    def row(r):
        return {n: (float(getattr(r, n)) if isinstance(getattr(r, n), Decimal) else getattr(r, n)) for n in names}

    return {"region": result.region.code, "start": result.start, "end": result.end,
            "rows": [row(r) for r in result.rows], "total": row(result.total),
            "by_category": [{"category": c, "mediated": n, "succeeded": ok} for c, n, ok in result.by_category],
            "by_month": [{"month": m, "mediations": n, "aid": a} for m, n, a in result.by_month]}
