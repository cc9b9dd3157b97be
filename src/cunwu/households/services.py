"""The village's own data, written once: households and their members with every change kept, grids and their
workers, key-group labels and the visits they ask for, and the look-up that lets every other form take a
person's details from the record instead of typing them again.

Every write goes through the permission module and leaves an audit entry; every change to a recorded field
also leaves a `Change` row (field, previous value, new value, who, when, where it was made), which is the
household's history. Reads of named people are audited."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu import dates
from cunwu.accounts import permissions, personal_data
from cunwu.accounts.models import User
from cunwu.accounts.permissions import CHANGE, MANAGE, REVEAL, VIEW
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions.models import Region
from cunwu.text import clean_text

from .choices import DEFAULT_RULES, WARN_AT, Condition, KeyGroup, Mode, Relation, Residence, Rule, Sex, Status
from .models import Change, Grid, Household, Label, MissedVisit, Resident, Visit, VisitRule
from .policies import COUNT, COUNTERS

ADULT = 18


def _day(value, field: str) -> dt.date | None:
    return dates.parse("" if value is None else value, field)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def village_or_404(code: str) -> Region:
    village = Region.objects.village((code or "").strip())
    if village is None:
        raise permissions.NotFound
    return village


def keeper_of(actor: Actor, village_code: str) -> Actor:
    """The village's staff (or a grid worker of the village) act on its records; NotFound for anyone else."""
    return permissions.acting_at(actor, village_code, (Role.VILLAGE_STAFF, Role.GRID_WORKER))


def staff_of(actor: Actor, village_code: str) -> Actor:
    return permissions.acting_at(actor, village_code, (Role.VILLAGE_STAFF,))


# --- people and households ---------------------------------------------------------------------------------


@dataclass
class PersonInput:
    name: str = ""
    relation: str = Relation.HEAD
    sex: str = ""
    birth_date: dt.date | str | None = None
    national_id: str = ""
    phone: str = ""
    residence: str = Residence.REGISTERED_HERE
    note: str = ""


@dataclass
class HouseholdInput:
    village: str = ""
    address: str = ""
    group_name: str = ""
    phone: str = ""
    grid: int | None = None


@dataclass
class CleanPerson:
    name: str
    relation: str
    sex: str
    birth_date: dt.date
    national_id: str
    phone: str
    residence: str
    note: str


