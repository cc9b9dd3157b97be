"""What connected systems (the 12348 line, the justice bureau's own system) hear of legal-aid applications and
mediations (see partners.events): the number, the place, the kind of matter and the state; never the parties or
their words."""

from __future__ import annotations

from cunwu.partners.events import Outward, publish

AID = ("applied", "materials_asked", "materials_supplied", "granted", "refused", "objection_decided", "assigned",
       "accepted", "closed")
MEDIATION = ("opened", "signed", "succeeded", "failed", "terminated", "court_decided")


def _aid(application, entry) -> Outward:
    return Outward({"number": application.number, "action": entry.action.rsplit(".", 1)[1],
                    "village": {"code": application.village_id, "name": application.village.name},
                    "matter": application.matter, "state": application.state,
                    "status_notes": str(application.get_state_display())})


def _mediation(case, entry) -> Outward:
    return Outward({"number": case.number, "action": entry.action.rsplit(".", 1)[1],
                    "village": {"code": case.village_id, "name": case.village.name},
                    "category": case.category, "state": case.state,
                    "status_notes": str(case.get_state_display())})


def register() -> None:
    for action in AID:
        publish(f"legal.aid.{action}", "legal_aid.changed", _aid)
    for action in MEDIATION:
        publish(f"legal.mediation.{action}", "mediation.changed", _mediation)
