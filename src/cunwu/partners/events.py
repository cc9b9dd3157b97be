"""What connected systems are told, decided from the audit trail.

Each domain app says which of its audited actions other systems may hear of, under which event type, and what
such an event carries (`publish`). When the action is recorded (inside the caller's transaction), every active
partner endpoint of the county that asked for that type gets the event in its outbox; the worker sends it after
the commit, signed (delivery.py). A rolled-back action tells nobody.

What an event carries is published information (numbers, places, states, deadlines), never a person's name,
phone or words; only the system that submitted a request also hears its own reference and the answer given
(`Outward.private`), so a hotline can tell its caller."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cunwu import plainsql

from .models import Endpoint, EndpointState, Message, Partner, Send

CATALOGUE = {
    "case.created": _("A request was received"),
    "case.escalated": _("A request went to the township"),
    "case.dispatched": _("The township called departments in"),
    "case.signed_in": _("A department reported in"),
    "case.responded": _("A department answered"),
    "case.resolved": _("A result was given"),
    "case.rated": _("A result was rated"),
    "case.closed": _("A request was closed, refused or withdrawn"),
    "case.overdue": _("A request passed its time limit"),
    "legal_aid.changed": _("A legal-aid application changed state"),
    "mediation.changed": _("A mediation changed state"),
    "warning.issued": _("An emergency warning was issued or cancelled"),
}


@dataclass
class Outward:
    data: dict
    origin_user_id: int | None = None  # the service account of the partner that submitted it
    private: dict = field(default_factory=dict)  # what only that partner hears


SOURCES: dict[str, tuple[str, Callable]] = {}


def publish(audit_action: str, event_type: str, build: Callable) -> None:
    """`build(obj, entry) -> Outward` makes the event from the audited object, after the action."""
    if event_type not in CATALOGUE:
        raise LookupError(f"{event_type} is not in the event catalogue")
    SOURCES[audit_action] = (event_type, build)


def _endpoints(region_code: str, event_type: str) -> list[Endpoint]:
    if len(region_code) < 6:
        return []
    # Plain SQL (see cunwu.plainsql): every audited action of a county asks it, and most counties have none.
    e, p = plainsql.table(Endpoint), plainsql.table(Partner)
    rows = plainsql.select(
        f"SELECT {plainsql.columns(Endpoint)}, {plainsql.columns(Partner)} FROM {e} "  # noqa: S608
        f"INNER JOIN {p} ON {e}.partner_id = {p}.id WHERE {p}.region_id = %s AND {p}.active ORDER BY {e}.id",
        [region_code[:6]], Endpoint, Partner)
    for endpoint, partner in rows:
        plainsql.cache_related(endpoint, "partner", partner)
    return [endpoint for endpoint, _partner in rows if event_type in endpoint.events]


def on_recorded(sender, entry, obj, **kwargs) -> None:
    source = SOURCES.get(entry.action)
    if source is None or entry.result != "ok":
        return
    event_type, build = source
    endpoints = _endpoints(entry.region_code, event_type)
    if not endpoints:
        return
    outward = build(obj, entry)
    moment = entry.at.astimezone().isoformat(timespec="seconds")
    bodies: dict[bool, Message] = {}
    sends = []
    for endpoint in endpoints:
        own = outward.origin_user_id is not None and endpoint.partner.user_id == outward.origin_user_id
        if own not in bodies:
            data = {**outward.data, **(outward.private if own else {})}
            bodies[own] = Message.objects.create(
                uid=f"msg_{uuid.uuid4().hex}", type=event_type, region_code=entry.region_code,
                body=json.dumps({"type": event_type, "timestamp": moment, "data": data}, ensure_ascii=False,
                                separators=(",", ":"), default=str))
        sends.append(Send(endpoint=endpoint, message=bodies[own], due_at=entry.at))
    Send.objects.bulk_create(sends)
    if any(e.state == EndpointState.ACTIVE for e in endpoints):
        transaction.on_commit(enqueue)


def enqueue() -> None:
    from huey.contrib.djhuey import HUEY

    from cunwu.background import hand_over

    from .tasks import deliver_task

    if HUEY.immediate:  # tests send explicitly with delivery.deliver_due()
        return
    hand_over(deliver_task)
