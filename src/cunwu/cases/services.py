"""Every write about a case: permission, state rule, clock, timeline event, notification and audit in one
transaction. Views, API endpoints, commands and the worker only call these.

Concurrency: each action locks the case row (PostgreSQL) and saves it with a conditional update on its
`version`, so of two officials acting at once one wins and the other gets `Conflict` (or, when it no longer
applies, the state rule's own message); nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import dates, plainsql
from cunwu.accounts import permissions, personal_data
from cunwu.accounts.departments import DepartmentKind
from cunwu.accounts.models import Assignment, Department, User
from cunwu.accounts.permissions import VIEW
from cunwu.accounts.roles import Role
from cunwu.accounts.services import department_for
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.directory import services as directory
from cunwu.directory.choices import MatterKind
from cunwu.households import services as households
from cunwu.notify import hours
from cunwu.regions.models import Region
from cunwu.text import clean_text, text_problem, words
from cunwu.uploads import Upload, check_uploads, save_upload

from . import alerts, clock, rates
from .choices import (
    BAD_GRADES,
    OPEN_STATES,
    URGENT_CATEGORIES,
    Action,
    CaseKind,
    Category,
    Channel,
    DemandType,
    DispatchState,
    Grade,
    RatingGiven,
    Stage,
    State,
    Unit,
    Urgency,
)
from .clock import Limit
from .models import Attachment, Case, CaseCounter, CaseEvent, Dispatch, Rating
from .policies import COORDINATE, HANDLE, INTAKE_ROLES, OWN, REPORT_IN, SUPERVISE


class Conflict(Exception):
    """Someone else changed the case first."""

    def __init__(self, message: str = ""):
        super().__init__(message or _("Someone else acted on this case a moment ago. Reload it and try again."))
        self.message = str(self.args[0])


def _cfg(name: str):
    return settings.CUNWU[name]


def _limit(name: str, urgency: str | None = None) -> Limit:
    if urgency is None:
        return Limit.parse(_cfg(name))
    return Limit.parse(_cfg("CASE_LIMITS")[urgency][name])


def _invalid(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


# --- reading ------------------------------------------------------------------------------------------------


def visible_cases(actor: Actor):
    return permissions.restrict(Case.objects.select_related("village", "owner"), actor, VIEW)


def get_case(actor: Actor, number: str) -> Case:
    return permissions.get_or_404(Case.objects.select_related("village", "owner", "applicant"), actor, VIEW,
                                  read=lambda: _read_case(number), number=number)


def rows_of(case: Case, name: str) -> list:
    """The case's events, dispatches (with their departments), ratings or attachments, in their order, in plain
    SQL (see cunwu.plainsql): an answer to every action lists them. For a case the caller may see."""
    if name != "dispatches":
        model = {"events": CaseEvent, "ratings": Rating, "attachments": Attachment}[name]
        return plainsql.rows_of(model, "case_id", case.pk)
    d, dep = plainsql.table(Dispatch), plainsql.table(Department)
    rows = plainsql.select(f"SELECT {plainsql.columns(Dispatch)}, {plainsql.columns(Department)} FROM {d} "  # noqa: S608
                           f"INNER JOIN {dep} ON {d}.department_id = {dep}.id WHERE {d}.case_id = %s "
                           f"ORDER BY {d}.called_at, {d}.id", [case.pk], Dispatch, Department)
    for dispatch, department in rows:
        plainsql.cache_related(dispatch, "department", department)
    return [dispatch for dispatch, _department in rows]


def _read_case(number: str, lock: bool = False) -> list[Case]:
    """The case of that number with its village, owner and applicant, as `select_related` gives them, in plain
    SQL (see cunwu.plainsql): every case page and every action reads it. `lock`: its row locked until the
    transaction ends (PostgreSQL; SQLite's one writer already excludes the others)."""
    c, r, u = plainsql.table(Case), plainsql.table(Region), plainsql.table(User)
    locking = f" FOR UPDATE OF {c}" if lock and connection.features.has_select_for_update_of else ""
    rows = plainsql.select(
        f"SELECT {plainsql.columns(Case)}, {plainsql.columns(Region)}, {plainsql.columns(User, 'owner_user')}, "  # noqa: S608
        f"{plainsql.columns(User, 'applicant_user')} FROM {c} INNER JOIN {r} ON {c}.village_id = {r}.code "
        f"LEFT OUTER JOIN {u} owner_user ON {c}.owner_id = owner_user.id "
        f"LEFT OUTER JOIN {u} applicant_user ON {c}.applicant_id = applicant_user.id "
        f"WHERE {c}.number = %s LIMIT 2{locking}", [number], Case, Region, User, User)
    for case, village, owner, applicant in rows:
        plainsql.cache_related(case, "village", village)
        plainsql.cache_related(case, "owner", owner)
        plainsql.cache_related(case, "applicant", applicant)
    return [row[0] for row in rows]


def may(actor: Actor, action: str, case: Case, as_written: bool = False) -> bool:
    """Whether the actor may do `action` to the case; `as_written`: to the case as this request just wrote it
    (decided on its values in memory where the rule allows, without reading it back)."""
    if as_written:
        return permissions.grants(actor, [action], case)[action] is not None
    return permissions.can(actor, action, case)


# --- intake -------------------------------------------------------------------------------------------------


@dataclass
class CaseInput:
    village: str = ""
    kind: str = CaseKind.DEMAND
    item: str = ""
    title: str = ""
    description: str = ""
    demand_type: str = DemandType.PROBLEM
    category: str = Category.OTHER
    urgency: str = ""
    answers: dict = field(default_factory=dict)
    materials: list[str] = field(default_factory=list)
    # the applicant knows a required material is not ready yet: the village tells once what to bring
    materials_later: bool = False
    channel: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    consent: str = ""
    idempotency_key: str = ""
    files: list[Upload] = field(default_factory=list)
    latitude: str | float | None = None  # where the matter is (WGS 84), both or neither
    longitude: str | float | None = None
    place: str = ""  # where, in words
    resident: int | None = None  # the village's record the applicant's details are taken from
    visit: int | None = None  # the key-group visit on which the need was found
    # Why the village cannot act on it by law (a certificate it must not issue): the request goes straight to the
    # township, whose clock starts at once. Set by the service that knows the rule, never by a form.
    to_township: str = ""


def _villager_assignment(user, village_code: str):
    for a in permissions.assignments_of(user):
        if a.role == Role.VILLAGER and a.region_id == village_code:
            return a
    return None


def home_village(actor: Actor) -> str:
    """The village the caller works or lives in (their first assignment at a village), or ""."""
    return next((a.region_id for a in permissions.assignments_of(actor.user) if len(a.region_id) == 12), "")


def villages_for_intake(actor: Actor, q: str, limit: int = 30) -> list[Region]:
    """The villages whose name holds `q` where the actor may take a request in (their intake assignments' areas),
    to choose the one a request is for."""
    areas = [a.region_id for a in permissions.assignments_of(actor.user) if a.role in INTAKE_ROLES]
    if not q or not areas:
        return []
    within = Q()
    for code in areas:
        within |= Q(code__startswith=code)
    return list(Region.objects.filter(within, level=5, active=True, name__contains=q).select_related("parent")
                .order_by("code")[:limit])


def _intake_assignment(user, village_code: str):
    for a in permissions.assignments_of(user):
        if a.role in (*INTAKE_ROLES, Role.PARTNER_SYSTEM) and village_code.startswith(a.region_id):
            return a
    return None


def _store(case: Case, checked: list[tuple[Upload, str]], user) -> list[Attachment]:
    return [save_upload(Attachment(case=case, material=(upload.material or "")[:200]), case.number, upload, mime,
                        user) for upload, mime in checked]


def _number_problem(question: dict, value) -> str:
    """Why a number answer cannot be right: below zero, a count that is not a whole number from 1, a year
    outside sense, or outside the bounds the item's question states ("min", "max")."""
    key, label = question["key"], question["label"]
    low, high = question.get("min", 0), question.get("max", 10**9)
    if key.endswith("_year"):
        low, high = max(low, 1900), min(high, timezone.localdate().year + 1)
    if key.endswith(("_size", "_count")) or key in ("payers",):
        low, high = max(low, 1), min(high, 99)
        if not float(value).is_integer():
            return _("“%(q)s” needs a whole number.") % {"q": label}
    if not low <= value <= high:
        return _("“%(q)s” must be between %(low)s and %(high)s.") % {"q": label, "low": low, "high": high}
    return ""


def _clean_answers(entry, answers: dict) -> dict:
    cleaned, problems = {}, {}
    for question in entry.questions:
        key, label = question["key"], question["label"]
        value = answers.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if question.get("required") and question["type"] != "file":
                problems[f"q_{key}"] = [_("Please answer “%(q)s”.") % {"q": label}]
            continue
        kind = question["type"]
        if kind == "number":
            try:
                value = float(str(value).replace(",", ""))
            except ValueError:
                problems[f"q_{key}"] = [_("“%(q)s” needs a number.") % {"q": label}]
                continue
            if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
                problems[f"q_{key}"] = [_("“%(q)s” needs a number.") % {"q": label}]
                continue
            if _number_problem(question, value):
                problems[f"q_{key}"] = [_number_problem(question, value)]
                continue
            value = int(value) if value.is_integer() else value
        elif kind == "date":
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                problems[f"q_{key}"] = [_("“%(q)s” needs a date like 2026-11-23.") % {"q": label}]
                continue
            if dates.problem(day):
                problems[f"q_{key}"] = [f"“{label}”：{dates.problem(day)}"]
                continue
            if key in ("birth_date",) and day > timezone.localdate():
                problems[f"q_{key}"] = [_("“%(q)s” cannot be after today.") % {"q": label}]
                continue
            value = day.isoformat()
        elif kind == "choice" and value not in question.get("choices", []):
            problems[f"q_{key}"] = [_("“%(q)s”: choose one of %(c)s.") % {"q": label, "c": "、".join(question["choices"])}]
            continue
        elif kind == "multi_choice":
            values = value if isinstance(value, list) else [value]
            if any(v not in question.get("choices", []) for v in values):
                problems[f"q_{key}"] = [_("“%(q)s”: choose among %(c)s.") % {"q": label, "c": "、".join(question["choices"])}]
                continue
            value = values
        else:
            value = str(value)
            if key == "phone" or key.endswith("_phone"):
                try:
                    value = personal_data.normalize_phone(value)
                except ValidationError as exc:
                    problems[f"q_{key}"] = [f"“{label}”：{exc.messages[0]}"]
                    continue
            elif text_problem(value, 1000):
                problems[f"q_{key}"] = [f"“{label}”：{text_problem(value, 1000)}"]
                continue
        cleaned[key] = value
    if problems:  # each beside its question: the form's field is q_<key>
        raise ValidationError(problems)
    return cleaned


def _next_number(village: Region, day: dt.date) -> str:
    """The village's next number of the day: one UPDATE … RETURNING (SQLite 3.35+, PostgreSQL), or the day's
    first row made."""
    table = CaseCounter._meta.db_table
    params = [village.code, connection.ops.adapt_datefield_value(day)]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE village_id = %s AND day = %s RETURNING last",  # noqa: S608
                       params)
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(village=village, day=day, last=1)
            row = (1,)
        except IntegrityError:  # another transaction made the day's row first
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE village_id = %s AND day = %s "  # noqa: S608
                               "RETURNING last", params)
                row = cursor.fetchone()
    return f"{village.code}-{day:%Y%m%d}-{row[0]:04d}"


