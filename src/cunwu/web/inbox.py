"""The inbox: what waits for the signed-in person now, in the role they act in, most urgent first.

Each section is one question ("calls to report in"), its count, its most urgent rows with the time left, and
the page that lists them all. Every query goes through the permission module (`restrict`) and then narrows to
the person's own place, department or files; each is an indexed read, never a scan of a county's cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cunwu.accounts import permissions
from cunwu.accounts.models import Department
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.cases.choices import OPEN_STATES, DispatchState, Stage, State
from cunwu.cases.models import Case, Dispatch
from cunwu.certificates.models import CertificateRequest, RequestState
from cunwu.households import services as households
from cunwu.legal.models import (
    AidApplication,
    AidState,
    Consultation,
    ConsultationState,
    MediationCase,
    MediationState,
)
from cunwu.notify.models import Notification

ROWS = 8


@dataclass
class Row:
    title: str
    link: str
    due: dt.datetime | None = None
    note: str = ""

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due <= timezone.now()

    @property
    def left(self) -> str:
        return time_left(self.due)


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list[Row] = field(default_factory=list)
    more: str = ""  # the page that lists them all
    urgent: bool = False


def time_left(due: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if due is None:
        return ""
    now = now or timezone.now()
    seconds = int((due - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes >= 2 * 1440:
        amount = ngettext("%(n)d day", "%(n)d days", minutes // 1440) % {"n": minutes // 1440}
    elif minutes >= 120:
        amount = ngettext("%(n)d hour", "%(n)d hours", minutes // 60) % {"n": minutes // 60}
    else:
        amount = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return (_("%(t)s left") if seconds > 0 else _("%(t)s overdue")) % {"t": amount}


def _case_rows(queryset, due_field: str | None = "due_at") -> list[Row]:
    return [Row(f"{c.number[-4:]} · {c.title}", reverse("cases:case", args=[c.number]),
                getattr(c, due_field) if due_field else None, c.village.name)
            for c in queryset.select_related("village")[:ROWS]]


def _section(key, title, queryset, rows, more="", urgent=False) -> Section:
    return Section(key, title, queryset.count(), rows, more, urgent)


def _cases(actor: Actor):
    return permissions.restrict(Case.objects.all(), actor, own=False)


def _dispatches(actor: Actor):
    """Dispatches are read through their cases' permission rule."""
    return Dispatch.objects.filter(case__in=_cases(actor))


def village_staff(actor: Actor, village_code: str) -> list[Section]:
    cases = _cases(actor).filter(village_id=village_code, stage=Stage.VILLAGE)
    queue = reverse("cases:queue")
    today_ends = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time.min))
    new = cases.filter(state=State.NEW).order_by("respond_by", "id")
    handling = cases.filter(state=State.HANDLING).order_by("due_at", "id")
    due_today = cases.filter(state__in=list(OPEN_STATES), due_at__lt=today_ends).order_by("due_at", "id")
    rectify = cases.filter(state=State.RECTIFYING).order_by("stage_due_at", "id")
    awaiting = cases.filter(state=State.AWAITING_MATERIALS).order_by("awaiting_since", "id")
    certificates = permissions.restrict(CertificateRequest.objects.all(), actor).filter(
        village_id=village_code, state__in=[RequestState.PENDING, RequestState.REVIEW]).order_by("created_at")
    questions = permissions.restrict(Consultation.objects.all(), actor).filter(  # taken in at the counter
        village_id=village_code, submitted_by=actor.user, state=ConsultationState.OPEN).order_by("due_at", "id")
    return [
        _section("new", _("New requests to take up"), new, _case_rows(new, "respond_by"), f"{queue}?status=new",
                 urgent=True),
        _section("due_today", _("Due today or overdue"), due_today, _case_rows(due_today), f"{queue}?overdue=1"),
        _section("handling", _("Being handled (materials supplied)"), handling, _case_rows(handling),
                 f"{queue}?status=handling"),
        _section("rectify", _("Dissatisfied ratings: call back and put right"), rectify,
                 _case_rows(rectify, "stage_due_at"), f"{queue}?status=rectifying"),
        _section("awaiting", _("Waiting for the applicant's materials"), awaiting, _case_rows(awaiting, None),
                 f"{queue}?status=awaiting_materials"),
        _section("certificates", _("Certificate requests to check"), certificates,
                 [Row(str(r.type), reverse("certificates:requests"), None, r.applicant_name)
                  for r in certificates.select_related("type")[:ROWS]], reverse("certificates:requests")),
        _section("questions", _("Questions you took in, waiting for the adviser"), questions,
                 [Row(q.question[:40], reverse("legal:consultation", args=[q.pk]), q.due_at)
                  for q in questions[:ROWS]], reverse("legal:consultations")),
    ]