def clean_person(data: PersonInput, *, prefix: str = "") -> CleanPerson:
    """Every field checked at once; the errors name their fields (with `prefix` for a form holding several)."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(prefix + name, []).append(message)

    def text(name: str, value: str, limit: int, required: bool) -> str:
        try:
            return clean_text(value, name, limit, required)
        except ValidationError as exc:
            for message in exc.message_dict[name]:
                err(name, message)
            return ""

    name = text("name", data.name, 50, True)
    note = text("note", data.note, 200, False)
    relation = data.relation if data.relation in Relation.values else ""
    if not relation:
        err("relation", _("Choose the person's relation to the head of the household."))
    residence = data.residence or Residence.REGISTERED_HERE
    if residence not in Residence.values:
        err("residence", _("Choose where the person is registered and lives."))
    national_id = ""
    if (data.national_id or "").strip():
        try:
            national_id = personal_data.normalize_national_id(data.national_id)
        except ValidationError as exc:
            err("national_id", exc.messages[0])
    phone = ""
    if (data.phone or "").strip():
        try:
            phone = personal_data.normalize_phone(data.phone)
        except ValidationError as exc:
            err("phone", exc.messages[0])
    born = None
    try:
        born = dates.parse(data.birth_date, "birth_date") if data.birth_date else None
    except ValidationError as exc:
        err("birth_date", exc.messages[0])
    if born is None and national_id:
        born = dt.date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))
    today = timezone.localdate()
    if born is None and "birth_date" not in {k.removeprefix(prefix) for k in errors}:
        err("birth_date", _("Enter the birth date (or the ID number, which holds it)."))
    elif born is not None and born > today:
        err("birth_date", _("A birth date cannot be after today."))
    if born and national_id and born.strftime("%Y%m%d") != national_id[6:14]:
        err("birth_date", _("The birth date does not match the one in the ID number (%(d)s).")
            % {"d": f"{national_id[6:10]}-{national_id[10:12]}-{national_id[12:14]}"})
    sex = data.sex or ("M" if national_id and int(national_id[16]) % 2 else "F" if national_id else "")
    if sex not in Sex.values:
        err("sex", _("Choose the person's sex."))
    elif national_id and sex != ("M" if int(national_id[16]) % 2 else "F"):
        err("sex", _("The sex does not match the ID number."))
    if relation == Relation.HEAD and born and born <= today and _age(born, today) < ADULT and not note:
        err("note", _("A child heads this household: say why in the note (e.g. both parents deceased)."))
    if errors:
        raise ValidationError(errors)
    assert born is not None
    return CleanPerson(name, relation, sex, born, national_id, phone, residence, note)


def _age(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _id_taken(national_id: str, except_pk: int | None = None) -> bool:
    if not national_id:
        return False
    found = Resident.objects.filter(national_id_index=personal_data.blind_index(national_id), status=Status.MEMBER)
    if except_pk:
        found = found.exclude(pk=except_pk)
    return found.exists()


def _id_error(prefix: str = "") -> ValidationError:
    return _invalid(prefix + "national_id", _(
        "This person is already recorded as a member of a household. Mark them moved away there, or move them, "
        "instead of recording them twice."))


def _track(actor: Actor, household: Household, resident: Resident | None, changes: list[tuple[str, str, str]],
           source: str = "") -> None:
    now = timezone.now()
    Change.objects.bulk_create([
        Change(household=household, resident=resident, village_id=household.village_id, field=name,
               previous=str(old)[:200], value=str(new)[:200], by=actor.user, at=now, source=source[:40])
        for name, old, new in changes if str(old) != str(new)])


def _shown(field: str, value) -> str:
    """What the history keeps of a value: ID numbers and phones masked, choices by their code."""
    if field == "national_id":
        return personal_data.mask_national_id(value)
    if field == "phone":
        return personal_data.mask_phone(value)
    return "" if value is None else str(value)


def new_resident(household: Household, person: CleanPerson, by: User | None) -> Resident:
    resident = Resident(household=household, village_id=household.village_id, grid_id=household.grid_id,
                        name=person.name, relation=person.relation, sex=person.sex, birth_date=person.birth_date,
                        phone=person.phone, residence=person.residence, note=person.note)
    if person.national_id:
        resident.national_id_sealed = personal_data.encrypt(person.national_id)
        resident.national_id_index = personal_data.blind_index(person.national_id)
    resident.save()
    return resident


def _clean_household(data: HouseholdInput) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name, limit, required in (("address", 200, True), ("group_name", 60, False)):
        try:
            cleaned[name] = clean_text(getattr(data, name), name, limit, required)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    cleaned["phone"] = ""
    if (data.phone or "").strip():
        try:
            cleaned["phone"] = personal_data.normalize_phone(data.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _grid_in(village_code: str, grid_id) -> Grid | None:
    if grid_id in (None, "", 0):
        return None
    grid = Grid.objects.filter(pk=grid_id, village_id=village_code).first() if str(grid_id).isdigit() else None
    if grid is None:
        raise _invalid("grid", _("Choose one of the village's grids."))
    return grid


def create_household(actor: Actor, data: HouseholdInput, head: PersonInput) -> Household:
    village = village_or_404(data.village)
    acting = keeper_of(actor, village.code)
    errors: dict[str, list[str]] = {}
    try:
        cleaned = _clean_household(data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    head.relation = Relation.HEAD
    try:
        person = clean_person(head, prefix="head_")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        grid = _grid_in(village.code, data.grid)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if acting.assignment is not None and acting.assignment.role == Role.GRID_WORKER:
        mine = set(Grid.workers.through.objects.filter(user_id=actor.user.pk).values_list("grid_id", flat=True))
        if grid is None or grid.pk not in mine:
            raise _invalid("grid", _("You record households in your own grid only."))
    if _id_taken(person.national_id):
        raise _id_error("head_")
    try:
        with transaction.atomic():
            household = Household.objects.create(village=village, grid=grid, **cleaned)
            resident = new_resident(household, person, actor.user)
            record(acting, "households.create", household, region_code=village.code,
                   detail={"head": resident.pk, "grid": grid.pk if grid else None})
    except IntegrityError:
        raise _id_error("head_") from None
    return household


def get_household(actor: Actor, household_id: int, action: str = VIEW) -> Household:
    household = permissions.get_or_404(Household.objects.select_related("village", "grid"), actor, action,
                                       pk=household_id)
    return household


def read_household(actor: Actor, household_id: int) -> tuple[Household, list[Resident]]:
    """A household with its members, for a page that shows them by name: the read is audited."""
    household = get_household(actor, household_id)
    members = list(household.members.all())
    record(actor, "households.read", household, region_code=household.village_id, detail={"people": len(members)})
    return household, members


def update_household(actor: Actor, household_id: int, data: HouseholdInput, source: str = "") -> Household:
    household = get_household(actor, household_id, CHANGE)
    acting = permissions.require(actor, CHANGE, household)
    cleaned = _clean_household(data)
    changes = [(k, getattr(household, k), v) for k, v in cleaned.items()]
    with transaction.atomic():
        for name, _old, new in changes:
            setattr(household, name, new)
        household.updated_at = timezone.now()
        household.save()
        _track(acting, household, None, [(k, _shown(k, o), _shown(k, n)) for k, o, n in changes], source)
        record(acting, "households.update", household, region_code=household.village_id)
    return household


def add_member(actor: Actor, household_id: int, data: PersonInput) -> Resident:
    household = get_household(actor, household_id, CHANGE)
    acting = permissions.require(actor, CHANGE, household)
    person = clean_person(data)
    if person.relation == Relation.HEAD and household.members.filter(relation=Relation.HEAD,
                                                                     status=Status.MEMBER).exists():
        raise _invalid("relation", _("This household already has a head. Change the head first."))
    if _id_taken(person.national_id):
        raise _id_error()
    try:
        with transaction.atomic():
            resident = new_resident(household, person, actor.user)
            _track(acting, household, resident, [("member", "", person.name)])
            record(acting, "households.add_member", resident, region_code=household.village_id)
    except IntegrityError:
        raise _id_error() from None
    return resident


def get_resident(actor: Actor, resident_id: int, action: str = VIEW) -> Resident:
    return permissions.get_or_404(Resident.objects.select_related("household", "village"), actor, action,
                                  pk=resident_id)


_PERSON_FIELDS = ("name", "relation", "sex", "birth_date", "phone", "residence", "note")


def update_resident(actor: Actor, resident_id: int, data: PersonInput, source: str = "") -> Resident:
    """Change a person's record; every field that changes is kept in the history with its previous value."""
    resident = get_resident(actor, resident_id, CHANGE)
    acting = permissions.require(actor, CHANGE, resident)
    if resident.status != Status.MEMBER:
        raise _invalid("status", _("This person has moved away or died: their record is kept as it was."))
    if not data.national_id and resident.national_id_sealed:
        data.national_id = personal_data.decrypt(resident.national_id_sealed)
    person = clean_person(data)
    if person.relation == Relation.HEAD and resident.relation != Relation.HEAD and resident.household.members.filter(
            relation=Relation.HEAD, status=Status.MEMBER).exclude(pk=resident.pk).exists():
        raise _invalid("relation", _("This household already has a head. Change the head first."))
    old_id = personal_data.decrypt(resident.national_id_sealed)
    if person.national_id != old_id and _id_taken(person.national_id, resident.pk):
        raise _id_error()
    changes = [(k, getattr(resident, k), getattr(person, k)) for k in _PERSON_FIELDS]
    changes.append(("national_id", old_id, person.national_id))
    try:
        with transaction.atomic():
            for name, _old, new in changes[:-1]:
                setattr(resident, name, new)
            if person.national_id != old_id:
                resident.national_id_sealed = personal_data.encrypt(person.national_id)
                resident.national_id_index = personal_data.blind_index(person.national_id) if person.national_id else ""
            resident.updated_at = timezone.now()
            resident.save()
            _track(acting, resident.household, resident,
                   [(k, _shown(k, o), _shown(k, n)) for k, o, n in changes], source)
            record(acting, "households.update_member", resident, region_code=resident.village_id,
                   detail={"fields": [k for k, o, n in changes if str(o) != str(n)], "source": source})
    except IntegrityError:
        raise _id_error() from None
    return resident