def _idempotency_scope(actor: Actor, key: str) -> str:
    key = (key or "").strip()
    if not key:
        return ""
    if len(key) > 64:
        raise _invalid("idempotency_key", _("The idempotency key is at most 64 characters."))
    return f"{actor.user.pk if actor.user else 'anon'}:{key}"


def request_digest(data: CaseInput) -> str:
    """What a submission asked, as a digest: a retry must ask the same to get the first answer."""
    import json

    fields = {name: getattr(data, name) for name in (
        "village", "kind", "item", "title", "description", "demand_type", "category", "urgency", "answers",
        "materials", "channel", "applicant_name", "applicant_phone", "consent", "latitude", "longitude", "place")}
    fields["files"] = [(u.name, u.material, hashlib.sha256(u.content).hexdigest()) for u in data.files]
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _replay(existing: Case, data: CaseInput) -> tuple[Case, bool]:
    if existing.idempotency_digest and existing.idempotency_digest != request_digest(data):
        raise _invalid("idempotency_key", _("This idempotency key was already used for a different request. Use a "
                                            "new key for a new request."))
    return existing, False


RESUBMIT_MINUTES = 10


def _sent_again(actor: Actor, data: CaseInput) -> Case | None:
    """The same request sent again from a page by the same person within minutes (back to the form and 提交
    once more: the page, fetched again, came with a new key): the first case, not a second one. A program using
    the API says what it means with its own keys."""
    village = (data.village or "").strip()
    if not village or actor.channel != "web" or not data.idempotency_key:
        return None
    return Case.objects.filter(
        village_id=village, created_at__gte=timezone.now() - dt.timedelta(minutes=RESUBMIT_MINUTES),
        submitted_by=actor.user, idempotency_digest=request_digest(data)).order_by("pk").first()


def submit(actor: Actor, data: CaseInput) -> tuple[Case, bool]:
    """Take a request in. Returns (case, created); a retried submission with the same idempotency key and the
    same content returns the case the first one made; the same key with other content is refused."""
    scoped_key = _idempotency_scope(actor, data.idempotency_key)
    if scoped_key and (existing := _keyed(scoped_key)) is not None:
        return _replay(existing, data)
    if actor.user is None:
        raise permissions.Forbidden(_("Sign in to submit a request."))
    again = _sent_again(actor, data)
    if again is not None:
        return again, False
    # Everything that only reads and checks happens before the write transaction, which holds the database's
    # one writer (SQLite) or the village's counter row (PostgreSQL): its time bounds how many requests a second
    # the whole deployment takes in.
    prepared = _prepare(actor, data, scoped_key)
    try:
        with transaction.atomic():
            return _write(prepared), True
    except IntegrityError:
        if scoped_key and (existing := _keyed(scoped_key)) is not None:
            return _replay(existing, data)
        raise


def _keyed(scoped_key: str) -> Case | None:
    """The case a key made, if any: the key's index row and no more, then the case by its primary key."""
    with connection.cursor() as cursor:  # plain SQL (see cunwu.plainsql): every keyed request asks it first
        cursor.execute(f"SELECT id FROM {plainsql.table(Case)} WHERE idempotency_key = %s", [scoped_key])  # noqa: S608
        found = cursor.fetchone()
    return Case.objects.get(pk=found[0]) if found is not None else None


@dataclass
class _Prepared:
    """A request checked and worked out, ready to be written."""

    case: Case
    actor: Actor
    acting: Actor
    uploads: list
    correction: tuple | None  # (resident, phone): a phone corrected at intake, to write into the record
    told: list  # who is told of it (read before the write transaction, which holds SQLite's one writer)


