"""Legal aid (Legal Aid Law 2022): the application, the review with its one-time list of missing materials, urgent
help, the written decision, an objection, the lawyer's assignment and agreement, and the outcome.

Each step has its limit on the cases clock (working days, `CUNWU["LEGAL_LIMITS"]`): the decision within 7 of the
application, the assignment within 3 of the decision, the lawyer's agreement within 5 of the assignment, an
objection decided within 5. Time waiting for the applicant's materials is not counted. Rural priority cases (land
contracts, farm inputs, migrant workers' wages) run on the province's tighter limits when it has set them.
Hardship is shown by the applicant's pledge or a data check, never by a village income certificate; the groups
of arts. 32 and 42 need no check at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunwu.accounts import permissions, personal_data
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW
from cunwu.accounts.roles import Role
from cunwu.accounts.services import holders
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.cases import clock
from cunwu.households import services as households
from cunwu.notify import services as notify
from cunwu.sms import purposes

from .models import (
    AdviserProfile,
    AidApplication,
    AidChannel,
    AidMatter,
    AidPriorityLimits,
    AidResult,
    AidState,
    Hardship,
    NoMeansGroup,
    RuralKind,
)
from .policies import OBJECT, TRACK, is_justice
from .services import _choice, _region, _text

STEPS = ("decision", "assignment", "agreement")
STEP_NAMES = {"decision": gettext_lazy("Decision on the application"),
              "assignment": gettext_lazy("Assigning a lawyer after the decision"),
              "agreement": gettext_lazy("The lawyer's agreement with the applicant")}
MIGRANT_MATTERS = (AidMatter.LABOUR, AidMatter.INJURY)


def _cfg(name: str):
    return settings.CUNWU["LEGAL_LIMITS"][name]


def statutory(step: str) -> int:
    """The law's limit for a step, in working days."""
    return clock.Limit.parse(_cfg(f"aid_{step}")).amount


def priority_limits(province_code: str) -> AidPriorityLimits | None:
    return AidPriorityLimits.objects.filter(province_id=province_code).first()


def limits_for(application: AidApplication) -> dict[str, clock.Limit]:
    """The three limits of an application: the law's, or the province's tighter ones for a rural case."""
    limits = {step: clock.Limit.parse(_cfg(f"aid_{step}")) for step in STEPS}
    if application.rural:
        tighter = priority_limits(application.village_id[:2])
        if tighter is not None:
            for step in STEPS:
                limits[step] = clock.Limit(min(getattr(tighter, step), limits[step].amount), clock.Unit.WORKDAYS)
    return limits


# --- the clock of the running step ---------------------------------------------------------------------------


def _start(application: AidApplication, limit: clock.Limit, received: dt.datetime) -> None:
    start = clock.counting_start(received, limit.unit)
    application.clock_from = start
    application.clock_remaining = clock.budget(limit.amount, limit.unit)
    application.due_at = clock.advance(start, application.clock_remaining, limit.unit, application.village_id)


def _pause(application: AidApplication, now: dt.datetime) -> None:
    if application.clock_from is None:  # already stopped
        return
    used = clock.working_seconds(application.clock_from, now, clock.Unit.WORKDAYS, application.village_id)
    application.clock_remaining = max(0, application.clock_remaining - used)
    application.clock_from, application.due_at = None, None


def _resume(application: AidApplication, now: dt.datetime) -> None:
    application.clock_from = now
    application.due_at = clock.advance(now, application.clock_remaining, clock.Unit.WORKDAYS,
                                       application.village_id)


def _stop(application: AidApplication, at: dt.datetime) -> bool:
    """End the running step at `at`; whether it ended within its limit."""
    on_time = application.due_at is None or at <= application.due_at
    application.clock_from, application.due_at, application.clock_remaining = None, None, 0
    return on_time


# --- who acts ----------------------------------------------------------------------------------------------


def _bureau(actor: Actor, village_code: str):
    return next((a for a in permissions.assignments_of(actor.user) if is_justice(a)
                 and village_code.startswith(a.region_id)), None)


