"""Cleaning a service item: the national fields, materials and questions, and the tier rules.

`clean_item` checks a full item as a province states it; `clean_local` checks what a city or county may set
for an item chosen from its parent (narrow or tighten, never widen); `resolve` builds a lower tier's entry from
its parent's entry and its own local details.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunwu import dates
from cunwu.accounts.departments import DepartmentKind, kind_from_name

from .choices import (
    ExerciseLevel,
    HandlingMode,
    ItemType,
    MaterialForm,
    MatterKind,
    OnlineDepth,
    Opens,
    QuestionType,
)

ITEM_FIELDS = (
    "code", "name", "item_type", "matter_kind", "domain", "department", "implementing_body", "legal_basis",
    "exercise_level", "acceptance_conditions", "eligible_applicants", "statutory_limit_days", "promised_limit_days",
    "visits_required", "place", "hours", "consultation", "complaint", "fee", "fee_basis", "handling_modes",
    "online_depth", "materials", "questions", "effective_from", "cancelled_on", "item_version", "notes", "opens",
    "parent_code",
)
# What a city or county may set for an item it takes from its parent; everything else is the province's.
LOCAL_FIELDS = (
    "promised_limit_days", "visits_required", "handling_modes", "place", "hours", "consultation", "complaint",
    "notes",
)
TEXT_LIMITS = {
    "name": 200, "domain": 40, "implementing_body": 200, "place": 200, "hours": 200, "consultation": 200,
    "complaint": 200, "fee": 200, "fee_basis": 300,
}
LONG_TEXT = ("legal_basis", "acceptance_conditions", "eligible_applicants", "notes")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_LIMIT_DAYS = 365


class Errors:
    """Collects messages per field, so that one answer names every problem."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _limited(errors: Errors, field: str, value, limit: int, where: str = "") -> str:
    """The text, or a message naming its limit: a text too long is refused, never cut without a word."""
    text = _text(value)
    if len(text) > limit:
        errors.add(field, (f"{where}: " if where else "") + _("At most %(n)s characters (this has %(m)s).")
                   % {"n": limit, "m": len(text)})
    return text[:limit]