def _prepare(actor: Actor, data: CaseInput, scoped_key: str) -> _Prepared:
    """Check the request and work out the case: who takes it in, what it is, its applicant, its words and its
    clock. Reads only; every problem is reported at once."""
    errors: dict[str, list[str]] = {}

    def err(name, message):
        errors.setdefault(name, []).append(message)

    village = _village((data.village or "").strip())
    if village is None:
        raise _invalid("village", _("Choose the village the request is for."))
    user = actor.user
    own = _villager_assignment(user, village.code)
    intake = None if own else _intake_assignment(user, village.code)
    if own is None and intake is None:
        if any(a.role == Role.VILLAGER for a in permissions.assignments_of(user)):
            raise _invalid("village", _("You can apply only at your own village."))
        raise permissions.NotFound
    acting = actor.acting_as(own or intake)

    case = Case(village=village, township_code=village.code[:9], county_code=village.code[:6],
                submitted_by=user, idempotency_key=scoped_key or None, idempotency_digest=request_digest(data))
    if own is None:
        _from_record(actor, case, village.code, data, err)
    case.kind = data.kind if data.kind in CaseKind.values else ""
    if not case.kind:
        err("kind", _("Say whether this is an application for a service or a demand."))
    channels = {
        "self": [Channel.ONLINE, Channel.TERMINAL, Channel.API],
        "staff": [Channel.COUNTER, Channel.HOTLINE, Channel.TERMINAL, Channel.API],
    }["self" if own else "staff"]
    if intake is not None and intake.role == Role.PARTNER_SYSTEM:  # a connected system takes calls, not visits
        channels = [Channel.HOTLINE, Channel.API]
    default_channel = Channel.API if actor.channel == "api" else (Channel.ONLINE if own else Channel.COUNTER)
    case.channel = data.channel or default_channel
    if case.channel not in channels:
        err("channel", _("This channel is not open to you."))

    entry = None
    if case.kind == CaseKind.APPLICATION:
        entry = directory.entry_for(village.code, (data.item or "").strip())
        if entry is None:
            err("item", _("%(village)s does not offer this service. Choose one from its service directory.")
                % {"village": village.name})
        elif below := directory.handling_items(village.code, entry.code):  # a heading, not applied for itself
            err("item", _("“%(name)s” is applied for through one of its items: %(items)s") % {
                "name": entry.name, "items": "、".join(e.name for e in below)})
        elif entry.opens:  # the law gives it its own file, with its own clock and figures
            err("item", _("“%(name)s” is applied for on its own form: %(path)s") % {
                "name": entry.name, "path": directory.apply_path(entry, village.code)})
        else:
            case.entry, case.item_code, case.department_kind = entry, entry.code, entry.department
            case.matter_kind = entry.matter_kind
            case.title = entry.name
            try:
                case.answers = _clean_answers(entry, data.answers or {})
            except ValidationError as exc:
                errors.update(exc.message_dict)
            names = {m["name"] for m in entry.materials}
            case.materials_supplied = [m for m in dict.fromkeys(data.materials or []) if m in names]
            missing = [m["name"] for m in entry.materials if m.get("required")
                       and m["name"] not in case.materials_supplied]
            if own and missing and not data.materials_later:  # never left out without a word
                err("materials", _("Not ticked as ready: %(m)s. Tick each one you have; if you do not have them "
                                   "all yet, say so below and the village tells you once, completely, what to "
                                   "bring.") % {"m": "、".join(missing)})

        case.urgency = Urgency.NORMAL
        case.category = Category.OTHER
    elif case.kind == CaseKind.DEMAND:
        case.title = (data.title or "").strip()
        if not case.title:
            err("title", _("Say in a few words what the problem is."))
        elif text_problem(case.title, 200):
            err("title", text_problem(case.title, 200))
        case.demand_type = data.demand_type or DemandType.PROBLEM
        if case.demand_type not in DemandType.values:
            err("demand_type", _("Choose a problem, a complaint or a suggestion."))
        case.category = data.category or Category.OTHER
        if case.category not in Category.values:
            err("category", _("Choose a category from the list."))
        default_urgency = Urgency.URGENT if case.category in URGENT_CATEGORIES else Urgency.NORMAL
        case.urgency = data.urgency or default_urgency
        if case.urgency not in Urgency.values:
            err("urgency", _("Choose how urgent it is."))
    _locate(case, data, err)
    case.description = (data.description or "").strip()
    if text_problem(case.description, 5000):
        err("description", text_problem(case.description, 5000))
    if case.kind == CaseKind.DEMAND and not case.description and case.title:
        case.description = case.title

    if own:
        case.applicant = user
        case.applicant_name = user.full_name
        phone = user.phone or ""
        case.resident = households.own_record(village.code, phone)  # their request joins their record
    else:
        case.applicant_name = (data.applicant_name or "").strip()
        if text_problem(case.applicant_name, 100):
            err("applicant_name", text_problem(case.applicant_name, 100))
        phone = ""
        if (data.applicant_phone or "").strip():
            try:
                phone = personal_data.normalize_phone(data.applicant_phone)
            except ValidationError as exc:
                err("applicant_phone", exc.messages[0])
        elif not case.applicant_name:  # a villager without a phone is taken in by name; nobody by neither
            err("applicant_phone", _("Give the applicant's mobile number, or their name if they have no phone."))
        if case.channel == Channel.COUNTER:
            case.proxy_staff = user
            case.consent = (data.consent or "").strip()
            if not case.consent:
                err("consent", _("Record the villager's consent to handle this on their behalf."))
            elif text_problem(case.consent, 200):
                err("consent", text_problem(case.consent, 200))
        if phone:
            linked = _villager_by_phone(village.code, phone)
            case.applicant = linked
            if linked and not case.applicant_name:
                case.applicant_name = linked.full_name
    case.applicant_phone_sealed = personal_data.encrypt(phone)
    case.applicant_phone_index = personal_data.blind_index(phone) if phone else ""
    correction = (case.resident, phone) if case.resident is not None and phone and phone != case.resident.phone \
        else None

    checked = []
    try:
        checked = check_uploads(data.files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    case.created_at = now
    case.words = " ".join(sorted(words(f"{case.title} {case.description}")))[:2000]
    respond = _limit("APPLICATION_RESPOND") if case.kind == CaseKind.APPLICATION else _limit("respond", case.urgency)
    resolve = (Limit(entry.promised_limit_days, "workdays") if entry is not None
               else _limit("resolve", case.urgency))
    case.respond_by = clock.deadline(now, respond, village.code)
    case.limit_amount, case.limit_unit = resolve.amount, resolve.unit
    _start_clock(case, clock.counting_start(now, resolve.unit), clock.budget(resolve.amount, resolve.unit))
    if data.to_township:
        case.stage, case.escalated_at = Stage.TOWNSHIP, now
        case.escalation_reason = clean_text(data.to_township, "to_township", 4000)
        case.stage_due_at = clock.deadline(now, _limit("dispatch", case.urgency), village.code)
    _schedule(case)
    told = alerts.township_officers(case) if case.stage == Stage.TOWNSHIP else alerts.village_staff(case)
    return _Prepared(case, actor, acting, checked, correction, told)


def _village(code: str) -> Region | None:
    """The active village of that code. Plain SQL (see cunwu.plainsql): every intake asks it."""
    r = plainsql.table(Region)
    found = plainsql.select(f"SELECT {plainsql.columns(Region)} FROM {r} "  # noqa: S608
                            f"WHERE {r}.code = %s AND {r}.level = 5 AND {r}.active", [code], Region)
    return found[0] if found else None


def _villager_by_phone(village_code: str, phone: str) -> User | None:
    """The account of the village's villager with this phone, if there is one (phones are unique). Plain SQL."""
    u, a = plainsql.table(User), plainsql.table(Assignment)
    found = plainsql.select(
        f"SELECT {plainsql.columns(User)} FROM {u} WHERE {u}.phone = %s AND EXISTS (SELECT 1 FROM {a} "  # noqa: S608
        f"WHERE {a}.user_id = {u}.id AND {a}.role = %s AND {a}.region_id = %s AND {a}.active)",
        [phone, Role.VILLAGER.value, village_code], User)
    return found[0] if found else None


def _write(prepared: _Prepared) -> Case:
    """The case written, numbered, counted, its first event and audit record, and who is told: the short part
    inside the write transaction."""
    case, acting = prepared.case, prepared.acting
    if prepared.correction is not None:  # read again inside the transaction: another may have corrected it
        resident, phone = prepared.correction
        resident.refresh_from_db()
        if resident.phone != phone:
            _correct_record(prepared.actor, resident, phone)
    case.number = _next_number(case.village, timezone.localdate(case.created_at))
    plainsql.insert([case])  # as case.save() on a new row, without compiling the insert of 70 columns each time
    rates.count_case(case, new=True)
    stored = _store(case, prepared.uploads, case.submitted_by)
    if case.stage == Stage.TOWNSHIP:  # straight to the township: its officers are told, not the village's staff
        alerts.to_township(case, prepared.told)
    else:
        alerts.new_case(case, prepared.told)
    alerts.applicant(case, "case_received")
    # Recorded last: from its first record to the commit, the transaction holds the audit chain's head, which
    # every write of the platform takes in turn (PostgreSQL).
    via = _("on behalf of the applicant") if case.proxy_staff_id else ""
    events = [_event(case, acting, Action.SUBMITTED, " ".join(p for p in [case.get_channel_display(), via] if p),
                     detail={"kind": case.kind, "channel": case.channel})]
    if case.stage == Stage.TOWNSHIP:
        events.append(_event(case, acting, Action.ESCALATED, case.escalation_reason, detail={"at_intake": True}))
    case.written = {"events": events, "attachments": stored}  # so that an answer need not read them back
    return case


CHINA = ((Decimal("3"), Decimal("54")), (Decimal("73"), Decimal("136")))  # latitude, longitude, with the seas


def _locate(case: Case, data: CaseInput, err) -> None:
    """An optional point (both coordinates, within China) and an optional description of the place."""
    given = [v for v in (data.latitude, data.longitude) if v not in (None, "")]
    if given:
        try:
            point = [Decimal(str(v).strip()).quantize(Decimal("0.000001")) for v in (data.latitude, data.longitude)]
        except (InvalidOperation, TypeError, ValueError):
            point = []
        if len(point) != 2 or not all(p.is_finite() and lo <= p <= hi for p, (lo, hi) in zip(point, CHINA, strict=True)):
            err("latitude", _("Give both latitude and longitude as decimal degrees within China, such as 43.16 "
                              "and 124.35, or neither."))
        else:
            case.latitude, case.longitude = point
    case.place = (data.place or "").strip()
    if text_problem(case.place, 200):
        err("place", text_problem(case.place, 200))


def _from_record(actor: Actor, case: Case, village_code: str, data: CaseInput, err) -> None:
    """Collect once: details taken from the village's record (and the visit that found the need) fill what the
    intake left empty; the case is linked to the record."""
    if data.visit not in (None, "", 0):
        visit = households.visit_for_form(actor, data.visit, village_code)
        if visit is None:
            err("visit", _("This visit is not one of the village's that you may see."))
            return
        case.visit = visit
        if visit.resident_id and data.resident in (None, "", 0):
            data.resident = visit.resident_id
        if not data.description and not data.title:
            data.title = visit.needs[:200]
    if data.resident not in (None, "", 0):
        resident = households.resident_for_form(actor, data.resident, village_code)
        if resident is None:
            err("resident", _("This person is not in the village's records that you may see."))
            return
        case.resident = resident
        data.applicant_name = data.applicant_name or resident.name
        data.applicant_phone = data.applicant_phone or resident.phone or resident.household.phone


def _correct_record(actor: Actor, resident, phone: str) -> None:
    """A phone number corrected at intake is a correction of the record (with its history), not a copy. Someone
    who may read the record but not change it leaves it as it was; the case keeps the number given."""
    if permissions.can(actor, permissions.CHANGE, resident):
        households.correct_phone(actor, resident, phone, source="case intake")


# --- the clock ----------------------------------------------------------------------------------------------


def _start_clock(case: Case, start: dt.datetime, remaining: int) -> None:
    limit = Limit(case.limit_amount, case.limit_unit)
    case.clock_from, case.clock_remaining = start, max(0, remaining)
    case.due_at = clock.advance(start, case.clock_remaining, limit.unit, case.village_id)
    case.warn_at = clock.warning_point(start, case.clock_remaining, limit, case.village_id, _cfg("WARN_SHARE"))
    case.provisional = not clock.year_is_confirmed(timezone.localtime(case.due_at).year)


def _pause_clock(case: Case, now: dt.datetime) -> None:
    if case.clock_from is None:  # already stopped
        return
    used = clock.working_seconds(case.clock_from, now, case.limit_unit, case.village_id)
    case.clock_remaining = max(0, case.clock_remaining - used)
    case.clock_from, case.due_at, case.warn_at = None, None, None


def _resume_clock(case: Case, now: dt.datetime) -> None:
    _start_clock(case, now, case.clock_remaining)


def _schedule(case: Case) -> None:
    """The next moment the worker must look at this case (None: nothing pending)."""
    moments = []
    if case.state in (State.CLOSED, State.REFUSED, State.WITHDRAWN):
        case.next_check_at = None
        return
    if case.responded_on_time is None and case.respond_by:
        moments.append(case.respond_by)
    if case.state in OPEN_STATES and case.due_at:
        if not case.warned and case.warn_at:
            moments.append(case.warn_at)
        elif not case.overdue:
            moments.append(case.due_at)
        elif case.stage == Stage.VILLAGE and case.state in (State.NEW, State.HANDLING) and escalates(case):
            moments.append(case.due_at)  # overdue and still at the village: escalate
    if case.state in OPEN_STATES and case.stage_due_at and not case.stage_overdue:
        moments.append(case.stage_due_at)
    if case.state == State.RESOLVED and case.result_at:
        moments.append(clock.deadline(case.result_at, _limit("UNRATED_CLOSE"), case.village_id))
    case.next_check_at = min(moments) if moments else None


# --- timeline, saving ---------------------------------------------------------------------------------------


def role_label(actor: Actor) -> str:
    a = actor.assignment
    if a is None or a is True:
        return _("applicant") if actor.user is not None else _("system")
    if a.role == Role.DEPARTMENT_OFFICER and a.department_id:
        return str(a.department)
    if a.role == Role.VILLAGER:
        return _("applicant")
    return f"{a.region.name}{a.get_role_display()}"


def _event(case: Case, actor: Actor, action: str, note: str = "", detail: dict | None = None) -> CaseEvent:
    """One step on the case's timeline, and the same step in the audit chain (every action and every step of
    the worker, each with who, in which role, from where)."""
    event = CaseEvent(
        case=case, actor=actor.user, actor_label=actor.user.display_name if actor.user else _("system"),
        role_label=role_label(actor), action=action, note=note[:4000], state_after=case.state,
    )
    plainsql.insert([event])  # every action writes one (see cunwu.plainsql)
    record(actor, f"case.{action}", case, region_code=case.village_id,
           detail={"number": case.number, "event": event.pk, "state": case.state, "stage": case.stage,
                   **(detail or {})})
    return event


def _load(actor: Actor, number: str, action: str, expected_version: int | None = None,
          message: str = "") -> tuple[Case, Actor]:
    # The case's row locked first (its village's row is only read), then the rules decided on it as locked, with
    # no second read: a case out of the actor's sight answers NotFound as one that does not exist.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a case action runs inside transaction.atomic (its row is locked until it ends)")
    found = _read_case(number, lock=True)
    locked = found[0] if found else None
    if locked is None:
        raise permissions.NotFound
    acting = permissions.require(actor, action, locked, message or _("This is not yours to do on this case."),
                                 locked=True)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict
    return locked, acting


def _save(case: Case) -> None:
    _schedule(case)
    rates.count_case(case)
    # Every column, as `Case.objects.filter(pk=…, version=…).update(…)` would write them, in plain SQL (see
    # cunwu.plainsql): every action saves the case.
    read = case.version
    case.version = read + 1
    try:
        if not plainsql.update(case, _SAVED, where={"version": read}):
            raise Conflict
    except BaseException:
        case.version = read
        raise


_SAVED = [f.attname for f in Case._meta.concrete_fields if f.attname != "id"]


def _not_now(case: Case) -> permissions.Forbidden:
    return permissions.Forbidden(_("This cannot be done while the case is “%(state)s” at the %(stage)s.")
                                 % {"state": case.get_state_display(), "stage": case.get_stage_display()})


def _take_charge(case: Case, acting: Actor, now: dt.datetime) -> None:
    """First-question responsibility: the first official who acts owns the case."""
    if case.owner_id is None:
        case.owner, case.owner_since = acting.user, now
        _event(case, acting, Action.TAKEN)
    if case.responded_at is None:
        case.responded_at = now
        if case.responded_on_time is None:
            case.responded_on_time = case.respond_by is None or now <= case.respond_by
    if case.state == State.NEW:
        case.state = State.HANDLING


def _needs(text: str, field_name: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise _invalid(field_name, message)
    return clean_text(text, field_name, 4000)


# --- village handling ---------------------------------------------------------------------------------------


@transaction.atomic
def take(actor: Actor, number: str, expected_version: int | None = None) -> Case:
    """The first official who takes charge owns the case: the village's staff, or the township's officers for a
    case at the township that nobody owns yet (one that came straight to it)."""
    case, acting = _handler(actor, number, expected_version)
    if case.owner_id is not None:
        raise permissions.Forbidden(_("%(name)s is already in charge of this case.") % {"name": case.owner})
    if case.state not in OPEN_STATES:
        raise _not_now(case)
    _take_charge(case, acting, timezone.now())
    _save(case)
    return case


def _handler(actor: Actor, number: str, expected_version: int | None) -> tuple[Case, Actor]:
    """The case and the acting official for a handling step at the case's current stage."""
    case = get_case(actor, number)
    action = HANDLE if case.stage == Stage.VILLAGE else COORDINATE
    if case.stage == Stage.DEPARTMENT:
        raise _not_now(case)
    return _load(actor, number, action, expected_version)


@transaction.atomic
def transfer(actor: Actor, number: str, village_code: str, reason: str,
             expected_version: int | None = None) -> Case:
    """Pass a request taken in at the wrong village to the village of the same township it belongs to, with its
    number, clock and history: its staff are told as for a new request, the applicant by text."""
    case = get_case(actor, number)
    action = next((a for a in (HANDLE, COORDINATE) if may(actor, a, case)), None)
    if action is None:
        raise permissions.Forbidden(_("This is not yours to do on this case."))
    case, acting = _load(actor, number, action, expected_version)
    if case.state not in OPEN_STATES or case.state == State.RECTIFYING:
        raise permissions.Forbidden(_("A request with a result, or closed, is not passed on: it stays where it was "
                                      "handled."))
    if case.stage != Stage.VILLAGE:
        raise permissions.Forbidden(_("The township holds this request and decides who handles it."))
    reason = _needs(reason, "reason", _("Say why the request belongs to the other village."))
    target = Region.objects.filter(code=(village_code or "").strip(), level=5, active=True).first()
    if target is None or target.code[:9] != case.township_code:
        raise _invalid("village", _("Choose a village of the same township; a request for another township is "
                                    "passed on by the township."))
    if target.code == case.village_id:
        raise _invalid("village", _("The request is already at %(v)s.") % {"v": target.name})
    before = case.village
    case.village, case.owner, case.owner_since = target, None, None
    rates.move_asked(case, before.code)
    _event(case, acting, Action.TRANSFERRED, f"{before.name} → {target.name}：{reason}",
           detail={"from": before.code, "to": target.code})
    _save(case)
    alerts.transferred(case)
    alerts.applicant(case, "case_transferred", v=target.name)
    return case


MERGEABLE = (State.NEW, State.HANDLING, State.AWAITING_MATERIALS)


@transaction.atomic
def merge(actor: Actor, number: str, into: str, reason: str = "", expected_version: int | None = None) -> Case:
    """Join a request to another of the same village about the same matter: it keeps its applicant, who is told;
    its own clock stops (the main request's runs); when the main request gets its result, so does this one, and
    its applicant rates it. If the main one ends without a result, this one is handled on its own again."""
    case, acting = _handler(actor, number, expected_version)
    main = get_case(actor, (into or "").strip()) if (into or "").strip() else None
    if main is None:
        raise _invalid("into", _("Choose the request this one is the same as."))
    if main.pk == case.pk:
        raise _invalid("into", _("A request is not joined to itself."))
    if main.village_id != case.village_id:
        raise _invalid("into", _("Only requests of the same village are joined; pass this one to its village "
                                 "first."))
    if case.state not in MERGEABLE:
        raise permissions.Forbidden(_("Only a request still being handled is joined to another."))
    main = Case.objects.select_for_update().select_related("village").get(pk=main.pk)
    if main.state not in OPEN_STATES:
        raise _invalid("into", _("%(n)s is no longer open: join this one to a request still being handled.")
                       % {"n": main.short_number})
    if Case.objects.filter(merged_into=case, state=State.MERGED).exists():
        raise _invalid("into", _("Other requests are joined to this one; join %(n)s to it instead.")
                       % {"n": main.short_number})
    now = timezone.now()
    if case.responded_at is None:  # joining is the village's first answer to it
        case.responded_at = now
        case.responded_on_time = case.respond_by is None or now <= case.respond_by
    _pause_clock(case, now)
    case.state, case.merged_into = State.MERGED, main
    case.stage_due_at, case.stage_overdue = None, False
    case.dispatches.filter(state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN]).update(
        state=DispatchState.WITHDRAWN, next_check_at=None)
    note = (reason or "").strip()[:500]
    _event(case, acting, Action.MERGED, f"→ {main.short_number}" + (f"：{note}" if note else ""),
           detail={"into": main.number})
    _save(case)
    _event(main, acting, Action.NOTE, _("%(n)s, about the same matter, was joined to this request.")
           % {"n": case.short_number})
    _save(main)
    alerts.applicant(case, "case_merged", m=main.short_number)
    return case


def _joined(case: Case):
    return Case.objects.select_for_update().select_related("village").filter(merged_into=case,
                                                                             state=State.MERGED)


def _results_follow(case: Case, acting: Actor, now: dt.datetime) -> None:
    """The requests joined to this one get its result, and their applicants are asked to rate it."""
    for joined in _joined(case):
        if joined.resolved_at is None:
            joined.resolved_at, joined.resolved_on_time = now, case.resolved_on_time
        joined.result, joined.result_at, joined.state = case.result, now, State.RESOLVED
        _event(joined, acting, Action.RESOLVED, case.result)
        _save(joined)
        alerts.applicant(joined, "case_result")


def _release_joined(case: Case, acting: Actor, now: dt.datetime) -> None:
    """The main request ended without a result: those joined to it are handled on their own again."""
    for joined in _joined(case):
        joined.state, joined.merged_into = State.HANDLING, None
        _resume_clock(joined, now)
        _event(joined, acting, Action.RELEASED, case.short_number)
        _save(joined)
        alerts.released(joined)


@transaction.atomic
def add_note(actor: Actor, number: str, note: str, expected_version: int | None = None) -> Case:
    case = get_case(actor, number)
    action = next((a for a in (HANDLE, COORDINATE, REPORT_IN, SUPERVISE) if may(actor, a, case)), None)
    if action is None:
        raise permissions.Forbidden(_("This is not yours to do on this case."))
    case, acting = _load(actor, number, action, expected_version)
    note = _needs(note, "note", _("Write the note."))
    _event(case, acting, Action.NOTE, note)
    _save(case)
    return case


@transaction.atomic
def hand_over(actor: Actor, number: str, to_username: str, note: str = "",
              expected_version: int | None = None) -> Case:
    case, acting = _handler(actor, number, expected_version)
    if case.owner_id not in (None, actor.user.pk) and case.stage == Stage.VILLAGE:
        raise permissions.Forbidden(_("Only the official in charge hands the case over."))
    successor = User.objects.filter(username=to_username, is_active=True).first()
    action = HANDLE if case.stage == Stage.VILLAGE else COORDINATE
    if successor is None or successor.pk == actor.user.pk or not may(Actor(user=successor), action, case):
        raise _invalid("to", _("Hand the case to another official who can handle it here."))
    now = timezone.now()
    _take_charge(case, acting, now)
    case.owner, case.owner_since = successor, now
    _event(case, acting, Action.HANDED_OVER, _("to %(name)s") % {"name": successor.display_name}
           + (f"：{note.strip()}" if note.strip() else ""))
    _save(case)
    alerts.handed_over(case, successor)
    return case


@transaction.atomic
def return_for_materials(actor: Actor, number: str, missing: list[str], note: str = "", reason: str = "",
                         expected_version: int | None = None) -> Case:
    """The one-time notification: everything missing, listed at once. A second return needs a reason that
    supervisors see."""
    case, acting = _handler(actor, number, expected_version)
    if case.state not in (State.NEW, State.HANDLING):
        raise _not_now(case)
    items = [clean_text(m, "missing", 200) for m in missing if m and m.strip()]
    items = list(dict.fromkeys(items))
    if not items:
        raise _invalid("missing", _("List every missing material, all at once."))
    if case.returns >= 1 and not (reason or "").strip():
        raise _invalid("reason", _("The applicant was already told once what was missing. Say why they must be "
                                   "asked again; supervisors see this reason."))
    now = timezone.now()
    _take_charge(case, acting, now)
    case.returns += 1
    case.missing = items
    case.state, case.awaiting_since = State.AWAITING_MATERIALS, now
    _pause_clock(case, now)
    text = _("Missing: %(items)s") % {"items": "；".join(items)}
    if note.strip():
        text += f"。{note.strip()}"
    if case.returns > 1:
        text += "。" + _("Asked again because: %(r)s") % {"r": reason.strip()}
    _event(case, acting, Action.RETURNED, text, detail={"returns": case.returns, "reason": reason.strip()[:200]})
    _save(case)
    alerts.applicant(case, "case_missing", items="、".join(items))
    return case


@transaction.atomic
def supply(actor: Actor, number: str, materials: list[str] | None = None, note: str = "",
           files: list[Upload] | None = None, expected_version: int | None = None) -> Case:
    case = get_case(actor, number)
    action = OWN if may(actor, OWN, case) else HANDLE if case.stage == Stage.VILLAGE else COORDINATE
    case, acting = _load(actor, number, action, expected_version)
    if case.state != State.AWAITING_MATERIALS:
        raise _not_now(case)
    checked = check_uploads(files or [], case.attachments.count())
    if not checked and not (materials or []) and not note.strip():
        raise _invalid("materials", _("Add the missing materials (files, or a note of what you brought)."))
    now = timezone.now()
    supplied = [m for m in (materials or []) if m in case.missing] + [u.material for u, _m in checked if u.material]
    case.materials_supplied = list(dict.fromkeys([*case.materials_supplied, *supplied]))
    _store(case, checked, actor.user)
    case.state, case.awaiting_since = State.HANDLING, None
    _resume_clock(case, now)
    _event(case, acting, Action.SUPPLIED, note.strip())
    _save(case)
    alerts.materials_supplied(case)
    return case


@transaction.atomic
def refuse(actor: Actor, number: str, reason: str, redirect_to: str = "",
           expected_version: int | None = None) -> Case:
    case, acting = _handler(actor, number, expected_version)
    if case.state not in (State.NEW, State.HANDLING):
        raise _not_now(case)
    reason = _needs(reason, "reason", _("Give the reason for the refusal."))
    out_of_directory = case.kind == CaseKind.DEMAND or directory.entry_for(case.village_id, case.item_code) is None
    redirect_to = (redirect_to or "").strip()[:300]
    if out_of_directory and not redirect_to:
        raise _invalid("redirect_to", _("Tell the applicant where to go instead."))
    now = timezone.now()
    _take_charge(case, acting, now)
    case.state, case.refusal_reason, case.redirect_to, case.closed_at = State.REFUSED, reason, redirect_to, now
    case.due_at = case.warn_at = None
    _event(case, acting, Action.REFUSED, reason + (f"；{_('go to')}：{redirect_to}" if redirect_to else ""))
    _save(case)
    _release_joined(case, acting, now)
    alerts.applicant(case, "case_refused", r=reason + (f" {_('Go to')}：{redirect_to}" if redirect_to else ""))
    return case


def escalates(case: Case) -> bool:
    """Seed 004's diversion: a villager's own matter is helped with by the village at the villager's request; the
    township does not take it over (neither on the village's whistle nor when the village's time runs out)."""
    return case.matter_kind != MatterKind.VILLAGER_OWN


@transaction.atomic
def escalate(actor: Actor, number: str, reason: str, expected_version: int | None = None) -> Case:
    """The village blows the whistle: the township takes the case over."""
    case, acting = _load(actor, number, HANDLE, expected_version)
    if case.stage != Stage.VILLAGE or case.state not in (State.NEW, State.HANDLING):
        raise _not_now(case)
    if not escalates(case):
        raise permissions.Forbidden(_("This is the villager's own matter: the village helps at their request, and the "
                                      "township does not take it over."))
    reason = _needs(reason, "reason", _("Say why the village cannot solve it."))
    now = timezone.now()
    _take_charge(case, acting, now)
    _to_township(case, now, reason)
    _event(case, acting, Action.ESCALATED, reason)
    _save(case)
    alerts.to_township(case)
    return case


def _to_township(case: Case, now: dt.datetime, reason: str) -> None:
    case.stage, case.state = Stage.TOWNSHIP, State.HANDLING
    case.escalated_at, case.escalation_reason = now, reason
    case.stage_due_at = clock.deadline(now, _limit("dispatch", case.urgency), case.village_id)
    case.stage_overdue = False


@transaction.atomic
def resolve(actor: Actor, number: str, result: str, expected_version: int | None = None) -> Case:
    case, acting = _handler(actor, number, expected_version)
    if case.state not in (State.NEW, State.HANDLING, State.RECTIFYING):
        raise _not_now(case)
    result = _needs(result, "result", _("Write the result for the applicant."))
    if case.state == State.RECTIFYING and not _called_back(case):
        raise permissions.Forbidden(_("Call the applicant back before recording the rectified result."))
    now = timezone.now()
    _take_charge(case, acting, now)
    _give_result(case, acting, result, now)
    _save(case)
    return case


def _give_result(case: Case, acting: Actor, result: str, now: dt.datetime) -> None:
    if case.resolved_at is None:
        case.resolved_at = now
        case.resolved_on_time = case.due_at is not None and now <= case.due_at
    case.result, case.result_at, case.state = result, now, State.RESOLVED
    case.stage_due_at, case.stage_overdue = None, False
    _event(case, acting, Action.RESOLVED, result)
    alerts.applicant(case, "case_result")
    _results_follow(case, acting, now)


# --- township and departments -------------------------------------------------------------------------------


def _departments(case: Case, chosen: list) -> list[Department]:
    found = []
    for value in chosen:
        text = str(value).strip()
        if text.isdigit():
            department = Department.objects.filter(pk=int(text)).select_related("county").first()
            if department is None or department.county_id != case.county_code:
                raise _invalid("departments", _("Only departments of %(county)s can be called in on this case.")
                               % {"county": Region.objects.get(code=case.county_code).name})
        else:
            department = None
            if text in DepartmentKind.values:
                department = department_for(Region.objects.get(code=case.county_code), text)
            if department is None:
                raise _invalid("departments", _("%(county)s has no such department: %(d)s")
                               % {"county": Region.objects.get(code=case.county_code).name, "d": text})
        if department not in found:
            found.append(department)
    return found


@transaction.atomic
def dispatch(actor: Actor, number: str, departments: list, lead=None, note: str = "", decided: bool = False,
             expected_version: int | None = None) -> Case:
    """The township calls county departments in (naming a lead when several); `decided` settles a disputed
    responsibility: the department so named cannot return it."""
    case, acting = _load(actor, number, COORDINATE, expected_version)
    if case.stage == Stage.VILLAGE or case.state not in (State.HANDLING, State.RECTIFYING):
        raise _not_now(case)
    if case.stage == Stage.DEPARTMENT and case.dispatches.filter(
            state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN], lead=True).exists():
        raise _not_now(case)
    chosen = _departments(case, departments)
    if not chosen:
        raise _invalid("departments", _("Choose at least one department."))
    if len(chosen) == 1:
        lead_department = chosen[0]
    else:
        leads = _departments(case, [lead]) if lead not in (None, "") else []
        if not leads or leads[0] not in chosen:
            raise _invalid("lead", _("Several departments: name the one that leads."))
        lead_department = leads[0]
    now = timezone.now()
    _take_charge(case, acting, now)
    sign_in = _limit("DEPARTMENT_SIGN_IN")
    respond = _limit("department", case.urgency)
    case.dispatches.filter(state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN]).update(
        state=DispatchState.WITHDRAWN, next_check_at=None)
    sign_in_by = report_in_deadline(case, now, sign_in)
    called = []
    for department in chosen:
        row = Dispatch(case=case, department=department, lead=department == lead_department, called_at=now,
                       called_by=actor.user, note=clean_text(note, "note", 2000, required=False), decided=decided,
                       sign_in_by=sign_in_by,
                       respond_by=clock.deadline(now, respond, case.village_id))
        _schedule_dispatch(row)
        row.save()
        called.append(row)
    case.stage, case.stage_due_at, case.stage_overdue = Stage.DEPARTMENT, None, False
    names = "、".join(("★" if d == lead_department else "") + d.chinese_name for d in chosen)
    _event(case, acting, Action.REASSIGNED if decided else Action.DISPATCHED,
           names + (f"：{note.strip()}" if note.strip() else ""))
    _save(case)
    alerts.dispatched(case, called)
    return case


