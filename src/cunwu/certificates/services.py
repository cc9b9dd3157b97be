"""Every write on certificates, and their verification. Views, API endpoints and commands call only these."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions
from cunwu.accounts.permissions import VIEW
from cunwu.accounts.roles import Role
from cunwu.accounts.services import holders, region_or_error
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.households import services as households
from cunwu.notify import services as notify
from cunwu.regions.models import Region
from cunwu.text import clean_text, text_problem

from . import catalogue, keys, serials, signing
from .models import Certificate, CertificateRequest, CertificateType, RequestState, Status, VerificationTally
from .policies import ISSUE, OVERSEERS, REVOKE


def seed_types() -> int:
    """The national types (idempotent): the 20 non-issuable items, and issuable and commitment examples."""
    n = 0
    for order, (code, name, instead) in enumerate(catalogue.NON_ISSUABLE, start=1):
        CertificateType.objects.update_or_create(code=code, region_code="", retired_at=None, defaults={
            "name": name, "status": Status.NON_ISSUABLE, "verify_instead": instead, "order": order,
            "legal_basis": "《民政部等关于印发〈村级组织不应出具证明事项清单（第一批）〉的通知》（民发〔2020〕20号）"})
        n += 1
    for status, rows in ((Status.ISSUABLE, catalogue.ISSUABLE), (Status.COMMITMENT, catalogue.COMMITMENT)):
        for order, row in enumerate(rows, start=1):
            CertificateType.objects.update_or_create(code=row["code"], region_code="", retired_at=None, defaults={
                "name": row["name"], "status": status, "legal_basis": row["legal_basis"], "purpose": row["purpose"],
                "procedure": row["procedure"], "checks": row.get("checks", []), "fields": row["fields"],
                "limit_days": row.get("limit_days", 0), "validity_days": row.get("validity_days", 180),
                "major": row.get("major", False), "order": order})
            n += 1
    return n


def types_for(village_code: str) -> list[CertificateType]:
    """The national types and those its province added, in the order of the public list (public to anyone); the
    current version of each, never a retired one."""
    return list(permissions.restrict(CertificateType.objects.filter(region_code__in=["", village_code[:2]],
                                                                    retired_at__isnull=True), None))


def _type(village_code: str, code: str) -> CertificateType:
    found = [t for t in types_for(village_code) if t.code == (code or "").strip()]
    if not found:
        raise ValidationError({"type": [_("Choose a kind of certificate from the village's list.")]})
    return max(found, key=lambda t: len(t.region_code))  # a province's own rule over the national one


def _village(code: str) -> Region:
    village = Region.objects.village(code)
    if village is None:
        raise ValidationError({"village": [_("Choose the village the request is for.")]})
    return village


@dataclass
class RequestInput:
    village: str
    type: str
    purpose: str = ""
    values: dict = field(default_factory=dict)
    applicant_name: str = ""  # when staff take the request in on a villager's behalf
    resident: int | None = None  # or the village's record of the villager, whose details it then takes


YEAR_FIELDS = ("since", "residence_since")  # a year (or a date) from which something has been so


def check_values(kind, values: dict) -> dict:
    """The values a certificate will print, each checked: at most 500 characters (refused, never cut), no
    control characters, and a year "since" neither before 1900 nor after today. Errors name the form's field."""
    known = {f[0] for f in kind.fields}
    errors: dict[str, list[str]] = {}
    out = {}
    this_year = timezone.localdate().year
    for key, raw in values.items():
        value = str(raw).strip()
        if key not in known or not value:
            continue
        problem = text_problem(value, 500)
        if not problem and key in YEAR_FIELDS:
            year = value[:4]
            if not (year.isdigit() and (len(value) == 4 or value[4] in "-年.")):
                problem = _("Write the year, like 2001.")
            elif not 1900 <= int(year) <= this_year:
                problem = _("A year from 1900 to %(y)s.") % {"y": this_year}
        if problem:
            errors[f"v_{key}"] = [problem]
        else:
            out[key] = value
    if errors:
        raise ValidationError(errors)
    return out