def _whole_number(errors: Errors, field: str, value, *, low: int, high: int, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
        if str(number) != str(value).strip().removesuffix(".0"):
            raise ValueError
    except (TypeError, ValueError):
        errors.add(field, _("%(label)s must be a whole number.") % {"label": label})
        return None
    if not low <= number <= high:
        errors.add(field, _("%(label)s must be between %(low)s and %(high)s.") % {"label": label, "low": low,
                                                                                  "high": high})
        return None
    return number


def _date(errors: Errors, field: str, value, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(field, _("%(label)s must be a date like 2026-01-01.") % {"label": label})
            return None
    if dates.problem(day):
        errors.add(field, f"{label}：{dates.problem(day)}")
        return None
    return day


def _choice(errors: Errors, field: str, value, choices, label: str, *, required: bool = True):
    value = _text(value)
    if not value:
        if required:
            errors.add(field, _("%(label)s is required.") % {"label": label})
        return ""
    by_label = labels_of(choices)
    if value in choices.values:
        return value
    if value in by_label:
        return by_label[value]
    errors.add(field, _("“%(value)s” is not a valid %(label)s; use one of: %(known)s.")
               % {"value": value, "label": label, "known": ", ".join(str(v) for v in choices.values)})
    return ""


def labels_of(choices) -> dict[str, str]:
    """Label -> value in Chinese and in English, so spreadsheets in either language read back."""
    found = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found.update({str(c.label): c.value for c in choices})
    return found


def _modes(errors: Errors, value) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in re.split(r"[,，、;；]+", value) if v.strip()]
    modes: list[str] = []
    for item in value or []:
        mode = _choice(errors, "handling_modes", item, HandlingMode, _("handling mode"))
        if mode and mode not in modes:
            modes.append(mode)
    if not modes and "handling_modes" not in errors.by_field:
        errors.add("handling_modes", _("Name at least one way the village handles this item."))
    return modes


def _bool(value, default: bool = True) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    return _text(value).lower() in {"1", "true", "yes", "y", "是", "必要", "必需", "必填"}


def clean_materials(errors: Errors, value) -> list[dict]:
    cleaned = []
    names = set()
    for index, raw in enumerate(value or [], start=1):
        where = _("material %(n)s") % {"n": index}
        if not isinstance(raw, dict):
            errors.add("materials", _("%(where)s is not a material record.") % {"where": where})
            continue
        name = _limited(errors, "materials", raw.get("name"), 200, where)
        if not name:
            errors.add("materials", _("%(where)s has no name.") % {"where": where})
            continue
        if name in names:
            errors.add("materials", _("The material “%(name)s” is listed twice.") % {"name": name})
        names.add(name)
        sub = Errors()
        form = _choice(sub, "form", raw.get("form") or "either", MaterialForm, _("material form"))
        copies = _whole_number(sub, "copies", raw.get("copies", 1) or 1, low=1, high=20, label=_("copies"))
        for messages in sub.by_field.values():
            for message in messages:
                errors.add("materials", f"{name}: {message}")
        cleaned.append({
            "name": name, "required": _bool(raw.get("required")), "form": form, "copies": copies or 1,
            "blank_form": _limited(errors, "materials", raw.get("blank_form"), 300, name),
            "sample": _limited(errors, "materials", raw.get("sample"), 300, name),
            "source": _limited(errors, "materials", raw.get("source"), 200, name),
        })
    return cleaned


def clean_questions(errors: Errors, value) -> list[dict]:
    cleaned = []
    keys = set()
    for index, raw in enumerate(value or [], start=1):
        where = _("question %(n)s") % {"n": index}
        if not isinstance(raw, dict):
            errors.add("questions", _("%(where)s is not a question record.") % {"where": where})
            continue
        key = _text(raw.get("key"))
        label = _limited(errors, "questions", raw.get("label"), 200, where)
        if not KEY_PATTERN.match(key):
            errors.add("questions", _("%(where)s needs a key of lower-case letters, digits and _ (like "
                                      "household_size).") % {"where": where})
            continue
        if key in keys:
            errors.add("questions", _("The question key “%(key)s” is used twice.") % {"key": key})
        keys.add(key)
        if not label:
            errors.add("questions", _("The question “%(key)s” has no label.") % {"key": key})
        sub = Errors()
        kind = _choice(sub, "type", raw.get("type") or "text", QuestionType, _("question type"))
        options = raw.get("choices") or []
        if isinstance(options, str):
            options = [o for o in re.split(r"[|｜/、]", options) if o.strip()]
        options = [_limited(errors, "questions", o, 100, where) for o in options if _text(o)]
        if kind in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE) and len(options) < 2:
            sub.add("choices", _("a choice question needs at least two choices"))
        if kind not in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE):
            options = []
        for messages in sub.by_field.values():
            for message in messages:
                errors.add("questions", f"{key}: {message}")
        cleaned.append({"key": key, "label": label, "type": kind, "required": _bool(raw.get("required")),
                        "choices": options})
    return cleaned


