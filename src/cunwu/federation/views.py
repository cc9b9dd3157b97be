"""The nation's page: each province's rates from its daily reports, and which days each has reported."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import render

from . import services


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def national(request):
    """Public, like a place's rates: counts only, never names."""
    problem = ""
    try:
        figures = services.national(_day(request.GET.get("start")), _day(request.GET.get("end")))
    except ValidationError as exc:
        problem = " ".join(exc.messages)
        figures = services.national(None, None)
    days = (figures.end - figures.start).days + 1
    rows = [(f, f.rates.as_dict(), days - f.days) for f in figures.provinces]
    return render(request, "federation/national.html", {
        "figures": figures, "rows": rows, "total": figures.total.as_dict(), "days": days, "problem": problem})
