"""Who is told what about a case: the person who must act next, in the platform and by text, and the applicant
by text. Called inside the service's transaction; notify sends after it commits."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunwu.accounts.models import User
from cunwu.accounts.roles import Role
from cunwu.accounts.services import holders
from cunwu.notify import services as notify
from cunwu.sms import purposes

from .choices import DispatchState, Stage, Urgency

purposes.register("case_received", _("Your request %(n)s has been received. Follow it on the village portal."), "n")
purposes.register("case_missing", _("Request %(n)s: please bring or upload %(items)s. The time limit waits for "
                                    "you."), "n", "items")
purposes.register("case_transferred", _("Request %(n)s was passed to %(v)s, which handles it now; its time limit "
                                        "is unchanged."), "n", "v")
purposes.register("case_merged", _("Request %(n)s is about the same matter as %(m)s, so they are handled together; "
                                   "you will be told its result."), "n", "m")
purposes.register("case_refused", _("Request %(n)s was refused: %(r)s"), "n", "r")
purposes.register("case_result", _("Request %(n)s has a result. Please read it and rate it on the village "
                                   "portal."), "n")

URGENT = {Urgency.EMERGENCY, Urgency.URGENT}


def village_staff(case) -> list[User]:
    return holders(Role.VILLAGE_STAFF, region_id=case.village_id)


def township_officers(case) -> list[User]:
    return holders(Role.TOWNSHIP_OFFICER, region_id=case.township_code)


def department_officers(department_id: int) -> list[User]:
    return holders(Role.DEPARTMENT_OFFICER, department_id=department_id)


def _link(case) -> str:
    return f"/cases/{case.number}/"


def _ref(case) -> str:
    return f"{case.number} {case.title}"


def _tell(users, case, kind: str, key: str, role: str, due=None, urgent: bool | None = None) -> None:
    notify.tell(users, kind, f"case:{case.pk}:{key}", _ref(case), due=due, link=_link(case),
                region_code=case.village_id, role=role, since=case.created_at,
                urgent=case.urgency in URGENT if urgent is None else urgent)


def responsible(case) -> tuple[list[User], str]:
    """The people who must act at the case's present stage: the official in charge at the village (else the
    village's staff), the township's officers, or the officers of the departments still called in."""
    if case.stage == Stage.VILLAGE:
        if case.owner_id and case.owner.is_active:
            return [case.owner], Role.VILLAGE_STAFF
        return village_staff(case), Role.VILLAGE_STAFF
    if case.stage == Stage.TOWNSHIP:
        return township_officers(case), Role.TOWNSHIP_OFFICER
    departments = case.dispatches.filter(state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN]).values_list(
        "department_id", flat=True)
    people: dict[int, User] = {}
    for department in set(departments):
        people.update({u.pk: u for u in department_officers(department)})
    return list(people.values()), Role.DEPARTMENT_OFFICER


def new_case(case, people: list[User] | None = None) -> None:
    """The village's staff (`people`: as read by the caller before its write transaction)."""
    _tell(village_staff(case) if people is None else people, case, "case_new", "new", Role.VILLAGE_STAFF,
          due=case.respond_by)


def transferred(case) -> None:
    """The staff of the village a request was passed to, as for a new one (the clock has been running)."""
    _tell(village_staff(case), case, "case_new", f"transferred:{case.version}", Role.VILLAGE_STAFF, due=case.due_at)


def released(case) -> None:
    """The staff of the village, when the request a case was joined to ended without a result."""
    _tell(village_staff(case), case, "case_new", f"released:{case.version}", Role.VILLAGE_STAFF, due=case.due_at)


def materials_supplied(case) -> None:
    people, role = responsible(case)
    _tell(people, case, "case_materials", f"supplied:{case.version}", role, due=case.due_at)


def handed_over(case, successor: User) -> None:
    role = Role.VILLAGE_STAFF if case.stage == Stage.VILLAGE else Role.TOWNSHIP_OFFICER
    _tell([successor], case, "case_handed_over", f"handover:{case.version}", role, due=case.due_at)


def to_township(case, people: list[User] | None = None) -> None:
    _tell(township_officers(case) if people is None else people, case, "case_escalated", f"township:{case.version}",
          Role.TOWNSHIP_OFFICER, due=case.stage_due_at)


def dispatched(case, rows) -> None:
    """Every officer of every department called in; an urgent case's call is texted at once, day or night."""
    for row in rows:
        notify.tell(department_officers(row.department_id), "dispatch_called", f"dispatch:{row.pk}:called",
                    _ref(case), due=row.sign_in_by, link=_link(case), region_code=case.village_id,
                    role=Role.DEPARTMENT_OFFICER, urgent=case.urgency in URGENT, since=case.created_at)


def returned_by_department(case, row) -> None:
    _tell(township_officers(case), case, "dispatch_returned", f"returned:{row.pk}", Role.TOWNSHIP_OFFICER,
          due=case.stage_due_at)


def warned(case) -> None:
    people, role = responsible(case)
    _tell(people, case, "case_warning", f"warn:{case.round}:{case.stage}", role, due=case.due_at)


def overdue(case, what: str) -> None:
    """Each limit once: the key names the limit's own moment (a case sent back to the township gets a new one)."""
    people, role = responsible(case)
    limit = case.stage_due_at if what == "stage" else case.due_at if what == "result" else case.respond_by
    moment = int(limit.timestamp()) if limit else 0
    _tell(people, case, "case_overdue", f"overdue:{what}:{case.round}:{case.stage}:{moment}", role, urgent=True)


def dispatch_late(case, row, what: str) -> None:
    notify.tell(department_officers(row.department_id) + township_officers(case), "case_overdue",
                f"dispatch:{row.pk}:{what}", _ref(case), link=_link(case), region_code=case.village_id,
                role="", urgent=True, since=case.created_at)


def bad_rating(case) -> None:
    people, role = responsible(case)
    _tell(people, case, "bad_rating", f"bad:{case.round}", role, due=case.stage_due_at)
    if case.owner_id and case.owner not in people:  # the official in charge, whatever the stage now
        _tell([case.owner], case, "bad_rating", f"bad:{case.round}:owner", "", due=case.stage_due_at)


def applicant(case, purpose: str, **params) -> None:
    notify.text(case.applicant_phone(), purpose, {"n": case.number, **params},
                f"case:{case.pk}:{purpose}:{case.version}", region_code=case.village_id)