def set_status(actor: Actor, resident_id: int, status: str, on: dt.date | str | None) -> Resident:
    """A person moved away or died: the record and its history stay; a death ends every label at once (they
    leave every visit list), a move ends the labels on the person."""
    resident = get_resident(actor, resident_id, CHANGE)
    acting = permissions.require(actor, CHANGE, resident)
    if status not in (Status.MOVED_AWAY, Status.DECEASED):
        raise _invalid("status", _("Choose moved away or deceased."))
    if resident.status != Status.MEMBER:
        raise _invalid("status", _("This person has moved away or died: their record is kept as it was."))
    day = _day(on, "on") or timezone.localdate()
    if day > timezone.localdate():
        raise _invalid("on", _("This day is still to come."))
    if day < resident.birth_date:
        raise _invalid("on", _("This day is before the person was born."))
    with transaction.atomic():
        previous = resident.status
        resident.status, resident.status_since, resident.updated_at = status, day, timezone.now()
        resident.save(update_fields=["status", "status_since", "updated_at"])
        Label.objects.filter(resident=resident, ended_on__isnull=True).update(ended_on=day, due_on=None,
                                                                              warn_on=None)
        _track(acting, resident.household, resident, [("status", previous, status)])
        record(acting, f"households.{status}", resident, region_code=resident.village_id,
               detail={"on": day.isoformat()})
    return resident


