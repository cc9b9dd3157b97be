"""People's mediation (People's Mediation Law 2010): screening visits, the case with its parties and risk level,
sessions, the written agreement signed by every party and the mediator and sealed by the committee, an oral
agreement or a failed or terminated mediation, follow-up visits on performance, and judicial confirmation.

A case should end within one month of acceptance; both parties may consent to one extension. A red (high) risk
dispute alerts the township's officers and the village's police officer by SMS at once."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunwu import dates
from cunwu.accounts import permissions, personal_data
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.permissions import CHANGE, VIEW
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.households import services as households
from cunwu.notify import services as notify
from cunwu.sms import purposes

from .aid import _amount
from .models import (
    Agreement,
    Committee,
    Court,
    DisputeCategory,
    FollowUp,
    MediationCase,
    MediationState,
    Party,
    PartyKind,
    Performance,
    PoliceOfficer,
    Risk,
    Screening,
    Session,
    Sex,
    Side,
    Source,
)
from .policies import SIGN, TRACK, is_justice
from .services import _choice, _region, _text

RECORDERS = (Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.MEDIATOR, Role.TOWNSHIP_OFFICER)
SIGN_METHODS = ("signature", "fingerprint")

purposes.register("mediation_alert", gettext_lazy("High-risk dispute %(n)s in %(v)s (%(c)s): please act to prevent "
                                                  "escalation."), "n", "v", "c")


def _cfg(name: str):
    return settings.CUNWU["LEGAL_LIMITS"][name]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _on_ground(actor: Actor, village_code: str, roles) -> Actor:
    """The assignment under which the actor works in this village with one of `roles` (or as its county's
    justice bureau); NotFound otherwise."""
    if actor.system:
        return actor
    for a in permissions.assignments_of(actor.user):
        if (a.role in roles and village_code.startswith(a.region_id)) or (
                is_justice(a) and village_code.startswith(a.region_id)):
            return actor.acting_as(a)
    raise permissions.NotFound


def _day(value, field_name: str, earliest: dt.date | None = None, what: str = "") -> dt.date:
    if value is None or value == "":
        return timezone.localdate()
    if isinstance(value, str):
        value = dates.parse(value, field_name)
    dates.check(value, field_name)
    if value > timezone.localdate():
        raise ValidationError({field_name: [_("This cannot be in the future.")]})
    if earliest is not None and value < earliest:
        raise ValidationError({field_name: [_("This cannot come before %(what)s (%(d)s).") % {
            "what": what, "d": earliest.isoformat()}]})
    return value


# --- screening ---------------------------------------------------------------------------------------------


def record_screening(actor: Actor, village_code: str, day=None, visited: int = 0, found: int = 0,
                     note: str = "") -> Screening:
    """A screening visit: how many households were visited and how many disputes found (0 clears them)."""
    village = _region(village_code, (5,))
    acting = _on_ground(actor, village.code, RECORDERS)
    day = _day(day, "day")
    for name, value in (("visited", visited), ("found", found)):
        if not isinstance(value, int) or not 0 <= value <= 100000:
            raise ValidationError({name: [_("Enter a whole number, 0 or more.")]})
    with transaction.atomic():
        screening = Screening.objects.create(village=village, county_code=village.code[:6], day=day,
                                             visited=visited, found=found, note=_text(note, "note", 2000, False),
                                             by=actor.user)
        record(acting, "legal.screening.recorded", screening, region_code=village.code,
               detail={"visited": visited, "found": found})
    return screening


def screenings(actor: Actor, village_code: str = ""):
    queryset = permissions.restrict(Screening.objects.select_related("village"), actor, VIEW)
    return queryset.filter(village_id=village_code) if village_code else queryset


# --- the case ----------------------------------------------------------------------------------------------


@dataclass
class PartyInput:
    side: str
    name: str
    sex: str
    birth_date: dt.date | None = None
    ethnicity: str = ""
    occupation: str = ""
    phone: str = ""
    address: str = ""
    agent: str = ""
    username: str = ""  # a villager with an account, who then sees the file and may sign online
    online: bool = False  # or: the account holding this phone number reads and signs online
    resident: int | None = None  # the village's record of the party: what is left empty is taken from it
    kind: str = PartyKind.PERSON  # or an organisation, named with its legal representative
    representative: str = ""


@dataclass
class MediationInput:
    village: str
    source: str
    category: str
    summary: str
    risk: str = Risk.YELLOW
    parties: list[PartyInput] = field(default_factory=list)
    mediators: list[str] = field(default_factory=list)  # usernames; the one who opens it by default
    screening: int | None = None
    opened_on: dt.date | None = None


def _committee_for(village) -> Committee:
    committee = (Committee.objects.filter(region=village, active=True).first()
                 or Committee.objects.filter(region_id=village.code[:9], active=True).first())
    if committee is None:
        raise ValidationError({"village": [_("Neither the village nor its township has a mediation committee yet.")]})
    return committee


def _mediators(usernames: list[str], village_code: str, committee: Committee) -> list[User]:
    """Members of the committee with an account, or people holding the mediator role over the village."""
    chosen: list[User] = []
    for username in dict.fromkeys(u.strip() for u in usernames if u and u.strip()):
        user = User.objects.filter(username=username, is_active=True).first()
        member = user is not None and committee.members.filter(user=user, left_on__isnull=True).exists()
        role = user is not None and any(a.role == Role.MEDIATOR and village_code.startswith(a.region_id)
                                        for a in permissions.assignments_of(user))
        if user is None or not (member or role):
            raise ValidationError({"mediators": [_("%(u)s is not a mediator here.") % {"u": username}]})
        chosen.append(user)
    if not chosen:
        raise ValidationError({"mediators": [_("Name at least one mediator.")]})
    return chosen


def _party(case: MediationCase, data: PartyInput, actor: Actor) -> Party:
    """One party, checked; a message names the side's field (applicant_phone), which the page shows beside it."""
    side = _choice(data.side, Side, "parties")

    def key(name: str) -> str:
        return f"{side}_{name}"

    if data.resident not in (None, "", 0):  # collect once: the party's details from the village's record
        resident = households.resident_for_form(actor, data.resident, case.village_id)
        if resident is None:
            raise ValidationError({key("name"): [_("This person is not in the village's records that you may see.")]})
        data.name = data.name or resident.name
        data.sex = data.sex or resident.sex
        data.birth_date = data.birth_date or resident.birth_date
        data.phone = data.phone or resident.phone or resident.household.phone
        data.address = data.address or resident.household.address
    user = None
    if data.username:
        user = User.objects.filter(username=data.username.strip(), is_active=True).first()
        if user is None:
            raise ValidationError({key("name"): [_("No active user named %(u)s.") % {"u": data.username}]})
    if data.birth_date and data.birth_date > timezone.localdate():
        raise ValidationError({key("birth"): [_("A birth date cannot be in the future.")]})
    try:
        phone = personal_data.normalize_phone(data.phone) if data.phone else ""
    except ValidationError as exc:
        raise ValidationError({key("phone"): exc.messages}) from None
    if data.online and user is None:
        user = User.objects.filter(phone=phone, is_active=True).first() if phone else None
        if user is None:
            raise ValidationError({key("phone"): [_(
                "%(name)s has no account with that phone number; they can sign in front of the mediator instead.")
                % {"name": data.name.strip()}]})
    address = _text(data.address, key("address"), 200, False)
    kind = _choice(data.kind or PartyKind.PERSON, PartyKind, key("kind"))
    if kind == PartyKind.ORGANISATION:  # no sex, birth or ethnicity; its legal representative instead
        data.sex, data.birth_date, data.ethnicity = "", None, ""
        representative = _text(data.representative, key("representative"), 100, False)
        if not representative:
            raise ValidationError({key("representative"): [_("Name %(name)s's legal representative or person in charge.")
                                               % {"name": (data.name or "").strip()}]})
        sex = ""
    else:
        representative, sex = "", _choice(data.sex, Sex, key("sex"))
    return Party(case=case, side=side, user=user, kind=kind,
                 representative=representative, name=_text(data.name, key("name"), 100), sex=sex,
                 birth_date=data.birth_date, ethnicity=_text(data.ethnicity, "parties", 20, False),
                 occupation=_text(data.occupation, "parties", 60, False),
                 phone_sealed=personal_data.encrypt(phone) if phone else "",
                 address_sealed=personal_data.encrypt(address) if address else "",
                 agent=_text(data.agent, "parties", 100, False))