def report_in_deadline(case: Case, now: dt.datetime, limit: Limit) -> dt.datetime:
    """Departments report in within office hours (CUNWU["WORKING_HOURS"] on working days): a call made in the
    evening, on a weekend or a holiday is due that long after the next opening. An emergency or urgent case's
    call runs around the clock (its officers are texted at once, day or night)."""
    if case.urgency in (Urgency.EMERGENCY, Urgency.URGENT) or limit.unit not in (Unit.MINUTES, Unit.HOURS):
        return clock.deadline(now, limit, case.village_id)
    minutes = limit.amount * (60 if limit.unit == Unit.HOURS else 1)
    return hours.add_office_minutes(now, minutes, case.village_id)


def _schedule_dispatch(row: Dispatch) -> None:
    moments = []
    if row.state == DispatchState.CALLED and not row.sign_in_overdue:
        moments.append(row.sign_in_by)
    if row.state in (DispatchState.CALLED, DispatchState.SIGNED_IN) and not row.respond_overdue:
        moments.append(row.respond_by)
    row.next_check_at = min(moments) if moments else None


def _my_dispatch(case: Case, acting: Actor) -> Dispatch:
    department_id = acting.assignment.department_id if acting.assignment not in (None, True) else None
    mine = case.dispatches.select_for_update().exclude(state=DispatchState.WITHDRAWN)
    mine = mine.filter(department_id=department_id) if department_id is not None else mine.none()
    row = mine.order_by("-called_at", "-id").first()
    if row is None:
        raise _not_now(case)
    return row