def verify(actor: Actor, household_id: int) -> Household:
    """采集校核: the household's record was checked with the people themselves, by whom and when."""
    household = get_household(actor, household_id, CHANGE)
    acting = permissions.require(actor, CHANGE, household)
    now = timezone.now()
    with transaction.atomic():
        Household.objects.filter(pk=household.pk).update(verified_at=now, verified_by=actor.user)
        household.members.filter(status=Status.MEMBER).update(verified_at=now, verified_by=actor.user)
        record(acting, "households.verify", household, region_code=household.village_id)
    household.verified_at, household.verified_by = now, actor.user
    return household


def reveal_national_id(actor: Actor, resident_id: int) -> str:
    resident = get_resident(actor, resident_id)
    acting = permissions.require(actor, REVEAL, resident, _("Only the village's staff see a full ID number."))
    record(acting, "personal_data.reveal", resident, region_code=resident.village_id,
           detail={"field": "national_id"})
    return personal_data.decrypt(resident.national_id_sealed)


def history(actor: Actor, household_id: int) -> list[Change]:
    household = get_household(actor, household_id)
    return list(permissions.restrict(Change.objects.filter(household=household), actor)
                .select_related("resident", "by")[:200])


def households_of(actor: Actor, village_code: str, query: str = "", grid: str = ""):
    village_or_404(village_code)
    rows = permissions.restrict(Household.objects.filter(village_id=village_code), actor)
    if grid.isdigit():
        rows = rows.filter(grid_id=int(grid))
    if query:
        rows = rows.filter(Q(address__contains=query) | Q(group_name__contains=query)
                           | Q(members__name__contains=query, members__status=Status.MEMBER)).distinct()
    return rows.select_related("grid").annotate(  # (an aggregate drops the model's ordering: say it again)
        people=Count("members", filter=Q(members__status=Status.MEMBER), distinct=True)).order_by(
        "group_name", "address", "id")


def find(actor: Actor, village_code: str, query: str, limit: int = 20) -> list[Resident]:
    """Collect once: people of the village found by phone, ID number or name, for a form to take their details
    from the record. Only those who may read the village's records find anyone; the search is audited."""
    query = (query or "").strip()
    if not query or len(query) > 50:
        return []
    rows = permissions.restrict(Resident.objects.filter(village_id=village_code, status=Status.MEMBER), actor)
    digits = query.replace(" ", "")
    if digits.isdigit() and len(digits) == 11:
        rows = rows.filter(phone=digits)
    elif len(digits) == 18 and digits[:17].isdigit():
        try:
            rows = rows.filter(national_id_index=personal_data.blind_index(
                personal_data.normalize_national_id(digits)))
        except ValidationError:
            return []
    else:
        rows = rows.filter(name__contains=query)
    found = list(rows.select_related("household")[:limit])
    if found:
        record(actor, "households.search", region_code=village_code, detail={"found": len(found)})
    return found


def may_read_village(actor: Actor, village_code: str) -> bool:
    """Who looks people up in the village's records for a form: its staff and grid workers, and its mediators."""
    return any((a.role in (Role.VILLAGE_STAFF, Role.GRID_WORKER) and a.region_id == village_code)
               or (a.role == Role.MEDIATOR and village_code.startswith(a.region_id))
               for a in permissions.assignments_of(actor.user))


def resident_for_form(actor: Actor, resident_id, village_code: str) -> Resident | None:
    """The person a form was told to take its details from, if the actor may read them in that village."""
    if not str(resident_id or "").isdigit():
        return None
    return permissions.restrict(Resident.objects.filter(
        pk=int(resident_id), village_id=village_code, status=Status.MEMBER), actor).select_related(
        "household").first()


