"""Directories to and from .xlsx with the national column names: one sheet of items, one of materials, one
of the questions asked. An import checks every row and writes nothing if any row is bad."""

from __future__ import annotations

from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from cunwu.accounts.departments import CHINESE_NAMES
from cunwu.audit.context import Actor

from . import services
from .choices import HandlingMode, ItemType, MaterialForm, MatterKind, Opens, QuestionType
from .items import labels_of
from .models import DirectoryEntry

ITEM_COLUMNS = [  # (national column name, field)
    ("事项编码", "code"), ("事项名称", "name"), ("事项类型", "item_type"), ("事项性质", "matter_kind"),
    ("服务领域", "domain"), ("主管部门", "department"), ("实施主体", "implementing_body"), ("设定依据", "legal_basis"),
    ("行使层级", "exercise_level"), ("受理条件", "acceptance_conditions"), ("申请对象", "eligible_applicants"),
    ("法定办结时限（工作日）", "statutory_limit_days"), ("承诺办结时限（工作日）", "promised_limit_days"),
    ("到办事现场次数", "visits_required"), ("办理地点", "place"), ("办理时间", "hours"), ("咨询方式", "consultation"),
    ("监督投诉方式", "complaint"), ("收费标准", "fee"), ("收费依据", "fee_basis"), ("村级办理方式", "handling_modes"),
    ("网办深度", "online_depth"), ("生效日期", "effective_from"), ("取消日期", "cancelled_on"), ("版本号", "item_version"),
    ("备注", "notes"), ("上级事项编码", "parent_code"), ("申请后进入", "opens"),
]
MATERIAL_COLUMNS = [("事项编码", "code"), ("材料名称", "name"), ("是否必要", "required"), ("材料形式", "form"),
                    ("份数", "copies"), ("空白表格", "blank_form"), ("示例样表", "sample"), ("来源渠道", "source")]
QUESTION_COLUMNS = [("事项编码", "code"), ("字段", "key"), ("标签", "label"), ("类型", "type"), ("是否必填", "required"),
                    ("选项", "choices")]
SHEETS = ("服务事项", "申请材料", "填报信息")