def visits(actor: Actor, village_code: str) -> Section:
    """Key-group visits due (three quarters of the interval gone) or missed, in the worker's grids (for the
    village's staff, in the whole village)."""
    today = timezone.localdate()
    due = households.due_labels(actor, village_code).filter(warn_on__lte=today)
    rows = [Row(f"{label.resident.name if label.resident_id else label.household} · {label.get_group_display()}",
                reverse("households:household", args=[label.household_id]),
                timezone.make_aware(dt.datetime.combine(label.due_on + dt.timedelta(days=1), dt.time.min)),
                label.household.address) for label in due[:ROWS]]
    return _section("visits", _("Key-group visits due"), due, rows, reverse("households:due"),
                    urgent=any(r.overdue for r in rows))


def township_officer(actor: Actor, township_code: str) -> list[Section]:
    cases = _cases(actor).filter(township_code=township_code)
    queue = reverse("cases:queue")
    whistle = cases.filter(stage=Stage.TOWNSHIP, state__in=[State.HANDLING, State.RECTIFYING]).order_by(
        "stage_due_at", "id")
    dispatches = _dispatches(actor).filter(case__township_code=township_code).select_related("case", "department")
    not_signed = dispatches.filter(state=DispatchState.CALLED).order_by("sign_in_by", "id")
    answers_due = dispatches.filter(state=DispatchState.SIGNED_IN).order_by("respond_by", "id")
    overdue = cases.filter(state__in=list(OPEN_STATES), overdue=True)
    by_village = list(overdue.values("village_id", "village__name").annotate(n=Count("id")).order_by("-n")[:ROWS])
    return [
        _section("whistle", _("Escalated to the township: blow the whistle"), whistle,
                 _case_rows(whistle, "stage_due_at"), f"{queue}?stage=township", urgent=True),
        _section("not_signed", _("Departments called but not signed in"), not_signed,
                 [Row(f"{d.department.chinese_name} · {d.case.title}", reverse("cases:case", args=[d.case.number]),
                      d.sign_in_by) for d in not_signed[:ROWS]], f"{queue}?stage=department"),
        _section("answers_due", _("Department answers due"), answers_due,
                 [Row(f"{d.department.chinese_name} · {d.case.title}", reverse("cases:case", args=[d.case.number]),
                      d.respond_by) for d in answers_due[:ROWS]], f"{queue}?stage=department"),
        Section("overdue_villages", _("Overdue cases by village"), overdue.count(),
                [Row(v["village__name"], f"{queue}?village={v['village_id']}&overdue=1", None,
                     ngettext("%(n)d case", "%(n)d cases", v["n"]) % {"n": v["n"]}) for v in by_village],
                f"{queue}?overdue=1"),
    ]


def department_officer(actor: Actor, department_id: int) -> list[Section]:
    """The calls of the officer's own department. `department_id` comes from the officer's own active
    assignment (sections_for), which is exactly what the cases' permission rule grants a department officer
    (cases dispatched to their department), so the department's dispatch index is read directly instead of
    testing every case of the county against that rule."""
    if not any(a.role == Role.DEPARTMENT_OFFICER and a.department_id == department_id
               for a in permissions.assignments_of(actor.user)):
        raise permissions.NotFound
    mine = Dispatch.objects.filter(department_id=department_id).select_related("case", "case__village")
    queue = reverse("cases:queue")
    calls = mine.filter(state=DispatchState.CALLED).order_by("sign_in_by", "id")
    answers = mine.filter(state=DispatchState.SIGNED_IN).order_by("respond_by", "id")
    decided = mine.filter(decided=True, state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN])

    def rows(queryset, due):
        return [Row(f"{d.case.title}", reverse("cases:case", args=[d.case.number]), getattr(d, due),
                    d.case.village.name + (" · " + _("decided by the township") if d.decided else ""))
                for d in queryset[:ROWS]]

    return [
        _section("calls", _("Calls to report in"), calls, rows(calls, "sign_in_by"), f"{queue}?called=1",
                 urgent=True),
        _section("answers", _("Answers due"), answers, rows(answers, "respond_by"), f"{queue}?called=1"),
        _section("decided", _("Settled by the township as yours"), decided,
                 rows(decided, "respond_by"), f"{queue}?called=1"),
    ]


