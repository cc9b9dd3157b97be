"""A village's existing household ledger (户籍台账) from a spreadsheet: one row per person, grouped into
households by the ledger's household number. Every row is checked before anything is written (details,
duplicates by ID number and by name + birth date within a household, one head per household, grids and key
groups by their names) and every bad row is named; then everything is written in one transaction, or nothing.

Column headers are Chinese, as village ledgers have them; `template()` gives an empty workbook with them."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from cunwu.accounts import personal_data
from cunwu.audit.context import Actor
from cunwu.audit.services import record

from . import services
from .choices import DEFAULT_RULES, KeyGroup, Relation, Residence, Sex, Status
from .models import Change, Grid, Household, Label, LedgerImport, Resident

COLUMNS = [  # (header, field)
    ("户编号", "key"), ("自然屯/村民小组", "group_name"), ("住址", "address"), ("家庭电话", "household_phone"),
    ("网格", "grid"), ("姓名", "name"), ("与户主关系", "relation"), ("性别", "sex"), ("出生日期", "birth_date"),
    ("身份证号", "national_id"), ("手机号码", "phone"), ("户籍和居住", "residence"), ("重点人群", "labels"),
    ("备注", "note"),
]
HEADER_OF = {f: h for h, f in COLUMNS}
HEADER_OF.update({f"head_{f}": h for h, f in COLUMNS})
MAX_ROWS = 20000
SEPARATORS = "、,，;；/ "


class LedgerRejected(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _labels(choices) -> dict[str, str]:
    """Chinese label (and the code itself) -> value."""
    with translation.override("zh-hans"):
        out = {str(label): value for value, label in choices.choices}
    out.update({value: value for value in choices.values})
    return out


def template() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "户籍台账"
    sheet.append([h for h, _f in COLUMNS])
    with translation.override("zh-hans"):
        sheet.append(["1", "一组", "东街3号", "", "一网格", "张某某", str(Relation.HEAD.label), "男", "1950-01-11",
                      "", "13900000000", str(Residence.REGISTERED_HERE.label),
                      str(KeyGroup.ELDERLY_ALONE.label), ""])
    notes = book.create_sheet("填写说明")
    with translation.override("zh-hans"):
        for line in (
            "每人一行；同一户的人填写相同的户编号，每户有且只有一名户主。",
            "出生日期写成 1950-01-11；填了身份证号可不填出生日期和性别。",
            "与户主关系：" + "、".join(str(label) for _v, label in Relation.choices),
            "户籍和居住：" + "、".join(str(label) for _v, label in Residence.choices),
            "重点人群（可填多个，用顿号分开）：" + "、".join(str(label) for _v, label in KeyGroup.choices),
            "网格须已在本村建立；整个文件有任何一行有误，就一行也不导入，并列出每一行的问题。",
        ):
            notes.append([line])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def read(data: bytes) -> list[tuple[int, dict]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise LedgerRejected([_("This is not an .xlsx workbook: %(e)s") % {"e": type(exc).__name__}]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = [str(h or "").strip() for h in next(rows, ())]
    missing = [h for h, _f in COLUMNS if h not in headers and h not in ("户编号", "网格", "重点人群", "家庭电话")]
    if missing:
        raise LedgerRejected([_("Columns missing from the first row: %(list)s.") % {"list": "、".join(missing)}])
    where = {f: headers.index(h) for h, f in COLUMNS if h in headers}
    out: list[tuple[int, dict]] = []
    for number, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        if len(out) >= MAX_ROWS:
            raise LedgerRejected([_("At most %(n)s people per file: split the ledger.") % {"n": MAX_ROWS}])
        row = {}
        for name, index in where.items():
            value = values[index] if index < len(values) else None
            if name == "birth_date" and isinstance(value, dt.date):  # a date cell (a datetime is a date too)
                value = value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
            row[name] = "" if value is None else str(value).strip()
            if name in ("national_id", "phone", "household_phone", "key") and row[name].endswith(".0"):
                row[name] = row[name][:-2]  # a number typed into a spreadsheet cell
        out.append((number, row))
    return out


@dataclass
class Loaded:
    households: int = 0
    people: int = 0
    labels: int = 0
    problems: list[str] = field(default_factory=list)


def load(actor: Actor, village_code: str, data: bytes,
         progress: Callable[[int, int], None] | None = None) -> Loaded:
    """Check every row (telling `progress` how many of how many), then write every household, person and label
    of the ledger in one transaction, or nothing."""
    village = services.village_or_404(village_code)
    acting = services.staff_of(actor, village.code)
    rows = read(data)
    if not rows:
        raise LedgerRejected([_("The ledger has no rows.")])
    relations, sexes, residences, groups = (_labels(Relation), _labels(Sex), _labels(Residence), _labels(KeyGroup))
    grids = {g.name: g for g in Grid.objects.filter(village=village)}
    problems: list[tuple[int, str]] = []
    homes: dict[str, list[tuple[int, dict, services.CleanPerson, list[str]]]] = defaultdict(list)
    seen_ids: dict[str, int] = {}
    seen_people: dict[tuple, int] = {}
    broken: set[str] = set()  # households with a bad row: their own checks wait for the rows to be corrected

    def bad(number: int, message: str) -> None:
        problems.append((number, _("Row %(n)s: %(m)s") % {"n": number, "m": message}))

    for count, (number, row) in enumerate(rows, start=1):
        if progress is not None and (count % 200 == 0 or count == len(rows)):
            progress(count, len(rows))
        key = row.get("key") or row.get("address", "")
        data_in = services.PersonInput(
            name=row.get("name", ""), relation=relations.get(row.get("relation", ""), "?") if row.get("relation")
            else "", sex=sexes.get(row.get("sex", ""), "?") if row.get("sex") else "",
            birth_date=row.get("birth_date", ""), national_id=row.get("national_id", ""), phone=row.get("phone", ""),
            residence=residences.get(row.get("residence", ""), "?") if row.get("residence") else "",
            note=row.get("note", ""))
        before = len(problems)
        person = None
        try:
            person = services.clean_person(data_in)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    bad(number, f"{HEADER_OF.get(name, name)}：{message}")
        labels = _split(row.get("labels", ""))
        unknown = [p for p in labels if p not in groups]
        if unknown:
            bad(number, _("unknown key group: %(list)s") % {"list": "、".join(unknown)})
        if row.get("grid") and row["grid"] not in grids:
            bad(number, _("no grid named %(g)s in this village") % {"g": row["grid"]})
        if person is None or len(problems) > before:
            broken.add(key)
            continue
        if person.national_id:
            if person.national_id in seen_ids:
                bad(number, _("the same ID number as row %(r)s") % {"r": seen_ids[person.national_id]})
                broken.add(key)
                continue
            seen_ids[person.national_id] = number
        same = (key, person.name, person.birth_date)
        if same in seen_people:
            bad(number, _("the same person (name and birth date in one household) as row %(r)s")
                % {"r": seen_people[same]})
            broken.add(key)
            continue
        seen_people[same] = number
        homes[key].append((number, row, person, [groups[p] for p in labels]))

    taken = set(Resident.objects.filter(status=Status.MEMBER, national_id_index__in=[
        personal_data.blind_index(n) for n in seen_ids]).values_list("national_id_index", flat=True))
    if taken:
        for national_id, number in seen_ids.items():
            if personal_data.blind_index(national_id) in taken:
                bad(number, _("this ID number is already recorded as a member of a household"))
    existing = set(Resident.objects.filter(village=village, status=Status.MEMBER).values_list(
        "name", "birth_date", "household__address"))
    for key, members in homes.items():
        first_number, first = members[0][0], members[0][1]
        heads = [m for m in members if m[2].relation == Relation.HEAD]
        if key in broken:
            continue
        if len(heads) != 1:
            bad(first_number, _("household %(k)s has %(n)s heads; it needs exactly one")
                % {"k": key, "n": len(heads)})
        if not first.get("address"):
            bad(first_number, _("household %(k)s has no address") % {"k": key})
        phone = first.get("household_phone", "")
        if phone:
            try:
                personal_data.normalize_phone(phone)
            except ValidationError as exc:
                bad(first_number, f"{HEADER_OF['household_phone']}：{exc.messages[0]}")
        for number, _row, person, _groups in members:
            if (person.name, person.birth_date, first.get("address", "")) in existing:
                bad(number, _("%(name)s (born %(d)s) is already recorded at this address")
                    % {"name": person.name, "d": person.birth_date})
    if problems:
        raise LedgerRejected([message for _number, message in sorted(problems, key=lambda p: p[0])])
    return _write(acting, village, homes, grids)


def _split(text: str) -> list[str]:
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [p for p in (t.strip() for t in text.split(SEPARATORS[0])) if p]


def _write(acting: Actor, village, homes, grids) -> Loaded:
    today = timezone.localdate()
    rules = services.rules_for(village.code[:6])
    done = Loaded()
    now = timezone.now()
    with transaction.atomic():
        for members in homes.values():
            first = members[0][1]
            grid = grids.get(first.get("grid", ""))
            household = Household.objects.create(
                village=village, grid=grid, group_name=first.get("group_name", "")[:60],
                address=first["address"][:200],
                phone=personal_data.normalize_phone(first["household_phone"]) if first.get("household_phone") else "")
            done.households += 1
            changes = []
            for _number, _row, person, groups in members:
                resident = services.new_resident(household, person, acting.user)
                done.people += 1
                changes.append(Change(household=household, resident=resident, village=village, field="member",
                                      value=person.name, by=acting.user, at=now, source="ledger import"))
                for group in groups:
                    label = Label(household=household, resident=resident, village=village, grid=grid, group=group,
                                  started_on=today, added_by=acting.user)
                    services.schedule(label, rules.get(group, DEFAULT_RULES[group]))
                    label.save()
                    done.labels += 1
            Change.objects.bulk_create(changes)
        record(acting, "households.import", region_code=village.code,
               detail={"households": done.households, "people": done.people, "labels": done.labels})
    return done


# --- the import as a background job (the page shows its progress) -----------------------------------------


def start(actor: Actor, village_code: str, file_name: str, data: bytes) -> LedgerImport:
    """Keep the workbook sealed and hand it to the worker; the page follows the job."""
    import base64

    from cunwu.background import hand_over

    from .tasks import run_ledger_import

    village = services.village_or_404(village_code)
    acting = services.staff_of(actor, village.code)
    if not data:
        raise ValidationError({"file": [_("Choose the ledger file (.xlsx).")]})
    if len(data) > 20 * 1024 * 1024:
        raise ValidationError({"file": [_("The file is larger than 20 MB: split the ledger.")]})
    if data[:2] != b"PK":
        raise ValidationError({"file": [_("This is not an .xlsx workbook.")]})
    with transaction.atomic():
        job = LedgerImport.objects.create(village=village, uploaded_by=actor.user, file_name=file_name[:200],
                                          sealed=personal_data.encrypt(base64.b64encode(data).decode()))
        record(acting, "households.import_queued", job, region_code=village.code, detail={"file": job.file_name})
        transaction.on_commit(lambda: hand_over(run_ledger_import, job.pk))
    return job


def run_left_queued(now: dt.datetime | None = None) -> int:
    """Run the imports still waiting five minutes after upload (their hand-over to the queue failed, or the
    worker stopped): the worker's sweep. Returns how many ran."""
    now = now or timezone.now()
    waiting = LedgerImport.objects.filter(state=LedgerImport.State.QUEUED,
                                          created_at__lte=now - dt.timedelta(minutes=5))
    ran = 0
    for pk in waiting.values_list("pk", flat=True):
        try:
            run(pk)
        except Exception:  # noqa: BLE001 (the job is marked failed; the next ones still run)
            logging.getLogger("cunwu.worker").exception("ledger import %s failed", pk)
        ran += 1
    return ran


