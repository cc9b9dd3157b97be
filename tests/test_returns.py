"""Department returns computed from the villages' own records: defined field by field by the county, computed
for every village at once, equal to a hand count, and no longer a burden on the villages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.burden import figures, returns
from cunwu.burden import services as burden
from cunwu.households import services as hh
from cunwu.households.models import Change, Household, Label, Resident, Visit

from .helpers import LISHU, TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person

pytestmark = pytest.mark.django_db
COLUMNS = ["households", "people:60-", "people:0-17", "people:F", "label:elderly_alone", "visits", "cases"]


@pytest.fixture
def entry():
    return burden.add_listed_form(Actor.console(), LISHU, timezone.localdate().year, "农村人口与重点人群年报",
                                  "civil_affairs", "yearly", fields=["户数", "60岁以上", "未成年人", "女性",
                                                                     "独居老人", "走访次数", "诉求件数"])


def test_only_the_county_administrator_defines_a_return_and_every_field_is_checked(entry):
    admin = actor(person("county_admin", LISHU))
    with pytest.raises(ValidationError) as exc:
        returns.define(admin, entry.pk, ["households"])
    assert "columns" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        returns.define(admin, entry.pk, ["households", "people:60-", "nonsense", "", "", "", ""])
    assert "nonsense" in exc.value.message_dict["columns"][0]
    with pytest.raises(permissions.Forbidden):  # the department reads its form but does not define it
        returns.define(actor(person("department_officer", LISHU, department="civil_affairs")), entry.pk, COLUMNS)
    with pytest.raises(permissions.NotFound):  # another county's administrator does not see it
        returns.define(actor(person("county_admin", "220323")), entry.pk, COLUMNS)
    partly = returns.define(admin, entry.pk, ["households", "", "", "", "", "", ""])
    assert not partly.computed
    assert returns.define(admin, entry.pk, COLUMNS).computed


def test_a_computed_form_leaves_the_burden_index(entry):
    year = timezone.localdate().year
    before = figures.compare(TOWN_A, year)
    row = next(r for r in before if r.code == VILLAGE_A1)
    assert row.forms == 1 and row.form_returns == 1
    returns.define(Actor.console(), entry.pk, COLUMNS)
    after = next(r for r in figures.compare(TOWN_A, year) if r.code == VILLAGE_A1)
    assert (after.forms, after.form_returns) == (0, 0)
    assert after.index == pytest.approx(row.index - 1 / 12, abs=0.01)


def test_a_village_sees_its_own_row_and_the_township_every_row(entry):
    returns.define(Actor.console(), entry.pk, COLUMNS)
    staff = actor(person("village_staff", VILLAGE_A1))
    assert [code for code, _n, _v in returns.compute(staff, entry.pk).rows] == [VILLAGE_A1]
    township = returns.compute(actor(person("township_officer", TOWN_A)), entry.pk)
    assert {VILLAGE_A1, VILLAGE_A2} <= {code for code, _n, _v in township.rows}
    with pytest.raises(permissions.NotFound):
        returns.compute(actor(person("villager", VILLAGE_A1)), entry.pk)
    book = returns.to_xlsx(township)
    assert book[:2] == b"PK"


people = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 95), st.sampled_from("FM"), st.booleans(),
                            st.booleans()), min_size=1, max_size=10)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=people)
def test_a_computed_return_equals_a_hand_count(entry, plan):
    """Random people (village, age, sex, living alone and visited or not) in two villages: every field of the
    return is what counting the rows by hand gives."""
    Visit.objects.all().delete()
    Change.objects.all().delete()
    Label.objects.all().delete()
    Resident.objects.all().delete()
    Household.objects.all().delete()
    returns.define(Actor.console(), entry.pk, COLUMNS)
    today = timezone.localdate()
    villages = [VILLAGE_A1, VILLAGE_A2]
    for n, (which, age, sex, alone, visited) in enumerate(plan):
        born = today.replace(year=today.year - age) - dt.timedelta(days=1 + n)
        home = hh.create_household(Actor.console(), hh.HouseholdInput(villages[which], f"{n}号"),
                                   hh.PersonInput(name=f"人{n}", sex=sex, birth_date=born.isoformat(),
                                                  note="由本人立户" if age < 18 else ""))
        if alone:
            hh.add_label(Actor.console(), home.members.get().pk, "elderly_alone", today.isoformat())
        if visited:
            hh.record_visit(actor(person("village_staff", villages[which])), hh.VisitInput(home.pk, None, None,
                                                                                        "phone", "well"))
    result = {code: values for code, _n, values in returns.compute(Actor.console(), entry.pk).rows}
    for code in villages:
        mine = Resident.objects.filter(village_id=code)
        ages = [p.age_on(dt.date(today.year, 12, 31)) for p in mine]
        assert result[code] == [
            Household.objects.filter(village_id=code).count(),
            sum(a >= 60 for a in ages), sum(a < 18 for a in ages), mine.filter(sex="F").count(),
            Label.objects.filter(village_id=code).count(), Visit.objects.filter(village_id=code).count(), 0,
        ], code