def own_record(village_code: str, phone: str) -> Resident | None:
    """A villager's own record in their village, found by the phone they signed in with (one match only), so
    that what they ask for themselves joins what the village knows of them. Nothing is shown to them."""
    if not phone:
        return None
    found = list(Resident.objects.filter(village_id=village_code, phone=phone, status=Status.MEMBER)[:2])
    return found[0] if len(found) == 1 else None


def visit_for_form(actor: Actor, visit_id, village_code: str) -> Visit | None:
    if not str(visit_id or "").isdigit():
        return None
    return permissions.restrict(Visit.objects.filter(pk=int(visit_id), village_id=village_code), actor).first()


def correct_phone(actor: Actor, resident: Resident, phone: str, source: str) -> None:
    """Another form (a case at the counter) brought a newer phone number: the record takes it, with history."""
    acting = permissions.require(actor, CHANGE, resident)
    phone = personal_data.normalize_phone(phone)
    if phone == resident.phone:
        return
    _track(acting, resident.household, resident, [("phone", _shown("phone", resident.phone), _shown("phone", phone))],
           source)
    Resident.objects.filter(pk=resident.pk).update(phone=phone, updated_at=timezone.now())
    record(acting, "households.update_member", resident, region_code=resident.village_id,
           detail={"fields": ["phone"], "source": source})
    resident.phone = phone


# --- grids -------------------------------------------------------------------------------------------------


def grids_of_village(actor: Actor, village_code: str):
    village_or_404(village_code)
    return permissions.restrict(Grid.objects.filter(village_id=village_code), actor).prefetch_related(
        "workers").annotate(household_count=Count("households", distinct=True))


def create_grid(actor: Actor, village_code: str, name: str) -> Grid:
    village = village_or_404(village_code)
    acting = staff_of(actor, village.code)
    name = clean_text(name, "name", 60)
    if Grid.objects.filter(village=village, name=name).exists():
        raise _invalid("name", _("The village already has a grid of this name."))
    with transaction.atomic():
        grid = Grid.objects.create(village=village, name=name)
        record(acting, "households.grid_create", grid, region_code=village.code, detail={"name": name})
    return grid


def set_grid_workers(actor: Actor, grid_id: int, usernames: list[str]) -> Grid:
    """The grid's workers: people holding the grid-worker role in the village."""
    grid = permissions.get_or_404(Grid.objects.all(), actor, MANAGE, pk=grid_id)
    acting = permissions.require(actor, MANAGE, grid)
    names = [u.strip() for u in usernames if u and u.strip()]
    workers = list(User.objects.filter(username__in=names, is_active=True, assignments__active=True,
                                       assignments__role=Role.GRID_WORKER,
                                       assignments__region_id=grid.village_id).distinct())
    unknown = sorted(set(names) - {u.username for u in workers})
    if unknown:
        raise _invalid("workers", _("Not a grid worker of this village: %(names)s.") % {"names": "、".join(unknown)})
    with transaction.atomic():
        grid.workers.set(workers)
        record(acting, "households.grid_workers", grid, region_code=grid.village_id,
               detail={"workers": [u.pk for u in workers]})
    return grid


def place_household(actor: Actor, household_id: int, grid_id) -> Household:
    """A household belongs to one grid at a time; its people, labels and visits follow."""
    household = get_household(actor, household_id, CHANGE)
    acting = staff_of(actor, household.village_id)
    grid = _grid_in(household.village_id, grid_id)
    previous = household.grid
    with transaction.atomic():
        Household.objects.filter(pk=household.pk).update(grid=grid, updated_at=timezone.now())
        Resident.objects.filter(household=household).update(grid=grid)
        Label.objects.filter(household=household).update(grid=grid)
        _track(acting, household, None, [("grid", previous.name if previous else "", grid.name if grid else "")])
        record(acting, "households.place", household, region_code=household.village_id,
               detail={"grid": grid.pk if grid else None})
    household.grid = grid
    return household


# --- key groups and visits ---------------------------------------------------------------------------------


def rules_for(county_code: str) -> dict[str, Rule]:
    rules = dict(DEFAULT_RULES)
    for row in VisitRule.objects.filter(county_id=county_code):
        rules[row.group] = Rule(row.every_days, row.in_person_days)
    return rules


