"""Work orders exchanged with the 12345 hotline or the provincial government-service platform, in one documented
format (docs/open311.md, "Work orders"), as JSON or as an .xlsx sheet with the same columns.

- `read(name, content)`: the rows of an uploaded file; a file that is neither, or has no order-number column,
  is refused whole.
- `import_orders(actor, partner_id, rows)`: each row becomes a case submitted by the partner's service account
  (so the village is told, the clock starts and its result goes back to that partner's webhooks). The order
  number is the case's idempotency key for that partner: a row imported again is reported as already imported,
  never a second case. Each row stands alone: a refused row (with every reason, named by its column) writes
  nothing and does not stop the others.
- `results(actor, partner_id, since)`: what became of the partner's orders (those received since a moment), for
  the hotline to read back in the same format (webhooks push the same as it happens).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunwu.accounts.permissions import MANAGE, VIEW
from cunwu.audit.context import Actor
from cunwu.audit.services import record
from cunwu.cases.choices import FINAL_STATES, State
from cunwu.cases.models import Case
from cunwu.partners import services as partners

from .georeport import Problem
from .intake import case_input, submit_as

FORMAT = "cunwu-workorders/1"
COLUMNS = [("order_number", "工单编号"), ("village", "村（社区）代码"), ("service_code", "事项编码"),
           ("description", "诉求内容"), ("caller_name", "来电人"), ("caller_phone", "来电号码"),
           ("latitude", "纬度"), ("longitude", "经度"), ("place", "地点")]
RESULT_COLUMNS = [("order_number", "工单编号"), ("service_request_id", "村务办件编号"), ("status", "状态"),
                  ("status_notes", "办理情况"), ("result", "办理结果"), ("result_at", "答复时间"),
                  ("updated_at", "更新时间")]
# the intake's fields named by this format's columns, in a refused row's reasons
NAMES = {"kind": "service_code", "item": "service_code", "category": "service_code", "title": "description",
         "description": "description", "applicant_name": "caller_name", "applicant_phone": "caller_phone",
         "latitude": "latitude", "longitude": "longitude", "place": "place", "idempotency_key": "order_number",
         "village": "village"}
MOST = 5000  # rows in one file (by the command); a page takes PAGE_MOST, answered while the user waits
PAGE_MOST = 300
CLOSED = (State.RESOLVED, *FINAL_STATES)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def read(name: str, content: bytes, most: int = MOST) -> list[dict]:
    """The rows of a JSON document ({"format": ..., "orders": [...]}) or an .xlsx sheet (a header row of the
    column names, in English or Chinese)."""
    lowered = (name or "").lower()
    if lowered.endswith(".json"):
        try:
            document = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _refuse(_("The file is not JSON in UTF-8.")) from None
        orders = document.get("orders") if isinstance(document, dict) else None
        if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
            raise _refuse(_("A JSON file holds {\"format\": \"%(f)s\", \"orders\": [...]}, each order an object.")
                          % {"f": FORMAT})
        rows = orders
    elif lowered.endswith(".xlsx"):
        rows = _sheet(content)
    else:
        raise _refuse(_("Upload a .json or .xlsx file in the work-order format."))
    if len(rows) > most:
        raise _refuse(_("At most %(n)s orders in one file here; split it, or import it with the command "
                        "`cunwu workorders import`.") % {"n": most})
    return rows


def _sheet(content: bytes) -> list[dict]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same answer to the user
        raise _refuse(_("The file is not an .xlsx workbook.")) from None
    names = {alias: key for key, chinese in COLUMNS for alias in (key, chinese)}
    lines = book.worksheets[0].iter_rows(values_only=True)
    header = [names.get(str(h or "").strip()) for h in next(lines, ())]
    if "order_number" not in header:
        raise _refuse(_("The first row must name the columns; 工单编号 (order_number) is required."))
    rows: list[dict] = []
    for values in lines:
        if len(rows) > MOST:
            break
        if not any(v not in (None, "") for v in values):
            continue
        rows.append({key: ("" if v is None else str(v).strip()) for key, v in zip(header, values, strict=False)
                     if key})
    book.close()
    return rows


@dataclass
class Outcome:
    row: int
    order_number: str
    state: str  # created, already, refused
    number: str = ""
    problems: list[str] = field(default_factory=list)


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def import_orders(actor: Actor, partner_id: int, rows: list[dict]) -> list[Outcome]:
    partner, acting = partners.get_partner(actor, partner_id, MANAGE)
    if not partner.active:
        raise _refuse(_("This system was disconnected."))
    outcomes = []
    for index, row in enumerate(rows, 1):
        order = _text(row, "order_number")
        if not order or len(order) > 64:
            outcomes.append(Outcome(index, order[:64], "refused", problems=[
                _("工单编号 (order_number) is required, at most 64 characters.")]))
            continue
        existing = Case.objects.filter(idempotency_key=f"{partner.user_id}:{order}").only("number").first()
        if existing is not None:
            outcomes.append(Outcome(index, order, "already", existing.number))
            continue
        village = _text(row, "village")
        try:
            if not village.startswith(partner.region_id) or len(village) != 12:
                raise Problem(400, "village: " + _("the code (12 digits) of a village of %(county)s.")
                              % {"county": partner.region.name})
            data = case_input(partner, village, _text(row, "service_code"), description=_text(row, "description"),
                              name=_text(row, "caller_name"), phone=_text(row, "caller_phone"),
                              latitude=_text(row, "latitude") or None, longitude=_text(row, "longitude") or None,
                              place=_text(row, "place"), token=order)
            with transaction.atomic():
                case, created = submit_as(partner, data, actor.source, NAMES)
        except Problem as problem:
            outcomes.append(Outcome(index, order, "refused", problems=[problem.description]))
            continue
        # (another import of the same file at the same moment made it first: that one is the case)
        outcomes.append(Outcome(index, order, "created" if created else "already", case.number))
    counts = {state: sum(o.state == state for o in outcomes) for state in ("created", "already", "refused")}
    record(acting, "partners.orders.import", partner, region_code=partner.region_id, detail=counts)
    return outcomes


def results(actor: Actor, partner_id: int, since: dt.datetime | None = None) -> list[dict]:
    """Each order of the partner's with what became of it, newest first."""
    partner, acting = partners.get_partner(actor, partner_id, VIEW)
    found = Case.objects.filter(submitted_by_id=partner.user_id).select_related("village")
    if since is not None:
        found = found.filter(created_at__gte=since)
    prefix = f"{partner.user_id}:"
    rows = []
    for case in found.order_by("-created_at", "-id")[:MOST]:
        moments = [m for m in (case.created_at, case.responded_at, case.escalated_at, case.result_at,
                               case.closed_at) if m]
        rows.append({
            "order_number": (case.idempotency_key or "").removeprefix(prefix),
            "service_request_id": case.number, "status": "closed" if case.state in CLOSED else "open",
            "status_notes": str(case.get_state_display()), "result": case.result,
            "result_at": _moment(case.result_at), "updated_at": _moment(max(moments))})
    record(acting, "partners.orders.results", partner, region_code=partner.region_id, detail={"rows": len(rows)})
    return rows


def _moment(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def as_json(rows: list[dict]) -> bytes:
    return json.dumps({"format": FORMAT, "results": rows}, ensure_ascii=False, indent=1).encode()


def as_xlsx(rows: list[dict]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("工单结果")
    sheet.append([chinese for _key, chinese in RESULT_COLUMNS])
    for row in rows:
        sheet.append([_cell(row[key]) for key, _chinese in RESULT_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
