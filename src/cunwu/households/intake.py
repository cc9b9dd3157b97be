"""Collect once, for every intake form: the box that finds a villager in the village's records (by mobile, ID
number or name) and the person (or, for a dispute, the people) the form takes its details from. A form page puts
`lookup(...)` in its context and includes "households/_find.html" and "households/_taken.html"; its service takes
the chosen person's id and fills what was left empty from the record."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _

from cunwu.audit.context import Actor

from . import services
from .models import Resident


def lookup(request, actor: Actor, village_code: str, picks: tuple[tuple[str, str], ...] | None = None) -> dict:
    """The context of the look-up box. `picks` are the (parameter, link text) a person found can be chosen as
    (one "resident" by default; a dispute's applicant and respondent, say); `taken` maps each parameter to the
    person chosen for it, and is also the one person for a form with a single pick."""
    picks = picks or (("resident", _("Take the details from this record")),)
    may_find = services.may_read_village(actor, village_code)
    params = request.POST if request.method == "POST" else request.GET
    chosen = {name: services.resident_for_form(actor, params.get(name), village_code) if may_find else None
              for name, _label in picks}
    query = request.GET.get("find", "").strip()[:50]
    names = {name for name, _label in picks}
    keep = [(k, v) for k, v in request.GET.items() if k not in names and k not in ("find", "page")]
    current = [(name, person.pk) for name, person in chosen.items() if person is not None]
    found = services.find(actor, village_code, query) if may_find and query else []
    links = [(person, [(label, "?" + urlencode([*keep, *[(n, pk) for n, pk in current if n != name],
                                                  (name, person.pk)]))
                       for name, label in picks]) for person in found]
    return {"may_find": may_find, "find": query, "keep": keep, "found": links, "taken_by": chosen,
            "taken": chosen.get("resident")}


def details(person: Resident) -> dict:
    """What a form may take from the record."""
    return {"name": person.name, "sex": person.sex, "birth_date": person.birth_date,
            "phone": person.phone or person.household.phone, "address": person.household.address}