def set_rule(actor: Actor, county_code: str, group: str, every_days: int, in_person_days: int) -> VisitRule:
    """A county sets its own visit interval for a key group (its administrators only)."""
    county = Region.objects.filter(code=county_code, level=3).first()
    if county is None:
        raise permissions.NotFound
    acting = None
    for a in permissions.assignments_of(actor.user) if not actor.system else []:
        if a.role == Role.COUNTY_ADMIN and a.region_id == county_code:
            acting = actor.acting_as(a)
    if acting is None and not actor.system:
        raise permissions.NotFound
    if group not in KeyGroup.values:
        raise _invalid("group", _("Choose a key group."))
    for name, value in (("every_days", every_days), ("in_person_days", in_person_days)):
        if not isinstance(value, int) or not 1 <= value <= 366:
            raise _invalid(name, _("Between 1 and 366 days."))
    if in_person_days < every_days:
        raise _invalid("in_person_days", _("Visits in person cannot be asked more often than visits of any kind."))
    with transaction.atomic():
        rule, _new = VisitRule.objects.update_or_create(county=county, group=group, defaults={
            "every_days": every_days, "in_person_days": in_person_days, "set_by": actor.user,
            "set_at": timezone.now()})
        labels = Label.objects.filter(permissions.within("village_id", county_code), group=group, ended_on__isnull=True)
        for label in labels.iterator():
            schedule(label, Rule(every_days, in_person_days))
            label.save(update_fields=["warn_on", "due_on"])
        record(acting or actor, "households.visit_rule", rule, region_code=county_code,
               detail={"group": group, "every": every_days, "in_person": in_person_days})
    return rule


def schedule(label: Label, rule: Rule) -> None:
    """When the label's next visit is due, and when its worker is warned (three quarters of the interval)."""
    if label.ended_on is not None:
        label.due_on = label.warn_on = None
        return
    any_from = max(label.last_visit_on or label.started_on, label.started_on)
    person_from = max(label.last_in_person_on or label.started_on, label.started_on)
    candidates = [(any_from, rule.every), (person_from, rule.in_person)]
    label.due_on = min(start + dt.timedelta(days=days) for start, days in candidates)
    label.warn_on = min(start + dt.timedelta(days=math.ceil(days * WARN_AT)) for start, days in candidates)