def open_case(actor: Actor, data: MediationInput) -> MediationCase:
    village = _region(data.village, (5,))
    acting = _on_ground(actor, village.code, (Role.MEDIATOR,))
    source = _choice(data.source, Source, "source")
    category = _choice(data.category, DisputeCategory, "category")
    risk = _choice(data.risk or Risk.YELLOW, Risk, "risk")
    summary = _text(data.summary, "summary", 6000)
    sides = {p.side for p in data.parties}
    if not {Side.APPLICANT, Side.RESPONDENT} <= sides:
        raise ValidationError({"parties": [_("A dispute needs at least one party on each side.")]})
    if len(data.parties) > 20:
        raise ValidationError({"parties": [_("At most 20 parties.")]})
    screening = None
    if data.screening:
        screening = Screening.objects.filter(pk=data.screening, village=village).first()
        if screening is None:
            raise ValidationError({"screening": [_("Choose a screening visit of this village.")]})
    elif source == Source.SCREENING:
        raise ValidationError({"screening": [_("Say which screening visit found the dispute.")]})
    opened_on = _day(data.opened_on, "opened_on", screening.day if screening else None, _("the screening visit"))
    committee = _committee_for(village)
    mediators = _mediators(data.mediators or ([actor.user.username] if actor.user else []), village.code, committee)
    with transaction.atomic():
        case = MediationCase.objects.create(
            village=village, county_code=village.code[:6], committee=committee, screening=screening, source=source,
            category=category, summary=summary, risk=risk, opened_on=opened_on,
            due_on=add_months(opened_on, _cfg("mediation_months")), created_by=actor.user)
        case.number = f"TJ{opened_on:%Y}{village.code[:6]}{case.pk:06d}"
        case.save(update_fields=["number"])
        Party.objects.bulk_create([_party(case, p, actor) for p in data.parties])
        case.mediators.set(mediators)
        others = [m for m in mediators if actor.user is None or m.pk != actor.user.pk]
        notify.tell(others, "mediation_assigned", f"mediation:{case.pk}:mediators", case.number,
                    link=f"/legal/mediation/{case.pk}/",
                    region_code=village.code, role=Role.MEDIATOR)
        record(acting, "legal.mediation.opened", case, region_code=village.code,
               detail={"source": source, "category": category, "risk": risk, "parties": len(data.parties)})
        if risk == Risk.RED:
            _alert(case, acting)
    return case