def justice_bureau(actor: Actor, county_code: str) -> list[Section]:
    """The county justice bureau: legal aid to decide or assign, and the legal limits run out below it."""
    aid = permissions.restrict(AidApplication.objects.all(), actor).filter(county_code=county_code)
    decide = aid.filter(state=AidState.APPLIED).order_by("due_at", "id")
    assign = aid.filter(state=AidState.GRANTED).order_by("due_at", "id")
    awaiting = aid.filter(state=AidState.AWAITING).order_by("awaiting_since", "id")
    late_questions = permissions.restrict(Consultation.objects.all(), actor).filter(
        county_code=county_code, state=ConsultationState.OPEN, watch_level=2).order_by("due_at", "id")
    files = reverse("legal:files")

    def rows(queryset):
        return [Row(a.number or str(a.pk), reverse("legal:aid", args=[a.pk]), a.due_at, a.applicant_name)
                for a in queryset[:ROWS]]

    return [
        _section("aid_decide", _("Legal aid applications to decide"), decide, rows(decide), files, urgent=True),
        _section("aid_assign", _("Legal aid granted: assign a lawyer"), assign, rows(assign), files),
        _section("aid_awaiting", _("Legal aid waiting for the applicant's materials (the clock is stopped)"),
                 awaiting, [Row(a.number or str(a.pk), reverse("legal:aid", args=[a.pk]), None,
                                f"{a.applicant_name} · {'、'.join(a.missing)[:60]}") for a in awaiting[:ROWS]], files),
        _section("late_questions", _("Legal questions past their time"), late_questions,
                 [Row(q.question[:40], reverse("legal:consultation", args=[q.pk]), q.due_at, q.village.name)
                  for q in late_questions.select_related("village")[:ROWS]], reverse("legal:consultations")),
    ]


def legal_adviser(actor: Actor) -> list[Section]:
    questions = permissions.restrict(Consultation.objects.all(), actor).filter(
        adviser=actor.user, state=ConsultationState.OPEN).order_by("due_at", "id")
    aid = permissions.restrict(AidApplication.objects.all(), actor).filter(
        lawyer=actor.user, state__in=[AidState.ASSIGNED, AidState.ACCEPTED]).order_by("due_at", "id")
    return [
        _section("questions", _("Legal questions to answer"), questions,
                 [Row(q.question[:40], reverse("legal:consultation", args=[q.pk]), q.due_at, q.village.name)
                  for q in questions.select_related("village")[:ROWS]], reverse("legal:consultations"), urgent=True),
        _section("aid", _("Legal aid files assigned to you"), aid,
                 [Row(a.number, reverse("legal:aid", args=[a.pk]), a.due_at) for a in aid[:ROWS]],
                 reverse("legal:files")),
        *mediator(actor),
    ]


def mediator(actor: Actor) -> list[Section]:
    cases = permissions.restrict(MediationCase.objects.all(), actor).filter(
        mediators=actor.user, state=MediationState.OPEN).order_by("due_on", "id")
    tz = timezone.get_current_timezone()
    return [_section("mediations", _("Mediations in your hands"), cases,
                     [Row(m.number, reverse("legal:mediation", args=[m.pk]),
                          timezone.make_aware(dt.datetime.combine(m.due_on + dt.timedelta(days=1), dt.time.min), tz))
                      for m in cases[:ROWS]], reverse("legal:files"))]


