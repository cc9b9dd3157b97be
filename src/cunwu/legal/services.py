"""Every write on public legal services, and the reads that need more than a filter. Views, API endpoints and
commands call only these."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunwu.accounts import permissions, personal_data
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.permissions import MANAGE, VIEW
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.cases import clock
from cunwu.households import services as households
from cunwu.notify import services as notify
from cunwu.regions import codes
from cunwu.regions.models import Region
from cunwu.sms import purposes
from cunwu.text import clean_text as _text

from . import search
from .models import (
    Article,
    Channel,
    Committee,
    CommitteeMember,
    Consultation,
    ConsultationState,
    LegalUnderstandingPerson,
    Position,
    ServicePoint,
    Sex,
    Topic,
    Training,
)
from .policies import ANSWER, is_justice

LUP_TARGET = 3  # legal-understanding people per administrative village (DOMAIN.md)
COMMITTEE_SIZE = (3, 9)

purposes.register("legal_answered", gettext_lazy("Your legal question has been answered. Read the answer on the "
                                                 "village portal."))


def chain_villages(actor: Actor) -> list[str]:
    """The villages where the caller serves in the village's legal chain (its staff, mediators, legal adviser):
    where they may start a file for a villager."""
    return [a.region_id for a in permissions.assignments_of(actor.user)
            if a.role in (Role.VILLAGE_STAFF, Role.MEDIATOR, Role.LEGAL_ADVISER) and len(a.region_id) == 12]


def _region(code: str, levels: tuple[int, ...], field: str = "village") -> Region:
    found = Region.objects.filter(code=(code or "").strip(), active=True, level__in=levels).first()
    if found is None:
        raise ValidationError({field: [_("Choose a place within your jurisdiction.")]})
    return found


def _manager(actor: Actor, region_code: str) -> Actor:
    """The assignment under which the actor manages the legal network of a place: the county justice bureau for
    its county, the village staff for their village (NotFound for anyone else)."""
    if actor.system:
        return actor
    for a in permissions.assignments_of(actor.user):
        if (is_justice(a) and region_code.startswith(a.region_id)) or (
                a.role == Role.VILLAGE_STAFF and a.region_id == region_code):
            return actor.acting_as(a)
    raise permissions.NotFound


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [_("Choose one of the listed options.")]})
    return value


# --- the network ------------------------------------------------------------------------------------------


def add_point(actor: Actor, region_code: str, kind: str, name: str, address: str = "", phone: str = "",
              hours: str = "") -> ServicePoint:
    from .models import POINT_LEVEL, PointKind

    kind = _choice(kind, PointKind, "kind")
    levels = (POINT_LEVEL[PointKind(kind)],) if kind in POINT_LEVEL else (3, 4, 5)
    region = _region(region_code, levels, "region")
    acting = _manager(actor, region.code)
    with transaction.atomic():
        point = ServicePoint.objects.create(kind=kind, region=region, name=_text(name, "name", 120),
                                            address=_text(address, "address", 200, False),
                                            phone=_text(phone, "phone", 40, False), hours=_text(hours, "hours", 120, False))
        record(acting, "legal.point.added", point, region_code=region.code)
    return point


def set_committee(actor: Actor, region_code: str, name: str = "", established_on: dt.date | None = None) -> Committee:
    """The people's mediation committee of a village or township (made once; renamed later)."""
    region = _region(region_code, (4, 5), "region")
    acting = _manager(actor, region.code)
    with transaction.atomic():
        committee, made = Committee.objects.get_or_create(region=region, active=True, defaults={
            "name": _text(name, "name", 120, False) or f"{region.name}人民调解委员会", "established_on": established_on})
        if not made and name:
            committee.name = _text(name, "name", 120)
            committee.save(update_fields=["name"])
        record(acting, "legal.committee.saved", committee, region_code=region.code)
    return committee