purposes.register("aid_missing", gettext_lazy("Legal aid %(n)s: please bring %(m)s. The review waits for them."),
                  "n", "m")
purposes.register("aid_granted", gettext_lazy("Legal aid %(n)s is granted; a lawyer will be assigned."), "n")
purposes.register("aid_refused", gettext_lazy("Legal aid %(n)s is refused: %(r)s You may object to the justice "
                                              "bureau."), "n", "r")
purposes.register("aid_objection", gettext_lazy("Your objection on legal aid %(n)s was decided: %(r)s"), "n", "r")
purposes.register("aid_lawyer", gettext_lazy("Legal aid %(n)s: your lawyer is %(l)s, %(p)s."), "n", "l", "p")
purposes.register("aid_closed", gettext_lazy("Legal aid %(n)s is closed: %(o)s"), "n", "o")


def _bureau_officers(county_code: str) -> list[User]:
    return holders(Role.DEPARTMENT_OFFICER, region_id=county_code, department__kind="justice")


def _tell_bureau(application: AidApplication, urgent: bool) -> None:
    notify.tell(_bureau_officers(application.county_code), "legal_aid", f"aid:{application.pk}:applied",
                f"{application.number} {application.village.name}", due=application.due_at,
                link=f"/legal/aid/{application.pk}/", region_code=application.village_id,
                role=Role.DEPARTMENT_OFFICER, urgent=urgent)


def _tell_applicant(application: AidApplication, purpose: str, **params) -> None:
    notify.text(application.applicant_phone(), purpose, {"n": application.number, **params},
                f"aid:{application.pk}:{purpose}:{timezone.now().timestamp()}", region_code=application.village_id)


def _load(actor: Actor, application_id: int, action: str, message: str) -> tuple[AidApplication, Actor]:
    """Lock the application for a step the actor must be allowed to take (NotFound when they may not see it)."""
    found = permissions.get_or_404(AidApplication.objects.all(), actor, TRACK, pk=application_id)
    acting = permissions.require(actor, action, found, message)
    return AidApplication.objects.select_for_update().select_related("village").get(pk=found.pk), acting


def _applicant_or_bureau(actor: Actor, found: AidApplication, message: str) -> Actor:
    """The applicant acts on their own file; the bureau records what was handed in at its counter."""
    if permissions.can(actor, OBJECT, found):
        return actor
    return permissions.require(actor, MANAGE, found, message)


def _not_now() -> permissions.Forbidden:
    return permissions.Forbidden(_("This step does not apply to the application in its present state."))


# --- application -------------------------------------------------------------------------------------------


@dataclass
class AidInput:
    village: str
    matter: str
    facts: str
    hardship: str = ""
    no_means: str = ""
    rural: str = ""
    opponent: str = ""
    limitation_ends: dt.date | None = None
    channel: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    resident: int | None = None  # the village's record of the applicant (staff intake): its details are taken


