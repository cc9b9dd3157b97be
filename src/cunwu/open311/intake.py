"""What Open311 GeoReport v2 writes: `POST requests` from a partner system with its `api_key`, and the token
look-up for deferred creation.

- The key says which partner calls (partners.services); it serves one county, so `jurisdiction_id` must be that
  county or one of its villages. With a county, `address_id` names the village (its 12-digit code).
- `service_code` is a directory item of the village (an application, its `attribute[code]` answers checked as
  the form checks them) or `demand.<category>` (a problem, complaint or suggestion, `description` saying what).
- `first_name`, `last_name`, `phone` are the caller's (either a phone or a name is needed); `lat`/`long` and
  `address_string` say where. Email and device id are not kept.
- `token` (optional, at most 64 characters, our extension of the specification) is the partner's own reference:
  the same token with the same content answers the first request again instead of making a second; without one
  a token is made. `tokens/{token}` gives its service_request_id.
- The request is made by the partner's service account through the same service as every other intake, so the
  village is told, the clock starts, and every rule of the form holds; a refusal is a 400 naming the field.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.cases import services as cases
from cunwu.cases.choices import CaseKind, Category, Channel
from cunwu.cases.models import Case
from cunwu.partners.models import Partner, PartnerKind

from .georeport import DEMAND, Problem, jurisdiction

FIELDS = {"kind": "service_code", "item": "service_code", "category": "service_code", "title": "description",
          "description": "description", "applicant_name": "last_name", "applicant_phone": "phone",
          "latitude": "lat", "longitude": "long", "place": "address_string", "idempotency_key": "token",
          "village": "address_id"}


def _village(partner: Partner, form) -> str:
    place = jurisdiction(form.get("jurisdiction_id", ""))
    if not place.code.startswith(partner.region_id):
        raise Problem(403, _("This api_key serves %(county)s; jurisdiction_id %(code)s is outside it.")
                      % {"county": partner.region.name, "code": place.code})
    if place.level == 5:
        return place.code
    village = (form.get("address_id") or "").strip()
    if len(village) != 12 or not village.isdigit() or not village.startswith(place.code):
        raise Problem(400, _("With a county as jurisdiction_id, address_id must be the code (12 digits) of one of "
                             "its villages."))
    return village


def _answers(form) -> dict:
    answers = {}
    for name in form:
        if name.startswith("attribute[") and name.endswith("]"):
            values = form.getlist(name)
            answers[name[10:-1]] = values if len(values) > 1 else values[0]
    return answers


def case_input(partner: Partner, village: str, code: str, *, description: str = "", name: str = "",
               phone: str = "", latitude=None, longitude=None, place: str = "", token: str = "",
               answers: dict | None = None) -> cases.CaseInput:
    """A request from a partner as the intake service takes it: a directory item or `demand.<category>`."""
    data = cases.CaseInput(
        village=village, description=description, answers=answers or {},
        channel=Channel.HOTLINE if partner.kind in (PartnerKind.HOTLINE, PartnerKind.LEGAL_LINE) else Channel.API,
        applicant_name=name, applicant_phone=phone, latitude=latitude, longitude=longitude, place=place,
        idempotency_key=token)
    if not code:
        raise Problem(400, _("service_code is required."))
    if code.startswith(DEMAND):
        if code[len(DEMAND):] not in Category.values:
            raise Problem(404, _("There is no service %(code)s.") % {"code": code[:64]})
        data.kind, data.category = CaseKind.DEMAND, code[len(DEMAND):]
        data.title = description.splitlines()[0][:60] if description else str(Category(data.category).label)
    else:
        data.kind, data.item = CaseKind.APPLICATION, code
    return data


def submit_as(partner: Partner, data: cases.CaseInput, source: str, names: dict | None = None) -> tuple[Case, bool]:
    """Made by the partner's service account, through the same service as every other intake; a refusal is a
    Problem naming the fields as the specification's parameters."""
    try:
        return cases.submit(Actor(user=partner.user, channel="api", source=source), data)
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        if "item" in problems:
            raise Problem(404, problems["item"][0]) from None
        raise Problem(400, " ".join(
            f"{_name(field, names or FIELDS)}: {' '.join(messages)}" if field and field != "__all__"
            else " ".join(messages)
            for field, messages in problems.items())) from None
    except (permissions.Forbidden, permissions.NotFound):
        raise Problem(403, _("This api_key may not submit requests here.")) from None


def submit(partner: Partner, form, source: str) -> tuple[dict, bool]:
    """Make the case; returns the specification's answer and whether it is new."""
    village = _village(partner, form)
    token = (form.get("token") or "").strip() or f"t{uuid.uuid4().hex}"
    data = case_input(
        partner, village, (form.get("service_code") or "").strip(),
        description=(form.get("description") or "").strip(),
        name=(form.get("last_name") or "").strip() + (form.get("first_name") or "").strip(),
        phone=(form.get("phone") or "").strip(), latitude=form.get("lat"), longitude=form.get("long"),
        place=(form.get("address_string") or "").strip(), token=token, answers=_answers(form))
    case, created = submit_as(partner, data, source)
    notice = _("Received by %(village)s; the time limit runs to %(due)s.") % {
        "village": case.village.name,
        "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else "—"}
    return {"service_request_id": case.number, "token": token, "service_notice": notice, "account_id": None}, created


def _name(field: str, names: dict) -> str:
    if field.startswith("q_"):
        return f"attribute[{field[2:]}]"
    return names.get(field, field)


def token(place, value: str) -> dict:
    """The request a partner's token made, for any partner of the place's county."""
    keys = [f"{user}:{value}" for user in Partner.objects.filter(region_id=place.code[:6])
            .values_list("user_id", flat=True)]
    case = Case.objects.filter(idempotency_key__in=keys).only("number", "village_id").first() if keys else None
    if case is None or not case.village_id.startswith(place.code):
        raise Problem(404, _("There is no token %(t)s in %(place)s.") % {"t": value[:64], "place": place.name})
    return {"token": value, "service_request_id": case.number}
