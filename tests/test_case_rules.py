"""The case state machine as a property: random sequences of actions by random roles never break the rules."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts import permissions
from cunwu.accounts.permissions import VIEW, Forbidden, NotFound
from cunwu.cases import rates, services
from cunwu.cases.choices import OPEN_STATES, DispatchState, State
from cunwu.cases.models import Case, CaseEvent, Rating
from cunwu.cases.policies import COORDINATE, HANDLE, OWN, REPORT_IN, SUPERVISE

from .test_cases import demand, lishu  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ALL_ACTIONS = [VIEW, HANDLE, COORDINATE, OWN, REPORT_IN, SUPERVISE]
WHO = ["villager", "staff", "staff2", "other_staff", "township", "housing", "water", "supervisor", "far_department"]


def _actions(people):
    staff2 = people["staff2"].user.username
    return {
        "take": lambda a, n: services.take(a, n),
        "note": lambda a, n: services.add_note(a, n, "进展"),
        "hand_over": lambda a, n: services.hand_over(a, n, staff2),
        "return": lambda a, n: services.return_for_materials(a, n, ["居民户口簿"], reason="材料不清楚"),
        "supply": lambda a, n: services.supply(a, n, ["居民户口簿"], "带来了"),
        "refuse": lambda a, n: services.refuse(a, n, "不属实", "乡司法所"),
        "escalate": lambda a, n: services.escalate(a, n, "村里解决不了"),
        "resolve": lambda a, n: services.resolve(a, n, "已办好"),
        "dispatch": lambda a, n: services.dispatch(a, n, ["housing"]),
        "dispatch_two": lambda a, n: services.dispatch(a, n, ["housing", "natural_resources"], lead="natural_resources"),
        "sign_in": lambda a, n: services.sign_in(a, n),
        "department_return": lambda a, n: services.department_return(a, n, "不属本部门"),
        "respond": lambda a, n: services.respond(a, n, "已处理"),
        "rate_bad": lambda a, n: services.rate(a, n, 1, "不满意"),
        "rate_good": lambda a, n: services.rate(a, n, 5),
        "callback": lambda a, n: services.callback(a, n, "已回访"),
        "exclude": lambda a, n: services.exclude_rating(a, n, "恶意评价"),
        "withdraw": lambda a, n: services.withdraw(a, n, "不办了"),
    }


def check_rules(case: Case) -> None:
    if case.state in OPEN_STATES and case.state != State.AWAITING_MATERIALS:
        assert case.due_at is not None, "an open case always has a deadline"
    if case.state == State.AWAITING_MATERIALS:
        assert case.due_at is None and case.clock_remaining >= 0, "the clock waits for the applicant"
    assert (case.owner_id is None) == (case.responded_at is None), "one owner from the first official action"
    if case.state in (State.CLOSED, State.REFUSED, State.WITHDRAWN):
        assert case.next_check_at is None and case.closed_at is not None
    assert case.dispatches.filter(lead=True, state__in=[DispatchState.CALLED, DispatchState.SIGNED_IN]).count() <= 1
    assert Rating.objects.filter(case=case).count() <= case.round
    if case.state == State.RECTIFYING:
        assert case.stage_due_at is not None
    if case.satisfied is not None:
        assert Rating.objects.filter(case=case, excluded=False).exists()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_random_actions_never_break_the_rules(lishu, data):  # noqa: F811
    actions = _actions(lishu)
    kind = data.draw(st.sampled_from(["demand", "application"]))
    if kind == "demand":
        case = demand(lishu["villager"])
    else:
        case = services.submit(lishu["villager"], services.CaseInput(
            village=lishu["villager"].user.assignments.get().region_id, kind="application", item="22-YB-001",
            answers={"phone": "13904341111", "insured_year": "2027"}, materials_later=True))[0]
    cases_before = Case.objects.count()
    for _step in range(data.draw(st.integers(min_value=3, max_value=18))):
        who = data.draw(st.sampled_from(WHO))
        name = data.draw(st.sampled_from(sorted(actions)))
        before = Case.objects.get(pk=case.pk)
        events_before = CaseEvent.objects.filter(case=case).count()
        try:
            actions[name](lishu[who], case.number)
            succeeded = True
        except (Forbidden, NotFound, ValidationError, services.Conflict):
            succeeded = False
        after = Case.objects.get(pk=case.pk)
        events_after = CaseEvent.objects.filter(case=case).count()
        if succeeded:
            assert after.version == before.version + 1, (name, who)
            assert events_after > events_before, f"{name} by {who} changed the case without an event"
        else:
            assert after.version == before.version and events_after == events_before, (name, who)
            assert after.state == before.state and after.owner_id == before.owner_id
        check_rules(after)
    assert Case.objects.count() == cases_before, "no case lost or made"
    assert services.get_case(lishu["villager"], case.number)  # the applicant can always find it
    assert rates.tally_differences() == [], "the daily tallies behind the rates follow every change"
    final = Case.objects.get(pk=case.pk)
    for who in WHO:  # what is decided on the row in memory is what the database decides, for everyone
        asked = {action: permissions.grant_for(lishu[who], action, final) for action in ALL_ACTIONS}
        assert permissions.grants(lishu[who], ALL_ACTIONS, final) == asked, who
        assert {action: permissions.grant_for(lishu[who], action, final, locked=True)
                for action in ALL_ACTIONS} == asked, who