def apply(actor: Actor, data: AidInput) -> AidApplication:
    """An application: by the villager online, at the village through its staff, forwarded by the village's legal
    adviser, or taken at the legal aid centre by the justice bureau."""
    if actor.user is None:
        raise permissions.Forbidden(_("Sign in to apply for legal aid."))
    village = _region(data.village, (5,))
    mine = permissions.assignments_of(actor.user)
    villager = next((a for a in mine if a.role == Role.VILLAGER and a.region_id == village.code), None)
    staff = next((a for a in mine if a.role == Role.VILLAGE_STAFF and a.region_id == village.code), None)
    adviser = next((a for a in mine if a.role == Role.LEGAL_ADVISER and a.region_id == village.code), None)
    bureau = _bureau(actor, village.code)
    acting_as = villager or staff or adviser or bureau
    if acting_as is None:
        raise permissions.NotFound
    channel = (AidChannel.ONLINE if acting_as is villager else AidChannel.VILLAGE if acting_as is staff
               else AidChannel.ADVISER if acting_as is adviser else AidChannel.VISIT)
    matter = _choice(data.matter, AidMatter, "matter")
    no_means = _choice(data.no_means or "", NoMeansGroup, "no_means")
    if no_means == NoMeansGroup.MIGRANT and matter not in MIGRANT_MATTERS:
        raise ValidationError({"no_means": [_("Migrant workers need no means test for wages or work-injury "
                                               "compensation only; choose one of those matters.")]})
    hardship: str = Hardship.EXEMPT
    if not no_means:
        hardship = data.hardship or ""
        if hardship not in (Hardship.PLEDGE, Hardship.DATA):
            raise ValidationError({"hardship": [_("Show hardship by a written pledge or let the centre check shared "
                                                  "data; no village income certificate is needed.")]})
    rural = _choice(data.rural or "", RuralKind, "rural")
    facts = _text(data.facts, "facts", 6000)
    if len(facts) < 10:
        raise ValidationError({"facts": [_("Say what happened and what you ask for, so the centre can review it.")]})
    now = timezone.now()
    if data.limitation_ends is not None and data.limitation_ends < timezone.localdate(now):
        raise ValidationError({"limitation_ends": [_("The date the limitation period ends cannot be in the past; "
                                                     "leave it empty if unsure.")]})
    resident = None
    if acting_as is staff and data.resident not in (None, "", 0):  # collect once: from the village's record
        resident = households.resident_for_form(actor, data.resident, village.code)
        if resident is None:
            raise ValidationError({"resident": [_("This person is not in the village's records that you may see.")]})
        data.applicant_name = data.applicant_name or resident.name
        data.applicant_phone = data.applicant_phone or resident.phone or resident.household.phone
    if acting_as is villager:
        name, phone = actor.user.full_name, actor.user.phone or ""
    else:
        name = _text(data.applicant_name, "applicant_name", 100)
        phone = personal_data.normalize_phone(data.applicant_phone) if data.applicant_phone else ""
    with transaction.atomic():
        application = AidApplication(
            village=village, county_code=village.code[:6], channel=channel,
            applicant=actor.user if acting_as is villager else None, applicant_name=name, resident=resident,
            applicant_phone_sealed=personal_data.encrypt(phone) if phone else "", submitted_by=actor.user,
            matter=matter, no_means=no_means, hardship=hardship, rural=rural,
            opponent=_text(data.opponent, "opponent", 200, False), facts=facts,
            limitation_ends=data.limitation_ends, applied_at=now)
        _start(application, limits_for(application)["decision"], now)
        application.save()
        application.number = f"FY{timezone.localdate(now):%Y}{village.code[:6]}{application.pk:06d}"
        application.save(update_fields=["number"])
        record(actor.acting_as(acting_as), "legal.aid.applied", application, region_code=village.code,
               detail={"channel": channel, "matter": matter, "rural": rural, "no_means": no_means})
        _tell_bureau(application, needs_urgent_help(application))
    return application


def needs_urgent_help(application: AidApplication, today: dt.date | None = None) -> bool:
    """Fewer than 7 days before a limitation period ends, help must not wait for the decision (art. 44)."""
    if application.limitation_ends is None or application.decided_at is not None:
        return False
    today = today or timezone.localdate()
    return (application.limitation_ends - today).days < _cfg("aid_urgent_days")


def get_application(actor: Actor, application_id: int) -> AidApplication:
    """One file, for those who may read it; every read is audited."""
    found = permissions.get_or_404(AidApplication.objects.select_related("village", "lawyer", "decided_by"), actor,
                                   VIEW, pk=application_id)
    record(actor, "legal.aid.read", found, region_code=found.village_id)
    return found


def applications(actor: Actor, state: str = ""):
    """The files the actor may read: the bureau's work list, the lawyer's cases, the applicant's own."""
    queryset = permissions.restrict(AidApplication.objects.select_related("village"), actor, VIEW)
    if state in AidState.values:
        queryset = queryset.filter(state=state)
    return queryset.order_by("due_at", "-applied_at")


