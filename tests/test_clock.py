"""Deadlines on the Chinese calendar: holidays, make-up working days, unknown years, local days off, pauses."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cunwu.audit.context import Actor
from cunwu.cases import clock, services
from cunwu.cases.clock import Limit

pytestmark = pytest.mark.django_db


SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_table():
    clock.TABLE.clear()
    yield
    clock.TABLE.clear()


def test_national_day_week_with_make_up_saturday():
    # 2025: 1-8 October off, Saturday 11 October a make-up working day.
    due = clock.deadline(at(2025, 9, 30, 10), Limit(3, "workdays"))
    assert due == at(2025, 10, 12)  # end of 11 October: 9th, 10th, 11th


def test_spring_festival_with_make_up_days():
    # 2026: 15-23 February off; Saturdays 14 and 28 February are working days.
    assert clock.deadline(at(2026, 2, 13, 15), Limit(2, "workdays")) == at(2026, 2, 25)
    assert clock.is_workday(dt.date(2026, 2, 28)) and not clock.is_workday(dt.date(2026, 2, 17))


def test_hours_run_around_the_clock_on_holidays():
    assert clock.deadline(at(2025, 10, 1, 9), Limit(24, "hours")) == at(2025, 10, 2, 9)
    assert clock.deadline(at(2025, 10, 1, 9), Limit.parse("30m")) == at(2025, 10, 1, 9, 30)


def test_a_year_the_package_does_not_know_falls_back_and_is_flagged():
    assert not clock.package_knows(2027)
    # 1 January 2027 is a fixed holiday, then a weekend: one working day from 31 December ends on 4 January.
    assert clock.deadline(at(2026, 12, 31, 10), Limit(1, "workdays")) == at(2027, 1, 5)
    assert not clock.year_is_confirmed(2027)


def test_the_holiday_table_decides_later_years():
    spring = [dt.date(2027, 2, 6) + dt.timedelta(days=i) for i in range(7)]
    services.set_calendar_days(Actor.console(), spring, working=False, name="春节")
    services.set_calendar_days(Actor.console(), [dt.date(2027, 2, 13)], working=True, name="春节调休")
    assert clock.year_is_confirmed(2027)
    # Friday 5 February: 6-12 off, Saturday 13 works (1), Sunday off, Monday 15 (2).
    assert clock.deadline(at(2027, 2, 5, 10), Limit(2, "workdays")) == at(2027, 2, 16)


def test_local_days_off_count_only_in_their_region():
    services.set_calendar_days(Actor.console(), [dt.date(2026, 11, 24)], working=False, region_code="220322",
                               name="县庆")
    assert clock.deadline(at(2026, 11, 23, 9), Limit(1, "workdays"), "220322100201") == at(2026, 11, 26)
    assert clock.deadline(at(2026, 11, 23, 9), Limit(1, "workdays"), "220323001200") == at(2026, 11, 25)


def test_working_seconds_skip_the_weekend():
    assert clock.working_seconds(at(2026, 11, 20, 10), at(2026, 11, 24, 10), "workdays") == 48 * 3600
    assert clock.working_seconds(at(2026, 11, 20, 10), at(2026, 11, 24, 10), "hours") == 96 * 3600


def test_warning_at_three_quarters():
    start = clock.counting_start(at(2026, 11, 23, 9), "workdays")
    warn = clock.warning_point(start, clock.budget(4, "workdays"), Limit(4, "workdays"))
    assert warn == at(2026, 11, 27)  # three of four working days used: end of Thursday 26 November


def test_only_region_administrators_set_local_days():
    from cunwu.accounts.permissions import Forbidden

    from .helpers import LISHU, OTHER_COUNTY, actor, person

    admin = person("county_admin", LISHU)
    services.set_calendar_days(actor(admin), [dt.date(2026, 12, 1)], working=False, region_code=LISHU)
    with pytest.raises(Forbidden):
        services.set_calendar_days(actor(admin), [dt.date(2026, 12, 1)], working=False, region_code=OTHER_COUNTY)
    with pytest.raises(Forbidden):
        services.set_calendar_days(actor(admin), [dt.date(2027, 1, 2)], working=True)