def add_label(actor: Actor, resident_id: int | None, group: str, started_on, note: str = "",
              household_id: int | None = None, ended_on=None) -> Label:
    if resident_id:
        resident = get_resident(actor, resident_id, CHANGE)
        household = resident.household
        acting = permissions.require(actor, CHANGE, resident)
        if resident.status != Status.MEMBER:
            raise _invalid("status", _("This person has moved away or died."))
    else:
        resident = None
        household = get_household(actor, household_id or 0, CHANGE)
        acting = permissions.require(actor, CHANGE, household)
    errors: dict[str, list[str]] = {}
    if group not in KeyGroup.values:
        errors["group"] = [_("Choose a key group.")]
    start = end = None
    try:
        start = _day(started_on, "started_on") or timezone.localdate()
        end = _day(ended_on, "ended_on")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if start and start > timezone.localdate():
        errors["started_on"] = [_("A label starts today or earlier.")]
    if start and end and end < start:
        errors["ended_on"] = [_("A label cannot end before it started.")]
    try:
        note = clean_text(note, "note", 200, required=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert start is not None
    if Label.objects.filter(household=household, resident=resident, group=group, ended_on__isnull=True).exists():
        raise _invalid("group", _("This label is already on the record."))
    label = Label(household=household, resident=resident, village_id=household.village_id, grid_id=household.grid_id,
                  group=group, started_on=start, ended_on=end, note=note, added_by=actor.user)
    schedule(label, rules_for(household.village_id[:6])[group])
    with transaction.atomic():
        label.save()
        _track(acting, household, resident, [("label", "", label.get_group_display())])
        record(acting, "households.label", label, region_code=household.village_id, detail={"group": group})
    return label


def end_label(actor: Actor, label_id: int, ended_on) -> Label:
    label = permissions.get_or_404(Label.objects.select_related("household"), actor, CHANGE, pk=label_id)
    acting = permissions.require(actor, CHANGE, label)
    day = _day(ended_on, "ended_on") or timezone.localdate()
    if day < label.started_on:
        raise _invalid("ended_on", _("A label cannot end before it started."))
    if label.ended_on is not None:
        raise _invalid("ended_on", _("This label has already ended."))
    with transaction.atomic():
        label.ended_on, label.due_on, label.warn_on = day, None, None
        label.save(update_fields=["ended_on", "due_on", "warn_on"])
        _track(acting, label.household, label.resident, [("label", label.get_group_display(), "")])
        record(acting, "households.label_end", label, region_code=label.village_id, detail={"on": day.isoformat()})
    return label


@dataclass
class VisitInput:
    household: int = 0
    resident: int | None = None
    visited_at: dt.datetime | str | None = None
    mode: str = Mode.IN_PERSON
    condition: str = Condition.WELL
    needs: str = ""
    client_key: str = ""


def _when(value) -> dt.datetime:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise _invalid("visited_at", _("Enter when the visit was, like 2026-12-03 09:30.")) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    dates.check(moment, "visited_at")
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise _invalid("visited_at", _("A visit cannot be recorded before it happens."))
    return moment


def record_visit(actor: Actor, data: VisitInput) -> tuple[Visit, bool]:
    """A visit from the grid worker's phone. A visit sent again (an offline phone resending) with the same key
    is taken once: the first visit is returned. The labels it covers are rescheduled."""
    key = (data.client_key or "").strip()
    if len(key) > 64:
        raise _invalid("client_key", _("The idempotency key is at most 64 characters."))
    scoped = f"{actor.user.pk if actor.user else 'system'}:{key}" if key else None
    if scoped:
        existing = Visit.objects.filter(client_key=scoped).first()
        if existing is not None:
            return existing, False
    household = get_household(actor, data.household if str(data.household).isdigit() else 0, CHANGE)
    acting = permissions.require(actor, CHANGE, household)
    errors: dict[str, list[str]] = {}
    resident = None
    if data.resident not in (None, "", 0):
        resident = household.members.filter(pk=data.resident if str(data.resident).isdigit() else 0).first()
        if resident is None:
            errors["resident"] = [_("Choose a member of this household.")]
        elif resident.status == Status.DECEASED:
            errors["resident"] = [_("This person has died.")]
    moment = None
    try:
        moment = _when(data.visited_at)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if data.mode not in Mode.values:
        errors["mode"] = [_("Say whether you went in person or called.")]
    if data.condition not in Condition.values:
        errors["condition"] = [_("Say how they are.")]
    try:
        needs = clean_text(data.needs, "needs", 2000, required=data.condition in (Condition.NEEDS_HELP,
                                                                                   Condition.URGENT))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        needs = ""
    if errors:
        raise ValidationError(errors)
    assert moment is not None
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household, resident=resident, village_id=household.village_id, grid_id=household.grid_id,
                worker=actor.user, visited_at=moment, mode=data.mode, condition=data.condition, needs=needs,
                client_key=scoped)
            if data.condition != Condition.NOT_MET:
                _reschedule(household, resident, timezone.localtime(moment).date(), data.mode)
            record(acting, "households.visit", visit, region_code=household.village_id,
                   detail={"mode": data.mode, "condition": data.condition})
    except IntegrityError:
        existing = Visit.objects.filter(client_key=scoped).first() if scoped else None
        if existing is None:
            raise
        return existing, False
    return visit, True


def _reschedule(household: Household, resident: Resident | None, day: dt.date, mode: str) -> None:
    labels = Label.objects.filter(household=household, ended_on__isnull=True)
    if resident is not None:
        labels = labels.filter(Q(resident=resident) | Q(resident__isnull=True))
    rules = rules_for(household.village_id[:6])
    for label in labels:
        label.last_visit_on = max(filter(None, [label.last_visit_on, day]))
        if mode == Mode.IN_PERSON:
            label.last_in_person_on = max(filter(None, [label.last_in_person_on, day]))
        schedule(label, rules[label.group])
        label.save(update_fields=["last_visit_on", "last_in_person_on", "warn_on", "due_on"])


def due_labels(actor: Actor, village_code: str = ""):
    """The labels whose visits the actor makes (their grids, or for the village's staff the whole village),
    soonest first. `state` per row: missed, due (warned), or later."""
    rows = permissions.restrict(Label.objects.filter(due_on__isnull=False), actor)
    if village_code:
        rows = rows.filter(village_id=village_code)
    return rows.select_related("household", "resident", "grid").order_by("due_on", "id")