def add_member(actor: Actor, committee_id: int, name: str, sex: str, position: str = Position.MEMBER,
               username: str = "") -> CommitteeMember:
    committee = permissions.get_or_404(Committee.objects.select_related("region"), actor, VIEW, pk=committee_id,
                                       active=True)
    acting = permissions.require(actor, MANAGE, committee, _("Only the county justice bureau or the village's staff change this."))
    user = None
    if username:
        user = User.objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise ValidationError({"username": [_("No active user named %(u)s.") % {"u": username}]})
    with transaction.atomic():
        Committee.objects.select_for_update().filter(pk=committee.pk).first()  # members are added one at a time
        current = committee.members.filter(left_on__isnull=True).count()
        if current >= COMMITTEE_SIZE[1]:
            raise ValidationError({"name": [_("A mediation committee has at most %(n)s members.") % {
                "n": COMMITTEE_SIZE[1]}]})
        member = CommitteeMember.objects.create(committee=committee, user=user, name=_text(name, "name", 60),
                                                sex=_choice(sex, Sex, "sex"),
                                                position=_choice(position or Position.MEMBER, Position, "position"))
        record(acting, "legal.committee.member_added", member, region_code=committee.region_id)
    return member


def remove_member(actor: Actor, member_id: int) -> CommitteeMember:
    member = CommitteeMember.objects.select_related("committee").filter(pk=member_id, left_on__isnull=True).first()
    if member is None or not permissions.can(actor, VIEW, member.committee):
        raise permissions.NotFound
    acting = permissions.require(actor, MANAGE, member.committee, _("Only the county justice bureau or the village's staff change this."))
    with transaction.atomic():
        member.left_on = timezone.localdate()
        member.save(update_fields=["left_on"])
        record(acting, "legal.committee.member_left", member, region_code=member.committee.region_id)
    return member


def committee_problems(committee: Committee | None) -> list[str]:
    """What keeps a committee from the standard: 3 to 9 members, women among them, a chair."""
    if committee is None:
        return [_("no mediation committee")]
    members = [m for m in committee.members.all() if m.left_on is None]
    return _problems(len(members), sum(m.sex == Sex.FEMALE for m in members),
                     sum(m.position == Position.CHAIR for m in members))


def _problems(members: int, women: int, chairs: int) -> list[str]:
    problems = []
    if not COMMITTEE_SIZE[0] <= members <= COMMITTEE_SIZE[1]:
        problems.append(_("%(n)s members (3 to 9 are needed)") % {"n": members})
    if not women:
        problems.append(_("no woman among the members"))
    if not chairs:
        problems.append(_("no chair"))
    return problems


def _standard(members: int, women: int, chairs: int) -> bool:
    return COMMITTEE_SIZE[0] <= members <= COMMITTEE_SIZE[1] and women > 0 and chairs > 0


def _committee_facts(region_code: str) -> dict[str, tuple[int, int, int]]:
    """Per place: its active committee's serving members, women among them, chairs (one grouped query)."""
    serving = Q(members__left_on__isnull=True)
    return {r["region_id"]: (r["n"], r["women"], r["chairs"]) for r in Committee.objects.filter(
        permissions.within("region_id", region_code), active=True).values("region_id").annotate(
        n=Count("members", filter=serving), women=Count("members", filter=serving & Q(members__sex=Sex.FEMALE)),
        chairs=Count("members", filter=serving & Q(members__position=Position.CHAIR)))}


def add_understanding_person(actor: Actor, village_code: str, name: str, sex: str, occupation: str = "",
                             phone: str = "") -> LegalUnderstandingPerson:
    village = _region(village_code, (5,))
    acting = _manager(actor, village.code)
    phone = personal_data.normalize_phone(phone) if phone else ""
    with transaction.atomic():
        person = LegalUnderstandingPerson.objects.create(
            village=village, name=_text(name, "name", 60), sex=_choice(sex, Sex, "sex"),
            occupation=_text(occupation, "occupation", 60, False),
            phone_sealed=personal_data.encrypt(phone) if phone else "")
        record(acting, "legal.understanding_person.added", person, region_code=village.code)
    return person


def record_training(actor: Actor, person_id: int, day: dt.date, topic: str, hours, organiser: str = "") -> Training:
    person = permissions.get_or_404(LegalUnderstandingPerson.objects.all(), actor, VIEW, pk=person_id)
    acting = permissions.require(actor, MANAGE, person, _("Only the county justice bureau or the village's staff change this."))
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        raise ValidationError({"hours": [_("Give the hours as a number.")]}) from None
    if not Decimal("0.5") <= hours <= Decimal("200"):
        raise ValidationError({"hours": [_("Between half an hour and 200 hours.")]})
    if day > timezone.localdate():
        raise ValidationError({"day": [_("A training cannot be recorded before it happens.")]})
    with transaction.atomic():
        training = Training.objects.create(person=person, day=day, topic=_text(topic, "topic", 120), hours=hours,
                                           organiser=_text(organiser, "organiser", 120, False))
        record(acting, "legal.training.recorded", training, region_code=person.village_id)
    return training


