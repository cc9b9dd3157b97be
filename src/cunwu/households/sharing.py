"""Data sharing by request (seed 004: share data instead of asking villages again; PIPL art. 13, 28 for the
sensitive key-group categories). A county department asks for the named data of one key group in its county,
with a purpose and a legal basis; the county administrator approves the fields the purpose needs, until a day,
or refuses; the department then exports exactly those fields, each export marked with who asked, why and when,
counted and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunwu import dates
from cunwu.accounts import permissions, personal_data
from cunwu.accounts.models import Assignment
from cunwu.accounts.permissions import VIEW
from cunwu.accounts.roles import Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.notify import services as notify
from cunwu.text import clean_text

from .choices import KeyGroup, Status
from .models import Label, Resident, SharingRequest
from .policies import DECIDE

FIELDS = {  # what may be asked, in the order an export gives it
    "village": gettext_lazy("village (administrative)"),
    "group_name": gettext_lazy("natural village or group"),
    "address": gettext_lazy("home address"),
    "name": gettext_lazy("person's name"),
    "sex": gettext_lazy("person's sex"),
    "birth_date": gettext_lazy("date of birth"),
    "national_id": gettext_lazy("national ID number"),
    "phone": gettext_lazy("mobile number"),
    "label_since": gettext_lazy("in the key group since"),
}
LONGEST_DAYS = 366


@dataclass
class SharingInput:
    group: str
    fields: list[str]
    purpose: str
    legal_basis: str


def department_officer(actor: Actor):
    for a in permissions.assignments_of(actor.user):
        if a.role == Role.DEPARTMENT_OFFICER and a.department_id:
            return a
    return None


def ask(actor: Actor, data: SharingInput) -> SharingRequest:
    assignment = department_officer(actor)
    if assignment is None:
        raise permissions.NotFound
    errors: dict[str, list[str]] = {}
    if data.group not in KeyGroup.values:
        errors["group"] = [_("Choose a key group.")]
    fields = [f for f in dict.fromkeys(data.fields or []) if f in FIELDS]
    if not fields or len(fields) != len(set(data.fields or [])):
        errors["fields"] = [_("Choose the fields the purpose needs, from the list.")]
    cleaned = {}
    for name, limit in (("purpose", 1000), ("legal_basis", 1000)):
        try:
            cleaned[name] = clean_text(getattr(data, name), name, limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    acting = actor.acting_as(assignment)
    with transaction.atomic():
        found = SharingRequest.objects.create(
            county_id=assignment.region_id, department=assignment.department, requested_by=actor.user,
            group=data.group, fields=fields, **cleaned)
        record(acting, "sharing.asked", found, region_code=assignment.region_id,
               detail={"group": data.group, "fields": fields})
        admins = [a.user for a in Assignment.objects.active().filter(role=Role.COUNTY_ADMIN,
                                                                     region_id=assignment.region_id)
                  .select_related("user")]
        notify.tell(admins, "sharing_request", f"sharing:{found.pk}", f"{found.department} · {found.get_group_display()}",
                    link=reverse("households:sharing_request", args=[found.pk]), region_code=assignment.region_id,
                    role=Role.COUNTY_ADMIN)
    return found


def get(actor: Actor, request_id: int) -> SharingRequest:
    return permissions.get_or_404(SharingRequest.objects.select_related("department", "requested_by", "decided_by"),
                                  actor, VIEW, pk=request_id)


def requests_of(actor: Actor):
    return permissions.restrict(SharingRequest.objects.all(), actor).select_related("department", "requested_by")


def decide(actor: Actor, request_id: int, approve: bool, fields: list[str], valid_until, note: str) -> SharingRequest:
    """The county administrator approves some of the fields asked (never more), until a day within a year, or
    refuses; either way with a note the department reads."""
    found = get(actor, request_id)
    acting = permissions.require(actor, DECIDE, found, _("Only the county administrator decides."))
    if found.state != SharingRequest.State.PENDING:
        raise ValidationError({"state": [_("This request has already been decided.")]})
    note = clean_text(note, "note", 1000, required=not approve)
    update = {"decided_by": actor.user, "decided_at": timezone.now(), "decision_note": note}
    if approve:
        allowed = [f for f in dict.fromkeys(fields or []) if f in found.fields]
        if not allowed or len(allowed) != len(set(fields or [])):
            raise ValidationError({"fields": [_("Approve some of the fields asked, and only those.")]})
        until = dates.parse("" if valid_until is None else valid_until, "valid_until")
        today = timezone.localdate()
        if until is None or until < today or until > today + dt.timedelta(days=LONGEST_DAYS):
            raise ValidationError({"valid_until": [_("Give a last day from today to a year from now.")]})
        update.update(state=SharingRequest.State.APPROVED, approved_fields=allowed, valid_until=until)
    else:
        update.update(state=SharingRequest.State.REFUSED)
    with transaction.atomic():
        changed = SharingRequest.objects.filter(pk=found.pk, state=SharingRequest.State.PENDING).update(**update)
        if not changed:
            raise ValidationError({"state": [_("This request has already been decided.")]})
        found.refresh_from_db()
        record(acting, "sharing.approved" if approve else "sharing.refused", found, region_code=found.county_id,
               detail={"fields": found.approved_fields, "until": str(found.valid_until or "")})
        notify.tell([found.requested_by], "sharing_decided", f"sharing-decided:{found.pk}",
                    f"S-{found.pk} · {found.get_state_display()}",
                    link=reverse("households:sharing_request", args=[found.pk]), region_code=found.county_id,
                    role=Role.DEPARTMENT_OFFICER)
    return found


def _rows(found: SharingRequest) -> list[dict]:
    labels = (Label.objects.filter(permissions.within("village_id", found.county_id), group=found.group,
                                   ended_on__isnull=True)
              .filter(Q(resident__status=Status.MEMBER) | Q(resident__isnull=True))
              .select_related("household", "resident", "village").order_by("village_id", "household_id", "id"))
    out = []
    for label in labels.iterator(chunk_size=2000):
        person = label.resident or Resident.objects.filter(household=label.household, relation="head",
                                                           status=Status.MEMBER).first()
        if person is None:
            continue
        values = {
            "village": label.village.name, "group_name": label.household.group_name,
            "address": label.household.address, "name": person.name, "sex": person.get_sex_display(),
            "birth_date": person.birth_date.isoformat(), "phone": person.phone or label.household.phone,
            "national_id": personal_data.decrypt(person.national_id_sealed)
            if "national_id" in found.approved_fields else "",
            "label_since": label.started_on.isoformat(),
        }
        out.append({k: values[k] for k in found.approved_fields})
    return out


def export(actor: Actor, request_id: int) -> tuple[SharingRequest, list[dict], str]:
    """The approved fields of every person in the group, with the line that marks the export; only the
    requesting department, only while the approval holds. Each export is counted and audited."""
    found = get(actor, request_id)
    officer = department_officer(actor)
    if officer is None or officer.department_id != found.department_id:
        raise permissions.Forbidden(_("Only the department that asked exports the data."))
    if not found.usable:
        raise permissions.Forbidden(_("This request is not approved, or its approval has ended."))
    rows = _rows(found)
    now = timezone.localtime()
    mark = _("Provided to %(dept)s, %(who)s, on %(when)s for: %(purpose)s (basis: %(basis)s). Request S-%(id)s. "
             "Use it for this purpose only; do not pass it on.") % {
        "dept": found.department, "who": actor.user.display_name, "when": now.strftime("%Y-%m-%d %H:%M"),
        "purpose": found.purpose, "basis": found.legal_basis, "id": found.pk}
    with transaction.atomic():
        SharingRequest.objects.filter(pk=found.pk).update(exports=F("exports") + 1)
        record(actor.acting_as(officer), "sharing.export", found, region_code=found.county_id,
               detail={"people": len(rows), "fields": found.approved_fields})
    return found, rows, mark


def to_xlsx(found: SharingRequest, rows: list[dict], mark: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"S-{found.pk}"
    sheet.append([mark])
    sheet.append([str(FIELDS[f]) for f in found.approved_fields])
    for row in rows:
        sheet.append([row[f] for f in found.approved_fields])
    sheet.append([mark])
    sheet.oddHeader.center.text = mark[:250]  # printed on every page
    book.properties.description = mark
    out = BytesIO()
    book.save(out)
    return out.getvalue()