def clean_item(data: dict, *, today: dt.date | None = None) -> dict:
    """A full item as the province states it; every problem is reported at once."""
    errors = Errors()
    item: dict = {}
    code = _text(data.get("code"))
    if not CODE_PATTERN.match(code):
        errors.add("code", _("An item code uses letters, digits, “.”, “_” or “-” (at most 64)."))
    item["code"] = code
    for field, limit in TEXT_LIMITS.items():
        item[field] = _limited(errors, field, data.get(field), limit)
    for field in LONG_TEXT:
        item[field] = _limited(errors, field, data.get(field), 4000)
    if not item["name"]:
        errors.add("name", _("An item needs a name."))
    if not item["legal_basis"]:
        errors.add("legal_basis", _("An item needs its legal basis."))
    item["item_type"] = _choice(errors, "item_type", data.get("item_type"), ItemType, _("item type"))
    item["matter_kind"] = _choice(errors, "matter_kind", data.get("matter_kind") or MatterKind.GOVERNMENT_SERVICE,
                                  MatterKind, _("kind of matter"))
    department = _text(data.get("department"))
    item["department"] = kind_from_name(department) or ""
    if not department:
        errors.add("department", _("An item needs its competent department."))
    elif not item["department"]:
        errors.add("department", _("Unknown department “%(name)s”; use one of: %(known)s.")
                   % {"name": department, "known": ", ".join(k.value for k in DepartmentKind)})
    level = data.get("exercise_level")
    item["exercise_level"] = _whole_number(errors, "exercise_level", level, low=1, high=5, label=_("level of exercise"))
    if item["exercise_level"] is None and "exercise_level" not in errors.by_field:
        by_label = {str(c.label): c.value for c in ExerciseLevel}
        if _text(level) in by_label:
            item["exercise_level"] = by_label[_text(level)]
        else:
            errors.add("exercise_level", _("Name the level that exercises the item (1 province to 5 village)."))
    item["statutory_limit_days"] = _whole_number(errors, "statutory_limit_days", data.get("statutory_limit_days"),
                                                 low=1, high=MAX_LIMIT_DAYS, label=_("The statutory time limit"))
    item["promised_limit_days"] = _whole_number(errors, "promised_limit_days", data.get("promised_limit_days"),
                                                low=1, high=MAX_LIMIT_DAYS, label=_("The promised time limit"))
    if item["promised_limit_days"] is None and "promised_limit_days" not in errors.by_field:
        errors.add("promised_limit_days", _("An item needs a promised time limit in working days."))
    _check_limits(errors, item["promised_limit_days"], item["statutory_limit_days"])
    item["visits_required"] = _whole_number(errors, "visits_required", data.get("visits_required", 0) or 0,
                                            low=0, high=10, label=_("On-site visits")) or 0
    if item["fee"] and not item["fee_basis"]:
        errors.add("fee_basis", _("A fee needs the document that sets it."))
    item["handling_modes"] = _modes(errors, data.get("handling_modes"))
    depth = data.get("online_depth", OnlineDepth.INFORMATION)
    item["online_depth"] = _whole_number(errors, "online_depth", depth if depth not in (None, "") else 1, low=0,
                                         high=4, label=_("Online-handling depth")) or 0
    item["materials"] = clean_materials(errors, data.get("materials"))
    item["questions"] = clean_questions(errors, data.get("questions"))
    item["effective_from"] = _date(errors, "effective_from", data.get("effective_from"), _("The effective date")) or (
        today or timezone.localdate())
    item["cancelled_on"] = _date(errors, "cancelled_on", data.get("cancelled_on"), _("The cancellation date"))
    if item["cancelled_on"] and item["cancelled_on"] <= item["effective_from"]:
        errors.add("cancelled_on", _("An item is cancelled after it takes effect."))
    item["parent_code"] = _text(data.get("parent_code"))
    if item["parent_code"] and (not CODE_PATTERN.match(item["parent_code"]) or item["parent_code"] == code):
        errors.add("parent_code", _("The item it belongs to is named by another item's code."))
    item["opens"] = _choice(errors, "opens", data.get("opens"), Opens, _("what applying opens"), required=False)
    if item["opens"] and item["department"] and item["department"] != DepartmentKind.JUSTICE:
        errors.add("opens", _("Only an item of the justice bureau opens a legal-aid application or a mediation."))
    item["item_version"] = 1
    errors.raise_if_any()
    return item


MAX_DEPTH = 3  # main item > sub-item > handling item


def tree_problems(entries) -> list[str]:
    """What is wrong with the items' structure: an item belonging to one not in the directory, a loop, or more than
    three levels. `entries`: objects with `code` and `parent_code`."""
    parents = {e.code: e.parent_code for e in entries}
    problems = []
    for code, parent in parents.items():
        if parent and parent not in parents:
            problems.append(_("%(code)s belongs to %(parent)s, which is not in the directory.")
                            % {"code": code, "parent": parent})
            continue
        seen, at = [code], parent
        while at:
            if at in seen:
                problems.append(_("%(code)s belongs to itself through %(path)s.") % {
                    "code": code, "path": " › ".join(seen)})
                break
            seen.append(at)
            at = parents.get(at, "")
        else:
            if len(seen) > MAX_DEPTH:
                problems.append(_("%(code)s is more than three levels deep (main item › sub-item › handling item).")
                                % {"code": code})
    return problems