@dataclass
class MediationApplication:
    """A party's application for mediation (人民调解法 art. 17), from the directory's mediation item: by the
    villager online, or by the village's staff on their behalf."""

    village: str
    category: str
    summary: str
    respondent_name: str
    respondent_sex: str = ""
    respondent_phone: str = ""
    respondent_kind: str = PartyKind.PERSON
    respondent_representative: str = ""
    applicant_sex: str = ""
    applicant_name: str = ""  # staff taking it in
    applicant_phone: str = ""
    resident: int | None = None  # staff: the applicant's record in the village (collect once)
    consent: str = ""  # staff: the villager's consent to apply on their behalf (their details go into the file)


def _committee_mediators(village, committee: Committee) -> list[User]:
    """Who mediates for the village: the committee's members with an account, and mediators over the village."""
    members = [m.user for m in committee.members.filter(left_on__isnull=True, user__is_active=True)
               .select_related("user") if m.user is not None]
    ids = Assignment.objects.active().filter(role=Role.MEDIATOR, region_id__in=[village.code, village.code[:9]]) \
        .values_list("user_id", flat=True)
    return list({u.pk: u for u in [*members, *User.objects.filter(pk__in=ids, is_active=True)]}.values())


def apply(actor: Actor, data: MediationApplication) -> MediationCase:
    """The application opens the mediation file at once (source: applied for by a party) with the one-month
    clock; the committee's mediators are told. The applicant sees the file and signs online."""
    if actor.user is None:
        raise permissions.Forbidden(_("Sign in to apply for mediation."))
    village = _region(data.village, (5,))
    mine = [a for a in permissions.assignments_of(actor.user) if a.region_id == village.code]
    villager = next((a for a in mine if a.role == Role.VILLAGER), None)
    staff = next((a for a in mine if a.role == Role.VILLAGE_STAFF), None)
    if villager is None and staff is None:
        raise permissions.NotFound
    category = _choice(data.category, DisputeCategory, "category")
    summary = _text(data.summary, "summary", 6000)
    if len(summary) < 10:
        raise ValidationError({"summary": [_("Say what the dispute is about and what you ask for.")]})
    committee = _committee_for(village)
    mediators = _committee_mediators(village, committee)
    if not mediators:
        raise ValidationError({"village": [_("The mediation committee has no mediator on the platform yet; apply at "
                                             "the village's service point.")]})
    consent = ""
    if villager is None:
        consent = _text(data.consent, "consent", 200, False)
        if not consent:
            raise ValidationError({"consent": [_("Record the villager's consent to apply for mediation on their "
                                                 "behalf.")]})
    if villager is not None:
        applicant = PartyInput(side=Side.APPLICANT, name=actor.user.full_name, sex=data.applicant_sex,
                               phone=actor.user.phone or "", username=actor.user.username)
    else:
        applicant = PartyInput(side=Side.APPLICANT, name=data.applicant_name, sex=data.applicant_sex,
                               phone=data.applicant_phone, resident=data.resident)
    respondent = PartyInput(side=Side.RESPONDENT, name=data.respondent_name, sex=data.respondent_sex,
                            phone=data.respondent_phone, kind=data.respondent_kind or PartyKind.PERSON,
                            representative=data.respondent_representative)
    today = timezone.localdate()
    with transaction.atomic():
        case = MediationCase.objects.create(
            village=village, county_code=village.code[:6], committee=committee, source=Source.APPLICATION,
            category=category, summary=summary, risk=Risk.YELLOW, opened_on=today,
            due_on=add_months(today, _cfg("mediation_months")), created_by=actor.user)
        case.number = f"TJ{today:%Y}{village.code[:6]}{case.pk:06d}"
        case.save(update_fields=["number"])
        Party.objects.bulk_create([_party(case, applicant, actor), _party(case, respondent, actor)])
        case.mediators.set(mediators)
        notify.tell(mediators, "mediation_applied", f"mediation:{case.pk}:applied", case.number,
                    link=f"/legal/mediation/{case.pk}/", region_code=village.code, role=Role.MEDIATOR)
        record(actor.acting_as(villager or staff), "legal.mediation.applied", case, region_code=village.code,
               detail={"category": category, "by": "villager" if villager else "staff", "consent": consent})
    return case