class RowsRejected(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def export_version(entries: list[DirectoryEntry]) -> bytes:
    """The national layout, with Chinese labels whatever the user's language (the file goes to other offices)."""
    with translation.override("zh-hans"):
        return _export(entries)


def _export(entries: list[DirectoryEntry]) -> bytes:
    book = Workbook()
    items_sheet = book.active
    items_sheet.title = SHEETS[0]
    items_sheet.append([c for c, _f in ITEM_COLUMNS])
    materials_sheet = book.create_sheet(SHEETS[1])
    materials_sheet.append([c for c, _f in MATERIAL_COLUMNS])
    questions_sheet = book.create_sheet(SHEETS[2])
    questions_sheet.append([c for c, _f in QUESTION_COLUMNS])
    for e in entries:
        row = []
        for _c, field in ITEM_COLUMNS:
            value = getattr(e, field)
            if field == "item_type":
                value = _label(ItemType, value)
            elif field == "matter_kind":
                value = _label(MatterKind, value)
            elif field == "opens":
                value = _label(Opens, value) if value else ""
            elif field == "department":
                value = CHINESE_NAMES.get(value, value)
            elif field == "handling_modes":
                value = "、".join(_label(HandlingMode, m) for m in value)
            row.append(value)
        items_sheet.append(row)
        for m in e.materials:
            materials_sheet.append([e.code, m["name"], "是" if m.get("required", True) else "否",
                                    _label(MaterialForm, m.get("form", "either")), m.get("copies", 1),
                                    m.get("blank_form", ""), m.get("sample", ""), m.get("source", "")])
        for q in e.questions:
            questions_sheet.append([e.code, q["key"], q["label"], _label(QuestionType, q["type"]),
                                    "是" if q.get("required", True) else "否", "|".join(q.get("choices", []))])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(sheet, columns) -> tuple[list[str], list[tuple[int, dict]]]:
    by_name = dict(columns)
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    fields = [by_name.get(h) for h in header]
    missing = [name for name, field in columns if field in ("code",) and field not in fields]
    out = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        record = {}
        for field, value in zip(fields, values, strict=False):
            if field:
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                record[field] = value
        out.append((number, record))
    return missing, out


def read_workbook(data: bytes) -> list[tuple[int, dict]]:
    """Items from a workbook, with their materials and questions attached; row numbers for messages."""
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same answer
        raise RowsRejected([_("The file is not a readable .xlsx workbook (%(err)s).") % {"err": exc}]) from None
    if SHEETS[0] not in book.sheetnames:
        raise RowsRejected([_("The workbook has no sheet named “%(name)s”.") % {"name": SHEETS[0]}])
    missing, items = _rows(book[SHEETS[0]], ITEM_COLUMNS)
    if missing:
        raise RowsRejected([_("%(sheet)s, row 1: the column %(cols)s is missing.")
                            % {"sheet": SHEETS[0], "cols": "、".join(missing)}])
    by_code = {}
    for _n, item in items:
        item["materials"], item["questions"] = [], []
        by_code.setdefault(str(item.get("code") or "").strip(), item)
    problems = []
    for sheet_name, columns, key in ((SHEETS[1], MATERIAL_COLUMNS, "materials"),
                                     (SHEETS[2], QUESTION_COLUMNS, "questions")):
        if sheet_name not in book.sheetnames:
            continue
        _missing, rows = _rows(book[sheet_name], columns)
        for number, row in rows:
            code = str(row.pop("code", "") or "").strip()
            if code not in by_code:
                problems.append(_("%(sheet)s, row %(row)s: the item %(code)s is not on the items sheet.")
                                % {"sheet": sheet_name, "row": number, "code": code or "?"})
                continue
            if key == "questions" and isinstance(row.get("choices"), str):
                row["choices"] = [c for c in row["choices"].split("|") if c.strip()]
            by_code[code][key].append(row)
    if problems:
        raise RowsRejected(problems)
    for _n, item in items:
        item.pop("item_version", None)
        for field in ("item_type", "matter_kind"):
            item[field] = _from_label(item.get(field), ItemType if field == "item_type" else MatterKind)
        for row in item["materials"]:
            row["form"] = _from_label(row.get("form"), MaterialForm)
        for row in item["questions"]:
            row["type"] = _from_label(row.get("type"), QuestionType)
    return items


def _from_label(value, choices):
    text = "" if value is None else str(value).strip()
    return labels_of(choices).get(text, text)


def import_workbook(actor: Actor, region_code: str, data: bytes) -> int:
    """Put every item of the workbook into the region's draft; one bad row and nothing is written."""
    items = read_workbook(data)
    if not items:
        raise RowsRejected([_("The items sheet has no rows.")])
    problems: list[str] = []
    seen: dict[str, int] = {}
    saved = 0
    with transaction.atomic():
        for number, item in items:
            code = str(item.get("code") or "").strip()
            if code in seen:
                problems.append(_("%(sheet)s, row %(row)s: the item %(code)s is already on row %(first)s.")
                                % {"sheet": SHEETS[0], "row": number, "code": code, "first": seen[code]})
                continue
            seen[code] = number
            sid = transaction.savepoint()
            try:
                services.save_item(actor, region_code, item)
                transaction.savepoint_commit(sid)
                saved += 1
            except ValidationError as exc:
                transaction.savepoint_rollback(sid)
                messages = ([f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
                            if hasattr(exc, "error_dict") else exc.messages)
                problems.append(_("%(sheet)s, row %(row)s (%(code)s): %(problems)s")
                                % {"sheet": SHEETS[0], "row": number, "code": code or "?",
                                   "problems": "; ".join(messages)})
        if problems:
            raise RowsRejected(problems)
    return saved


