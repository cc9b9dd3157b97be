"""Dates from forms, the API and files, held to the years a record of this platform can mean: 1900 to 2099.
A 0001-01-01 or a 9999-12-31 is a slip of the keyboard or a probe, never a birth, a decision or a deadline;
it is refused with a message on the field instead of being stored, printed on a certificate or counted."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2099, 12, 31)


def problem(day: dt.date) -> str:
    """Why the date cannot be taken, or ""."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if not EARLIEST <= day <= LATEST:
        return _("Enter a date between %(first)s and %(last)s.") % {"first": EARLIEST.year, "last": LATEST.year}
    return ""


def check(day, field: str):
    """The date (or datetime) itself, or the field's error."""
    if day is not None and problem(day):
        raise ValidationError({field: [problem(day)]})
    return day


def parse(value, field: str) -> dt.date | None:
    """An ISO date from a form or a file, None when left empty; anything else is the field's error."""
    if isinstance(value, dt.date):
        return check(value, field)
    value = (value or "").strip() if isinstance(value, str) else str(value)
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: [_("Enter a date such as 2026-11-23.")]}) from None
    return check(day, field)


def _within(day):
    if problem(day):
        raise ValueError(problem(day))
    return day


# A date in an API schema: the same years as the forms.
PlausibleDate = Annotated[dt.date, AfterValidator(_within)]