def tracked(actor: Actor, village_code: str = ""):
    """That files exist and their state, without content: what village staff and the chain above may see."""
    queryset = permissions.restrict(AidApplication.objects.all(), actor, TRACK)
    if village_code:
        queryset = queryset.filter(village_id=village_code)
    return queryset.order_by("-applied_at").values("pk", "number", "village_id", "state", "applied_at", "due_at")


# --- review ------------------------------------------------------------------------------------------------


def ask_for_materials(actor: Actor, application_id: int, missing: list[str]) -> AidApplication:
    """Everything missing, told at once; the decision's clock stops until it arrives."""
    items = [m.strip()[:200] for m in (missing or []) if m and m.strip()]
    if not items:
        raise ValidationError({"missing": [_("List every missing material at once.")]})
    with transaction.atomic():
        application, acting = _load(actor, application_id, MANAGE, _("Only the justice bureau reviews it."))
        if application.state != AidState.APPLIED:
            raise _not_now()
        if application.missing:
            raise permissions.Forbidden(_("The missing materials were already listed; everything must be asked "
                                          "for at once."))
        now = timezone.now()
        _pause(application, now)
        application.state, application.missing, application.awaiting_since = AidState.AWAITING, items, now
        application.save()
        record(acting, "legal.aid.materials_asked", application, region_code=application.village_id,
               detail={"missing": items})
        _tell_applicant(application, "aid_missing", m="、".join(items))
    return application


def supply_materials(actor: Actor, application_id: int, note: str = "", files: list | tuple = ()) -> AidApplication:
    """The materials arrived (sent by the applicant with their scans, or received at the centre); the clock runs
    on."""
    from . import scans

    with transaction.atomic():
        found = permissions.get_or_404(AidApplication.objects.all(), actor, TRACK, pk=application_id)
        acting = _applicant_or_bureau(actor, found, _("Only the applicant or the justice bureau records it."))
        application = AidApplication.objects.select_for_update().get(pk=found.pk)
        if application.state != AidState.AWAITING:
            raise _not_now()
        now = timezone.now()
        application.paused_seconds += int((now - (application.awaiting_since or now)).total_seconds())
        application.state, application.awaiting_since = AidState.APPLIED, None
        _resume(application, now)
        application.save()
        if files:
            scans.add(actor, "aid", application.pk, list(files), _("Materials supplied"))
        record(acting, "legal.aid.materials_supplied", application, region_code=application.village_id,
               detail={"note": _text(note, "note", 1000, False)})
        if acting.user is None or not application.county_code or acting.user.pk not in {
                u.pk for u in _bureau_officers(application.county_code)}:
            # the applicant (or the village on their behalf) supplied them: the decision's clock runs again
            notify.tell(_bureau_officers(application.county_code), "aid_materials", f"aid:{application.pk}:supplied",
                        f"{application.number} {application.village.name}", due=application.due_at,
                        link=f"/legal/aid/{application.pk}/", region_code=application.village_id,
                        role=Role.DEPARTMENT_OFFICER)
    return application


def give_urgent_help(actor: Actor, application_id: int, note: str) -> AidApplication:
    """Help before the decision (a lawyer files to stop the limitation period), when it is near."""
    note = _text(note, "note", 2000)
    with transaction.atomic():
        application, acting = _load(actor, application_id, MANAGE, _("Only the justice bureau decides on it."))
        if application.state not in (AidState.APPLIED, AidState.AWAITING) or application.urgent_at:
            raise _not_now()
        if not needs_urgent_help(application):
            raise ValidationError({"note": [_("Urgent help is for applications whose limitation period ends within "
                                              "%(n)s days.") % {"n": _cfg("aid_urgent_days")}]})
        application.urgent_at, application.urgent_note = timezone.now(), note
        application.save(update_fields=["urgent_at", "urgent_note"])
        record(acting, "legal.aid.urgent_help", application, region_code=application.village_id)
    return application