def supervisor(actor: Actor, region_code: str) -> list[Section]:
    """County, city and province administrators and supervisors: what is late below them."""
    cases = _cases(actor).filter(state__in=list(OPEN_STATES))
    queue = reverse("cases:queue")
    overdue = cases.filter(overdue=True)
    townships = list(overdue.values("township_code").annotate(n=Count("id")).order_by("-n")[:ROWS])
    from cunwu.regions.models import Region

    names = dict(Region.objects.filter(code__in=[t["township_code"] for t in townships]).values_list("code", "name"))
    late_departments = list(_dispatches(actor).filter(state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN])
                            .filter(sign_in_overdue=True).values("department_id").annotate(n=Count("id"))
                            .order_by("-n")[:ROWS])
    departments = {d.pk: d.chinese_name for d in Department.objects.filter(
        pk__in=[d["department_id"] for d in late_departments])}
    rectify = cases.filter(state=State.RECTIFYING).order_by("stage_due_at", "id")
    return [
        Section("overdue_townships", _("Overdue cases by township"), overdue.count(),
                [Row(names.get(t["township_code"], t["township_code"]), f"{queue}?township={t['township_code']}"
                     "&overdue=1", None, ngettext("%(n)d case", "%(n)d cases", t["n"]) % {"n": t["n"]})
                 for t in townships], f"{queue}?overdue=1", urgent=True),
        Section("late_departments", _("Departments late to report in"), sum(d["n"] for d in late_departments),
                [Row(departments.get(d["department_id"], ""), f"{queue}?stage=department", None,
                     ngettext("%(n)d case", "%(n)d cases", d["n"]) % {"n": d["n"]}) for d in late_departments],
                f"{queue}?stage=department"),
        _section("rectify", _("Dissatisfied ratings being put right"), rectify, _case_rows(rectify, "stage_due_at"),
                 f"{queue}?status=rectifying"),
        *burden_and_notices(actor, region_code),
    ]


def burden_and_notices(actor: Actor, region_code: str) -> list[Section]:
    """What the county's burden rules ask of its overseers: reviewed admission requests to decide, demands
    villages reported outside admission, and (for a county) the villages behind on what they must publish."""
    from cunwu.burden.choices import ReportState
    from cunwu.burden.choices import RequestState as AdmissionState
    from cunwu.burden.models import AdmissionRequest, DemandReport
    from cunwu.notices.services import overdue as notices_behind

    decide = permissions.restrict(AdmissionRequest.objects.all(), actor).filter(
        permissions.within("county_id", region_code), state=AdmissionState.REVIEWED).order_by("created_at")
    reports = permissions.restrict(DemandReport.objects.select_related("village"), actor).filter(
        permissions.within("village_id", region_code), state=ReportState.OPEN).order_by("created_at")
    sections = [
        _section("admission", _("Admission requests reviewed, waiting for the county"), decide,
                 [Row(r.title, reverse("burden:request", args=[r.pk]), None, r.number) for r in decide[:ROWS]],
                 reverse("burden:requests")),
        _section("demand_reports", _("Demands villages reported outside admission"), reports,
                 [Row(r.what[:40], reverse("burden:reports"), None, r.village.name) for r in reports[:ROWS]],
                 reverse("burden:reports")),
    ]
    if len(region_code) >= 6:  # a county's villages are counted here; a city or province follows the link
        try:
            _region, lacking, _total = notices_behind(actor, region_code)
        except permissions.NotFound:
            lacking = None
        if lacking is not None:
            sections.append(Section("notices_behind", _("Villages behind on what they must publish"), len(lacking),
                                    [Row(v.name, reverse("notices:board", args=[v.code]), None,
                                         "、".join(label for _c, label, _l in v.missing)) for v in lacking[:ROWS]],
                                    f"{reverse('notices:due')}?region={region_code}"))
    return sections


def sections_for(actor: Actor, assignment) -> list[Section]:
    role = assignment.role
    if role == Role.GRID_WORKER:
        return [visits(actor, assignment.region_id), *village_staff(actor, assignment.region_id)]
    if role == Role.VILLAGE_STAFF:
        return [*village_staff(actor, assignment.region_id), visits(actor, assignment.region_id)]
    if role == Role.TOWNSHIP_OFFICER:
        return township_officer(actor, assignment.region_id)
    if role == Role.DEPARTMENT_OFFICER and assignment.department_id:
        sections = department_officer(actor, assignment.department_id)
        if assignment.department.kind == "justice":
            sections += justice_bureau(actor, assignment.region_id)
        return sections
    if role == Role.LEGAL_ADVISER:
        return legal_adviser(actor)
    if role == Role.MEDIATOR:
        return mediator(actor)
    if role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR):
        return supervisor(actor, assignment.region_id)
    return []


def recent_notifications(actor: Actor, limit: int = 5):
    return list(Notification.objects.filter(recipient=actor.user, read_at__isnull=True)[:limit])