@transaction.atomic
def sign_in(actor: Actor, number: str, expected_version: int | None = None) -> Case:
    case, acting = _load(actor, number, REPORT_IN, expected_version)
    row = _my_dispatch(case, acting)
    if row.state != DispatchState.CALLED:
        raise permissions.Forbidden(_("Your department has already reported in on this case."))
    now = timezone.now()
    row.state, row.signed_in_at, row.signed_in_by = DispatchState.SIGNED_IN, now, actor.user
    _schedule_dispatch(row)
    row.save()
    late = now > row.sign_in_by
    _event(case, acting, Action.SIGNED_IN, _("late") if late else "")
    _save(case)
    return case


@transaction.atomic
def department_return(actor: Actor, number: str, reason: str, expected_version: int | None = None) -> Case:
    """Within the sign-in window a department may say the matter is not theirs; the township decides then."""
    case, acting = _load(actor, number, REPORT_IN, expected_version)
    row = _my_dispatch(case, acting)
    reason = _needs(reason, "reason", _("Say why the matter is not your department's."))
    now = timezone.now()
    if row.decided:
        raise permissions.Forbidden(_("The township decided this department is responsible; it cannot be "
                                      "returned."))
    if row.state not in (DispatchState.CALLED, DispatchState.SIGNED_IN) or now > row.sign_in_by:
        raise permissions.Forbidden(_("A case can be returned only within the sign-in time limit."))
    row.state, row.returned_reason = DispatchState.RETURNED, reason
    _schedule_dispatch(row)
    row.save()
    still_active = case.dispatches.filter(state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN])
    if row.lead or not still_active.exists():
        still_active.update(state=DispatchState.WITHDRAWN, next_check_at=None)
        _to_township(case, now, case.escalation_reason)
    _event(case, acting, Action.DEPARTMENT_RETURNED, reason)
    _save(case)
    alerts.returned_by_department(case, row)
    return case


