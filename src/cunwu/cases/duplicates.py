"""Possible duplicates: requests of the same village within a week of each other that are about the same thing
(the same service for the same phone, or demands whose words, cut by jieba, are alike). Shown at intake, on the
case and in the queue, only among the cases the person may see; deciding what to do stays with the staff."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from cunwu.accounts import permissions
from cunwu.audit.context import Actor
from cunwu.text import likeness, words

from .choices import CaseKind, State
from .models import Case

WINDOW = dt.timedelta(days=7)
ALIKE = 0.34  # a third of their words in common
CANDIDATES = 2000  # of the villages concerned within the window, newest first


def _words(case: Case) -> set[str]:
    return set(case.words.split()) if case.words else words(f"{case.title} {case.description}")


def _score(case: Case, other: Case, cache: dict) -> float:
    if case.kind != other.kind or case.pk == other.pk or abs(other.created_at - case.created_at) > WINDOW:
        return 0.0
    if case.kind == CaseKind.APPLICATION:
        same = (other.item_code == case.item_code and case.applicant_phone_index
                and other.applicant_phone_index == case.applicant_phone_index)
        return 1.0 if same else 0.0
    for one in (case, other):
        if one.pk not in cache:
            cache[one.pk] = _words(one)
    return likeness(cache[case.pk], cache[other.pk])


def _candidates(actor: Actor, cases: list[Case]) -> list[Case]:
    """The cases the person may see in the same villages within the window around `cases`, one query."""
    start = min(c.created_at for c in cases) - WINDOW
    end = max(c.created_at for c in cases) + WINDOW
    return list(permissions.restrict(Case.objects.filter(
        village_id__in={c.village_id for c in cases}, created_at__gte=start, created_at__lte=end).exclude(
        state__in=(State.REFUSED, State.WITHDRAWN)), actor, own=False)
        .only("pk", "number", "village_id", "kind", "title", "description", "words", "item_code",
              "applicant_phone_index", "created_at", "state").order_by("-created_at")[:CANDIDATES])


def possible_duplicates(actor: Actor, case: Case, limit: int = 5) -> list[tuple[Case, float]]:
    cache: dict = {}
    scored = [(other, _score(case, other, cache)) for other in _candidates(actor, [case])
              if other.village_id == case.village_id]
    return sorted(((o, s) for o, s in scored if s >= ALIKE), key=lambda pair: -pair[1])[:limit]


def flags(actor: Actor, cases: list[Case]) -> dict[int, int]:
    """For a page of the queue: how many possible duplicates each case has (one query for the page)."""
    if not cases:
        return {}
    by_village: dict[str, list[Case]] = defaultdict(list)
    for other in _candidates(actor, cases):
        by_village[other.village_id].append(other)
    cache: dict = {}
    return {case.pk: sum(1 for o in by_village[case.village_id] if _score(case, o, cache) >= ALIKE)
            for case in cases}
