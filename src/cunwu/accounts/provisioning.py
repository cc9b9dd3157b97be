"""Bulk provisioning from a spreadsheet: every row is checked; one bad row and nothing is written."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from cunwu.audit.context import Actor

from . import permissions, services
from .roles import SPECS, is_official

COLUMNS = {  # header (English or Chinese) -> field
    "username": "username", "用户名": "username",
    "full_name": "full_name", "name": "full_name", "姓名": "full_name",
    "phone": "phone", "手机号": "phone", "手机号码": "phone",
    "national_id": "national_id", "身份证号": "national_id", "身份证号码": "national_id",
    "role": "role", "角色": "role",
    "region": "region", "区划代码": "region",
    "department": "department", "部门": "department",
}


class RowsRejected(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Provisioned:
    username: str
    initial_password: str  # empty for villagers (they sign in by phone)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def import_people(actor: Actor, path: Path | str) -> list[Provisioned]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same answer
        raise RowsRejected([_("%(file)s is not a readable .xlsx file (%(err)s).") % {"file": path, "err": exc}]) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [COLUMNS.get(_cell(h).lower(), COLUMNS.get(_cell(h))) for h in next(rows, [])]
    missing = {"role", "region"} - set(header)
    if missing:
        raise RowsRejected([_("Row 1: the columns %(cols)s are missing.") % {"cols": ", ".join(sorted(missing))}])
    problems: list[str] = []
    done: list[Provisioned] = []
    with transaction.atomic():
        for number, values in enumerate(rows, start=2):
            data = {field: _cell(v) for field, v in zip(header, values, strict=False) if field}
            if not any(data.values()):
                continue
            role = data.get("role", "")
            password = secrets.token_urlsafe(12) if role in SPECS and is_official(role) else ""
            try:
                with transaction.atomic():
                    person = services.create_user(
                        actor,
                        services.PersonInput(data.get("username", ""), data.get("full_name", ""), data.get("phone", ""),
                                             data.get("national_id", ""), password),
                        role, data.get("region", ""), data.get("department") or None,
                    )
                done.append(Provisioned(person.username, password))
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
                for field, errors in messages.items():
                    problems.extend(f"Row {number}, {field}: {e}" for e in errors)
            except permissions.NotFound:
                problems.append(f"Row {number}, region: " + _("There is no such region in your jurisdiction."))
            except permissions.Forbidden as exc:
                problems.append(f"Row {number}, role: {exc.message}")
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise RowsRejected(problems)
    return done