@transaction.atomic
def respond(actor: Actor, number: str, response: str, expected_version: int | None = None) -> Case:
    """A department answers. The lead department's answer is the case's result."""
    case, acting = _load(actor, number, REPORT_IN, expected_version)
    row = _my_dispatch(case, acting)
    response = _needs(response, "response", _("Write what your department did."))
    if row.state != DispatchState.SIGNED_IN:
        raise permissions.Forbidden(_("Report in (sign in) on the case before answering it."))
    if case.state not in (State.HANDLING, State.RECTIFYING):
        raise _not_now(case)
    if row.lead and case.state == State.RECTIFYING and not _called_back(case):
        raise permissions.Forbidden(_("The applicant must be called back before the rectified result."))
    now = timezone.now()
    row.state, row.responded_at, row.response = DispatchState.RESPONDED, now, response
    _schedule_dispatch(row)
    row.save()
    _event(case, acting, Action.RESPONDED, response)
    if row.lead:
        _give_result(case, acting, response, now)
    _save(case)
    return case


# --- the applicant: rating and withdrawal -------------------------------------------------------------------


def _called_back(case: Case) -> bool:
    reopened = case.events.filter(action=Action.REOPENED).order_by("-at", "-id").first()
    return reopened is not None and case.events.filter(action=Action.CALLBACK, id__gt=reopened.id).exists()