def submit(actor: Actor, data: RequestInput) -> CertificateRequest:
    """A request. A type the village must not issue is refused at once, naming who verifies instead; a
    commitment type is answered with the commitment to sign; an issuable one waits for the staff's checks (or,
    on a major matter, for deliberation or the township first)."""
    if actor.user is None:
        raise permissions.Forbidden(_("Sign in to ask for a certificate."))
    village = _village(data.village)
    mine = [a for a in permissions.assignments_of(actor.user) if a.region_id == village.code]
    villager = next((a for a in mine if a.role == Role.VILLAGER), None)
    staff = next((a for a in mine if a.role == Role.VILLAGE_STAFF), None)
    if villager is None and staff is None:
        raise permissions.NotFound
    kind = _type(village.code, data.type)
    resident = None
    if staff is not None and data.resident not in (None, "", 0):  # collect once: from the village's record
        resident = households.resident_for_form(actor, data.resident, village.code)
        if resident is None:
            raise ValidationError({"resident": [_("This person is not in the village's records that you may see.")]})
    name = (actor.user.full_name if villager else (data.applicant_name or "").strip()
            or (resident.name if resident else ""))[:100]
    if not name:
        raise ValidationError({"applicant_name": [_("Say whose certificate this is.")]})
    values = check_values(kind, data.values or {})
    values.setdefault("holder_name", name)
    if resident is not None and "address" in {f[0] for f in kind.fields}:
        values.setdefault("address", resident.household.address)
    now = timezone.now()
    req = CertificateRequest(village=village, county_code=village.code[:6], type=kind, applicant_name=name,
                             applicant=actor.user if villager else None, submitted_by=actor.user, resident=resident,
                             purpose=clean_text(data.purpose, "purpose", 300, required=False), values=values,
                             created_at=now)
    if kind.status == Status.NON_ISSUABLE:
        req.state, req.decided_at = RequestState.REFUSED, now
        req.reason = _("Village organisations must not issue this certificate. %(instead)s") % {
            "instead": kind.verify_instead}
    elif kind.status == Status.COMMITMENT:
        req.state, req.decided_at = RequestState.COMMITTED, now
        req.reason = _("No certificate is needed: sign a written commitment; the office that asks will check it.")
    else:
        req.state = RequestState.REVIEW if kind.major else RequestState.PENDING
    with transaction.atomic():
        # the version is locked while the request is written: a province's change either waits for it (and then
        # moves it) or came first (and the request is refused here, never left on a retired version)
        if not CertificateType.objects.select_for_update().filter(pk=kind.pk, retired_at__isnull=True).exists():
            raise ValidationError({"type": [_("The province changed this kind of certificate just now; ask again.")]})
        req.save()
        record(actor.acting_as(villager or staff), "certificates.requested", req, region_code=village.code,
               detail={"type": kind.code, "state": req.state})
        if req.state in (RequestState.PENDING, RequestState.REVIEW) and villager is not None:
            _tell_staff(req)
    return req


def _ref(req: CertificateRequest) -> str:
    return f"{req.type.name} #{req.pk}"


def _tell_staff(req: CertificateRequest) -> None:
    """A villager's request reaches the village's staff (their inbox and a text), who must check and decide it."""
    notify.tell(holders(Role.VILLAGE_STAFF, region_id=req.village_id), "certificate_request", f"certreq:{req.pk}",
                _ref(req), link=f"/certificates/requests/{req.pk}/", region_code=req.village_id,
                role=Role.VILLAGE_STAFF)


def _tell_applicant(req: CertificateRequest) -> None:
    """The villager who asked is told once it is decided (issued or refused)."""
    if req.applicant is not None:
        notify.tell([req.applicant], "certificate_decided", f"certreq:{req.pk}:{req.state}", _ref(req),
                    link=f"/certificates/requests/{req.pk}/", region_code=req.village_id)


def _load_request(actor: Actor, request_id: int, action: str) -> tuple[CertificateRequest, Actor]:
    req = permissions.get_or_404(CertificateRequest.objects.select_related("type", "village"), actor, VIEW,
                                 pk=request_id)
    acting = permissions.require(actor, action, req, _("Only the village's staff handle certificate requests."))
    return CertificateRequest.objects.select_for_update().select_related("type", "village").get(pk=req.pk), acting


