"""Connecting other systems: partners, their Open311 keys and their webhook endpoints. Every change is made by
an administrator of the partner's county (or the city or province above it), through the permission module,
with its audit record.

- `connect` makes the partner and its service account (the `partner_system` role in the county): the account
  submits and follows its own requests and nothing else, and never signs in to a page.
- `issue_key` shows a key once and keeps its digest; `revoke_key` ends it at once; `partner_for_key` is how the
  Open311 endpoint knows who is calling.
- `add_endpoint` registers a receiver for chosen events with a new signing secret (shown once); `set_endpoint`
  pauses, resumes or changes the events; `replay` sends one delivery again.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import secrets
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts import permissions, personal_data
from cunwu.accounts.models import Assignment, User
from cunwu.accounts.permissions import MANAGE, VIEW
from cunwu.accounts.roles import ADMIN_ROLES, Role
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.regions.models import Region

from .events import CATALOGUE, enqueue
from .models import Endpoint, EndpointState, Partner, PartnerKey, PartnerKind, Send, SendState

KEY_PREFIX = "o311_"


def partners_for(actor: Actor):
    return permissions.restrict(Partner.objects.select_related("region"), actor, VIEW).order_by("region_id", "name")


def get_partner(actor: Actor, partner_id: int, action: str = VIEW) -> tuple[Partner, Actor]:
    partner = permissions.get_or_404(Partner.objects.select_related("region", "user"), actor, VIEW, pk=partner_id)
    acting = permissions.require(actor, action, partner, _("Only the county's administrators change this."))
    return partner, acting


def _administering(actor: Actor, county: str) -> Actor:
    for a in permissions.assignments_of(actor.user):
        if a.role in ADMIN_ROLES and county.startswith(a.region_id):
            return actor.acting_as(a)
    raise permissions.NotFound


@dataclass
class PartnerInput:
    region: str = ""
    name: str = ""
    kind: str = PartnerKind.OTHER
    contact: str = ""
    per_minute: int | str = 60


def connect(actor: Actor, data: PartnerInput) -> Partner:
    errors: dict[str, list[str]] = {}
    region = Region.objects.filter(code=(data.region or "").strip(), level=3, active=True).first()
    if region is None:
        raise ValidationError({"region": [_("Choose the county the system serves.")]})
    acting = actor if actor.system else _administering(actor, region.code)
    name, contact = (data.name or "").strip(), (data.contact or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Name the system (at most 100 characters).")]
    elif Partner.objects.filter(region=region, name=name).exists():
        errors["name"] = [_("%(county)s already has a system named %(name)s.") % {"county": region.name,
                                                                                  "name": name}]
    if data.kind not in PartnerKind.values:
        errors["kind"] = [_("Choose what kind of system it is.")]
    if len(contact) > 200:
        errors["contact"] = [_("At most 200 characters.")]
    try:
        per_minute = int(data.per_minute)
    except (TypeError, ValueError):
        per_minute = 0
    if not 1 <= per_minute <= 6000:
        errors["per_minute"] = [_("Between 1 and 6,000 requests a minute.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User(username=f"partner-{secrets.token_hex(6)}", full_name=name)
        user.set_unusable_password()
        user.save()
        Assignment.objects.create(user=user, role=Role.PARTNER_SYSTEM, region=region, granted_by=actor.user)
        partner = Partner.objects.create(region=region, name=name, kind=data.kind, contact=contact, user=user,
                                         per_minute=per_minute, created_by=actor.user)
        record(acting, "partners.connect", partner, region_code=region.code,
               detail={"name": name, "kind": data.kind, "user": user.pk})
    return partner


def disconnect(actor: Actor, partner_id: int) -> Partner:
    """The system stops at once: its keys no longer work and nothing more is sent to it."""
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        if partner.active:
            now = timezone.now()
            Partner.objects.filter(pk=partner.pk).update(active=False)
            PartnerKey.objects.filter(partner=partner, revoked_at__isnull=True).update(revoked_at=now)
            User.objects.filter(pk=partner.user_id).update(is_active=False)
            record(acting, "partners.disconnect", partner, region_code=partner.region_id)
            partner.active = False
    return partner


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(actor: Actor, partner_id: int) -> str:
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        if not partner.active:
            raise ValidationError({"key": [_("This system was disconnected.")]})
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = PartnerKey.objects.create(partner=partner, prefix=key[:10], digest=_digest(key), created_by=actor.user)
        record(acting, "partners.key.issue", row, region_code=partner.region_id, detail={"partner": partner.pk})
    return key


def revoke_key(actor: Actor, partner_id: int, key_id: int) -> PartnerKey:
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        row = PartnerKey.objects.select_for_update().filter(pk=key_id, partner=partner).first()
        if row is None:
            raise ValidationError({"key": [_("This system has no such key.")]})
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            record(acting, "partners.key.revoke", row, region_code=partner.region_id, detail={"partner": partner.pk})
    return row


def partner_for_key(key: str) -> Partner | None:
    """The active partner a live key belongs to, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    row = (PartnerKey.objects.select_related("partner__user", "partner__region")
           .filter(digest=_digest(key), revoked_at__isnull=True, partner__active=True).first())
    if row is None or not row.partner.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        PartnerKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.partner


