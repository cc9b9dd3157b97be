"""Working hours: when a department's report-in clock runs and when non-urgent texts may be sent.

The working-day calendar belongs to the cases app (holidays, make-up days, local days off); it registers its
`is_workday` here when it loads, so this lower module needs no import from above.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def _default_is_workday(day: dt.date, region_code: str = "") -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


is_workday = _default_is_workday


def use_calendar(function) -> None:
    global is_workday
    is_workday = function


def _bounds() -> tuple[dt.time, dt.time]:
    opens, closes = settings.CUNWU.get("WORKING_HOURS", ("08:30", "17:30"))
    return dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)


def is_open(moment: dt.datetime, region_code: str = "") -> bool:
    local = timezone.localtime(moment)
    opens, closes = _bounds()
    return is_workday(local.date(), region_code) and opens <= local.time() < closes


def next_opening(moment: dt.datetime, region_code: str = "") -> dt.datetime:
    """`moment` itself if offices are open then, else when they next open."""
    if is_open(moment, region_code):
        return moment
    local = timezone.localtime(moment)
    opens, _closes = _bounds()
    day = local.date() if local.time() < opens else local.date() + dt.timedelta(days=1)
    for _i in range(60):
        if is_workday(day, region_code):
            return timezone.make_aware(dt.datetime.combine(day, opens), timezone.get_current_timezone())
        day += dt.timedelta(days=1)
    raise ValueError("no working day within 60 days")


def add_office_minutes(start: dt.datetime, minutes: int, region_code: str = "") -> dt.datetime:
    """`minutes` of office time from `start`: a call at 17:20 with 30 minutes is due 20 minutes after the next
    opening; one made in the evening, on a weekend or a holiday, 30 minutes after the next opening."""
    left = dt.timedelta(minutes=minutes)
    moment = next_opening(start, region_code)
    _opens, closes = _bounds()
    for _i in range(60):
        local = timezone.localtime(moment)
        closing = timezone.make_aware(dt.datetime.combine(local.date(), closes), timezone.get_current_timezone())
        if moment + left <= closing:
            return moment + left
        left -= closing - moment
        moment = next_opening(closing, region_code)
    raise ValueError("office time beyond 60 days")