def record_review(actor: Actor, request_id: int, note: str) -> CertificateRequest:
    """The record of the village deliberation or the township's answer on a major matter; then it may be
    issued."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Record what the deliberation or the township decided.")]})
    with transaction.atomic():
        req, acting = _load_request(actor, request_id, ISSUE)
        if req.state != RequestState.REVIEW:
            raise permissions.Forbidden(_("This request is not waiting for deliberation."))
        req.state, req.reason = RequestState.PENDING, clean_text(note, "note", 2000)
        req.save(update_fields=["state", "reason"])
        record(acting, "certificates.reviewed", req, region_code=req.village_id)
    return req


def refuse(actor: Actor, request_id: int, reason: str) -> CertificateRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate cannot be issued.")]})
    with transaction.atomic():
        req, acting = _load_request(actor, request_id, ISSUE)
        if req.state not in (RequestState.PENDING, RequestState.REVIEW):
            raise permissions.Forbidden(_("This request has already been decided."))
        req.state, req.reason, req.decided_at, req.decided_by = RequestState.REFUSED, clean_text(reason, "reason", 2000), timezone.now(), actor.user
        req.save(update_fields=["state", "reason", "decided_at", "decided_by"])
        record(acting, "certificates.refused", req, region_code=req.village_id)
        _tell_applicant(req)
    return req


def masked(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def content_digest(content: dict) -> str:
    return signing.b64encode(hashlib.sha256(signing.canonical(content)).digest()[:16])


def issue(actor: Actor, request_id: int, checks_done: list[str], values: dict | None = None) -> Certificate:
    """Issue a certificate once every check of its type is recorded: signed with the county's current key."""
    with transaction.atomic():
        req, acting = _load_request(actor, request_id, ISSUE)
        kind = req.type
        if kind.retired_at is not None:
            raise permissions.Forbidden(_("The province has withdrawn this kind of certificate; it can no longer be "
                                          "issued."))
        if req.state == RequestState.REVIEW:
            raise permissions.Forbidden(_("Record the deliberation or the township's answer first."))
        if req.state != RequestState.PENDING:
            raise permissions.Forbidden(_("Only a request whose checks are due can be issued."))
        done = [c for c in dict.fromkeys(checks_done or []) if c in kind.checks]
        if set(done) != set(kind.checks):
            missing = [c for c in kind.checks if c not in done]
            raise ValidationError({"checks": [_("Record every check first: %(m)s") % {"m": "、".join(missing)}]})
        content = dict(req.values) | check_values(kind, values or {})
        blank = [label for name, label in kind.fields if not content.get(name)]
        if blank:
            raise ValidationError({"values": [_("Fill in: %(f)s") % {"f": "、".join(blank)}]})
        key = keys.active_key(req.county_code)
        now = timezone.now()
        issued_on = timezone.localdate(now)
        valid_until = issued_on + dt.timedelta(days=kind.validity_days)
        serial = serials.new()
        claims = {"s": serial, "t": kind.code, "v": req.village_id, "h": masked(content["holder_name"]),
                  "i": issued_on.isoformat(), "u": valid_until.isoformat(), "c": content_digest(content)}
        token = signing.sign(claims, key.kid, keys.private_key(key))
        certificate = Certificate.objects.create(
            serial=serial, request=req, village=req.village, county_code=req.county_code, type=kind,
            holder_name=content["holder_name"], content=content, issued_by=actor.user, issued_at=now,
            valid_until=valid_until, key=key, token=token)
        req.state, req.checks_done, req.values = RequestState.ISSUED, done, content
        req.decided_at, req.decided_by = now, actor.user
        req.save(update_fields=["state", "checks_done", "values", "decided_at", "decided_by"])
        record(acting, "certificates.issued", certificate, region_code=req.village_id,
               detail={"type": kind.code, "kid": key.kid})
        _tell_applicant(req)
    return certificate