def advisers_of(village_code: str) -> list[Assignment]:
    return list(Assignment.objects.active().filter(region_id=village_code, role=Role.LEGAL_ADVISER)
                .select_related("user", "user__adviser_profile").order_by("granted_at", "pk"))


def village_network(actor: Actor, village_code: str) -> dict:
    """What a village's legal page shows (public): its advisers, the service points of the village, township and
    county, its mediation committee with the members serving, and the names of its legal-understanding people."""
    village = Region.objects.filter(code=(village_code or "").strip(), level=5, active=True).first()
    if village is None:
        raise permissions.NotFound
    code = village.code
    committee = permissions.restrict(Committee.objects.filter(region=village, active=True), actor).first()
    return {
        "village": village, "advisers": advisers_of(code),
        "points": permissions.restrict(ServicePoint.objects.filter(region_id__in=[code, code[:9], code[:6]]), actor),
        "committee": committee,
        "members": list(committee.members.filter(left_on__isnull=True)) if committee else [],
        "people": list(permissions.restrict(LegalUnderstandingPerson.objects.filter(village=village), actor)
                       .values_list("name", flat=True)),
    }


@dataclass
class CoverageRow:
    code: str
    name: str
    villages: int = 0
    with_adviser: int = 0
    with_committee: int = 0  # a committee meeting the standard
    with_enough_people: int = 0  # at least LUP_TARGET legal-understanding people
    people: int = 0
    lacking: list[tuple[str, str, list[str]]] | None = None  # (code, name, what is missing), listed for a township

    def share(self, part: int) -> float:
        return round(part / self.villages, 4) if self.villages else 0.0


def coverage(actor: Actor, region_code: str) -> tuple[Region, list[CoverageRow], CoverageRow]:
    """Which villages lack an adviser, a standard committee, or enough legal-understanding people: one row per
    place below the region, and the villages themselves listed when the region is a township or a village."""
    region = Region.objects.filter(code=(region_code or "").strip(), level__lte=5).first()
    if region is None or not (actor.system or any(
            region.code.startswith(a.region_id) for a in permissions.assignments_of(actor.user)
            if a.role not in (Role.VILLAGER, Role.LEGAL_ADVISER, Role.MEDIATOR, Role.GRID_WORKER))):
        raise permissions.NotFound
    villages = list(Region.objects.active().filter(level=5, is_rural=True).filter(
        permissions.within("code", region.code)).values_list("code", "name"))
    inside = permissions.within("region_id", region.code)  # ranges, not lists of thousands of codes
    advised = set(Assignment.objects.active().filter(inside, role=Role.LEGAL_ADVISER)
                  .values_list("region_id", flat=True))
    committees = _committee_facts(region.code)
    people = dict(LegalUnderstandingPerson.objects.filter(permissions.within("village_id", region.code), active=True)
                  .values("village_id").annotate(n=Count("pk")).values_list("village_id", "n"))
    level = codes.level_of(region.code)
    width = 12 if level >= 4 else codes.LENGTH_BY_LEVEL[level + 1]
    children = {r.code: r for r in Region.objects.active().filter(parent_id=region.code)} if level < 4 else {}
    rows: dict[str, CoverageRow] = {}
    total = CoverageRow(region.code, region.name, lacking=[] if level >= 4 else None)
    for code, name in villages:
        part = code[:width]
        if level >= 4:
            row = rows.setdefault(code, CoverageRow(code, name))
        else:
            if part not in children:
                continue
            row = rows.setdefault(part, CoverageRow(part, children[part].name))
        facts = committees.get(code)
        standard = facts is not None and _standard(*facts)
        n = people.get(code, 0)
        for target in (row, total):
            target.villages += 1
            target.with_adviser += code in advised
            target.with_committee += standard
            target.with_enough_people += n >= LUP_TARGET
            target.people += n
        if total.lacking is not None and not (code in advised and standard and n >= LUP_TARGET):
            missing = [] if code in advised else [_("no legal adviser")]
            missing += _problems(*facts) if facts else [_("no mediation committee")]
            if n < LUP_TARGET:
                missing.append(_("%(n)s legal-understanding people (3 are expected)") % {"n": n})
            total.lacking.append((code, name, missing))
    return region, sorted(rows.values(), key=lambda r: r.code), total