def state_of(label: Label, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if label.due_on is None:
        return "ended"
    if label.due_on < today:
        return "missed"
    return "due" if label.warn_on and label.warn_on <= today else "later"


def visits_of(actor: Actor, household_id: int) -> list[Visit]:
    household = get_household(actor, household_id)
    return list(permissions.restrict(Visit.objects.filter(household=household), actor)
                .select_related("resident", "worker")[:50])


# --- figures: coverage for townships and counties -----------------------------------------------------------


def _may_count(actor: Actor, region_code: str) -> None:
    """Figures of a place for those who count it: its township's and county's officials above, the village's
    staff and grid workers for their own village."""
    if actor.system:
        return
    for a in permissions.assignments_of(actor.user):
        if a.role in COUNTERS and region_code.startswith(a.region_id):
            return
        if a.role in (Role.VILLAGE_STAFF, Role.GRID_WORKER) and region_code == a.region_id:
            return
    raise permissions.NotFound


def places_to_count(actor: Actor) -> list[str]:
    return [a.region_id for a in permissions.assignments_of(actor.user)
            if a.role in COUNTERS or a.role in (Role.VILLAGE_STAFF, Role.GRID_WORKER)]


@dataclass
class CoverageRow:
    code: str
    name: str
    labels: int = 0
    due: int = 0
    missed: int = 0
    visits: int = 0
    missed_total: int = 0


def coverage(actor: Actor, region_code: str, days: int = 30) -> tuple[list[CoverageRow], dict[str, int]]:
    """Per place one level below `region_code` (per grid inside a village): active labels, visits due within
    their warning time, visits missed now, visits made in the last `days` days, and misses recorded. Counts
    only; nobody is named. Also the active labels per key group."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise permissions.NotFound
    _may_count(actor, region_code)
    labels = permissions.restrict(Label.objects.filter(permissions.within("village_id", region_code)), actor, COUNT)
    today = timezone.localdate()
    visits = permissions.restrict(Visit.objects.filter(
        permissions.within("village_id", region_code), visited_at__gte=timezone.now() - dt.timedelta(days=days)), actor, COUNT)
    missed = permissions.restrict(MissedVisit.objects.filter(permissions.within("village_id", region_code)), actor, COUNT)
    by_grid = len(region_code) == 12
    if by_grid:
        key = "grid_id"
        names = {str(g.pk): g.name for g in Grid.objects.filter(village_id=region_code)}
        names["None"] = _("(no grid)")
    else:
        width = {2: 4, 4: 6, 6: 9, 9: 12}[len(region_code)]
        key = "place"
        names = dict(Region.objects.filter(parent_id=region_code).values_list("code", "name"))
        labels, visits, missed = (qs.annotate(place=Substr("village_id", 1, width)) for qs in (labels, visits, missed))
    rows: dict[str, CoverageRow] = {}

    def row(code) -> CoverageRow:
        code = str(code)
        return rows.setdefault(code, CoverageRow(code, names.get(code, code)))

    active = labels.filter(due_on__isnull=False)
    for found in active.values(key).annotate(
            n=Count("id"), due=Count("id", filter=Q(warn_on__lte=today, due_on__gte=today)),
            missed=Count("id", filter=Q(due_on__lt=today))):
        r = row(found[key])
        r.labels, r.due, r.missed = found["n"], found["due"], found["missed"]
    for found in visits.values(key).annotate(n=Count("id")):
        row(found[key]).visits = found["n"]
    for found in missed.values(key).annotate(n=Count("id")):
        row(found[key]).missed_total = found["n"]
    groups = dict(active.values_list("group").annotate(n=Count("id")).values_list("group", "n"))
    return sorted(rows.values(), key=lambda r: r.code), groups


def coverage_by_worker(actor: Actor, region_code: str) -> list[dict]:
    """Per grid worker in a township or village: labels in their grids, due, missed now."""
    _may_count(actor, region_code)
    labels = permissions.restrict(Label.objects.filter(permissions.within("village_id", region_code), due_on__isnull=False),
                                  actor, COUNT)
    today = timezone.localdate()
    through = Grid.workers.through
    per_grid = {g["grid_id"]: g for g in labels.values("grid_id").annotate(
        n=Count("id"), due=Count("id", filter=Q(warn_on__lte=today, due_on__gte=today)),
        missed=Count("id", filter=Q(due_on__lt=today)))}
    out: dict[int, dict] = {}
    for link in through.objects.filter(grid_id__in=[k for k in per_grid if k]).select_related("user"):
        found = per_grid[link.grid_id]
        mine = out.setdefault(link.user_id, {"worker": link.user.display_name, "labels": 0, "due": 0, "missed": 0})
        for k, src in (("labels", "n"), ("due", "due"), ("missed", "missed")):
            mine[k] += found[src]
    return sorted(out.values(), key=lambda r: (-r["missed"], r["worker"]))