def revoke(actor: Actor, serial: str, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    found = permissions.get_or_404(Certificate.objects.all(), actor, VIEW, serial__in=_serials(serial))
    acting = permissions.require(actor, REVOKE, found, _("Only the village's staff or the county revoke it."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=found.pk)
        if certificate.revoked_at:
            raise permissions.Forbidden(_("This certificate is already revoked."))
        certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by = timezone.now(), clean_text(reason, "reason", 2000), actor.user
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
        record(acting, "certificates.revoked", certificate, region_code=certificate.village_id)
    return certificate


def public_list(village_code: str) -> tuple[Region, dict[str, list[CertificateType]]]:
    """What a village's notice page shows: the types it issues, those replaced by a commitment, and those it
    must not issue with who verifies instead (a province's own rule over the national one)."""
    village = Region.objects.filter(code=(village_code or "").strip(), level=5, active=True).first()
    if village is None:
        raise permissions.NotFound
    chosen: dict[str, CertificateType] = {}
    for kind in sorted(types_for(village.code), key=lambda t: len(t.region_code)):
        chosen[kind.code] = kind
    groups: dict[str, list[CertificateType]] = {s.value: [] for s in Status}
    for kind in sorted(chosen.values(), key=lambda t: (t.order, t.code)):
        groups[kind.status].append(kind)
    return village, groups


def may_request(actor: Actor, village_code: str) -> str:
    """"villager", "staff" or "" for someone who cannot ask the village for a certificate."""
    if actor.user is None:
        return ""
    roles = {a.role for a in permissions.assignments_of(actor.user) if a.region_id == village_code}
    return "staff" if Role.VILLAGE_STAFF in roles else "villager" if Role.VILLAGER in roles else ""


def visible_requests(actor: Actor, state: str = ""):
    queryset = permissions.restrict(CertificateRequest.objects.select_related("type", "village"), actor)
    if state in RequestState.values:
        queryset = queryset.filter(state=state)
    elif state == "open":
        queryset = queryset.filter(state__in=[RequestState.PENDING, RequestState.REVIEW])
    return queryset


def get_request(actor: Actor, request_id: int) -> CertificateRequest:
    return permissions.get_or_404(CertificateRequest.objects.select_related("type", "village", "decided_by"), actor,
                                  VIEW, pk=request_id)


def _serials(text: str) -> set[str]:
    """The stored serials a typed one may be: as typed (an older serial) and read as Crockford base32."""
    text = (text or "").strip()
    return {text, serials.normal(text) or text}


def get_certificate(actor: Actor, serial: str) -> Certificate:
    return permissions.get_or_404(Certificate.objects.select_related("type", "village", "key", "request"), actor,
                                  VIEW, serial__in=_serials(serial))


def certificate_pdf(actor: Actor, serial: str, url_for) -> tuple[Certificate, bytes]:
    """The certificate as PDF, for its holder and those who see it; each copy handed out is audited.
    `url_for(path)` makes a path an address: the QR code holds the signed payload's link, and the short address by
    serial is printed for those who type it."""
    from django.urls import reverse

    from . import pdf

    certificate = get_certificate(actor, serial)
    data = pdf.render(certificate, url_for(reverse("certificates:verify", args=[certificate.token])),
                      url_for(reverse("verify-short", args=[serials.grouped(certificate.serial)])))
    record(actor, "certificates.pdf", certificate, region_code=certificate.village_id)
    return certificate, data


FIGURE_READERS = (Role.VILLAGE_STAFF, Role.TOWNSHIP_OFFICER, *OVERSEERS)


def figures(actor: Actor, region_code: str, start: dt.date | None, end: dt.date | None):
    """Issued, refused (by reason) and commitments per place below a region the actor oversees (NotFound for
    anyone else); the period defaults to this year so far."""
    from cunwu.cases.queues import period

    from . import figures as tables

    end = end or timezone.localdate()
    start, end = period(start or end.replace(month=1, day=1), end)  # the same checks as the case rates
    mine = [a.region_id for a in permissions.assignments_of(actor.user) if a.role in FIGURE_READERS]
    code = (region_code or "").strip() or (mine[0] if mine else "")
    region = Region.objects.filter(code=code, level__lte=5).first() if code else None
    if region is None or not (actor.system or any(code.startswith(r) for r in mine)):
        raise permissions.NotFound
    return tables.report(region, start, end)


# --- verification -----------------------------------------------------------------------------------------


@dataclass
class Verification:
    status: str  # valid, expired, revoked, unknown, malformed, unknown_key, bad_signature
    claims: dict = field(default_factory=dict)
    type_name: str = ""
    village_name: str = ""
    revoked_on: dt.date | None = None

    @property
    def trusted(self) -> bool:
        return self.status == "valid"

    def as_dict(self) -> dict:
        """The minimal content: nothing beyond what the payload itself carries, plus names and state."""
        out = {"status": self.status, "valid": self.trusted}
        if self.claims:
            out.update({"serial": serials.grouped(str(self.claims.get("s") or "")), "type": self.type_name, "village": self.village_name,
                        "holder": self.claims.get("h"), "issued_on": self.claims.get("i"),
                        "valid_until": self.claims.get("u"), "key": self.claims.get("k")})
        if self.revoked_on:
            out["revoked_on"] = self.revoked_on.isoformat()
        return out


def verify(token: str, today: dt.date | None = None) -> Verification:
    """Check a payload's signature against the published keys, then its state here; count the verification
    (on the certificate, and per day and outcome, failures included)."""
    with transaction.atomic():  # one commit for both counters
        result = _verify(token, today or timezone.localdate())
        _tally(result.status)
    return result


def _verify(token: str, today: dt.date) -> Verification:
    try:
        claims = signing.verify(token, keys.KeyRing())
    except signing.Invalid as exc:
        return Verification(exc.reason)
    certificate = Certificate.objects.select_related("type", "village").filter(serial=str(claims.get("s"))).first()
    if certificate is None or certificate.token != token.strip():
        return Verification("unknown", claims)
    Certificate.objects.filter(pk=certificate.pk).update(verifications=F("verifications") + 1,
                                                         last_verified_at=timezone.now())
    result = Verification("valid", claims, certificate.type.name, certificate.village.name)
    if certificate.revoked_at:
        result.status, result.revoked_on = "revoked", timezone.localdate(certificate.revoked_at)
    elif dt.date.fromisoformat(claims["u"]) < today:
        result.status = "expired"
    return result


OLD_SERIAL = re.compile(r"[A-Za-z0-9_-]{16}")  # serials issued before they were Crockford base32


def verify_code(text: str, today: dt.date | None = None) -> Verification:
    """What a person types or pastes: the serial printed on the certificate (in any case, with or without its
    hyphens), the payload, or the whole link."""
    text = (text or "").strip()
    if "CW1." in text:
        return verify(text[text.index("CW1."):], today)
    shaped = serials.normal(text) is not None or OLD_SERIAL.fullmatch(text) is not None
    token = Certificate.objects.filter(serial__in=_serials(text)).values_list("token", flat=True).first() \
        if shaped else None
    if token is None:
        result = Verification("unknown" if shaped else "malformed")
        _tally(result.status)
        return result
    return verify(token, today)


def _tally(outcome: str) -> None:
    day = timezone.localdate()
    if VerificationTally.objects.filter(day=day, outcome=outcome).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            VerificationTally.objects.create(day=day, outcome=outcome, count=1)
    except IntegrityError:  # another request made the row first
        VerificationTally.objects.filter(day=day, outcome=outcome).update(count=F("count") + 1)


def verification_allowed(source: str) -> bool:
    """At most CUNWU["VERIFICATIONS_PER_MINUTE"] verifications a minute from one client address (a flood or an
    enumeration attempt is turned away; payloads are signed and serials random, so guessing finds nothing).
    Counted in the database, so every process of a deployment shares the budget."""
    from django.conf import settings

    from cunwu.accounts import throttle

    return throttle.allowed("cert-verify", source, settings.CUNWU["VERIFICATIONS_PER_MINUTE"], 60)


# --- the township's help with a certificate the village must not issue (seed 004 §8) ----------------------------


def may_ask_township(actor: Actor, req: CertificateRequest) -> bool:
    """Whether the actor may take this refused request to the township: the applicant, or the village's staff."""
    if req.state != RequestState.REFUSED or req.type.status != Status.NON_ISSUABLE or req.township_case:
        return False
    return (actor.user is not None and req.applicant_id == actor.user.pk) or permissions.can(actor, ISSUE, req)


def ask_township(actor: Actor, request_id: int, note: str = "", consent: str = "") -> str:
    """A villager refused a certificate the village must not issue, who truly needs the proof, asks the township
    to help obtain it from the body that verifies it: a case at the township with its clock (the township's
    officers are told). Asked twice, the first case stands. Returns the case's number."""
    from cunwu.cases import services as cases
    from cunwu.cases.choices import CaseKind, Category, DemandType

    req = permissions.get_or_404(CertificateRequest.objects.select_related("type", "village", "applicant"), actor,
                                 VIEW, pk=request_id)
    if req.township_case:
        return req.township_case
    if not may_ask_township(actor, req):
        raise permissions.Forbidden(_("Only a certificate the village must not issue, once refused, can be taken to "
                                      "the township, by the person who asked or the village's staff."))
    note = clean_text(note, "note", 1000, required=False)
    kind = req.type
    mine = actor.user is not None and req.applicant_id == actor.user.pk
    data = cases.CaseInput(
        village=req.village_id, kind=CaseKind.DEMAND, demand_type=DemandType.PROBLEM, category=Category.OTHER,
        title=(_("Help to obtain a proof: %(name)s") % {"name": kind.name})[:200],
        description="\n".join(p for p in [
            _("What it is for: %(p)s") % {"p": req.purpose} if req.purpose else "",
            _("Who verifies it: %(w)s") % {"w": kind.verify_instead}, note] if p),
        to_township=_("Village organisations must not issue “%(name)s”; the applicant needs the proof. The township "
                      "helps obtain it from the body that verifies it.") % {"name": kind.name},
        consent="" if mine else consent,
        applicant_name="" if mine else req.applicant_name,
        applicant_phone=("" if mine or req.applicant is None else req.applicant.phone),
        resident=None if mine else req.resident_id,
        idempotency_key=f"certreq-{req.pk}-township")
    with transaction.atomic():
        locked = CertificateRequest.objects.select_for_update().get(pk=req.pk)
        if locked.township_case:
            return locked.township_case
        case, _made = cases.submit(actor, data)
        locked.township_case = case.number
        locked.save(update_fields=["township_case"])
        acting = actor if mine else permissions.require(actor, ISSUE, locked)
        record(acting, "certificates.township_asked", locked, region_code=req.village_id,
               detail={"case": case.number, "type": kind.code})
    return case.number


# --- the province's own types (seed 004 §8: each province keeps its list) -----------------------------------------

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
FIELD_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
HOLDER = ["holder_name", "姓名"]


@dataclass
class TypeInput:
    name: str = ""
    status: str = Status.ISSUABLE
    legal_basis: str = ""
    purpose: str = ""
    procedure: str = ""
    verify_instead: str = ""
    checks: list[str] = field(default_factory=list)
    # [[name, label], ...]; a bare label gets a name (f1, f2, …); the holder's name always comes first
    fields: list = field(default_factory=list)
    limit_days: int | str = 0
    validity_days: int | str = 180
    major: bool = False


def _whole(value, name: str, low: int, high: int, errors: dict) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = [_("A whole number from %(a)d to %(b)d.") % {"a": low, "b": high}]
        return low
    return int(text)


def _type_fields(raw: list, errors: dict) -> list[list[str]]:
    out: list[list[str]] = [list(HOLDER)]
    for n, item in enumerate(raw or [], start=1):
        if isinstance(item, (list, tuple)) and len(item) == 2:
            name, label = str(item[0]).strip(), str(item[1]).strip()
        else:
            name, label = "", str(item).strip()
        if not label:
            continue
        name = name or f"f{n}"
        if name == HOLDER[0]:
            out[0] = [name, label]
            continue
        if not FIELD_RE.match(name) or text_problem(label, 40):
            errors["fields"] = [_("Each printed field has a name of lower-case letters, digits or underscores and a "
                                  "label of at most 40 characters.")]
            break
        if name in {f[0] for f in out}:
            errors["fields"] = [_("Two printed fields have the name %(n)s.") % {"n": name}]
            break
        out.append([name, label])
    if len(out) > 12:
        errors["fields"] = [_("At most 12 printed fields.")]
    return out


def _type_values(data: TypeInput, national: CertificateType | None) -> dict:
    """The rows of a type as the province writes them, each checked; errors name the form's field and the rule."""
    errors: dict[str, list[str]] = {}

    def text(name: str, limit: int, required: str = "") -> str:
        value = (getattr(data, name) or "").strip()
        problem = text_problem(value, limit)
        if problem:
            errors[name] = [problem]
        elif required and not value:
            errors[name] = [required]
        return value

    status = (data.status or "").strip()
    if status not in Status.values:
        errors["status"] = [_("Choose whether villages may issue it, must not, or take a commitment instead.")]
    name = text("name", 120, _("Name the certificate."))
    legal_basis = text("legal_basis", 2000, _("A village issues a certificate only where the law allows: name the "
                                              "legal basis.") if status != Status.NON_ISSUABLE else "")
    verify_instead = text("verify_instead", 2000, _("Say who verifies it instead of the village.")
                          if status == Status.NON_ISSUABLE else "")
    purpose, procedure = text("purpose", 2000), text("procedure", 2000)
    checks = list(dict.fromkeys(str(c).strip() for c in (data.checks or []) if str(c).strip()))
    if any(text_problem(c, 100) for c in checks) or len(checks) > 10:
        errors["checks"] = [_("At most 10 checks, each at most 100 characters of plain text.")]
    elif status == Status.ISSUABLE and not checks:
        errors["checks"] = [_("Name at least one check the staff make before issuing (the person's identity, say).")]
    fields = _type_fields(data.fields, errors)
    values = {"name": name, "status": status, "legal_basis": legal_basis, "verify_instead": verify_instead,
              "purpose": purpose, "procedure": procedure, "checks": checks, "fields": fields,
              "limit_days": _whole(data.limit_days, "limit_days", 0, 30, errors),
              "validity_days": _whole(data.validity_days, "validity_days", 1, 3650, errors),
              "major": bool(data.major) and status == Status.ISSUABLE}
    if national is not None and national.status == Status.NON_ISSUABLE and status != Status.NON_ISSUABLE:
        errors["status"] = [_("The national list says villages must not issue “%(name)s”; a province may make the "
                              "rules stricter, never looser.") % {"name": national.name}]
    if errors:
        raise ValidationError(errors)
    return values


def _province_admin(actor: Actor, province_code: str) -> tuple[Region, Actor]:
    if actor.user is None:
        raise permissions.Forbidden(_("Name the province's administrator who makes the change (--as)."))
    province = region_or_error((province_code or "").strip(), "province")
    if province.level != 1:
        raise ValidationError({"province": [_("Certificate types are kept by provinces.")]})
    try:
        return province, permissions.acting_at(actor, province.code, (Role.PROVINCE_ADMIN,))
    except permissions.NotFound:
        raise permissions.Forbidden(_("Only the province's administrator keeps its certificate types.")) from None


def _national(code: str) -> CertificateType | None:
    return CertificateType.objects.filter(code=code, region_code="", retired_at__isnull=True).first()


def _current(province: Region, code: str) -> CertificateType:
    kind = (CertificateType.objects.select_for_update()
            .filter(code=(code or "").strip(), region_code=province.code, retired_at__isnull=True).first())
    if kind is None:
        raise ValidationError({"code": [_("The province has no certificate type with this code in force.")]})
    return kind


def add_type(actor: Actor, province_code: str, code: str, data: TypeInput) -> CertificateType:
    """A province adds a type of its own. A code the nation already uses makes the province's rule apply in its
    villages instead, and only if it is stricter (a national non-issuable item stays non-issuable)."""
    province, acting = _province_admin(actor, province_code)
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError({"code": [_("A code of 2 to 40 lower-case letters, digits or underscores, beginning "
                                          "with a letter.")]})
    values = _type_values(data, _national(code))
    try:
        with transaction.atomic():
            if CertificateType.objects.filter(code=code, region_code=province.code).exists():
                raise ValidationError({"code": [_("The province already has (or had) a type with this code; change "
                                                  "it instead, or choose another code.")]})
            order = 1000 + CertificateType.objects.filter(region_code=province.code).values("code").distinct().count()
            kind = CertificateType.objects.create(code=code, region_code=province.code, order=order,
                                                  changed_label=actor.label, **values)
            record(acting, "certificates.type_added", kind, region_code=province.code,
                   detail={"code": code, "status": kind.status, "version": 1})
    except IntegrityError:
        raise ValidationError({"code": [_("The province already has a type with this code.")]}) from None
    return kind


def _moved_requests(acting: Actor, old: CertificateType, new: CertificateType | None, now: dt.datetime) -> int:
    """Requests still waiting under the old version go by the version in force: an issuable one takes them over
    (its checks, its fields, and deliberation first if it is now a major matter); a must-not-issue one refuses them
    naming who verifies instead (and the township route is open to them); a commitment answers them with the
    commitment; a withdrawal refuses them with the province's reason. The applicant is told of each decision."""
    waiting = list(CertificateRequest.objects.select_for_update()
                   .filter(type=old, state__in=[RequestState.PENDING, RequestState.REVIEW]))
    for req in waiting:
        if new is not None:
            req.type = new
            names = {name for name, _label in new.fields}
            req.values = {k: v for k, v in req.values.items() if k in names}
        if new is not None and new.status == Status.ISSUABLE:
            if new.major and req.state == RequestState.PENDING and not req.reason:
                req.state = RequestState.REVIEW  # not yet deliberated: now it must be
            req.save(update_fields=["type", "values", "state"])
            record(acting, "certificates.request_moved", req, region_code=req.village_id,
                   detail={"type": new.code, "version": new.version, "state": req.state})
            continue
        if new is None:
            req.state = RequestState.REFUSED
            req.reason = _("The province withdrew this kind of certificate: %(why)s") % {"why": old.change_reason}
        elif new.status == Status.NON_ISSUABLE:
            req.state = RequestState.REFUSED
            req.reason = _("Village organisations must not issue this certificate. %(instead)s") % {
                "instead": new.verify_instead}
        else:
            req.state = RequestState.COMMITTED
            req.reason = _("No certificate is needed: sign a written commitment; the office that asks will check it.")
        req.decided_at = now
        req.save(update_fields=["type", "values", "state", "reason", "decided_at"])
        record(acting, "certificates.decided_by_province", req, region_code=req.village_id,
               detail={"state": req.state, "version": new.version if new else old.version})
        _tell_applicant(req)
    return len(waiting)


def change_type(actor: Actor, province_code: str, code: str, data: TypeInput, reason: str) -> CertificateType:
    """A new version of one of the province's types. Certificates issued under the old version keep its name and
    rules (they point to it); requests still waiting move to the new version or are refused."""
    province, acting = _province_admin(actor, province_code)
    reason = clean_text(reason, "reason", 500)
    values = _type_values(data, _national((code or "").strip()))
    now = timezone.now()
    with transaction.atomic():
        old = _current(province, code)
        old.retired_at = now
        old.save(update_fields=["retired_at"])
        new = CertificateType.objects.create(code=old.code, region_code=province.code, order=old.order,
                                             version=old.version + 1, changed_at=now, changed_label=actor.label,
                                             change_reason=reason, **values)
        moved = _moved_requests(acting, old, new, now)
        record(acting, "certificates.type_changed", new, region_code=province.code,
               detail={"code": new.code, "status": new.status, "version": new.version, "reason": reason,
                       "requests": moved})
    return new


def retire_type(actor: Actor, province_code: str, code: str, reason: str) -> CertificateType:
    """The province withdraws one of its types: no new requests; waiting ones are refused with the reason;
    issued certificates stay valid until their own date. A national type of the same code applies again."""
    province, acting = _province_admin(actor, province_code)
    reason = clean_text(reason, "reason", 500)
    now = timezone.now()
    with transaction.atomic():
        kind = _current(province, code)
        kind.retired_at, kind.change_reason = now, reason
        kind.save(update_fields=["retired_at", "change_reason"])
        refused = _moved_requests(acting, kind, None, now)
        record(acting, "certificates.type_retired", kind, region_code=province.code,
               detail={"code": kind.code, "version": kind.version, "reason": reason, "requests": refused})
    return kind


@dataclass
class ProvinceTypes:
    province: Region
    national: list[CertificateType]  # in force in the province unless it has its own of the same code
    own: list[CertificateType]  # the province's types in force
    history: list[CertificateType]  # every earlier or withdrawn version, newest first


def province_types(province_code: str) -> ProvinceTypes:
    """What a province's villages go by (public): the national list, the province's own types and their
    history."""
    province = Region.objects.filter(code=(province_code or "").strip(), level=1, active=True).first()
    if province is None:
        raise permissions.NotFound
    rows = list(CertificateType.objects.filter(region_code__in=["", province.code]))
    own = [t for t in rows if t.region_code and t.retired_at is None]
    mine = {t.code for t in own}
    return ProvinceTypes(
        province, [t for t in rows if not t.region_code and t.retired_at is None and t.code not in mine], own,
        sorted((t for t in rows if t.region_code and t.retired_at is not None),
               key=lambda t: (t.retired_at, t.version), reverse=True))


def may_keep_types(actor: Actor, province_code: str) -> bool:
    """Whether the actor keeps this province's types (the page shows the forms only then)."""
    try:
        _province_admin(actor, province_code)
    except (permissions.Forbidden, ValidationError):
        return False
    return True