def allowed_hosts() -> set[str]:
    """Hosts a receiver may be on although it is this machine or answers plain http (CUNWU_WEBHOOK_HTTP_HOSTS)."""
    return {h.strip().lower() for h in settings.CUNWU.get("WEBHOOK_HTTP_HOSTS", "").split(",") if h.strip()}


def internal(address: str) -> bool:
    """An address of this machine or of its cloud's metadata service: never a partner's receiver, since what it
    answers is shown on the partner's page."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address.lower() in ("localhost", "localhost.localdomain")
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast or ip.is_reserved


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url) if len(url) <= 500 else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError({"url": [_("Give the receiver's full address, starting with https:// (at most 500 "
                                         "characters).")]})
    if parts.username or parts.password or parts.fragment:
        raise ValidationError({"url": [_("The address may not hold a user name, password or #fragment: the "
                                         "signature proves who sent it.")]})
    host = parts.hostname.lower()
    if host not in allowed_hosts():
        if parts.scheme == "http":
            raise ValidationError({"url": [_("Use https://: events are sent only encrypted, except to a host the "
                                             "deployment lists in CUNWU_WEBHOOK_HTTP_HOSTS.")]})
        if internal(host):
            raise ValidationError({"url": [_("A receiver is not on this machine.")]})
    return url


def _check_events(events) -> list[str]:
    chosen = [e for e in dict.fromkeys(events or []) if e]
    unknown = [e for e in chosen if e not in CATALOGUE]
    if unknown or not chosen:
        raise ValidationError({"events": [_("Choose at least one event from the list.") if not unknown else
                                          _("Unknown events: %(e)s.") % {"e": ", ".join(unknown)[:200]}]})
    return chosen


def add_endpoint(actor: Actor, partner_id: int, url: str, events) -> tuple[Endpoint, str]:
    """A receiver for chosen events; returns it and its signing secret, shown once."""
    errors: dict = {}
    for check, value in ((_check_url, url), (_check_events, events)):
        try:
            check(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    url, events = _check_url(url), _check_events(events)
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        if not partner.active:
            raise ValidationError({"url": [_("This system was disconnected.")]})
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        endpoint = Endpoint.objects.create(partner=partner, url=url, events=events, created_by=actor.user,
                                           secret_sealed=personal_data.encrypt(secret))
        record(acting, "partners.endpoint.add", endpoint, region_code=partner.region_id,
               detail={"partner": partner.pk, "url": url, "events": events})
    return endpoint, secret


def set_endpoint(actor: Actor, partner_id: int, endpoint_id: int, *, state: str | None = None,
                 events=None) -> Endpoint:
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        endpoint = Endpoint.objects.select_for_update().filter(pk=endpoint_id, partner=partner).first()
        if endpoint is None:
            raise ValidationError({"endpoint": [_("This system has no such receiver.")]})
        changed: dict[str, object] = {}
        if state is not None:
            if state not in EndpointState.values:
                raise ValidationError({"state": [_("Pause or resume.")]})
            if state != endpoint.state:
                changed["state"] = state
                endpoint.state, endpoint.paused_reason = state, (
                    _("paused by an administrator") if state == EndpointState.PAUSED else "")
        if events is not None:
            endpoint.events = changed["events"] = _check_events(events)
        if changed:
            endpoint.save(update_fields=["state", "paused_reason", "events"])
            record(acting, "partners.endpoint.change", endpoint, region_code=partner.region_id,
                   detail={"partner": partner.pk, **changed})
    return endpoint


def remove_endpoint(actor: Actor, partner_id: int, endpoint_id: int) -> None:
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        endpoint = Endpoint.objects.filter(pk=endpoint_id, partner=partner).first()
        if endpoint is None:
            raise ValidationError({"endpoint": [_("This system has no such receiver.")]})
        record(acting, "partners.endpoint.remove", endpoint, region_code=partner.region_id,
               detail={"partner": partner.pk, "url": endpoint.url})
        endpoint.delete()


def replay(actor: Actor, partner_id: int, send_id: int) -> Send:
    """Send one event to its receiver again (the same webhook-id, a new timestamp and signature)."""
    with transaction.atomic():
        partner, acting = get_partner(actor, partner_id, MANAGE)
        send = Send.objects.select_for_update().filter(pk=send_id, endpoint__partner=partner).first()
        if send is None:
            raise ValidationError({"send": [_("This system has no such delivery.")]})
        if send.state in (SendState.PENDING, SendState.CLAIMED):
            raise ValidationError({"send": [_("This delivery is still being sent; wait for its answer.")]})
        Send.objects.filter(pk=send.pk).update(state=SendState.PENDING, due_at=timezone.now(), replaying=True,
                                               claim="")
        record(acting, "partners.send.replay", send.message, region_code=partner.region_id,
               detail={"partner": partner.pk, "send": send.pk, "message": send.message.uid})
    transaction.on_commit(enqueue)
    send.refresh_from_db()
    return send


def sends_of(actor: Actor, partner_id: int, state: str = ""):
    partner, _acting = get_partner(actor, partner_id, VIEW)
    rows = Send.objects.filter(endpoint__partner=partner).select_related("message", "endpoint")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-message__created_at", "-id")