# --- consultation -----------------------------------------------------------------------------------------


@dataclass
class ConsultationInput:
    village: str
    question: str
    topic: str = Topic.OTHER
    channel: str = ""  # default: online for a villager, staff for village staff, hotline for the justice bureau
    asker_name: str = ""
    asker_phone: str = ""
    resident: int | None = None  # the village's record of the person asking (staff intake): its details are taken


def _limit() -> clock.Limit:
    return clock.Limit.parse(settings.CUNWU["LEGAL_LIMITS"]["consultation"])


def ask(actor: Actor, data: ConsultationInput) -> Consultation:
    """A legal question, from the villager, from village staff on their behalf, or recorded by the county
    justice bureau from a 12348 call or a visit. It goes to the village's legal adviser (or, with none, to the
    bureau) with a time limit to answer."""
    if actor.user is None:
        raise permissions.Forbidden(_("Sign in to ask a question."))
    village = _region(data.village, (5,))
    mine = permissions.assignments_of(actor.user)
    villager = next((a for a in mine if a.role == Role.VILLAGER and a.region_id == village.code), None)
    staff = next((a for a in mine if a.role == Role.VILLAGE_STAFF and a.region_id == village.code), None)
    bureau = next((a for a in mine if is_justice(a) and village.code.startswith(a.region_id)), None)
    acting_as = villager or staff or bureau
    if acting_as is None:
        raise permissions.NotFound
    question = _text(data.question, "question", 4000)
    if len(question) < 6:
        raise ValidationError({"question": [_("Say a little more about what happened, so the adviser can help.")]})
    channel = data.channel or (Channel.ONLINE if villager else Channel.STAFF if staff else Channel.HOTLINE)
    allowed = {Channel.ONLINE, Channel.TERMINAL} if acting_as is villager else {Channel.STAFF} if acting_as is staff \
        else {Channel.HOTLINE, Channel.VISIT}
    if channel not in allowed:
        raise ValidationError({"channel": [_("Choose how the question came in.")]})
    resident = None
    if acting_as is staff and data.resident not in (None, "", 0):  # collect once: from the village's record
        resident = households.resident_for_form(actor, data.resident, village.code)
        if resident is None:
            raise ValidationError({"resident": [_("This person is not in the village's records that you may see.")]})
        data.asker_name = data.asker_name or resident.name
        data.asker_phone = data.asker_phone or resident.phone or resident.household.phone
    if acting_as is villager:
        name, phone = actor.user.full_name, actor.user.phone or ""
    else:
        name = _text(data.asker_name, "asker_name", 100)
        phone = personal_data.normalize_phone(data.asker_phone) if data.asker_phone else ""
    advisers = advisers_of(village.code)
    adviser = advisers[0].user if advisers else None
    now = timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            village=village, county_code=village.code[:6], channel=channel, topic=_choice(data.topic or Topic.OTHER,
                                                                                          Topic, "topic"),
            asker=actor.user if acting_as is villager else None, asker_name=name, resident=resident,
            asker_phone_sealed=personal_data.encrypt(phone) if phone else "", submitted_by=actor.user,
            question=question, adviser=adviser, created_at=now, due_at=clock.deadline(now, _limit(), village.code))
        record(actor.acting_as(acting_as), "legal.consultation.asked", consultation, region_code=village.code,
               detail={"channel": channel, "adviser": adviser.pk if adviser else None})
        if adviser is not None:
            notify.tell([adviser], "legal_question", f"consultation:{consultation.pk}:asked", village.name,
                        due=consultation.due_at, link=f"/legal/consultations/{consultation.pk}/",
                        region_code=village.code, role=Role.LEGAL_ADVISER)
    return consultation


def get_consultation(actor: Actor, consultation_id: int) -> Consultation:
    """One consultation; a read by anyone but the asker is audited (it is personal)."""
    found = permissions.get_or_404(Consultation.objects.select_related("village", "adviser", "answered_by"), actor,
                                   VIEW, pk=consultation_id)
    if actor.user is None or found.asker_id != actor.user.pk:
        record(actor, "legal.consultation.read", found, region_code=found.village_id)
    return found