def groups(entries) -> set[str]:
    """The codes of items others belong to: headings, not applied for."""
    return {e.parent_code for e in entries if e.parent_code}


def _check_limits(errors: Errors, promised: int | None, statutory: int | None) -> None:
    if promised is not None and statutory is not None and promised > statutory:
        errors.add("promised_limit_days", _("The promised time limit (%(p)s working days) is longer than the statutory "
                                            "one (%(s)s working days).") % {"p": promised, "s": statutory})


def clean_local(data: dict, parent: dict) -> dict:
    """What a city or county sets for an item taken from its parent: it may tighten, never widen."""
    errors = Errors()
    unknown = sorted(k for k, v in data.items() if k not in LOCAL_FIELDS and k != "code" and v not in (None, "", []))
    for field in unknown:
        if field in ITEM_FIELDS and _same(data[field], parent.get(field)):
            continue  # a spreadsheet row may repeat the inherited value
        errors.add(field, _("“%(field)s” is set by the tier above; a city or county may only set: %(local)s.")
                   % {"field": field, "local": ", ".join(LOCAL_FIELDS)})
    local: dict = {}
    if data.get("promised_limit_days") not in (None, ""):
        promised = _whole_number(errors, "promised_limit_days", data["promised_limit_days"], low=1,
                                 high=MAX_LIMIT_DAYS, label=_("The promised time limit"))
        if promised is not None:
            if promised > parent["promised_limit_days"]:
                errors.add("promised_limit_days", _("The tier above promises %(p)s working days; a city or county may "
                                                    "shorten this time limit but not lengthen it.")
                           % {"p": parent["promised_limit_days"]})
            _check_limits(errors, promised, parent.get("statutory_limit_days"))
            local["promised_limit_days"] = promised
    if data.get("visits_required") not in (None, ""):
        visits = _whole_number(errors, "visits_required", data["visits_required"], low=0, high=10,
                               label=_("On-site visits"))
        if visits is not None and visits > parent["visits_required"]:
            errors.add("visits_required", _("The tier above requires at most %(n)s visits; a city or county may not "
                                            "ask for more.") % {"n": parent["visits_required"]})
        elif visits is not None:
            local["visits_required"] = visits
    if data.get("handling_modes") not in (None, "", []):
        modes = _modes(errors, data["handling_modes"])
        wider = [m for m in modes if m not in parent["handling_modes"]]
        if wider:
            errors.add("handling_modes", _("The tier above does not offer %(modes)s for this item.")
                       % {"modes": "、".join(str(HandlingMode(m).label) for m in wider)})
        elif modes:
            local["handling_modes"] = modes
    for field in ("place", "hours", "consultation", "complaint"):
        if _text(data.get(field)):
            local[field] = _limited(errors, field, data[field], TEXT_LIMITS[field])
    if _text(data.get("notes")):
        local["notes"] = _limited(errors, "notes", data["notes"], 4000)
    errors.raise_if_any()
    return local


def _same(a, b) -> bool:
    return _text(a) == _text(b) or a == b


def resolve(parent: dict, local: dict) -> dict:
    """A lower tier's entry: the parent's item with the local details, clamped so that it never widens
    (the parent may have tightened since the local details were set)."""
    values = {field: parent[field] for field in ITEM_FIELDS}
    for field, value in local.items():
        if field in ("place", "hours", "consultation", "complaint", "notes"):
            values[field] = value
    if "promised_limit_days" in local:
        values["promised_limit_days"] = min(local["promised_limit_days"], parent["promised_limit_days"])
    if "visits_required" in local:
        values["visits_required"] = min(local["visits_required"], parent["visits_required"])
    if "handling_modes" in local:
        kept = [m for m in local["handling_modes"] if m in parent["handling_modes"]]
        values["handling_modes"] = kept or list(parent["handling_modes"])
    return values


def values_of(entry) -> dict:
    return {field: getattr(entry, field) for field in ITEM_FIELDS}
