"""Time limits on the Chinese calendar.

A limit is a number of hours (counted around the clock: an emergency does not wait for Monday) or of working
days. Working days follow the State Council's holiday schedule: public holidays are off, make-up working days
(调休) are on. Where a day is decided comes from, in order:

1. the editable holiday table (`CalendarDay`): local days off of a province, city or county, and national rows
   for years the `chinese_calendar` package does not know yet (it knows 2004-2026);
2. `chinese_calendar`;
3. for any other year, Monday to Friday except the fixed-date statutory holidays (New Year's Day, Labour Day,
   National Day). Deadlines falling in such a year are marked provisional until the schedule is entered.

Working time is counted in seconds that fall on working days (whole days, 00:00 to 24:00 local time). A limit of
N working days begins at the midnight after receipt (the day of receipt does not count) and ends at the end of
the N-th working day. Pausing (waiting for the applicant's materials) keeps the remaining working time; resuming
counts it on from the moment of resumption.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import chinese_calendar
from django.utils import timezone

from .choices import Unit

DAY = 86400
FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
_TTL_SECONDS = 60


class _Table:
    """The editable table, read once a minute per process (and at once after an edit in this process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._days: dict[tuple[str, dt.date], bool] = {}
        self._regions: set[str] = set()

    def clear(self) -> None:
        with self._lock:
            self._loaded_at = 0.0

    def _load(self) -> None:
        from .models import CalendarDay

        days = {(row.region_code, row.day): row.working for row in CalendarDay.objects.all()}
        self._days = days
        self._regions = {region for region, _day in days}
        self._loaded_at = time.monotonic()

    def lookup(self, day: dt.date, region_code: str) -> bool | None:
        with self._lock:
            if time.monotonic() - self._loaded_at > _TTL_SECONDS:
                self._load()
            days, regions = self._days, self._regions
        # The most specific region first: county, city, province, then the nation ("").
        for prefix in (region_code[:6], region_code[:4], region_code[:2], ""):
            if prefix in regions or prefix == "":
                found = days.get((prefix, day))
                if found is not None:
                    return found
        return None


TABLE = _Table()


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_is_confirmed(year: int) -> bool:
    """Whether the holiday schedule of `year` is known (from the package or national rows in the table)."""
    from .models import CalendarDay

    return package_knows(year) or CalendarDay.objects.filter(region_code="", day__year=year).exists()


def is_workday(day: dt.date, region_code: str = "") -> bool:
    found = TABLE.lookup(day, region_code)
    if found is not None:
        return found
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def holiday_name(day: dt.date) -> str:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return ""
    return str(name) if on_holiday and name else ""


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def working_seconds(start: dt.datetime, end: dt.datetime, unit: str, region_code: str = "") -> int:
    """Working time between two instants (0 when end is before start)."""
    if end <= start:
        return 0
    if unit != Unit.WORKDAYS:
        return int((end - start).total_seconds())
    start, end = _local(start), _local(end)
    total = 0
    day = start.date()
    while day <= end.date():
        if is_workday(day, region_code):
            lo = max(start, _midnight(day))
            hi = min(end, _midnight(day + dt.timedelta(days=1)))
            total += max(0, int((hi - lo).total_seconds()))
        day += dt.timedelta(days=1)
    return total


def advance(start: dt.datetime, seconds: int, unit: str, region_code: str = "") -> dt.datetime:
    """The instant at which `seconds` of working time counted from `start` run out."""
    if unit != Unit.WORKDAYS:
        return start + dt.timedelta(seconds=seconds)
    moment = _local(start)
    remaining = seconds
    for _guard in range(3660):  # ten years of days at most
        day = moment.date()
        day_end = _midnight(day + dt.timedelta(days=1))
        if is_workday(day, region_code):
            available = int((day_end - moment).total_seconds())
            if remaining <= available:
                return moment + dt.timedelta(seconds=remaining)
            remaining -= available
        moment = day_end
    raise ValueError("limit too long")


def budget(amount: int, unit: str) -> int:
    return amount * {Unit.MINUTES: 60, Unit.HOURS: 3600}.get(unit, DAY)


def counting_start(received: dt.datetime, unit: str) -> dt.datetime:
    """Hours count from receipt; working days from the midnight after the day of receipt."""
    if unit != Unit.WORKDAYS:
        return received
    return _midnight(_local(received).date() + dt.timedelta(days=1))


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def __str__(self) -> str:
        from django.utils.translation import gettext as _

        if self.unit == Unit.MINUTES:
            return _("%(n)s minutes") % {"n": self.amount}
        if self.unit == Unit.HOURS:
            return _("%(n)s hours") % {"n": self.amount}
        return _("%(n)s working days") % {"n": self.amount}

    @classmethod
    def parse(cls, value) -> Limit:
        """"30m", "24h" or "7d" (working days), as written in settings."""
        text = str(value).strip().lower()
        if text.endswith("m"):
            return cls(int(text[:-1]), Unit.MINUTES)
        if text.endswith("h"):
            return cls(int(text[:-1]), Unit.HOURS)
        if text.endswith("d"):
            return cls(int(text[:-1]), Unit.WORKDAYS)
        raise ValueError(f"not a limit: {value!r}")


def deadline(received: dt.datetime, limit: Limit, region_code: str = "") -> dt.datetime:
    return advance(counting_start(received, limit.unit), budget(limit.amount, limit.unit), limit.unit, region_code)


def warning_point(start: dt.datetime, remaining: int, limit: Limit, region_code: str = "", share: float = 0.75):
    """When `share` of the whole limit will have been used, counting `remaining` working seconds on from `start`."""
    left_at_warning = int(budget(limit.amount, limit.unit) * (1 - share))
    if remaining <= left_at_warning:
        return start
    return advance(start, remaining - left_at_warning, limit.unit, region_code)