def run(job_id: int) -> LedgerImport:
    import base64

    job = LedgerImport.objects.select_related("uploaded_by").get(pk=job_id)
    claimed = LedgerImport.objects.filter(pk=job.pk, state=LedgerImport.State.QUEUED).update(
        state=LedgerImport.State.CHECKING)
    if not claimed:
        return job  # a task delivered twice, or also found by the sweep, runs once
    data = base64.b64decode(personal_data.decrypt(job.sealed))
    actor = Actor(user=job.uploaded_by, channel="worker", source="worker")

    def progress(checked: int, total: int) -> None:
        LedgerImport.objects.filter(pk=job.pk).update(checked=checked, total=total)

    try:
        loaded = load(actor, job.village_id, data, progress)
        result: dict[str, object] = {"households": loaded.households, "people": loaded.people,
                                     "labels": loaded.labels}
        state = LedgerImport.State.DONE
    except LedgerRejected as exc:
        state, result = LedgerImport.State.REJECTED, {"problems": exc.problems[:500], "count": len(exc.problems)}
    except Exception:  # the job must not stay "checking" for ever; the file is dropped either way
        LedgerImport.objects.filter(pk=job.pk).update(state=LedgerImport.State.REJECTED, sealed="",
                                                      finished_at=timezone.now(),
                                                      result={"problems": [_("The import failed; try again.")]})
        raise
    LedgerImport.objects.filter(pk=job.pk).update(state=state, result=result, sealed="", finished_at=timezone.now())
    job.refresh_from_db()
    return job