def answer(actor: Actor, consultation_id: int, text: str) -> Consultation:
    text = _text(text, "answer", 8000)
    found = permissions.get_or_404(Consultation.objects.all(), actor, VIEW, pk=consultation_id)
    acting = permissions.require(actor, ANSWER, found, _("Only the village's legal adviser or the justice bureau "
                                                         "answers it."))
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().select_related("village").get(pk=found.pk)
        if consultation.state != ConsultationState.OPEN:
            raise permissions.Forbidden(_("This question has already been answered."))
        consultation.answer, consultation.state = text, ConsultationState.ANSWERED
        consultation.answered_at, consultation.answered_by = timezone.now(), actor.user
        consultation.save(update_fields=["answer", "state", "answered_at", "answered_by"])
        record(acting, "legal.consultation.answered", consultation, region_code=consultation.village_id,
               detail={"late": consultation.overdue})
        phone = personal_data.decrypt(consultation.asker_phone_sealed) if consultation.asker_phone_sealed else ""
        notify.text(phone, "legal_answered", {}, f"consultation:{consultation.pk}:answered",
                    region_code=consultation.village_id)
    return consultation


ID_NUMBER = re.compile(r"\d{17}[\dXx]")
PHONE = re.compile(r"1\d{10}")


def _anonymised(consultation: Consultation | None, texts: list[str]) -> None:
    joined = "\n".join(texts)
    leaks = bool(ID_NUMBER.search(joined) or PHONE.search(joined))
    if consultation is not None and len(consultation.asker_name) >= 2 and consultation.asker_name in joined:
        leaks = True
    if leaks:
        raise ValidationError({"question": [_("Take out names, phone numbers and ID numbers before publishing.")]})


def publish(actor: Actor, consultation_id: int, title: str, question: str, text: str) -> Article:
    """An answered question published to the knowledge base, in words that do not identify the asker."""
    found = permissions.get_or_404(Consultation.objects.all(), actor, VIEW, pk=consultation_id)
    acting = permissions.require(actor, ANSWER, found, _("Only the village's legal adviser or the justice bureau "
                                                         "publishes it."))
    if found.state != ConsultationState.ANSWERED:
        raise permissions.Forbidden(_("Answer the question before publishing it."))
    title, question = _text(title, "title", 200), _text(question, "question", 4000)
    text = _text(text, "answer", 8000)
    _anonymised(found, [title, question, text])
    with transaction.atomic():
        # the row lock makes a second click (or a second adviser) wait and then find the article already made
        if Consultation.objects.select_for_update().filter(pk=found.pk).values_list("article_id", flat=True).get():
            raise permissions.Forbidden(_("This answer is already published in the knowledge base."))
        article = Article.objects.create(title=title, question=question, answer=text, topic=found.topic,
                                         region_code=found.county_code, published_by=actor.user,
                                         terms=search.terms_of(f"{title} {question} {text}"))
        Consultation.objects.filter(pk=found.pk).update(article=article)
        record(acting, "legal.article.published", article, region_code=found.county_code,
               detail={"consultation": found.pk})
    return article


def write_article(actor: Actor, county_code: str, title: str, question: str, text: str,
                  topic: str = Topic.OTHER) -> Article:
    """A piece the justice bureau writes for its county's knowledge base."""
    bureau = next((a for a in permissions.assignments_of(actor.user) if is_justice(a)
                   and a.region_id == (county_code or "").strip()), None)
    if bureau is None and not actor.system:
        raise permissions.NotFound
    title, question = _text(title, "title", 200), _text(question, "question", 4000)
    text = _text(text, "answer", 8000)
    _anonymised(None, [title, question, text])
    with transaction.atomic():
        article = Article.objects.create(title=title, question=question, answer=text,
                                         topic=_choice(topic, Topic, "topic"), region_code=county_code,
                                         published_by=actor.user, terms=search.terms_of(f"{title} {question} {text}"))
        record(actor.acting_as(bureau) if bureau else actor, "legal.article.published", article,
               region_code=county_code)
    return article