def _alert(case: MediationCase, acting: Actor) -> None:
    """A red risk dispute: the township's officers and the village's police officer are told at once."""
    township = case.village_id[:9]
    officers = User.objects.filter(pk__in=Assignment.objects.active().filter(
        role=Role.TOWNSHIP_OFFICER, region_id=township).values_list("user_id", flat=True), is_active=True)
    told = notify.tell(officers, "mediation_alert", f"mediation:{case.pk}:alert", f"{case.number} {case.village.name}",
                       link=f"/legal/mediation/{case.pk}/", region_code=case.village_id, role=Role.TOWNSHIP_OFFICER,
                       urgent=True)
    police = list(PoliceOfficer.objects.filter(village_id=case.village_id, active=True))
    params = {"n": case.number, "v": case.village.name, "c": str(DisputeCategory(case.category).label)}
    for officer in police:
        notify.text(officer.work_phone, "mediation_alert", params, f"mediation:{case.pk}:alert:police:{officer.pk}",
                    region_code=case.village_id)
    case.alerted_at = timezone.now()
    case.save(update_fields=["alerted_at"])
    record(acting, "legal.mediation.alerted", case, region_code=case.village_id,
           detail={"sent": told + sum(1 for p in police if p.work_phone), "police": len(police)})


def _load(actor: Actor, case_id: int, action: str = CHANGE, states=(MediationState.OPEN,)) -> tuple[
        MediationCase, Actor]:
    found = permissions.get_or_404(MediationCase.objects.all(), actor, TRACK, pk=case_id)
    acting = permissions.require(actor, action, found, _("Only the case's mediators or the justice bureau do this."))
    case = MediationCase.objects.select_for_update().select_related("village", "committee").get(pk=found.pk)
    if states and case.state not in states:
        raise permissions.Forbidden(_("This step does not apply to the case in its present state."))
    return case, acting