@transaction.atomic
def rate(actor: Actor, number: str, grade: int, comment: str = "", expected_version: int | None = None) -> Case:
    case, acting = _load(actor, number, OWN, expected_version,
                         _("Only the applicant rates the result."))
    if case.state != State.RESOLVED:
        if case.ratings.filter(round=case.round).exists() or case.state == State.CLOSED and case.ratings.exists():
            raise permissions.Forbidden(_("This result has already been rated; a result is rated once."))
        raise _not_now(case)
    return _rated(case, acting, grade, comment)


@transaction.atomic
def rate_for(actor: Actor, number: str, grade: int, given: str, comment: str = "",
             expected_version: int | None = None) -> Case:
    """The village staff record the rating of an applicant who has no account to rate with (taken in at the
    counter or the terminal, perhaps without a phone): marked as recorded by staff, with how it was given. An
    applicant with an account rates for themselves."""
    case, acting = _load(actor, number, HANDLE, expected_version)
    if case.applicant_id is not None:
        raise permissions.Forbidden(_("The applicant rates this result themselves, from their own account."))
    if case.state != State.RESOLVED:
        if case.ratings.filter(round=case.round).exists() or case.state == State.CLOSED and case.ratings.exists():
            raise permissions.Forbidden(_("This result has already been rated; a result is rated once."))
        raise _not_now(case)
    if given not in RatingGiven.values:
        raise _invalid("given", _("Say how the applicant gave the rating."))
    return _rated(case, acting, grade, comment, given)


def _rated(case: Case, acting: Actor, grade, comment: str, given: str = "") -> Case:
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        grade = 0
    if grade not in Grade.values:
        raise _invalid("grade", _("Choose one of the five grades."))
    comment = clean_text(comment, "comment", 2000, required=False)
    now = timezone.now()
    try:
        with transaction.atomic():
            Rating.objects.create(case=case, round=case.round, grade=grade, comment=comment,
                                  rated_by=acting.user, at=now, recorded_by_staff=bool(given), given=given)
    except IntegrityError:
        raise permissions.Forbidden(_("This result has already been rated; a result is rated once.")) from None
    case.grade, case.satisfied = grade, grade not in BAD_GRADES
    words = f"{Grade(grade).label}" + (f"：{comment}" if comment else "")
    if given:
        _event(case, acting, Action.RATED_FOR, f"{words}（{RatingGiven(given).label}）", detail={"given": given})
    else:
        _event(case, acting, Action.RATED, words)
    if grade in BAD_GRADES:
        _reopen(case, acting, now)
    else:
        _close(case, acting, now)
    _save(case)
    if grade in BAD_GRADES:
        alerts.bad_rating(case)
    return case


def _reopen(case: Case, acting: Actor, now: dt.datetime) -> None:
    case.state, case.round = State.RECTIFYING, case.round + 1
    case.stage_due_at = clock.deadline(now, _limit("RECTIFY"), case.village_id)
    case.stage_overdue = False
    lead = case.dispatches.filter(lead=True, state=DispatchState.RESPONDED).order_by("-responded_at").first()
    if case.stage == Stage.DEPARTMENT and lead is not None:
        lead.state, lead.respond_by, lead.respond_overdue = DispatchState.SIGNED_IN, case.stage_due_at, False
        _schedule_dispatch(lead)
        lead.save()
    _event(case, acting, Action.REOPENED, _("to be put right by %(at)s") % {
        "at": timezone.localtime(case.stage_due_at).strftime("%Y-%m-%d %H:%M")})


def _close(case: Case, acting: Actor, now: dt.datetime, note: str = "") -> None:
    case.state, case.closed_at = State.CLOSED, now
    case.stage_due_at = None
    _event(case, acting, Action.CLOSED, note)


@transaction.atomic
def callback(actor: Actor, number: str, note: str, expected_version: int | None = None) -> Case:
    """The record of calling the applicant back after a bad rating."""
    case = get_case(actor, number)
    action = next((a for a in (HANDLE, COORDINATE, REPORT_IN) if may(actor, a, case)), None)
    if action is None:
        raise permissions.Forbidden(_("This is not yours to do on this case."))
    case, acting = _load(actor, number, action, expected_version)
    if case.state != State.RECTIFYING:
        raise _not_now(case)
    note = _needs(note, "note", _("Write what the applicant said on the call."))
    _event(case, acting, Action.CALLBACK, note)
    _save(case)
    return case