def withdraw_article(actor: Actor, article_id: int) -> Article:
    article = permissions.get_or_404(Article.objects.all(), actor, MANAGE, pk=article_id)
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(withdrawn=True)
        record(actor, "legal.article.withdrawn", article, region_code=article.region_code)
    article.withdrawn = True
    return article


def similar(question: str, village_code: str = "", limit: int = 5) -> list[tuple[Article, float]]:
    """Published answers closest to a question (public)."""
    hits = search.search(question, limit=limit, region_code=village_code)
    found = {a.pk: a for a in permissions.restrict(Article.objects.filter(pk__in=[h[0] for h in hits]), None)}
    return [(found[pk], score) for pk, score in hits if pk in found]


def adviser_queue(actor: Actor, state: str = ConsultationState.OPEN):
    """The questions the actor's roles show them (not those they asked): to answer, for the adviser and the
    justice bureau; to oversee, for supervisors and auditors."""
    queryset = permissions.restrict(Consultation.objects.select_related("village", "adviser"), actor, VIEW,
                                    own=False)
    if state in ConsultationState.values:
        queryset = queryset.filter(state=state)
    return queryset.order_by("due_at" if state == ConsultationState.OPEN else "-created_at")


def my_consultations(actor: Actor):
    if actor.user is None:
        return Consultation.objects.none()
    return Consultation.objects.filter(Q(asker=actor.user) | Q(submitted_by=actor.user)).select_related("village")


# --- a file's timeline -----------------------------------------------------------------------------------------

STEP_LABELS = {
    "legal.aid.applied": gettext_lazy("The application was received"),
    "legal.aid.materials_asked": gettext_lazy("Missing materials were listed, all at once"),
    "legal.aid.materials_supplied": gettext_lazy("The missing materials arrived"),
    "legal.aid.urgent_help": gettext_lazy("Urgent help was given before the decision"),
    "legal.aid.granted": gettext_lazy("Legal aid was granted"),
    "legal.aid.refused": gettext_lazy("Legal aid was refused in writing, with reasons"),
    "legal.aid.objected": gettext_lazy("The applicant objected"),
    "legal.aid.objection_decided": gettext_lazy("The objection was decided"),
    "legal.aid.assigned": gettext_lazy("A lawyer was assigned"),
    "legal.aid.accepted": gettext_lazy("The lawyer signed the agreement with the applicant"),
    "legal.aid.closed": gettext_lazy("The case was closed"),
    "legal.mediation.opened": gettext_lazy("The dispute was accepted for mediation"),
    "legal.mediation.scans_added": gettext_lazy("Scans or photos were added"),
    "legal.aid.scans_added": gettext_lazy("Scans or photos were added"),
    "legal.mediation.alerted": gettext_lazy("High risk: the township and the police were alerted"),
    "legal.mediation.risk": gettext_lazy("The risk level changed"),
    "legal.mediation.session": gettext_lazy("A mediation session was held"),
    "legal.mediation.extended": gettext_lazy("Extended with every party's consent"),
    "legal.mediation.agreement_drafted": gettext_lazy("The agreement was drafted"),
    "legal.mediation.signed": gettext_lazy("The agreement was signed"),
    "legal.mediation.succeeded": gettext_lazy("Mediated successfully"),
    "legal.mediation.failed": gettext_lazy("Mediation failed"),
    "legal.mediation.terminated": gettext_lazy("Mediation was terminated"),
    "legal.mediation.follow_up": gettext_lazy("A follow-up visit on performance"),
    "legal.mediation.confirmation_applied": gettext_lazy("Judicial confirmation was applied for"),
    "legal.mediation.court_decided": gettext_lazy("The court decided on confirmation"),
}


def timeline(obj) -> list[dict]:
    """The steps of a legal-aid or mediation file, read from the audit chain (reads and denials left out)."""
    from cunwu.audit.models import AuditEntry

    entries = list(AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action__in=list(STEP_LABELS), result="ok",
    ).order_by("seq").values("at", "action", "actor_id", "actor_label", "role", "detail"))
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in={e["actor_id"] for e in entries})}
    roles = dict(Role.choices)
    return [{**e, "label": STEP_LABELS[e["action"]], "who": " · ".join(str(part) for part in (
        roles.get(e["role"], ""), names.get(e["actor_id"] or 0, "")) if part)} for e in entries]