def get_case(actor: Actor, case_id: int) -> MediationCase:
    """One file, for those who may read it; every read is audited."""
    found = permissions.get_or_404(MediationCase.objects.select_related("village", "committee"), actor, VIEW,
                                   pk=case_id)
    record(actor, "legal.mediation.read", found, region_code=found.village_id)
    return found


def cases(actor: Actor, state: str = ""):
    queryset = permissions.restrict(MediationCase.objects.select_related("village"), actor, VIEW)
    if state in MediationState.values:
        queryset = queryset.filter(state=state)
    return queryset.order_by("due_on", "-pk")


def tracked(actor: Actor, village_code: str = ""):
    """That cases exist and their state and risk, without content."""
    queryset = permissions.restrict(MediationCase.objects.all(), actor, TRACK)
    if village_code:
        queryset = queryset.filter(village_id=village_code)
    return queryset.order_by("-opened_on", "-pk").values("pk", "number", "village_id", "state", "risk",
                                                         "opened_on", "due_on")


def set_risk(actor: Actor, case_id: int, risk: str) -> MediationCase:
    risk = _choice(risk, Risk, "risk")
    with transaction.atomic():
        case, acting = _load(actor, case_id)
        before, case.risk = case.risk, risk
        case.save(update_fields=["risk"])
        record(acting, "legal.mediation.risk", case, region_code=case.village_id, detail={"from": before, "to": risk})
        if risk == Risk.RED and case.alerted_at is None:
            _alert(case, acting)
    return case


def add_session(actor: Actor, case_id: int, held_on, place: str, text: str) -> Session:
    with transaction.atomic():
        case, acting = _load(actor, case_id)
        session = Session.objects.create(case=case, held_on=_day(held_on, "held_on", case.opened_on,
                                                                 _("the case was accepted")),
                                         place=_text(place, "place", 120, False), record=_text(text, "record", 20000),
                                         by=actor.user)
        record(acting, "legal.mediation.session", case, region_code=case.village_id)
    return session


def extend(actor: Actor, case_id: int, consenting: list[int], until, reason: str) -> MediationCase:
    """One extension, with every party's consent, by at most another month."""
    reason = _text(reason, "reason", 2000)
    with transaction.atomic():
        case, acting = _load(actor, case_id)
        if case.extended:
            raise permissions.Forbidden(_("The case has already been extended once."))
        parties = set(case.parties.values_list("pk", flat=True))
        if not parties or set(consenting or []) != parties:
            raise ValidationError({"consenting": [_("Every party must consent to an extension.")]})
        if isinstance(until, str):
            until = dates.parse(until, "until")
        if until is None or not case.due_on < until <= add_months(case.due_on, 1):
            raise ValidationError({"until": [_("Extend to a date after %(d)s and within one more month.") % {
                "d": case.due_on.isoformat()}]})
        case.parties.update(consented_extension=True)
        case.due_on, case.extended, case.extension_reason = until, True, reason
        case.save(update_fields=["due_on", "extended", "extension_reason"])
        record(acting, "legal.mediation.extended", case, region_code=case.village_id, detail={"until": str(until)})
    return case


# --- the agreement -----------------------------------------------------------------------------------------


@dataclass
class Term:
    text: str
    how: str
    by: dt.date


def _terms(terms: list, opened_on: dt.date) -> list[dict]:
    cleaned = []
    for item in terms or []:
        data = item if isinstance(item, dict) else vars(item)
        text, how = (data.get("text") or "").strip(), (data.get("how") or "").strip()
        by = data.get("by")
        if isinstance(by, str):
            try:
                by = dt.date.fromisoformat(by)
            except ValueError:
                by = None
        if isinstance(by, dt.date) and dates.problem(by):
            raise ValidationError({"terms": [dates.problem(by)]})
        if not text or not how or not isinstance(by, dt.date):
            raise ValidationError({"terms": [_("Each term says what is to be done, how, and by which date.")]})
        if by < opened_on:
            raise ValidationError({"terms": [_("A term cannot fall due before the case was accepted.")]})
        cleaned.append({"text": text[:1000], "how": how[:300], "by": by.isoformat()})
    if not cleaned:
        raise ValidationError({"terms": [_("An agreement needs at least one term.")]})
    return cleaned[:30]


