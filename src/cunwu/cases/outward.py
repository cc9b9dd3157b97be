"""What connected systems hear of a case (see partners.events): the facts Open311 publishes (number, place,
service, state, deadline), never the applicant's name, phone or words. The system that submitted the request
also hears its own reference and the result given, so a hotline can answer its caller."""

from __future__ import annotations

from django.utils import timezone

from cunwu.partners.events import Outward, publish

from .choices import FINAL_STATES, Action, CaseKind, State

EVENTS = {
    Action.SUBMITTED: "case.created", Action.ESCALATED: "case.escalated", Action.AUTO_ESCALATED: "case.escalated",
    Action.DISPATCHED: "case.dispatched", Action.SIGNED_IN: "case.signed_in", Action.RESPONDED: "case.responded",
    Action.RESOLVED: "case.resolved", Action.RATED: "case.rated", Action.RATED_FOR: "case.rated",
    Action.CLOSED: "case.closed", Action.REFUSED: "case.closed", Action.WITHDRAWN: "case.closed",
    Action.OVERDUE: "case.overdue",
}
CLOSED = (State.RESOLVED, *FINAL_STATES)


def _moment(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def describe(case, entry) -> Outward:
    demand = case.kind == CaseKind.DEMAND
    data = {
        "service_request_id": case.number, "short_number": case.short_number, "action": entry.action[5:],
        "village": {"code": case.village_id, "name": case.village.name}, "county": case.county_code,
        "service_code": f"demand.{case.category}" if demand else case.item_code,
        "service_name": str(case.get_category_display()) if demand else case.title,
        "status": "closed" if case.state in CLOSED else "open", "state": case.state,
        "status_notes": str(case.get_state_display()), "stage": case.stage,
        "expected_datetime": _moment(case.due_at), "updated_datetime": _moment(entry.at),
    }
    private = {}
    if case.idempotency_key and case.submitted_by_id and case.idempotency_key.startswith(f"{case.submitted_by_id}:"):
        private["external_id"] = case.idempotency_key.split(":", 1)[1]
    if case.result:
        private["result"] = case.result
    return Outward(data, origin_user_id=case.submitted_by_id, private=private)


def register() -> None:
    for action, event_type in EVENTS.items():
        publish(f"case.{action}", event_type, describe)