@transaction.atomic
def exclude_rating(actor: Actor, number: str, reason: str, round_number: int | None = None,
                   expected_version: int | None = None) -> Case:
    """A supervisor sets a malicious rating aside; it no longer counts, and a rectification it caused ends."""
    case, acting = _load(actor, number, SUPERVISE, expected_version)
    reason = _needs(reason, "reason", _("Say why the rating is malicious."))
    counted_ratings = case.ratings.filter(excluded=False).order_by("-round")
    rating = counted_ratings.filter(round=round_number).first() if round_number else counted_ratings.first()
    if rating is None:
        raise _invalid("round", _("There is no counted rating to set aside."))
    rating.excluded, rating.excluded_reason, rating.excluded_by = True, reason, actor.user
    rating.save()
    counted = case.ratings.filter(excluded=False).order_by("-round").first()
    case.grade = counted.grade if counted else None
    case.satisfied = (counted.grade not in BAD_GRADES) if counted else None
    now = timezone.now()
    _event(case, acting, Action.RATING_EXCLUDED, reason, detail={"round": rating.round})
    if case.state == State.RECTIFYING and rating.round == case.round - 1:
        case.round -= 1
        case.dispatches.filter(state=DispatchState.SIGNED_IN, lead=True).update(
            state=DispatchState.RESPONDED, next_check_at=None)
        _close(case, acting, now)
    _save(case)
    return case


@transaction.atomic
def withdraw(actor: Actor, number: str, reason: str = "", expected_version: int | None = None) -> Case:
    case, acting = _load(actor, number, OWN, expected_version, _("Only the applicant withdraws a request."))
    if case.state not in (State.NEW, State.HANDLING, State.AWAITING_MATERIALS, State.MERGED):
        raise _not_now(case)
    now = timezone.now()
    case.state, case.closed_at = State.WITHDRAWN, now
    case.due_at = case.warn_at = case.stage_due_at = None
    case.dispatches.filter(state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN]).update(
        state=DispatchState.WITHDRAWN, next_check_at=None)
    _event(case, acting, Action.WITHDRAWN, (reason or "").strip())
    _save(case)
    _release_joined(case, acting, now)
    return case


@transaction.atomic
def attach(actor: Actor, number: str, files: list[Upload], expected_version: int | None = None) -> Case:
    case = get_case(actor, number)
    action = next((a for a in (OWN, HANDLE, COORDINATE, REPORT_IN) if may(actor, a, case)), None)
    if action is None:
        raise permissions.Forbidden(_("This is not yours to do on this case."))
    case, acting = _load(actor, number, action, expected_version)
    if case.state in (State.CLOSED, State.REFUSED, State.WITHDRAWN):
        raise _not_now(case)
    checked = check_uploads(files, case.attachments.count())
    if not checked:
        raise _invalid("files", _("Choose a file."))
    made = _store(case, checked, actor.user)
    _event(case, acting, Action.ATTACHED, "、".join(a.name for a in made))
    _save(case)
    return case


def read_attachment(actor: Actor, number: str, attachment_id: int) -> Attachment:
    case = get_case(actor, number)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise permissions.NotFound
    record(actor, "case.attachment_read", case, region_code=case.village_id, detail={"attachment": attachment.pk})
    return attachment


# --- what an actor may do now (for pages and the API) -------------------------------------------------------


def available_actions(actor: Actor, case: Case) -> list[str]:
    """The actions the actor may take on the case in its present state (the server checks again on submit)."""
    if actor.user is None:
        return []
    found = []
    allowed = {action: grant is not None for action, grant in  # asked in one query
               permissions.grants(actor, [HANDLE, COORDINATE, OWN, REPORT_IN, SUPERVISE], case).items()}
    handle = allowed[HANDLE] and case.stage == Stage.VILLAGE
    coordinate = allowed[COORDINATE] and case.stage != Stage.VILLAGE
    if allowed[OWN]:
        if case.state == State.AWAITING_MATERIALS:
            found.append("supply")
        if case.state == State.RESOLVED:
            found.append("rate")
        if case.state in (State.NEW, State.HANDLING, State.AWAITING_MATERIALS, State.MERGED):
            found.append("withdraw")
    if handle or (coordinate and case.stage == Stage.TOWNSHIP):
        if case.owner_id is None and case.state in OPEN_STATES:
            found.append("take")
        if case.state in (State.NEW, State.HANDLING):
            found += ["return", "refuse", "resolve"]
        if case.state == State.AWAITING_MATERIALS and "supply" not in found:
            found.append("supply")
        if case.state == State.RECTIFYING:
            found += ["callback", "resolve"]
        if case.state in OPEN_STATES:
            found.append("hand_over")
    if allowed[HANDLE] and case.state == State.RESOLVED and case.applicant_id is None:
        found.append("rate_for")  # the applicant has no account to rate with: the staff record it
    if handle and case.state in (State.NEW, State.HANDLING) and escalates(case):
        found.append("escalate")
    if coordinate and case.state in (State.HANDLING, State.RECTIFYING) and not case.dispatches.filter(
            state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN], lead=True).exists():
        found.append("dispatch")
    if case.state == State.RECTIFYING and "callback" not in found and (coordinate or allowed[HANDLE]):
        found.append("callback")  # the official in charge calls back, whichever stage the case is at
    if allowed[REPORT_IN]:
        mine = [a.department_id for a in permissions.assignments_of(actor.user) if a.department_id]
        row = case.dispatches.filter(department_id__in=mine).exclude(state=DispatchState.WITHDRAWN).order_by(
            "-called_at", "-id").first()
        if row is not None:
            if row.state == DispatchState.CALLED:
                found.append("sign_in")
            if row.is_active and not row.decided and timezone.now() <= row.sign_in_by:
                found.append("department_return")
            if row.state == DispatchState.SIGNED_IN:
                found.append("respond")
            if case.state == State.RECTIFYING and row.lead and "callback" not in found:
                found.append("callback")
    if case.stage == Stage.VILLAGE and case.state in MERGEABLE and (handle or allowed[COORDINATE]):
        found.append("transfer")
    if case.state in MERGEABLE and (handle or (coordinate and case.stage == Stage.TOWNSHIP)):
        found.append("merge")
    if allowed[SUPERVISE] and case.ratings.filter(excluded=False).exists():
        found.append("exclude_rating")
    if case.state in OPEN_STATES and (handle or coordinate or allowed[REPORT_IN]):
        found.append("note")
    return list(dict.fromkeys(found))


# --- the holiday table --------------------------------------------------------------------------------------


@transaction.atomic
def set_calendar_days(actor: Actor, days: list[dt.date], working: bool | None, region_code: str = "",
                      name: str = "") -> int:
    """Enter (or with working=None remove) days in the holiday table. National rows (region "") are the
    console operator's, for years the calendar package does not know; a province, city or county
    administrator sets the local days off of their own region."""
    from cunwu.accounts.roles import ADMIN_ROLES

    from .models import CalendarDay

    region_code = (region_code or "").strip()
    if region_code and len(region_code) not in (2, 4, 6):
        raise _invalid("region", _("Local days off belong to a province, city or county."))
    if not actor.system:
        allowed = region_code and any(
            a.role in ADMIN_ROLES and a.region_id == region_code for a in permissions.assignments_of(actor.user))
        if not allowed:
            raise permissions.Forbidden(_("Only the administrators of a region set its local days off; the "
                                          "national schedule is entered by the operator."))
    if not days:
        raise _invalid("days", _("Name at least one day."))
    for day in days:
        if working is None:
            CalendarDay.objects.filter(day=day, region_code=region_code).delete()
        else:
            CalendarDay.objects.update_or_create(day=day, region_code=region_code,
                                                 defaults={"working": working, "name": name[:100]})
    record(actor, "calendar.set", region_code=region_code,
           detail={"days": [d.isoformat() for d in days][:50], "working": working, "name": name[:100]})
    transaction.on_commit(clock.TABLE.clear)
    clock.TABLE.clear()
    return len(days)


def check_tallies(actor: Actor, rebuild: bool = False) -> tuple[list[dict], int]:
    """The daily tallies that disagree with the cases, and with rebuild=True the rows recounted from the cases
    (the console operator's repair after a bulk import or a restore)."""
    if not actor.system:
        raise permissions.Forbidden(_("Only the operator at the console checks or rebuilds the tallies."))
    wrong = rates.tally_differences()
    rows = 0
    if rebuild:
        rows = rates.rebuild_tallies()
        record(actor, "cases.tallies.rebuilt", detail={"rows": rows, "differences": len(wrong)})
    return wrong, rows