def draft_agreement(actor: Actor, case_id: int, facts: str, matters: str, responsibilities: str,
                    terms: list) -> Agreement:
    """Write or rewrite the agreement; once anyone has signed it, it can no longer change."""
    with transaction.atomic():
        case, acting = _load(actor, case_id)
        values = {"facts": _text(facts, "facts", 8000), "matters": _text(matters, "matters", 4000),
                  "responsibilities": _text(responsibilities, "responsibilities", 4000),
                  "terms": _terms(terms, case.opened_on)}
        existing = Agreement.objects.filter(case=case).first()
        if existing is not None and (existing.mediator_signed_at or case.parties.filter(signed_at__isnull=False)
                                     .exists()):
            raise permissions.Forbidden(_("The agreement has been signed and can no longer change."))
        agreement, _made = Agreement.objects.update_or_create(case=case, defaults={**values,
                                                                                  "drafted_at": timezone.now()})
        record(acting, "legal.mediation.agreement_drafted", case, region_code=case.village_id)
    return agreement


def _agreement_of(case: MediationCase) -> Agreement:
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise permissions.Forbidden(_("Draft the agreement first."))
    return agreement


def sign(actor: Actor, case_id: int, party_id: int | None = None, how: str = "signature") -> MediationCase:
    """A signature on the agreement: a party signing online themselves, a mediator recording a party's signature
    or fingerprint made on paper in front of them, or (party_id None) the mediator's own."""
    if how not in SIGN_METHODS:
        raise ValidationError({"how": [_("Choose signature or fingerprint.")]})
    with transaction.atomic():
        found = permissions.get_or_404(MediationCase.objects.all(), actor, TRACK, pk=case_id)
        own_party = None
        if party_id is not None and actor.user is not None:
            own_party = Party.objects.filter(case=found, pk=party_id, user=actor.user).first()
        if own_party is not None:
            acting = permissions.require(actor, SIGN, found)
        else:
            acting = permissions.require(actor, CHANGE, found, _("Only the parties and the case's mediators sign."))
        case = MediationCase.objects.select_for_update().get(pk=found.pk)
        if case.state != MediationState.OPEN:
            raise permissions.Forbidden(_("This step does not apply to the case in its present state."))
        agreement = _agreement_of(case)
        now = timezone.now()
        if party_id is None:
            if not case.mediators.filter(pk=actor.user.pk).exists():
                raise permissions.Forbidden(_("Only one of the case's mediators signs as mediator."))
            agreement.mediator_signed_at, agreement.mediator_signed_by = now, actor.user
            agreement.save(update_fields=["mediator_signed_at", "mediator_signed_by"])
            who = "mediator"
        else:
            party = case.parties.filter(pk=party_id).first()
            if party is None:
                raise ValidationError({"party": [_("Choose a party of this case.")]})
            if party.signed_at is None:
                party.signed_at, party.signed_how = now, how
                party.save(update_fields=["signed_at", "signed_how"])
            who = f"party:{party.pk}"
        record(acting, "legal.mediation.signed", case, region_code=case.village_id, detail={"who": who, "how": how})
    return case


def missing_signatures(case: MediationCase) -> list[str]:
    agreement = Agreement.objects.filter(case=case).first()
    missing = [p.name for p in case.parties.all() if p.signed_at is None]
    if agreement is None or agreement.mediator_signed_at is None:
        missing.append(_("the mediator"))
    return missing


def seal(actor: Actor, case_id: int) -> MediationCase:
    """The committee's seal: the agreement takes effect, which needs every party's and the mediator's signature."""
    with transaction.atomic():
        case, acting = _load(actor, case_id)
        agreement = _agreement_of(case)
        missing = missing_signatures(case)
        if missing:
            raise ValidationError({"signatures": [_("The agreement cannot take effect without the signatures of: "
                                                    "%(who)s.") % {"who": "、".join(missing)}]})
        now = timezone.now()
        agreement.sealed_at = agreement.effective_at = now
        agreement.save(update_fields=["sealed_at", "effective_at"])
        case.state, case.ended_on = MediationState.SUCCEEDED, timezone.localdate(now)
        case.save(update_fields=["state", "ended_on"])
        record(acting, "legal.mediation.succeeded", case, region_code=case.village_id, detail={"written": True})
    return case