def _moment(at: dt.datetime | None, earliest: dt.datetime, field: str, now: dt.datetime) -> dt.datetime:
    """When a step happened: now, or an earlier moment recorded from paper, never before the step it follows."""
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at < earliest:
        raise ValidationError({field: [_("This cannot come before the step it follows (%(d)s).") % {
            "d": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")}]})
    if at > now:
        raise ValidationError({field: [_("This cannot be in the future.")]})
    return at


def decide(actor: Actor, application_id: int, grant: bool, reasons: str = "",
           at: dt.datetime | None = None) -> AidApplication:
    """The written decision: granted (the assignment's clock starts) or refused with reasons."""
    reasons = _text(reasons, "reasons", 4000, required=not grant)
    if not grant and len(reasons) < 10:
        raise ValidationError({"reasons": [_("A refusal is given in writing with its reasons.")]})
    with transaction.atomic():
        application, acting = _load(actor, application_id, MANAGE, _("Only the justice bureau decides on it."))
        if application.state not in (AidState.APPLIED, AidState.AWAITING):
            raise _not_now()
        now = timezone.now()
        when = _moment(at, application.applied_at, "at", now)
        if application.state == AidState.AWAITING:
            if grant:
                raise permissions.Forbidden(_("The listed materials have not arrived; record them first."))
            application.awaiting_since = None
        application.decision_on_time = _stop(application, when) if application.clock_from else True
        application.decided_at, application.decided_by = when, actor.user
        if grant:
            application.state = AidState.GRANTED
            _start(application, limits_for(application)["assignment"], when)
        else:
            application.state, application.refusal_reason = AidState.REFUSED, reasons
        application.save()
        record(acting, "legal.aid.granted" if grant else "legal.aid.refused", application,
               region_code=application.village_id, detail={"on_time": application.decision_on_time})
        if grant:
            _tell_applicant(application, "aid_granted")
        else:
            _tell_applicant(application, "aid_refused", r=reasons)
    return application


def object_to_refusal(actor: Actor, application_id: int, text: str) -> AidApplication:
    """The applicant's objection (or the bureau recording one handed in); decided within its own limit."""
    text = _text(text, "objection", 4000)
    with transaction.atomic():
        found = permissions.get_or_404(AidApplication.objects.all(), actor, TRACK, pk=application_id)
        acting = _applicant_or_bureau(actor, found, _("Only the applicant objects."))
        application = AidApplication.objects.select_for_update().get(pk=found.pk)
        if application.state != AidState.REFUSED or application.objected_at:
            raise _not_now()
        now = timezone.now()
        application.objection, application.objected_at = text, now
        _start(application, clock.Limit.parse(_cfg("aid_objection")), now)
        application.save()
        record(acting, "legal.aid.objected", application, region_code=application.village_id)
    return application


def decide_objection(actor: Actor, application_id: int, upheld: bool, reply: str) -> AidApplication:
    reply = _text(reply, "reply", 4000)
    with transaction.atomic():
        application, acting = _load(actor, application_id, MANAGE, _("Only the justice bureau decides on it."))
        if application.state != AidState.REFUSED or not application.objected_at or application.objection_decided_at:
            raise _not_now()
        now = timezone.now()
        on_time = _stop(application, now)
        application.objection_upheld, application.objection_reply, application.objection_decided_at = (
            upheld, reply, now)
        if upheld:
            application.state = AidState.GRANTED
            _start(application, limits_for(application)["assignment"], now)
        application.save()
        record(acting, "legal.aid.objection_decided", application, region_code=application.village_id,
               detail={"upheld": upheld, "on_time": on_time})
        _tell_applicant(application, "aid_objection", r=reply)
    return application


def lawyers_for(county_code: str):
    """Who can take legal aid cases in the county: lawyers and legal workers advising its villages."""
    users = (Assignment.objects.active().filter(permissions.within("region_id", county_code), role=Role.LEGAL_ADVISER)
             .values_list("user_id", flat=True))
    return User.objects.filter(pk__in=users, is_active=True, adviser_profile__isnull=False).order_by("username")


def assign(actor: Actor, application_id: int, lawyer_username: str) -> AidApplication:
    with transaction.atomic():
        application, acting = _load(actor, application_id, MANAGE, _("Only the justice bureau assigns a lawyer."))
        if application.state != AidState.GRANTED:
            raise _not_now()
        lawyer = lawyers_for(application.county_code).filter(username=(lawyer_username or "").strip()).first()
        if lawyer is None:
            raise ValidationError({"lawyer": [_("Choose a lawyer or legal worker serving this county.")]})
        now = timezone.now()
        application.assigned_on_time = _stop(application, now)
        application.lawyer, application.assigned_at, application.state = lawyer, now, AidState.ASSIGNED
        _start(application, limits_for(application)["agreement"], now)
        application.save()
        record(acting, "legal.aid.assigned", application, region_code=application.village_id,
               detail={"lawyer": lawyer.pk, "on_time": application.assigned_on_time})
        notify.tell([lawyer], "aid_assigned", f"aid:{application.pk}:lawyer:{lawyer.pk}", application.number or "",
                    due=application.due_at, link=f"/legal/aid/{application.pk}/",
                    region_code=application.village_id)
        profile = AdviserProfile.objects.filter(user=lawyer).first()
        _tell_applicant(application, "aid_lawyer", l=lawyer.full_name or lawyer.username,
                        p=profile.work_phone if profile else "")
    return application


def accept(actor: Actor, application_id: int) -> AidApplication:
    """The lawyer has signed the agreement with the applicant and takes the case."""
    with transaction.atomic():
        application, acting = _load(actor, application_id, CHANGE, _("Only the assigned lawyer accepts it."))
        if application.state != AidState.ASSIGNED or application.lawyer_id != actor.user.pk:
            raise _not_now()
        now = timezone.now()
        application.accepted_on_time = _stop(application, now)
        application.accepted_at, application.state = now, AidState.ACCEPTED
        application.save()
        record(acting, "legal.aid.accepted", application, region_code=application.village_id,
               detail={"on_time": application.accepted_on_time})
    return application


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter an amount in yuan, such as 12000 or 12000.50.")]}) from None
    if amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({field: [_("Enter an amount in yuan, such as 12000 or 12000.50.")]})
    return amount


def close(actor: Actor, application_id: int, result: str, outcome: str, recovered=0) -> AidApplication:
    """The case's end: its result and what was recovered for the applicant."""
    result = _choice(result, AidResult, "result")
    outcome = _text(outcome, "outcome", 4000)
    amount = _amount(recovered, "recovered")
    with transaction.atomic():
        application, acting = _load(actor, application_id, CHANGE, _("Only the lawyer or the justice bureau closes "
                                                                     "it."))
        if application.state != AidState.ACCEPTED:
            raise _not_now()
        application.result, application.outcome, application.recovered = result, outcome, amount
        application.state, application.closed_at = AidState.CLOSED, timezone.now()
        application.save()
        record(acting, "legal.aid.closed", application, region_code=application.village_id,
               detail={"result": result, "recovered": str(amount)})
        _tell_applicant(application, "aid_closed", o=outcome[:200])
    return application


def set_priority_limits(actor: Actor, province_code: str, decision: int, assignment: int,
                        agreement: int) -> AidPriorityLimits:
    """The province's limits for rural priority cases; each at least 1 and no longer than the law's."""
    province = _region(province_code, (1,), "province")
    grant = next((a for a in permissions.assignments_of(actor.user) if a.role == Role.PROVINCE_ADMIN
                  and a.region_id == province.code), None)
    if grant is None and not actor.system:
        raise permissions.NotFound
    values = {"decision": decision, "assignment": assignment, "agreement": agreement}
    for step, value in values.items():
        most = statutory(step)
        if not isinstance(value, int) or not 1 <= value <= most:
            raise ValidationError({step: [_("Between 1 and %(n)s working days (the law's limit).") % {"n": most}]})
    with transaction.atomic():
        row, _made = AidPriorityLimits.objects.update_or_create(
            province=province, defaults={**values, "set_by": actor.user, "set_at": timezone.now()})
        record(actor.acting_as(grant) if grant else actor, "legal.aid.priority_limits", row,
               region_code=province.code, detail=values)
    return row
