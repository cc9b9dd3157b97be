"""Rules decided in memory (`permissions.decide`, used to show what a caller may do without asking the database
again) answer exactly as the database does, NULLs and NOT included, or leave the question to the database."""

import pytest
from django.db.models import Exists, OuterRef, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.permissions import decide
from cunwu.cases.models import Case, Dispatch

from .test_cases import demand, lishu  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

CODES = ["220322100201", "220322100202", "220322101201", "220381100201"]


def _leaf(case: Case):
    """A lookup on one of the case's columns, with values that match it, miss it, or are NULL."""
    return st.one_of(
        st.sampled_from(CODES + [case.village_id]).map(lambda c: Q(village_id=c)),
        st.sampled_from(["220322100", "220322101", case.township_code]).map(lambda c: Q(township_code=c)),
        st.tuples(st.sampled_from(["gte", "lt", "gt", "lte"]), st.sampled_from(["220322", "220323", "22", "3"])).map(
            lambda t: Q(**{f"county_code__{t[0]}": t[1]})),
        st.sampled_from([None, case.applicant_id or 0, 999999]).map(lambda v: Q(applicant_id=v)),
        st.sampled_from([1, 3, 5, 0]).flatmap(lambda g: st.sampled_from(
            [Q(grade=g), Q(grade__gte=g), Q(grade__lt=g)])),
        st.booleans().map(lambda b: Q(grade__isnull=b)),
        st.lists(st.sampled_from(["new", "handling", "closed", case.state]), min_size=1, max_size=3).map(
            lambda states: Q(state__in=states)),
        st.just(Q(Exists(Dispatch.objects.filter(case=OuterRef("pk"))))),  # a subquery: the database's to answer
        st.sampled_from([case.applicant_phone_index, "", "x" * 64]).map(lambda v: Q(applicant_phone_index=v)),
    )


def _tree(case: Case):
    return st.recursive(_leaf(case), lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda qs: _combine(qs, "AND")),
        st.lists(inner, min_size=2, max_size=3).map(lambda qs: _combine(qs, "OR")),
        inner.map(lambda q: ~q)), max_leaves=6)


def _combine(qs, connector):
    out = qs[0]
    for q in qs[1:]:
        out = (out & q) if connector == "AND" else (out | q)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_decided_in_memory_as_the_database_decides(lishu, data):  # noqa: F811
    # a case nobody has an account for and that was never rated (NULL columns), or a rated one: each made once
    variant = data.draw(st.sampled_from([None, 1, 3, 5]))
    made = lishu.setdefault("made", {})
    if variant not in made:
        case = demand(lishu["villager"])
        Case.objects.filter(pk=case.pk).update(
            **({"applicant": None, "grade": None} if variant is None else {"grade": variant}))
        made[variant] = Case.objects.get(pk=case.pk)
    case = made[variant]
    q = data.draw(_tree(case))
    decided = decide(case, q)
    if decided is not None:
        assert decided == Case.objects.filter(pk=case.pk).filter(q).exists(), q


def test_what_only_the_database_can_tell_is_left_to_it(lishu):  # noqa: F811
    case = demand(lishu["villager"])
    assert decide(case, Q(Exists(Dispatch.objects.filter(case=OuterRef("pk"))))) is None  # a subquery
    assert decide(case, Q(village__name="x")) is None  # a join
    assert decide(case, Q(title__gte="路灯")) is None  # an order of text the collation decides
    assert decide(Case.objects.only("pk").get(pk=case.pk), Q(village_id=case.village_id)) is None  # not loaded
    assert decide(case, Q(state__in="new")) is None  # a string is Django's to read, not one value
    assert decide(case, ~Q(state__in=[])) is None  # an empty IN is Django's to rewrite
    assert decide(case, Q(state__in=(s for s in ["new"]))) is None
    # the shapes the case rules take are decided here, without the database
    assert decide(case, Q(village_id=case.village_id)) is True
    assert decide(case, ~Q(applicant_id=None)) is True and decide(case, Q(applicant_id=None)) is False
    assert decide(case, Q(applicant_id=case.applicant_id) | Q(applicant_phone_index="x")) is True
    assert decide(case, Q(county_code__gte="220300", county_code__lt="220400")) is True
    assert decide(case, Q(township_code="220381100")) is False