def end(actor: Actor, case_id: int, state: str, note: str, amount=0, day=None) -> MediationCase:
    """The end of a case without a written agreement: an oral agreement (succeeded), a failure, a termination."""
    if state not in (MediationState.SUCCEEDED, MediationState.FAILED, MediationState.TERMINATED):
        raise ValidationError({"state": [_("Choose one of the listed options.")]})
    note = _text(note, "note", 4000)
    value = _amount(amount, "amount")
    with transaction.atomic():
        case, acting = _load(actor, case_id)
        if state == MediationState.SUCCEEDED and Agreement.objects.filter(case=case).exists():
            raise permissions.Forbidden(_("A written agreement takes effect with its signatures and seal."))
        case.state, case.result_note, case.amount = state, note, value
        case.oral = state == MediationState.SUCCEEDED
        case.ended_on = _day(day, "day", case.opened_on, _("the case was accepted"))
        case.save(update_fields=["state", "result_note", "amount", "oral", "ended_on"])
        record(acting, f"legal.mediation.{state}", case, region_code=case.village_id, detail={"written": False})
    return case


def follow_up(actor: Actor, case_id: int, performance: str, note: str = "", day=None) -> FollowUp:
    with transaction.atomic():
        case, acting = _load(actor, case_id, states=(MediationState.SUCCEEDED,))
        visit = FollowUp.objects.create(case=case, day=_day(day, "day", case.ended_on, _("the agreement")),
                                        performance=_choice(performance, Performance, "performance"),
                                        note=_text(note, "note", 2000, False), by=actor.user)
        record(acting, "legal.mediation.follow_up", case, region_code=case.village_id,
               detail={"performance": performance})
    return visit


def apply_for_confirmation(actor: Actor, case_id: int, court_name: str, applied_on=None) -> MediationCase:
    """Both parties apply to the basic court within 30 days of the agreement taking effect."""
    court_name = _text(court_name, "court_name", 120)
    with transaction.atomic():
        case, acting = _load(actor, case_id, states=(MediationState.SUCCEEDED,))
        agreement = Agreement.objects.filter(case=case, effective_at__isnull=False).first()
        if agreement is None:
            raise permissions.Forbidden(_("Only a written agreement in effect can be confirmed by a court."))
        if case.court:
            raise permissions.Forbidden(_("Judicial confirmation has already been applied for."))
        effective = timezone.localdate(agreement.effective_at)
        applied_on = _day(applied_on, "applied_on", effective, _("the agreement took effect"))
        if (applied_on - effective).days > _cfg("confirmation_days"):
            raise ValidationError({"applied_on": [_("Judicial confirmation is applied for within %(n)s days of the "
                                                    "agreement taking effect.") % {"n": _cfg("confirmation_days")}]})
        case.court, case.court_name, case.court_applied_on = Court.APPLIED, court_name, applied_on
        case.save(update_fields=["court", "court_name", "court_applied_on"])
        record(acting, "legal.mediation.confirmation_applied", case, region_code=case.village_id)
    return case


def record_court_decision(actor: Actor, case_id: int, confirmed: bool, decided_on=None) -> MediationCase:
    with transaction.atomic():
        case, acting = _load(actor, case_id, states=(MediationState.SUCCEEDED,))
        if case.court != Court.APPLIED:
            raise permissions.Forbidden(_("Record the application to the court first."))
        case.court_decided_on = _day(decided_on, "decided_on", case.court_applied_on, _("the application"))
        case.court = Court.CONFIRMED if confirmed else Court.REJECTED
        case.save(update_fields=["court", "court_decided_on"])
        record(acting, "legal.mediation.court_decided", case, region_code=case.village_id,
               detail={"confirmed": confirmed})
    return case


def agreement_pdf(actor: Actor, case_id: int) -> tuple[MediationCase, bytes]:
    """The agreement as a PDF, for those who may read the file (audited)."""
    from .agreement_pdf import render

    case = permissions.get_or_404(MediationCase.objects.select_related("village", "committee"), actor, VIEW,
                                  pk=case_id)
    agreement = _agreement_of(case)
    record(actor, "legal.mediation.agreement_read", case, region_code=case.village_id)
    return case, render(case, agreement)
